"""The tenant-visit workflow as data (rules V1-V4): states, events, guards, the due timer.

The service that plans and reports is :mod:`mallops.workflows.visits`; the diagram is in
docs/visits.md.  A planned visit is due by the end of the month it is planned in; past
that it is overdue and climbs the policy's visit ladder (``visits.overdue``).
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping
from typing import Any

import attrs
import pendulum

from ..calendar import BusinessCalendar
from ..clock import aware
from ..duration import Duration
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_until
from ..errors import ValidationError
from ..policy import Policy
from .case_events import link_event
from .complaints import ANYONE, MANAGERS
from .visit_plan import VisitHours

__all__ = [
    "MANAGERS",
    "OPEN_VISIT_STATES",
    "STAFF",
    "VISIT",
    "link_event",
    "slot_problem",
    "suggestion_problem",
]

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
    # G9: a year without holiday data counts by the fallback rule (the visit's timer is
    # then provisional and the slot moved off a holiday when the data arrives)
    working, _ = calendar.planned(lambda cal: cal.is_working_day(local.date()))
    if not working:
        return f"{local.date().isoformat()} is not a working day; visits are made on working days"
    return hours.problem(trade, local.time())


def _check_slot(ctx: Context, name: str) -> str | None:
    at = ctx.param(name)
    if at <= ctx.now:
        return f"{name} {at.isoformat()} is not in the future"
    hours = VisitHours.of(ctx.policy.visits)
    return slot_problem(hours, ctx.calendar, str(ctx.get("trade")), at)


# -- timer ---------------------------------------------------------------------------------


def _add(start: pendulum.DateTime, step: Duration, cal: BusinessCalendar) -> pendulum.DateTime:
    return cal.add(start, step)


def _working(day: _dt.date, cal: BusinessCalendar) -> bool:
    return cal.is_working_day(day)


def _plan_due(ctx: Context, *, clamp: bool = False) -> TimerPlan:
    """Overdue at the due time (level 1 of the visit ladder), further levels by the
    policy's steps (V1); absolute times, so the plan survives replay unchanged.

    Provisional (G9) while a planned slot lies in a year without holiday data or a step
    needed the fallback rule: re-planned by :func:`_replan_due` when the data arrives."""
    cal = ctx.calendar
    due = aware(ctx.get("due_at"), field="due_at")
    plan = plan_until(ctx.now, due, clamp=clamp)
    marks = [("breach", plan.allowance, 1)]  # rule V1: overdue goes up the visit ladder
    slot = aware(ctx.get("planned_at"), field="planned_at").in_timezone(cal.tz).year
    years = [slot] if ctx.draft.state == "planned" and not cal.covers(slot) else []
    at = due
    for level, step in enumerate(ctx.policy.visits.overdue.steps, start=2):
        at, year = cal.planned(functools.partial(_add, at, step))
        years += [year] if year is not None else []
        marks.append(("escalate", int((at - ctx.now).total_seconds()), level))
    return attrs.evolve(plan, marks=tuple(marks), provisional_year=min(years, default=None))


def _replan_due(ctx: Context) -> TimerPlan:
    """G9: the year's holiday data arrived.  A visit still only planned whose slot is now
    a holiday moves to the next working day before it is due (else the last one before
    its slot, from tomorrow on), same time of day; ``moved_from`` keeps the old slot."""
    if ctx.draft.state == "planned":
        cal = ctx.calendar
        old = aware(ctx.get("planned_at"), field="planned_at").in_timezone(cal.tz)
        last = aware(ctx.get("due_at"), field="due_at").in_timezone(cal.tz).date()
        first = ctx.now.in_timezone(cal.tz).date() + _dt.timedelta(days=1)
        days = [old.date() + _dt.timedelta(days=n) for n in range((last - old.date()).days + 1)]
        days += [
            old.date() - _dt.timedelta(days=n) for n in range(1, (old.date() - first).days + 1)
        ]
        for day in days:
            if cal.planned(functools.partial(_working, day))[0]:
                if day != old.date():
                    ctx.set("moved_from", old)
                    ctx.set("planned_at", old.add(days=(day - old.date()).days))
                break
    return _plan_due(ctx, clamp=True)


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
    if not ctx.param("phoned"):  # rule V2: the time is agreed by phone first
        return "agree the time with the tenant by phone first (V2), then pass phoned=True"
    return _check_slot(ctx, "at")


def _on_appoint(ctx: Context) -> None:
    ctx.set("appointment_at", ctx.param("at"))
    ctx.set("appointments", int(ctx.get("appointments", 0)) + 1)
    if ctx.param("note"):
        ctx.set("appointment_note", ctx.param("note"))
    ctx.draft.owner = ctx.param("visitor") or ctx.actor.id


_ITEM_KEYS = ("topic", "text", "department")


def suggestion_problem(policy: Policy, item: Any) -> str | None:
    """What is wrong with one ``{"topic", "text", "department"?}`` item (``None`` if ok)."""
    if not isinstance(item, Mapping):
        return "expected a table with topic and text"
    unknown = sorted(set(item) - set(_ITEM_KEYS))
    if unknown:
        return f"unknown key {unknown[0]!r}; keys: {', '.join(_ITEM_KEYS)}"
    if item.get("topic") not in policy.visits.topics:
        return f"topic {item.get('topic')!r} is unknown; topics: {', '.join(policy.visits.topics)}"
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        return "text must be a non-empty string"
    dept = item.get("department")
    if dept is not None and dept not in policy.departments:
        return f"department {dept!r} is unknown; departments: {', '.join(policy.departments)}"
    return None


def _guard_complete(ctx: Context) -> str | None:
    topics = ctx.policy.visits.topics
    chosen = ctx.param("topics")
    if not chosen:
        return f"name at least one topic (V4): {', '.join(topics)}"
    bad = [t for t in chosen if t not in topics]  # rule V4
    if bad:
        return f"unknown topic {bad[0]!r} (V4); topics: {', '.join(topics)}"
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


def _on_sync(ctx: Context) -> None:
    """The tenant's unit, trade or tier changed: open visits follow (V2 checks the trade)."""
    for name in ("unit", "trade", "tier"):
        ctx.set(name, ctx.param(name))
    if ctx.param("planned_at") is not None:
        ctx.set("planned_at", ctx.param("planned_at"))  # rule V2: moved out of a meal peak
    ctx.draft.location = ctx.param("unit")
    ctx.draft.category = ctx.param("tier")


def _on_withdraw(ctx: Context) -> None:
    ctx.stop_timer("due", cancel=True)
    ctx.set("withdrawn_because", ctx.reason or ctx.param("because") or ctx.param("reason"))


_BECAUSE = Param("because", "text", required=True, doc="why it left the plan")

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
            Param(
                "tenant",
                required=True,
                doc="tenant visited (G4)",
                refers=("tenant",),
            ),
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
            who="handler",  # rule V2: the visiting department (visits.department) agrees it
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
            who="assignee",  # rule V3: the appointed visitor records it (or the managers)
        ),
        EventSpec(
            "miss",
            ("appointed",),
            "missed",
            STAFF,
            "未遇",
            "missed",
            reason_required=True,
            who="assignee",
        ),
        EventSpec(
            "cancel",
            ("planned", "appointed"),
            "cancelled",
            STAFF,
            "取消",
            "cancel",
            reason_required=True,
            who="handler",
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
            who="handler",
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
            who="handler",  # the visiting department's managers and above (V1)
        ),
        EventSpec(
            "drop",
            OPEN_VISIT_STATES,
            "withdrawn",
            (),
            "撤出计划",
            "dropped from the plan",
            params=(_BECAUSE,),
            effect=_on_withdraw,
            system=True,
        ),
        EventSpec(
            "sync",
            OPEN_VISIT_STATES,
            None,
            (),
            "同步租户档案",
            "tenant details changed",
            params=(Param("unit"), Param("trade"), Param("tier"), Param("planned_at", "datetime")),
            effect=_on_sync,
            system=True,
        ),
        link_event((*OPEN_VISIT_STATES, "done", "withdrawn")),
    ),
    timers=(
        TimerSpec(
            "due", "拜访期限", "visit due", ("plan",), ("done",), _plan_due, replan=_replan_due
        ),
    ),
    ladder=lambda p: p.visits.overdue.ladder,
)
