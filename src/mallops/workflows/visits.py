"""Tenant visits 租户拜访 (rules V1-V4): the annual plan and each visit's lifecycle.

The workflow itself (states, events, the due timer) is :mod:`mallops.workflows.visit_spec`;
the plan's arithmetic is :mod:`mallops.workflows.visit_plan`; docs/visits.md has the
diagram.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from ..clock import aware
from ..domain.records import Actor, Record
from ..errors import RecordNotFound, ValidationError
from .base import Batch, WorkflowService
from .tenants import Tenant, TenantService
from .visit_plan import VisitHours, lease_days, phases, plan_slots, working_days_by_month
from .visit_spec import OPEN_VISIT_STATES, VISIT, link_event

if TYPE_CHECKING:
    from ..engine.engine import Engine
    from .runtime import Runtime
    from .visit_reports import Coverage

__all__ = ["OPEN_VISIT_STATES", "VISIT", "PlanResult", "VisitService", "link_event"]


@attrs.frozen
class PlanResult:
    """What :meth:`VisitService.plan_year` did: visits created, dropped (with a reason)
    and kept, and the tenants for whom fewer visits than required could be placed
    (the year, or their lease in it, has no working day left)."""

    year: int
    created: tuple[str, ...]
    dropped: tuple[str, ...]
    kept: int
    unplannable: tuple[str, ...]


def _month_end(day: _dt.date, tz: str) -> pendulum.DateTime:
    nxt = _dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return pendulum.datetime(nxt.year, nxt.month, nxt.day, tz=tz)


def _check_year(year: Any) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9000:
        raise ValidationError(f"year: expected a year like 2027, got {year!r}", field="year")


class VisitService(WorkflowService):
    """``mall.visits``: the annual plan (V1), appointments (V2) and visits (V3, V4)."""

    def __init__(self, runtime: Runtime, engine: Engine) -> None:
        super().__init__(runtime, engine)
        self._working_days: dict[tuple[_dt.date, _dt.date], list[list[_dt.date]]] = {}

    # -- the plan ---------------------------------------------------------------------------

    def _phases(self, tenant: Tenant, year: int) -> list[tuple[int, list[list[_dt.date]]]]:
        window = lease_days(year, tenant.lease_start, tenant.last_day)
        if window is None:
            return []
        months = self._working_days.get(window)
        if months is None:  # many tenants share a window: the calendar walk is done once
            # G9: a year without holiday data is laid out by the fallback rule; each
            # visit's timer is provisional and its slot re-checked when the data arrives
            laid_out, _ = self.runtime.calendar.planned(
                lambda cal: working_days_by_month(window, cal)
            )
            months = self._working_days[window] = laid_out
        return phases(self.runtime.policy.visits, tenant.tier, tenant.lease_start, months)

    def required(self, tenant: Tenant | str, year: int) -> int:
        """Visits ``tenant`` (a tenant or its id) needs in ``year``: by tier, pro-rated by
        the policy's rule (V1), or by account age (F7) when the policy's ``frequency``
        says so."""
        _check_year(year)
        if isinstance(tenant, str):
            tenant = Tenant.of(self.peers["tenant"].get(tenant))
        elif not isinstance(tenant, Tenant):
            raise ValidationError(
                f"tenant: expected a tenant or its id, got {tenant!r}", field="tenant"
            )
        return sum(count for count, _ in self._phases(tenant, year))

    def plan(self, year: int, *, tenant: str | None = None) -> list[Record]:
        """The year's plan visits (withdrawn ones included), in planned order."""
        if tenant is not None and (not isinstance(tenant, str) or not tenant.strip()):
            raise ValidationError(f"tenant: expected a tenant id, got {tenant!r}", field="tenant")
        found = [
            r
            for r in self.query(tenant=tenant)
            if r.fields.get("year") == year and r.fields.get("plan_key")
        ]
        return sorted(found, key=lambda r: (str(r.fields["planned_at"]), r.id))

    def plan_year(self, year: int, *, actor: Actor) -> PlanResult:
        """Plan ``year`` for every active tenant (V1, V2); atomic and idempotent.

        Each tenant gets the policy's number of visits for its tier, pro-rated when the
        lease covers part of the year, spread over the months the lease covers (from
        tomorrow on), on working days and within visiting hours, outside meal peaks for
        trades that have them.  Slots already planned stay as they are (a visit a manager
        withdrew is not planned again); a tenant needing fewer visits than planned has
        the surplus dropped with a reason, and so do tenants no longer active.
        """
        _check_year(year)
        now = self.runtime.now()
        return self._run(lambda batch: self._plan_in(batch, year, actor, now))

    def _plan_in(self, batch: Batch, year: int, actor: Actor, now: pendulum.DateTime) -> PlanResult:
        tenants = self.peers.of("tenant", TenantService)
        hours = VisitHours.of(self.runtime.policy.visits)
        tz = self.runtime.calendar.tz
        tomorrow = now.in_timezone(tz).date() + _dt.timedelta(days=1)
        created: list[str] = []
        dropped: list[str] = []
        unplannable: list[str] = []
        kept = 0
        existing: dict[str, list[Record]] = {}
        for r in self.query():
            if r.fields.get("year") == year and r.fields.get("plan_key") and r.tenant:
                existing.setdefault(r.tenant, []).append(r)
        for tenant in tenants.all(active=True):
            have = {int(r.fields["slot"]): r for r in existing.pop(tenant.id, [])}
            planned = self._phases(tenant, year)
            need = sum(count for count, _ in planned)
            for number in sorted(have):
                if number > need and have[number].is_open:
                    reason = f"no longer in the {year} plan: {tenant.id} needs {need} visits"
                    self.fire_system_in(batch, have[number].id, "drop", {"because": reason}, now)
                    dropped.append(have[number].id)
            kept += sum(1 for n in have if n <= need)
            if all(n in have for n in range(1, need + 1)):
                continue
            slots = plan_slots(planned, tomorrow, hours.starts(tenant.trade), tenant.id)
            if len(slots) < need:
                unplannable.append(tenant.id)
            for slot in slots:
                if slot.number in have:
                    continue
                at = pendulum.datetime(
                    slot.day.year, slot.day.month, slot.day.day, slot.time.hour, slot.time.minute,
                    tz=tz,
                )  # fmt: skip
                params = {
                    "tenant": tenant.id,
                    "unit": tenant.unit,
                    "trade": tenant.trade,
                    "tier": tenant.tier,
                    "year": year,
                    "slot": slot.number,
                    "plan_key": f"{tenant.id}/{year}/{slot.number}",
                    "planned_at": at,
                    "due_at": _month_end(slot.day, tz),
                }
                created.append(self._create(batch, actor, params, now).id)
        for tenant_id, records in existing.items():  # tenants no longer active
            gone = self._tenant_or_none(batch, tenant_id)
            for r in records:
                if r.is_open and (gone is None or self._after_last_day(r, gone, now)):
                    reason = f"tenant {r.tenant} is no longer active"
                    self.fire_system_in(batch, r.id, "drop", {"because": reason}, now)
                    dropped.append(r.id)
        return PlanResult(year, tuple(created), tuple(dropped), kept, tuple(unplannable))

    def _tenant_or_none(self, batch: Batch, tenant_id: str) -> Tenant | None:
        """The register's view of ``tenant_id``, or ``None`` if it is no tenant record."""
        try:
            record = batch.current(tenant_id)
        except (RecordNotFound, ValidationError):
            return None
        return Tenant.of(record) if record.kind == "tenant" else None

    def _after_last_day(self, visit: Record, tenant: Tenant, now: pendulum.DateTime) -> bool:
        """Whether ``visit`` can no longer happen: the tenant's last day is over, or the
        visit falls after it (V1: a tenant leaving at a later date is still visited)."""
        last = tenant.last_day
        if last is None:
            return False
        tz = self.runtime.calendar.tz
        when = visit.fields.get("appointment_at") or visit.fields["planned_at"]
        day = aware(when, field="planned_at", tz=tz).in_timezone(tz).date()
        return last < now.in_timezone(tz).date() or day > last

    def drop_open_in(self, batch: Batch, tenant_id: str, reason: str) -> list[str]:
        """Withdraw the open visits of ``tenant_id`` that can no longer happen, inside
        ``batch`` (tenant left, V1): those after its last day, or all once that is past."""
        now = self.runtime.now()
        gone = Tenant.of(batch.current(tenant_id))
        ids = [
            r.id
            for r in self.query(tenant=tenant_id, is_open=True)
            if self._after_last_day(r, gone, now)
        ]
        for rid in ids:
            self.fire_system_in(batch, rid, "drop", {"because": reason}, now)
        return ids

    def sync_open_in(self, batch: Batch, tenant: Tenant) -> None:
        """Carry the tenant's new unit, trade or tier into its open visits (in ``batch``)."""
        now = self.runtime.now()
        data = {"unit": tenant.unit, "trade": tenant.trade, "tier": tenant.tier}
        hours = VisitHours.of(self.runtime.policy.visits)
        tz = self.runtime.calendar.tz
        for r in self.query(tenant=tenant.id, is_open=True):
            if any(r.fields.get(k) != v for k, v in data.items()):
                moved: dict[str, Any] = {}
                planned = aware(r.fields["planned_at"], field="planned_at", tz=tz).in_timezone(tz)
                if r.state != "appointed" and hours.problem(tenant.trade, planned.time()):
                    # rule V2: a new trade with meal peaks moves the visit out of them,
                    # to the nearest allowed start of the same day
                    starts = hours.starts(tenant.trade)
                    if starts:
                        mins = planned.hour * 60 + planned.minute
                        best = min(starts, key=lambda t: abs(t.hour * 60 + t.minute - mins))
                        moved["planned_at"] = planned.set(
                            hour=best.hour, minute=best.minute, second=0
                        ).isoformat()
                self.fire_system_in(batch, r.id, "sync", data | moved, now)

    # -- one visit --------------------------------------------------------------------------

    def schedule(
        self, tenant_id: str, *, actor: Actor, planned_at: Any, due_at: Any = None
    ) -> Record:
        """An extra visit outside the annual plan, due by ``due_at`` (default: the end of
        the planned month).  It counts as done in coverage, not as required."""
        t = Tenant.of(self.peers["tenant"].get(tenant_id))
        when = aware(planned_at, field="planned_at", tz=self.runtime.calendar.tz)
        last = t.last_day
        if last is not None and when.in_timezone(self.runtime.calendar.tz).date() > last:
            raise ValidationError(
                f"planned_at: {when.date().isoformat()} is after {t.id}'s last day in the mall "
                f"({last.isoformat()}); a visit is planned while the tenant is here (V1)",
                field="planned_at",
            )
        return self.open(
            actor=actor,
            tenant=t.id,
            unit=t.unit,
            trade=t.trade,
            tier=t.tier,
            planned_at=when,
            due_at=due_at
            if due_at is not None
            else _month_end(when.date(), self.runtime.calendar.tz),
        )

    def appoint(
        self,
        visit_id: str,
        *,
        actor: Actor,
        at: Any,
        phoned: bool,
        visitor: str | None = None,
        note: str | None = None,
    ) -> Record:
        """Record the time agreed with the tenant by phone (V2); a restaurant appointment
        inside a meal peak is refused (``InvalidTransition`` saying which peak)."""
        return self.fire(
            visit_id, "appoint", actor=actor, at=at, phoned=phoned, visitor=visitor, note=note
        )

    def complete(
        self,
        visit_id: str,
        *,
        actor: Actor,
        form: str,
        topics: Sequence[str],
        notes: str,
        satisfaction: str,
        confirmed_by: str,
        suggestions: Sequence[Mapping[str, Any]] | None = (),
    ) -> Record:
        """Record the visit (V3: form, notes, the tenant's signed satisfaction; V4: topics).

        Each item of ``suggestions`` (``{"topic": ..., "text": ...}``, optionally
        ``"department"``) becomes its own suggestion record in the same commit (V5).
        """
        items = list(suggestions) if isinstance(suggestions, list | tuple) else suggestions
        return self.fire(
            visit_id,
            "complete",
            actor=actor,
            form=form,
            topics=list(topics) if isinstance(topics, tuple) else topics,
            notes=notes,
            satisfaction=satisfaction,
            confirmed_by=confirmed_by,
            suggestions=items or None,
        )

    def link(self, visit_id: str, relation: str, record_id: str, *, actor: Actor) -> Record:
        """Link the visit to another record (a repair order, a complaint ...)."""
        self.runtime.get(record_id)
        return self.fire(visit_id, "link", actor=actor, relation=relation, record=record_id)

    # -- reports ----------------------------------------------------------------------------

    def coverage(self, year: int | None = None, *, start: Any = None, end: Any = None) -> Coverage:
        """Visit coverage for ``year`` or the range ``[start, end)`` (V1, V7)."""
        from .visit_reports import coverage

        return coverage(self.runtime, self, year=year, start=start, end=end)
