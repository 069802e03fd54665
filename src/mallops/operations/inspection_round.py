"""Inspection rounds 巡检任务 (R8, R9): one round of a plan, item by item.

A round is opened by its plan when its window starts (or by a manager, ad hoc).  Its
``deadline`` timer runs for the frequency's window (working time on the business
calendar, wall time for 24x7 plans); a round not done in time escalates up the
``[inspections].ladder``.  Each checklist item passes or fails with a note; a failed
item is a finding that becomes a repair order or a hazard report to security (R8, by
the reaction in :mod:`.inspection_reactions`, linked both ways).
"""

from __future__ import annotations

from typing import Any

from mallops.errors import ValidationError
from mallops.plugins import (
    Context,
    EventSpec,
    Param,
    StateSpec,
    TimerPlan,
    TimerSpec,
    WorkflowSpec,
    plan_for,
)

from .inspection_plan import CALENDARS, MANAGERS, area_choices, frequency_choices
from .inspection_policy import FOLLOW_UPS, inspection_policy

__all__ = [
    "INSPECTORS",
    "ROUND",
    "deadline_plan",
    "on_generate",
]

INSPECTORS = ("staff", "department_manager", "property_manager", "general_manager")
"""Who does a round (G5): the department's staff and managers."""


def _departments(policy: Any) -> tuple[str, ...]:
    return tuple(policy.departments)


def _calendars(_policy: Any) -> tuple[str, ...]:
    return CALENDARS


def _follow_ups(_policy: Any) -> tuple[str, ...]:
    return FOLLOW_UPS


def _fault_types(policy: Any) -> tuple[str, ...]:
    return tuple(policy.repairs.fault_types)


def _urgencies(policy: Any) -> tuple[str, ...]:
    return tuple(policy.repairs.urgencies)


def deadline_plan(ctx: Context) -> TimerPlan:
    """Rule R9: the round is done within its frequency's window; late, it escalates
    (level 1 at the deadline, one more level after each ``escalate_after_breach``)."""
    p = inspection_policy(ctx.policy)
    f = p.frequencies[ctx.get("frequency")]
    if ctx.get("calendar") == "business":
        window, steps = f.window, p.escalate_after_breach
    else:
        window, steps = f.window_24x7, p.escalate_after_breach_24x7
    return plan_for(window, ctx.calendar, breach_level=1, steps=steps)


def on_generate(ctx: Context) -> None:
    """The round's fields from its plan (or the manager's parameters)."""
    area = inspection_policy(ctx.policy).areas[ctx.param("area")]
    items = list(ctx.param("items"))
    if not items or len(set(items)) != len(items):
        raise ValidationError(
            "items: give at least one item, each once (a patrol: each checkpoint once)",
            field="items",
        )
    for name in ("plan", "area", "title", "frequency", "number"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.set("calendar", ctx.param("calendar") or "business")
    ctx.set("items", items)
    ctx.set("results", [])
    ctx.draft.category = ctx.param("area")
    ctx.set("location", ctx.param("location"))  # a field: planned work is no hot spot (K4)
    ctx.set_department(ctx.param("department") or area.department, None)
    if ctx.param("plan"):
        ctx.link("plan", ctx.param("plan"))


def _on_start(ctx: Context) -> None:
    ctx.draft.owner = ctx.actor.id
    ctx.set("inspector", ctx.actor.id)
    ctx.set("started_at", ctx.now)


def _on_check(ctx: Context) -> None:
    """Rule R9: one checklist item passes or fails, with a note (a failure needs one)."""
    item = ctx.param("item")
    items = list(ctx.get("items", []))
    if item not in items:
        raise ValidationError(
            f"item: {item!r} is not on this round's checklist; items: {', '.join(items)}",
            field="item",
        )
    results = list(ctx.get("results", []))
    if any(r["item"] == item for r in results):
        left = [i for i in items if all(r["item"] != i for r in results)]
        raise ValidationError(
            f"item: {item!r} is recorded already; still to check: {', '.join(left) or '(none)'}",
            field="item",
        )
    passed = bool(ctx.param("passed"))
    note = ctx.param("note")
    if not passed and not note:
        raise ValidationError("note: a failed item needs a note saying what is wrong", field="note")
    area = inspection_policy(ctx.policy).areas[ctx.get("area")]
    follow_up = "none" if passed else (ctx.param("follow_up") or area.follow_up)
    if follow_up == "repair" and not (ctx.param("fault_type") or area.fault_type):
        raise ValidationError(
            "fault_type: this area names no fault type; give the repair order's fault type",
            field="fault_type",
        )
    results.append(
        {
            "item": item,
            "passed": passed,
            "note": note,
            "by": ctx.actor.id,
            "at": ctx.now,
            "follow_up": follow_up,
            "fault_type": ctx.param("fault_type") or area.fault_type,
            "urgency": ctx.param("urgency"),
        }
    )
    ctx.set("results", results)


def _guard_complete(ctx: Context) -> str | None:
    done = {r["item"] for r in ctx.get("results", [])}
    left = [i for i in ctx.get("items", []) if i not in done]
    if left:
        return f"items not checked yet: {', '.join(left)}"
    return None


def _on_complete(ctx: Context) -> None:
    ctx.set("completed_at", ctx.now)
    t = ctx.draft.timers.get("deadline")
    ctx.set("on_time", t is None or t.breached_at is None)
    ctx.set("passed", all(r["passed"] for r in ctx.get("results", [])))


def _on_link(ctx: Context) -> None:
    """Rule R8: the finding's repair order or hazard report, linked both ways."""
    item, relation, target = ctx.param("item"), ctx.param("relation"), ctx.param("record")
    results = [dict(r) for r in ctx.get("results", [])]
    for r in results:
        if r["item"] == item:
            r[relation] = target
    ctx.set("results", results)
    ctx.link(relation, target)


def _on_cancel(ctx: Context) -> None:
    ctx.set("end_reason", ctx.reason)


ROUND = WorkflowSpec(
    kind="inspection_round",
    zh="巡检任务",
    en="inspection round",
    prefix="IR",
    states=(
        StateSpec("due", "待巡检", "due"),
        StateSpec("in_progress", "巡检中", "in progress"),
        StateSpec("completed", "已完成", "completed", final=True),
        StateSpec("cancelled", "已取消", "cancelled", final=True),
    ),
    initial="due",
    create=EventSpec(
        "generate",
        (),
        "due",
        MANAGERS,
        "生成巡检任务",
        "generate round",
        params=(
            Param("area", "choice", required=True, choices=area_choices),
            Param("title", required=True),
            Param("location", required=True),
            Param("items", "strlist", required=True, doc="the checklist (R9)"),
            Param("frequency", "choice", required=True, choices=frequency_choices),
            Param("calendar", "choice", choices=_calendars),
            Param("department", "choice", choices=_departments),
            Param("plan", doc="the plan it comes from", refers=("inspection_plan",)),
            Param("number", "int", minimum=1, doc="the plan's round number"),
        ),
        effect=on_generate,
    ),
    events=(
        EventSpec(
            "start",
            ("due",),
            "in_progress",
            INSPECTORS,
            "开始巡检",
            "start",
            effect=_on_start,
            who="handler",
        ),
        EventSpec(
            "check",
            ("in_progress",),
            None,
            INSPECTORS,
            "记录检查项",
            "check item",
            params=(
                Param("item", required=True, doc="the checklist item"),
                Param("passed", "bool", required=True, doc="pass or fail (R9)"),
                Param("note", "text", doc="what was found (required when it fails)"),
                Param("follow_up", "choice", choices=_follow_ups, doc="repair, hazard, none"),
                Param("fault_type", "choice", choices=_fault_types, doc="of the repair (R1)"),
                Param("urgency", "choice", choices=_urgencies, doc="of the repair (R2)"),
            ),
            effect=_on_check,
            who="handler",
        ),
        EventSpec(
            "complete",
            ("in_progress",),
            "completed",
            INSPECTORS,
            "完成巡检",
            "complete",
            guard=_guard_complete,
            effect=_on_complete,
            who="handler",
        ),
        EventSpec(
            "cancel",
            ("due", "in_progress"),
            "cancelled",
            MANAGERS,
            "取消",
            "cancel",
            effect=_on_cancel,
            reason_required=True,
        ),
        EventSpec(
            "link_finding",
            ("in_progress",),
            None,
            (),
            "关联整改单",
            "link finding",
            params=(Param("item"), Param("relation"), Param("record")),
            effect=_on_link,
            system=True,
        ),
    ),
    timers=(TimerSpec("deadline", "完成时限", "deadline", ("generate",), (), deadline_plan),),
    ladder=lambda p: inspection_policy(p).ladder,
)
