"""``mall.drills``: emergency drills 应急演练 on a schedule per plan (rule E2).

The spec is :data:`~mallops.operations.drill_spec.DRILL`.  :meth:`DrillService.start`
schedules the first drill of a plan; from then on the reaction :data:`NEXT_DRILL`
schedules the next one whenever a drill is held, one plan frequency after the day it
was held (in the same atomic batch: one ``hold`` commits once, so two tickers or two
clerks never create the next drill twice).  A drill not held by its due time falls
``overdue`` by its timer and climbs the drill ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pendulum

from mallops.domain import Actor, Record
from mallops.errors import ValidationError
from mallops.plugins import Reacting, Reaction, Workflow, WorkflowService

from .drill_report import drill_section
from .drill_spec import DRILL, DrillPolicy, drill_policy
from .instants import instant

__all__ = ["DRILLS", "NEXT_DRILL", "DrillService"]


class DrillService(WorkflowService):
    """Drills: scheduled per plan, held and recorded, overdue ones escalated (E2)."""

    def start(self, *, actor: Actor, plan: str, due_at: pendulum.DateTime) -> Record:
        """Schedule the first drill of ``plan`` due at ``due_at`` (E2).  A plan has one
        open drill at a time: a second is refused with a ``ValidationError``."""
        for r in self.query(is_open=True, category=plan):
            raise ValidationError(
                f"plan: {plan!r} already has the open drill {r.id}; hold or reschedule it",
                field="plan",
            )
        return self.open(actor=actor, plan=plan, due_at=due_at)

    def start_all(self, *, actor: Actor) -> list[Record]:
        """Schedule every plan of the policy without an open drill, each due one plan
        frequency from now (E2); returns the drills scheduled."""
        now = self.runtime.now()
        out = []
        for key, plan in drill_policy(self.runtime.policy).plans.items():
            if not self.query(is_open=True, category=key):
                due = self.runtime.calendar.add(now, plan.every)
                out.append(self.open(actor=actor, plan=key, due_at=due))
        return out

    def hold(
        self,
        record_id: str,
        *,
        actor: Actor,
        participants: int,
        findings: str,
        held_at: pendulum.DateTime | None = None,
        departments: Sequence[str] = (),
        scenario: str | None = None,
    ) -> Record:
        """Record the drill (E2: date, participants, findings); the next is scheduled."""
        extra: dict[str, Any] = {}
        if held_at is not None:
            extra["held_at"] = held_at
        if departments:
            extra["departments"] = list(departments)
        if scenario is not None:
            extra["scenario"] = scenario
        return self.fire(
            record_id, "hold", actor=actor, participants=participants, findings=findings, **extra
        )

    def reschedule(
        self, record_id: str, *, actor: Actor, due_at: pendulum.DateTime, reason: str
    ) -> Record:
        """Move a scheduled or overdue drill to ``due_at``, saying why."""
        return self.fire(record_id, "reschedule", actor=actor, reason=reason, due_at=due_at)

    def overdue(self) -> list[Record]:
        """Drills past their due time and not held, the oldest first."""
        return self.query(state="overdue")


def _next_drill(r: Reacting) -> None:
    """A drill held schedules its plan's next drill one plan frequency later (E2)."""
    policy: DrillPolicy = drill_policy(r.runtime.policy)
    key = str(r.after.fields["plan"])
    plan = policy.plans.get(key)
    if plan is None:  # the plan was dropped from the policy: its schedule ends
        return
    held = instant(r.after.fields["held_at"], "held_at")
    due = r.runtime.calendar.add(held, plan.every)
    if due <= r.entry.at:
        due = r.runtime.calendar.add(r.entry.at, plan.every)
    drills = r.services.of("drill", DrillService)
    params = {"plan": key, "due_at": due, "previous": r.after.id}
    drills.create_as_system(r.batch, params, r.entry.at)


NEXT_DRILL = Reaction("drill", "hold", _next_drill, targets=("drill",), rule="E2")
"""Holding a drill schedules the plan's next one (same batch)."""

DRILLS = Workflow(
    DRILL,
    DrillService,
    attribute="drills",
    policy_section="drills",
    policy_class=DrillPolicy,
    reactions=(NEXT_DRILL,),
    report_sections=(drill_section,),
)
"""The drill workflow (E2) as a plug-in."""
