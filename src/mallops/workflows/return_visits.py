"""Return visits 回访 (rules F1-F6, R6, C10, C12).

A return visit is its own record, linked to its source (a complaint or a repair order)
with the relation ``return_visit_of``.  mallops opens it itself (actor ``system``) in
the same commit as the source's change:

* stage ``after`` (事后回访): when the source is resolved (F2) — a complaint reaching
  ``resolved`` (policy ``complaints.survey_by = "return_visit"``), an external repair
  reaching ``accepted`` (R6).  Its outcome closes or reopens the source (F5).
* stage ``during`` (事中回访, F1): while a source is deferred (a repair waiting for
  parts or access) or past its committed time, tracking contacts are due every
  ``return_visits.tracking_interval``; it ends when the source is resolved or closed.
* stage ``account`` (定期回访, F7): periodic visits of a tenant account, monthly while
  it is new and quarterly after; each visit made opens the next one.

State diagram and SLA model: docs/return-visits.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pendulum

from ..calendar import BusinessCalendar
from ..clock import aware
from ..domain.records import Actor, HistoryEntry, Record
from ..duration import Duration
from ..errors import PermissionDenied, ValidationError
from ..policy import Policy
from .base import Batch, WorkflowService
from .return_visit_sources import ACCOUNT, SOURCES
from .return_visit_spec import RETURN_VISIT
from .return_visit_stats import ReturnVisitStats, timeliness

__all__ = [
    "ACCOUNT",
    "RETURN_VISIT",
    "ReturnVisitService",
    "ReturnVisitStats",
    "next_account_visit",
    "timeliness",
]


def _need_id(value: Any, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field}: expected a record id, got {value!r}", field=field)


class ReturnVisitService(WorkflowService):
    """``mall.return_visits``: return visits for complaints, repairs and accounts (F1-F7)."""

    def open(self, *, actor: Any, **params: Any) -> Record:
        """Refused: return visits are opened by mallops itself when their source is resolved
        (F2) or deferred (F1), never by hand."""
        raise PermissionDenied(
            "return visits are opened by mallops when a complaint is resolved or a repair "
            "accepted (F2), or when a source is deferred (F1); fire events on the source",
            event="open",
            role=getattr(actor, "role", None),
        )

    # -- reading ---------------------------------------------------------------------------

    def of(self, source_id: str, *, open_only: bool = False) -> list[Record]:
        """Return visits of ``source_id``, oldest first."""
        _need_id(source_id, "source_id")
        return self.query(linked_to=source_id, is_open=True if open_only else None)

    def due_visits(self) -> list[Record]:
        """Open return visits of every stage, the one needing attention soonest first
        (earliest pending warning, deadline or reminder)."""
        far = pendulum.datetime(9999, 1, 1)
        return sorted(self.query(is_open=True), key=lambda r: (r.wake_at or far, r.id))

    # -- the link with the sources ---------------------------------------------------------------

    def _stored_ids(self, source_id: str) -> list[str]:
        """Ids of the visits of ``source_id`` open as stored (what a batch writes is not
        stored before its commit, so one query serves a whole source change; issue 16)."""
        return [r.id for r in self.query(linked_to=source_id, is_open=True)]

    def _linked_ids(self, batch: Batch, source_id: str, stored: list[str]) -> list[str]:
        """``stored`` and the visits of ``source_id`` that ``batch`` writes."""
        found = dict.fromkeys(stored)
        for r in batch.records.values():
            if r.kind == self.kind and any(link.record_id == source_id for link in r.links):
                found[r.id] = None
        return list(found)

    @staticmethod
    def _open_in(batch: Batch, ids: list[str], stage: str) -> list[Record]:
        """The visits among ``ids`` still open in ``batch`` at ``stage``."""
        out = []
        for rid in ids:
            r = batch.current(rid)
            if r.is_open and r.fields.get("stage") == stage:
                out.append(r)
        return out

    def _linked_open(self, batch: Batch, source_id: str, stage: str) -> list[Record]:
        ids = self._linked_ids(batch, source_id, self._stored_ids(source_id))
        return self._open_in(batch, ids, stage)

    def _department_for(self, performer: str, source: Record | None) -> str:
        """Rules F2, F3 (G5): a visit a department manager or higher must make belongs to
        its source's department; every other one to the clerks' department."""
        policy = self.runtime.policy
        roles = policy.roles
        manager = roles[policy.access.manager_role].rank
        if source is not None and source.department and roles[performer].rank >= manager:
            return source.department
        return policy.return_visits.department

    def _open_for(self, batch: Batch, source: Record, stage: str, at: pendulum.DateTime) -> None:
        kind = SOURCES[source.kind]
        performer = kind.performer(self.runtime.policy, source)
        name_field, phone_field = kind.contact_fields
        params = {
            "source": source.id,
            "source_kind": source.kind,
            "stage": stage,
            "performer_role": performer,
            "department": self._department_for(performer, source),
            "source_severity": source.severity,
            "customer": source.fields.get(name_field),
            "contact": source.fields.get(phone_field),
            "tenant": source.tenant,
            "location": source.location,
        }
        self._open(batch, params, at)

    def _open(self, batch: Batch, params: dict[str, Any], at: pendulum.DateTime) -> Record:
        return self.create_as_system(batch, params, at)

    # -- periodic account visits (F7) ----------------------------------------------------------

    def start_account_visits(
        self,
        *,
        actor: Actor,
        tenant: str,
        since: Any,
        customer: str | None = None,
        contact: str | None = None,
    ) -> Record:
        """Rule F7: open the first periodic visit of ``tenant``'s account (started at
        ``since``); each visit made opens the next one in the same commit."""
        self.engine.check_actor(actor)
        _need_id(tenant, "tenant")
        self.peers["tenant"].get(tenant)  # G11: a registered tenant of this property
        now = self.runtime.now()
        start = aware(since, field="since", tz=self.runtime.calendar.tz)
        if self.account_visits(tenant, open_only=True):
            raise ValidationError(
                f"tenant {tenant!r} already has an open periodic visit", field="tenant"
            )
        params: dict[str, Any] = {
            "source": tenant,
            "source_kind": ACCOUNT,
            "stage": ACCOUNT,
            "performer_role": self.runtime.policy.return_visits.account_role,
            "department": self.runtime.policy.return_visits.department,
            "tenant": tenant,
            "customer": customer,
            "contact": contact,
            "since": start,
            "requested_by": actor.id,
            "due_at": next_account_visit(self.runtime.policy, self.runtime.calendar, start, now),
        }
        return self._run(lambda batch: self._open(batch, params, now))

    def account_visits(self, tenant: str, *, open_only: bool = False) -> list[Record]:
        """Periodic account visits of ``tenant`` (F7), oldest first."""
        _need_id(tenant, "tenant")
        return [
            r
            for r in self.query(tenant=tenant, is_open=True if open_only else None)
            if r.fields.get("stage") == ACCOUNT
        ]

    def end_visits(self, batch: Batch, visits: Iterable[Record], because: str, at: Any) -> None:
        """End ``visits`` (no longer needed) inside ``batch``, saying ``because``."""
        for v in visits:
            self.fire_system_in(batch, v.id, "end", {"because": because}, at)

    def on_source_change(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        """Called by the source's service after each change, inside the same batch.

        Opens the 事后 visit when the source is resolved (F2, R6), opens a 事中 tracking
        visit when it is deferred or past its commitment (F1), and ends tracking when it
        is resolved or closed.
        """
        kind = SOURCES.get(after.kind)
        if kind is None or before is None:
            return
        policy = self.runtime.policy
        resolved_now = after.state == kind.resolved and before.state != kind.resolved
        stored: list[str] | None = None  # queried once, only when a step needs it
        if resolved_now or not after.is_open:
            because = "resolved" if resolved_now else after.state
            stored = self._stored_ids(after.id)
            linked = self._linked_ids(batch, after.id, stored)
            self.end_visits(batch, self._open_in(batch, linked, "during"), because, entry.at)
        if resolved_now and kind.requires_visit(policy, after):
            if stored is None:  # pragma: no cover - resolved_now queried it above
                stored = self._stored_ids(after.id)
            if not self._open_in(batch, self._linked_ids(batch, after.id, stored), "after"):
                self._open_for(batch, after, "after", entry.at)
        elif (
            after.is_open
            and after.state != kind.resolved
            and kind.deferred(policy, before, after)
            and not self._linked_open(batch, after.id, "during")
        ):
            self._open_for(batch, after, "during", entry.at)

    def open_next_account_visit(self, batch: Batch, done: Record, at: pendulum.DateTime) -> None:
        """Rule F7: a periodic account visit made opens the next one (in ``batch``)."""
        params = {k: done.fields.get(k) for k in ("source", "source_kind", "stage")}
        since = aware(done.fields["since"], field="since")
        last_due = aware(done.fields["due_at"], field="due_at")
        params |= {
            "performer_role": self.runtime.policy.return_visits.account_role,
            "department": self.runtime.policy.return_visits.department,
            "tenant": done.tenant,
            "customer": done.fields.get("customer"),
            "contact": done.fields.get("contact"),
            "since": since,
            "requested_by": done.fields.get("requested_by"),
            "due_at": next_account_visit(
                self.runtime.policy, self.runtime.calendar, since, max(last_due, at)
            ),
        }
        self._open(batch, params, at)


def next_account_visit(
    policy: Policy, calendar: BusinessCalendar, since: pendulum.DateTime, after: pendulum.DateTime
) -> pendulum.DateTime:
    """Rule F7: the first periodic visit date after ``after`` for an account started at
    ``since``: every ``account_new_interval`` while the account is new
    (``account_new_for``), every ``account_interval`` from then on."""
    rv = policy.return_visits
    grown = calendar.add(since, rv.account_new_for)
    for k in range(1, 100_000):
        when = calendar.add(
            since, Duration(k * rv.account_new_interval.amount, rv.account_new_interval.unit)
        )
        if when >= grown:
            break
        if when > after:
            return when
    for j in range(100_000):
        when = calendar.add(
            grown, Duration(j * rv.account_interval.amount, rv.account_interval.unit)
        )
        if when > after:
            return when
    raise ValidationError(
        "no periodic visit date found within 100,000 intervals"
    )  # pragma: no cover


# -- timeliness (F6, K3) -----------------------------------------------------------------------
