"""The typed operations of inspection plans, rounds, patrols and hazards (R8, R9).

``mall.inspection_plans``, ``mall.inspection_rounds``, ``mall.patrols`` and
``mall.hazards``.  Every operation is one atomic commit; bad input raises mallops'
errors naming the field and changes nothing.
"""

from __future__ import annotations

from typing import Any

from mallops.plugins import Actor, Record, WorkflowService

__all__ = ["HazardService", "InspectionPlanService", "InspectionRoundService", "PatrolService"]


def _given(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class InspectionPlanService(WorkflowService):
    """``mall.inspection_plans``: plans per equipment or area (R9)."""

    def create(
        self,
        *,
        actor: Actor,
        area: str,
        title: str,
        location: str,
        checklist: list[str],
        frequency: str,
        calendar: str | None = None,
        department: str | None = None,
        starts_at: Any = None,
    ) -> Record:
        """Plan rounds of ``checklist`` on ``area`` every ``frequency`` (R9), on the
        business calendar (default) or ``calendar="24x7"``, by ``department`` (the
        area's by default), from ``starts_at`` (default now).  The rounds fall due by
        themselves: ``mall.tick()`` opens each when its window starts."""
        return self.open(
            actor=actor,
            **_given(
                area=area,
                title=title,
                location=location,
                checklist=checklist,
                frequency=frequency,
                calendar=calendar,
                department=department,
                starts_at=starts_at,
            ),
        )

    def active(self) -> list[Record]:
        """Plans whose rounds are falling due, the next round first."""
        plans = self.query(state="active")
        return sorted(plans, key=lambda r: (str(r.fields.get("next_round_at", "")), r.id))

    def rounds_of(self, plan: str) -> list[Record]:
        """The rounds (or patrols) a plan generated, the oldest first."""
        record = self.get(plan)
        kind = "patrol" if record.fields.get("patrol") else "inspection_round"
        rounds = [r for r in self.runtime.query(kind=kind) if r.fields.get("plan") == record.id]
        return sorted(rounds, key=lambda r: (r.created_at, r.id))


class InspectionRoundService(WorkflowService):
    """``mall.inspection_rounds``: do a round item by item (R8, R9)."""

    def start(self, round_id: str, *, actor: Actor) -> Record:
        """The inspector starts the round (and holds it from then on)."""
        return self.fire(round_id, "start", actor=actor)

    def check(
        self,
        round_id: str,
        *,
        actor: Actor,
        item: str,
        passed: bool,
        note: str | None = None,
        follow_up: str | None = None,
        fault_type: str | None = None,
        urgency: str | None = None,
    ) -> Record:
        """Record one checklist item: passed, or failed with a ``note`` (R9).  A failed
        item opens a repair order (``follow_up="repair"``, of ``fault_type``) or a
        hazard report to security (``"hazard"``), as its area says unless told (R8)."""
        return self.fire(
            round_id,
            "check",
            actor=actor,
            **_given(
                item=item,
                passed=passed,
                note=note,
                follow_up=follow_up,
                fault_type=fault_type,
                urgency=urgency,
            ),
        )

    def complete(self, round_id: str, *, actor: Actor) -> Record:
        """Close the round once every item is recorded."""
        return self.fire(round_id, "complete", actor=actor)

    def findings(self, round_id: str) -> list[dict[str, Any]]:
        """The failed items of a round with the repair order or hazard each became."""
        return [r for r in self.get(round_id).fields.get("results", []) if not r["passed"]]

    def late(self) -> list[Record]:
        """Open rounds past their deadline (escalated, R9), the most overdue first."""
        out = [
            r
            for r in self.query(is_open=True)
            if (t := r.timer("deadline")) is not None and t.breached_at is not None
        ]
        return sorted(out, key=lambda r: (r.created_at, r.id))


class PatrolService(WorkflowService):
    """``mall.patrols``: security patrols, checkpoint by checkpoint (R9)."""

    def start(self, patrol_id: str, *, actor: Actor) -> Record:
        """The guard starts the patrol."""
        return self.fire(patrol_id, "start", actor=actor)

    def check_in(
        self, patrol_id: str, *, actor: Actor, checkpoint: str, note: str | None = None
    ) -> Record:
        """Check in at ``checkpoint`` now (the time is recorded, and whether it was
        reached in the route's order)."""
        return self.fire(
            patrol_id, "check_in", actor=actor, **_given(checkpoint=checkpoint, note=note)
        )

    def report_hazard(
        self, patrol_id: str, *, actor: Actor, checkpoint: str, description: str
    ) -> Record:
        """A hazard found at ``checkpoint``: a hazard report goes to security (R9)."""
        return self.fire(
            patrol_id, "hazard", actor=actor, checkpoint=checkpoint, description=description
        )

    def finish(self, patrol_id: str, *, actor: Actor) -> Record:
        """End the patrol; checkpoints not reached are recorded as missed."""
        return self.fire(patrol_id, "finish", actor=actor)


class HazardService(WorkflowService):
    """``mall.hazards``: hazard reports held by security (R9)."""

    def report(
        self,
        *,
        actor: Actor,
        description: str,
        location: str,
        found_in: str | None = None,
    ) -> Record:
        """Report a hazard (``found_in``: the round or patrol that found it)."""
        return self.open(
            actor=actor, **_given(description=description, location=location, found_in=found_in)
        )

    def resolve(self, hazard_id: str, *, actor: Actor, action: str) -> Record:
        """Record what was done to make it safe."""
        return self.fire(hazard_id, "resolve", actor=actor, action=action)
