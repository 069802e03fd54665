"""Tenant visits 租户拜访 (rules V1-V4): the annual plan and each visit's lifecycle.

State diagram and the plan's arithmetic: docs/visits.md.  A planned visit is due by the
end of the month it is planned in; past that it is overdue and climbs the policy's
visit ladder (``visits.overdue``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from ..calendar import BusinessCalendar
from ..clock import aware
from ..domain.records import Actor, HistoryEntry, Record
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_until
from ..errors import ValidationError
from ..policy import Policy
from .base import Batch, WorkflowService
from .complaints import ANYONE, MANAGERS
from .tenants import Tenant
from .visit_plan import VisitHours, lease_days, phases, plan_slots, working_days_by_month

if TYPE_CHECKING:
    from ..engine.engine import Engine
    from ..mall import Mall
    from .visit_reports import Coverage

__all__ = ["OPEN_VISIT_STATES", "VISIT", "PlanResult", "VisitService", "link_event"]

OPEN_VISIT_STATES = ("planned", "appointed", "missed", "cancelled")
STAFF = ANYONE


def _forms(p: Policy) -> tuple[str, ...]:
    return tuple(p.visits.forms)


def _satisfaction(p: Policy) -> tuple[str, ...]:
    return tuple(p.visits.satisfaction)


def slot_problem(
    hours: VisitHours, calendar: BusinessCalendar, trade: str, at: pendulum.DateTime
) -> str | None:
    """Why a visit of ``trade`` may not take place at ``at`` (V2), or ``None``."""
    local = at.in_timezone(calendar.tz)
    if not calendar.is_working_day(local.date()):
        return f"{local.date().isoformat()} is not a working day; visits are made on working days"
    return hours.problem(trade, local.time())


def _check_slot(ctx: Context, name: str) -> str | None:
    at = ctx.param(name)
    if at <= ctx.now:
        return f"{name} {at.isoformat()} is not in the future"
    hours = VisitHours.of(ctx.policy.visits)
    return slot_problem(hours, ctx.calendar, str(ctx.get("trade")), at)


# -- timer ---------------------------------------------------------------------------------


def _plan_due(ctx: Context) -> TimerPlan:
    """Overdue at the due time (level 1 of the visit ladder), further levels by the
    policy's steps (V1); absolute times, so the plan survives replay unchanged."""
    due = aware(ctx.get("due_at"), field="due_at")
    plan = plan_until(ctx.now, due)
    marks = [("breach", plan.allowance, 1)]
    at = due
    for level, step in enumerate(ctx.policy.visits.overdue.steps, start=2):
        at = ctx.calendar.add(at, step)
        marks.append(("escalate", int((at - ctx.now).total_seconds()), level))
    return attrs.evolve(plan, marks=tuple(marks))


# -- effects --------------------------------------------------------------------------------


def _on_plan(ctx: Context) -> None:
    for name in ("unit", "trade", "tier", "year", "slot", "plan_key", "planned_at", "due_at"):
        ctx.set(name, ctx.param(name))
    if ctx.param("due_at") <= ctx.param("planned_at"):
        raise ValidationError("due_at must be after planned_at", field="due_at")
    hours = VisitHours.of(ctx.policy.visits)
    why = slot_problem(hours, ctx.calendar, ctx.param("trade"), ctx.param("planned_at"))
    if why is not None:
        raise ValidationError(f"planned_at: {why}", field="planned_at")
    d = ctx.draft
    d.tenant = ctx.param("tenant")
    d.location = ctx.param("unit")
    d.category = ctx.param("tier")
    d.department = ctx.policy.visits.department


def _guard_appoint(ctx: Context) -> str | None:
    if not ctx.param("phoned"):
        return "agree the time with the tenant by phone first (V2), then pass phoned=True"
    return _check_slot(ctx, "at")


def _on_appoint(ctx: Context) -> None:
    ctx.set("appointment_at", ctx.param("at"))
    ctx.set("appointments", int(ctx.get("appointments", 0)) + 1)
    if ctx.param("note"):
        ctx.set("appointment_note", ctx.param("note"))
    ctx.draft.owner = ctx.param("visitor") or ctx.actor.id


def _guard_complete(ctx: Context) -> str | None:
    topics = ctx.policy.visits.topics
    chosen = ctx.param("topics")
    if not chosen:
        return f"name at least one topic (V4): {', '.join(topics)}"
    bad = [t for t in chosen if t not in topics]
    if bad:
        return f"unknown topic {bad[0]!r} (V4); topics: {', '.join(topics)}"
    from .suggestions import suggestion_problem

    for i, item in enumerate(ctx.param("suggestions") or ()):
        why = suggestion_problem(ctx.policy, item)
        if why is not None:
            return f"suggestions[{i}]: {why}"
    return None


def _on_complete(ctx: Context) -> None:
    for name in ("form", "topics", "notes", "satisfaction", "confirmed_by"):
        ctx.set(name, ctx.param(name))  # rule V3: the visit record and its confirmation
    ctx.set("done_at", ctx.now)
    ctx.set("visited_by", ctx.actor.id)


def _on_reschedule(ctx: Context) -> None:
    ctx.set("planned_at", ctx.param("planned_at"))
    ctx.set("appointment_at", None)
    ctx.set("reschedules", int(ctx.get("reschedules", 0)) + 1)


def _on_withdraw(ctx: Context) -> None:
    ctx.stop_timer("due", cancel=True)
    ctx.set("withdrawn_because", ctx.reason or ctx.param("reason"))


def _on_link(ctx: Context) -> None:
    ctx.link(ctx.param("relation"), ctx.param("record"))


def link_event(sources: tuple[str, ...]) -> EventSpec:
    """The ``link`` event: relate the record to any other one (a repair order ...)."""
    return EventSpec(
        "link",
        sources,
        None,
        STAFF,
        "关联",
        "link",
        params=(
            Param("relation", required=True, max_len=40, doc="what the other record is"),
            Param("record", required=True, max_len=128, doc="the other record's id"),
        ),
        effect=_on_link,
    )


_REASON = Param("reason", "text", required=True)

VISIT = WorkflowSpec(
    kind="visit",
    zh="租户拜访",
    en="tenant visit",
    prefix="V",
    states=(
        StateSpec("planned", "计划中", "planned"),
        StateSpec("appointed", "已预约", "appointment agreed"),
        StateSpec("missed", "未遇", "missed"),
        StateSpec("cancelled", "已取消", "cancelled"),
        StateSpec("done", "已拜访", "done", final=True),
        StateSpec("withdrawn", "已撤销", "withdrawn", final=True),
    ),
    initial="planned",
    create=EventSpec(
        "plan",
        (),
        None,
        STAFF,
        "列入计划",
        "plan",
        params=(
            Param("tenant", required=True, doc="tenant visited (G4)"),
            Param("unit", required=True),
            Param("trade", required=True),
            Param("tier", required=True),
            Param("year", "int", minimum=1900, maximum=9000),
            Param("slot", "int", minimum=1, maximum=1000),
            Param("plan_key", doc="tenant/year/slot: what makes re-planning idempotent (V1)"),
            Param("planned_at", "datetime", required=True, doc="planned time (V1, V2)"),
            Param("due_at", "datetime", required=True, doc="overdue after this (V1)"),
        ),
        effect=_on_plan,
    ),
    events=(
        EventSpec(
            "appoint",
            ("planned", "appointed"),
            "appointed",
            STAFF,
            "电话预约",
            "agree appointment",
            params=(
                Param("at", "datetime", required=True, doc="agreed time (V2)"),
                Param("phoned", "bool", required=True, doc="agreed with the tenant by phone (V2)"),
                Param("visitor", doc="who will visit"),
                Param("note", "text"),
            ),
            guard=_guard_appoint,
            effect=_on_appoint,
        ),
        EventSpec(
            "complete",
            ("appointed",),
            "done",
            STAFF,
            "完成拜访",
            "complete",
            params=(
                Param("form", "choice", required=True, choices=_forms, doc="visit form (V3)"),
                Param("topics", "strlist", required=True, doc="topics discussed (V4)"),
                Param("notes", "text", required=True, doc="detailed record (V3)"),
                Param("satisfaction", "choice", required=True, choices=_satisfaction),
                Param("confirmed_by", required=True, personal=True, doc="tenant who signed (V3)"),
                Param("suggestions", "json", doc="opinions raised: [{topic, text}] (V5)"),
            ),
            guard=_guard_complete,
            effect=_on_complete,
        ),
        EventSpec("miss", ("appointed",), "missed", STAFF, "未遇", "missed", reason_required=True),
        EventSpec(
            "cancel",
            ("planned", "appointed"),
            "cancelled",
            STAFF,
            "取消",
            "cancel",
            reason_required=True,
        ),
        EventSpec(
            "reschedule",
            ("missed", "cancelled"),
            "planned",
            STAFF,
            "改期",
            "reschedule",
            params=(Param("planned_at", "datetime", required=True),),
            guard=lambda ctx: _check_slot(ctx, "planned_at"),
            effect=_on_reschedule,
        ),
        EventSpec(
            "withdraw",
            OPEN_VISIT_STATES,
            "withdrawn",
            MANAGERS,
            "撤销",
            "withdraw",
            effect=_on_withdraw,
            reason_required=True,
        ),
        EventSpec(
            "drop",
            OPEN_VISIT_STATES,
            "withdrawn",
            (),
            "撤出计划",
            "dropped from the plan",
            params=(_REASON,),
            effect=_on_withdraw,
            system=True,
        ),
        link_event((*OPEN_VISIT_STATES, "done", "withdrawn")),
    ),
    timers=(TimerSpec("due", "拜访期限", "visit due", ("plan",), ("done",), _plan_due),),
    ladder=lambda p: p.visits.overdue.ladder,
)


@attrs.frozen
class PlanResult:
    """What :meth:`VisitService.plan_year` did: visits created, dropped, kept, and the
    tenants whose remaining lease in the year has no working day left to plan."""

    year: int
    created: tuple[str, ...]
    dropped: tuple[str, ...]
    kept: int
    unplannable: tuple[str, ...]


def _month_end(day: _dt.date, tz: str) -> pendulum.DateTime:
    nxt = _dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return pendulum.datetime(nxt.year, nxt.month, nxt.day, tz=tz)


class VisitService(WorkflowService):
    """``mall.visits``: the annual plan (V1), appointments (V2) and visits (V3, V4)."""

    def __init__(self, mall: Mall, engine: Engine) -> None:
        super().__init__(mall, engine)
        self._working_days: dict[tuple[_dt.date, _dt.date], list[list[_dt.date]]] = {}

    # -- the plan ---------------------------------------------------------------------------

    def _phases(self, tenant: Tenant, year: int) -> list[tuple[int, list[list[_dt.date]]]]:
        window = lease_days(year, tenant.lease_start, tenant.last_day)
        if window is None:
            return []
        months = self._working_days.get(window)
        if months is None:  # many tenants share a window: the calendar walk is done once
            months = self._working_days[window] = working_days_by_month(window, self.mall.calendar)
        return phases(self.mall.policy.visits, tenant.tier, tenant.lease_start, months)

    def required(self, tenant: Tenant, year: int) -> int:
        """Visits ``tenant`` needs in ``year``: by tier, pro-rated by the policy's rule
        (V1), or by account age (F7) when the policy's ``frequency`` says so."""
        return sum(count for count, _ in self._phases(tenant, year))

    def plan(self, year: int, *, tenant: str | None = None) -> list[Record]:
        """The year's plan visits (withdrawn ones included), in planned order."""
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
        trades that have them.  Slots already planned stay as they are; a tenant needing
        fewer visits than planned has the surplus dropped with a reason.
        """
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9000:
            raise ValidationError(f"year: expected a year like 2027, got {year!r}", field="year")
        now = self.mall.now()
        return self._run(lambda batch: self._plan_in(batch, year, actor, now))  # type: ignore[no-any-return]

    def _plan_in(self, batch: Batch, year: int, actor: Actor, now: pendulum.DateTime) -> PlanResult:
        from .tenants import TenantService

        tenants = self.mall.service("tenant")
        assert isinstance(tenants, TenantService)
        hours = VisitHours.of(self.mall.policy.visits)
        tz = self.mall.calendar.tz
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
                    self.fire_system_in(batch, have[number].id, "drop", {"reason": reason}, now)
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
        for records in existing.values():  # tenants no longer active
            for r in records:
                if r.is_open:
                    reason = f"tenant {r.tenant} is no longer active"
                    self.fire_system_in(batch, r.id, "drop", {"reason": reason}, now)
                    dropped.append(r.id)
        return PlanResult(year, tuple(created), tuple(dropped), kept, tuple(unplannable))

    def drop_open_in(self, batch: Batch, tenant_id: str, reason: str) -> list[str]:
        """Withdraw every open visit of ``tenant_id`` inside ``batch`` (tenant left, V1)."""
        now = self.mall.now()
        ids = [r.id for r in self.query(tenant=tenant_id, is_open=True)]
        for rid in ids:
            self.fire_system_in(batch, rid, "drop", {"reason": reason}, now)
        return ids

    # -- one visit --------------------------------------------------------------------------

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
        suggestions: Iterable[Mapping[str, Any]] = (),
    ) -> Record:
        """Record the visit (V3: form, notes, the tenant's signed satisfaction; V4: topics).

        Each item of ``suggestions`` (``{"topic": ..., "text": ...}``, optionally
        ``"department"``) becomes its own suggestion record in the same commit (V5).
        """
        items = [dict(s) for s in suggestions]
        return self.fire(
            visit_id,
            "complete",
            actor=actor,
            form=form,
            topics=list(topics),
            notes=notes,
            satisfaction=satisfaction,
            confirmed_by=confirmed_by,
            suggestions=items or None,
        )

    def link(self, visit_id: str, relation: str, record_id: str, *, actor: Actor) -> Record:
        """Link the visit to another record (a repair order, a complaint ...)."""
        self.mall.get(record_id)
        return self.fire(visit_id, "link", actor=actor, relation=relation, record=record_id)

    def _after(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        if entry.event == "complete" and entry.data.get("suggestions"):
            from .suggestions import SuggestionService

            service = self.mall.service("suggestion")
            assert isinstance(service, SuggestionService)
            for item in entry.data["suggestions"]:
                service.raise_in(batch, after, entry.actor, item)

    # -- reports ----------------------------------------------------------------------------

    def coverage(self, year: int | None = None, *, start: Any = None, end: Any = None) -> Coverage:
        """Visit coverage for ``year`` or the range ``[start, end)`` (V1, V7)."""
        from .visit_reports import coverage

        return coverage(self.mall, year=year, start=start, end=end)
