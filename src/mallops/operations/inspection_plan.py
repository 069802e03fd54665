"""Inspection plans 巡检计划 (R8, R9): what is inspected, how often, by whom.

A plan names an equipment or area, its checklist (a patrol's: its checkpoints in
order), a frequency and a department.  Its ``schedule`` timer is durable data: it falls
due at the start of each round's window, and its ``on_mark`` hook fires the system event
``round_due`` on the plan, which re-arms the timer for the next window; a reaction
(:mod:`.inspection_reactions`) opens the round in the same atomic batch.  Several
tickers never fire one mark twice (optimistic concurrency on the plan), so no round is
ever generated twice.  Plans on the business calendar open their rounds at the next
working time; 24x7 plans at the nominal time.
"""

from __future__ import annotations

from typing import Any

import pendulum

from mallops.errors import CalendarError, ValidationError
from mallops.plugins import (
    Context,
    EventSpec,
    Param,
    StateSpec,
    TimerPlan,
    TimerSpec,
    WorkflowSpec,
    plan_until,
)

from .inspection_policy import inspection_policy

__all__ = ["CALENDARS", "MANAGERS", "PLAN", "area_choices", "frequency_choices"]

MANAGERS = ("department_manager", "property_manager", "general_manager")
"""Who plans inspections and may cancel a round (G5)."""

CALENDARS = ("business", "24x7")
"""On which clock a plan's rounds fall due (G9): the business calendar or every day."""


def area_choices(policy: Any) -> tuple[str, ...]:
    """The policy's areas (R9)."""
    return tuple(inspection_policy(policy).areas)


def frequency_choices(policy: Any) -> tuple[str, ...]:
    """The policy's frequencies (R9)."""
    return tuple(inspection_policy(policy).frequencies)


def _departments(policy: Any) -> tuple[str, ...]:
    return tuple(policy.departments)


def _calendars(_policy: Any) -> tuple[str, ...]:
    return CALENDARS


# -- the schedule -----------------------------------------------------------------------------


def _time(value: Any) -> pendulum.DateTime:
    parsed = pendulum.parse(value) if isinstance(value, str) else value
    if not isinstance(parsed, pendulum.DateTime):  # pragma: no cover - stored by us
        raise ValidationError(f"not a date and time: {value!r}")
    return parsed


def occurrence(ctx: Context, k: int) -> pendulum.DateTime:
    """The start of the plan's ``k``-th round window (0-based), rule R9: the anchor plus
    ``k`` periods; on the business calendar, the next working time from there (G9; a
    year without holiday data is planned by the fallback rule, never refused)."""
    f = inspection_policy(ctx.policy).frequencies[ctx.get("frequency")]
    nominal = _time(ctx.get("anchor")).add(days=f.days * k, months=f.months * k)
    if ctx.get("calendar") != "business":
        return nominal
    try:
        return ctx.calendar.next_working_time(nominal)
    except CalendarError:
        return ctx.calendar.lenient().next_working_time(nominal)


def _schedule_from(ctx: Context, k: int) -> None:
    """Arm the schedule for the first window from ``k`` on that starts after now."""
    start = occurrence(ctx, k)
    for _ in range(100_000):
        if start > ctx.now:
            break
        k += 1
        start = occurrence(ctx, k)
    ctx.set("next_k", k)
    ctx.set("next_round_at", start)
    allowance = plan_until(ctx.now, start).allowance
    ctx.start_timer("schedule", TimerPlan("wall", allowance, (("due", allowance, 0),)))


def _on_schedule_mark(ctx: Context, _timer: Any, mark: Any) -> None:
    """Rule R9: the window of the next round opens: the plan generates it."""
    if mark.kind == "due" and ctx.draft.state == "active":
        ctx.follow("round_due", k=int(ctx.get("next_k", 0)))


def _no_plan(_ctx: Context) -> TimerPlan | None:
    return None  # armed by the plan's own effects (never re-planned by a policy change)


# -- effects ---------------------------------------------------------------------------------


def _on_create(ctx: Context) -> None:
    p = inspection_policy(ctx.policy)
    area = p.areas[ctx.param("area")]
    items = list(ctx.param("checklist"))
    if len(set(items)) != len(items):
        raise ValidationError(
            "checklist: every item must be different (each is passed or failed on its own)",
            field="checklist",
        )
    starts = ctx.param("starts_at") or ctx.now
    ctx.set("area", ctx.param("area"))
    ctx.set("title", ctx.param("title"))
    ctx.set("checklist", items)
    ctx.set("frequency", ctx.param("frequency"))
    ctx.set("calendar", ctx.param("calendar") or "business")
    ctx.set("anchor", starts)
    ctx.set("rounds", 0)
    ctx.set("patrol", area.patrol)
    ctx.draft.category = ctx.param("area")
    # the place stays a field: planned work is no repeat problem (K4 hot spots)
    ctx.set("location", ctx.param("location"))
    ctx.set_department(ctx.param("department") or area.department, ctx.actor.id)
    if occurrence(ctx, 0) <= ctx.now:
        ctx.follow("round_due", k=0)  # its first window is open already
    else:
        _schedule_from(ctx, 0)


def _on_round_due(ctx: Context) -> None:
    """Rule R9: count the round (the reaction opens it) and arm the next window."""
    ctx.set("rounds", int(ctx.get("rounds", 0)) + 1)
    ctx.set("last_round_at", ctx.now)
    _schedule_from(ctx, int(ctx.param("k", 0)) + 1)


def _on_resume(ctx: Context) -> None:
    _schedule_from(ctx, int(ctx.get("next_k", 0)))


def _on_checklist(ctx: Context) -> None:
    items = list(ctx.param("checklist"))
    if len(set(items)) != len(items):
        raise ValidationError("checklist: every item must be different", field="checklist")
    ctx.set("checklist", items)


def _on_end(ctx: Context) -> None:
    ctx.set("end_reason", ctx.reason)


CHECKLIST = Param(
    "checklist",
    "strlist",
    required=True,
    doc="the checklist items (a patrol: its checkpoints, in order)",
)

PLAN = WorkflowSpec(
    kind="inspection_plan",
    zh="巡检计划",
    en="inspection plan",
    prefix="IP",
    states=(
        StateSpec("active", "执行中", "active"),
        StateSpec("suspended", "已暂停", "suspended"),
        StateSpec("retired", "已停用", "retired", final=True),
    ),
    initial="active",
    create=EventSpec(
        "create_plan",
        (),
        "active",
        MANAGERS,
        "制定计划",
        "create plan",
        params=(
            Param("area", "choice", required=True, choices=area_choices, doc="what (R9)"),
            Param("title", required=True, doc="the plan's name, e.g. 1号客梯月检"),
            Param("location", required=True, doc="where"),
            CHECKLIST,
            Param("frequency", "choice", required=True, choices=frequency_choices),
            Param("calendar", "choice", choices=_calendars, doc="business (default) or 24x7"),
            Param("department", "choice", choices=_departments, doc="the area's by default"),
            Param("starts_at", "datetime", doc="the first round's window (default: now)"),
        ),
        effect=_on_create,
    ),
    events=(
        EventSpec(
            "update_checklist",
            ("active", "suspended"),
            None,
            MANAGERS,
            "修改检查项",
            "update checklist",
            params=(CHECKLIST,),
            effect=_on_checklist,
            reason_required=True,
        ),
        EventSpec(
            "suspend",
            ("active",),
            "suspended",
            MANAGERS,
            "暂停",
            "suspend",
            reason_required=True,
        ),
        EventSpec(
            "resume", ("suspended",), "active", MANAGERS, "恢复", "resume", effect=_on_resume
        ),
        EventSpec(
            "retire",
            ("active", "suspended"),
            "retired",
            MANAGERS,
            "停用",
            "retire",
            effect=_on_end,
            reason_required=True,
        ),
        EventSpec(
            "round_due",
            ("active",),
            None,
            (),
            "生成巡检任务",
            "round falls due",
            params=(Param("k", "int", minimum=0),),
            effect=_on_round_due,
            system=True,
        ),
    ),
    timers=(
        TimerSpec(
            "schedule",
            "下次巡检",
            "next round",
            (),
            ("suspended",),
            _no_plan,
            on_mark=_on_schedule_mark,
        ),
    ),
)
