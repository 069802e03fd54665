"""Repair orders 报修 (rules R1-R8, G8).

State diagram and SLA model: docs/repairs.md.
"""

from __future__ import annotations

from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Actor, Record
from ..errors import ValidationError
from ..policy import Policy
from .base import WorkflowService
from .repair_rules import (
    OPEN_STATES,
)
from .repair_spec import REPAIR

__all__ = [
    "OPEN_STATES",
    "REPAIR",
    "RepairService",
]


def _urgency_rank(policy: Policy, record: Record) -> int:
    u = policy.repairs.urgencies.get(record.severity or "")
    return u.rank if u is not None else 0


class RepairService(WorkflowService):
    """``mall.repairs``: report, dispatch, repair, inspect and close repair orders."""

    def report(
        self,
        *,
        actor: Actor,
        source: str,
        fault_type: str,
        location: str,
        description: str,
        urgency: str | None = None,
        tenant: str | None = None,
        reporter: str | None = None,
        contact: str | None = None,
        channel: str | None = None,
        inspection: str | None = None,
        occurred_at: Any = None,
        major: bool | None = None,
        plan: str | None = None,
        found_in: str | None = None,
    ) -> Record:
        """Open a repair order (R1).  ``source``, ``fault_type``, ``location`` and
        ``description`` are mandatory; the urgency defaults to the fault type's (R2).
        A tenant or customer source makes it external: it gets a return visit (R6).
        ``major=True`` needs a ``plan`` and reports the fault at once (R7).
        ``found_in`` names the inspection round or patrol that found it (R8, linked)."""
        return self.open(
            actor=actor,
            source=source,
            fault_type=fault_type,
            location=location,
            description=description,
            urgency=urgency,
            tenant=tenant,
            reporter=reporter,
            contact=contact,
            channel=channel,
            inspection=inspection,
            occurred_at=occurred_at,
            major=major,
            plan=plan,
            found_in=found_in,
        )

    def from_inspection(
        self,
        *,
        actor: Actor,
        inspection: str,
        fault_type: str,
        location: str,
        description: str,
        urgency: str | None = None,
    ) -> Record:
        """Rule R8: a defect found by a planned inspection or patrol becomes an order."""
        return self.report(
            actor=actor,
            source="inspection",
            inspection=inspection,
            fault_type=fault_type,
            location=location,
            description=description,
            urgency=urgency,
        )

    # -- dispatcher queries -------------------------------------------------------------------

    def _sorted(self, records: list[Record]) -> list[Record]:
        policy = self.runtime.policy
        return sorted(records, key=lambda r: (-_urgency_rank(policy, r), r.created_at, r.id))

    def open_orders(self) -> list[Record]:
        """Open orders, most urgent first, then oldest first (R2)."""
        return self._sorted(self.query(is_open=True))

    def by_urgency(self) -> dict[str, list[Record]]:
        """Open orders grouped by urgency (policy order), oldest first in each group."""
        out: dict[str, list[Record]] = {u: [] for u in self.runtime.policy.repairs.urgencies}
        for r in self.open_orders():
            out.setdefault(r.severity or "", []).append(r)
        return out

    def waiting_for_parts(self) -> list[Record]:
        """Orders waiting for parts, oldest first."""
        return self._sorted(self.query(state="waiting_parts"))

    def overdue(self, now: pendulum.DateTime | None = None) -> list[Record]:
        """Open orders with a response or committed time that has passed and is still
        pending (nobody on site yet, or not completed yet), most urgent first."""
        when = self.runtime.now() if now is None else aware(now, field="now")
        out = []
        for r in self.query(is_open=True):
            for t in r.timers:
                late = t.breached_at is not None or (t.due_at is not None and t.due_at < when)
                if t.active and late:
                    out.append(r)
                    break
        return self._sorted(out)

    def queue(self, technician: str) -> list[Record]:
        """A technician's open orders, most urgent first."""
        if not isinstance(technician, str) or not technician.strip():
            raise ValidationError(
                f"technician: expected a technician's id, got {technician!r}", field="technician"
            )
        return self._sorted(self.query(owner=technician, is_open=True))

    def age(self, record: Record | str, now: pendulum.DateTime | None = None) -> int:
        """Seconds since the order (a record or its id) was reported."""
        if isinstance(record, str):
            record = self.get(record)
        elif not isinstance(record, Record) or record.kind != self.kind:
            raise ValidationError(
                f"record: expected a repair order or its id, got {record!r}", field="record"
            )
        when = self.runtime.now() if now is None else aware(now, field="now")
        return int((when - record.created_at).total_seconds())
