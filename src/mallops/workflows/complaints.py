"""Complaints 投诉 (rules C1-C14, G1-G8).

State diagram and SLA model: docs/complaints.md.
"""

from __future__ import annotations

from typing import Any

from ..calendar import months_before, plus_seconds
from ..domain.records import Actor, HistoryEntry, Record
from ..stores.protocol import Query, query_ids
from .base import Batch, WorkflowService
from .complaint_rules import (
    ANYONE,
    APPROVERS,
    DISPATCHERS,
    HANDLERS,
    MANAGERS,
    OPEN_STATES,
    channel_choices,
    department_choices,
    guard_promise,
    rating_param,
    suggest_category,
)
from .complaint_spec import COMPLAINT

__all__ = [
    "ANYONE",
    "APPROVERS",
    "COMPLAINT",
    "DISPATCHERS",
    "HANDLERS",
    "MANAGERS",
    "OPEN_STATES",
    "ComplaintService",
    "channel_choices",
    "department_choices",
    "guard_promise",
    "rating_param",
    "suggest_category",
]


class ComplaintService(WorkflowService):
    """``mall.complaints``: register and handle complaints (C1-C14)."""

    def open(
        self,
        *,
        actor: Actor,
        channel: str | None = None,
        complainant: str | None = None,
        contact: str | None = None,
        location: str | None = None,
        description: str | None = None,
        demand: str | None = None,
        category: str | None = None,
        severity: str | None = None,
        tenant: str | None = None,
        occurred_at: Any = None,
        **unknown: Any,
    ) -> Record:
        """Register a complaint (G1, G2).  Every argument but the last four is mandatory
        (a missing one, or an unknown keyword, raises ``ValidationError``).

        The registering staff member owns it (G3) until it is assigned or transferred.
        The category is suggested from keywords when not given (C2); a major severity
        escalates at once (C14); a third similar complaint within the window escalates
        it (C9).
        """
        return super().open(
            actor=actor,
            channel=channel,
            complainant=complainant,
            contact=contact,
            location=location,
            description=description,
            demand=demand,
            category=category,
            severity=severity,
            tenant=tenant,
            occurred_at=occurred_at,
            **unknown,
        )

    def suggest_category(self, description: str) -> str:
        """The category the policy's keywords suggest for ``description`` (C2)."""
        return suggest_category(description, self.runtime.policy)

    def check_recurrence(self, batch: Batch, record: Record, entry: HistoryEntry) -> None:
        """Rule C9 (a reaction, docs/architecture.md): the Nth complaint of one category
        for one tenant or location within the window escalates at once, whatever its age."""
        p = self.runtime.policy.complaints
        if record.escalation_level >= p.recurrence_level or not record.is_open:
            return
        window = p.recurrence_window
        since = (  # the same instants as pendulum's subtract, without its cost (issue 16)
            months_before(entry.at, window.amount)
            if window.basis == "calendar"
            else plus_seconds(entry.at, -window.seconds())
        )
        matches = {record.id}
        for key in ("tenant", "location"):
            value = getattr(record, key)
            if not value:
                continue
            # counted from the store's indexes, no record decoded (issue 16)
            matches.update(
                query_ids(
                    self.runtime.store,
                    Query(
                        kind=self.kind,
                        property=self.runtime.property,
                        category=record.category,
                        created_from=since,
                        # N ids from either key already decide |union| >= N exactly
                        limit=p.recurrence_count,
                        **{key: value},
                    ),
                )
            )
        if len(matches) >= p.recurrence_count:
            data = {"level": p.recurrence_level, "cause": "recurrence"}
            sys_entry = self.engine.entry_for_system(record, "_escalate", entry.at, data)
            self.apply_entry(batch, record, sys_entry)
