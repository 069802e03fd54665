"""Hazard reports 隐患报告 (R9): a finding of an inspection or patrol sent to security.

A failed checklist item whose area (or the inspector) says ``hazard``, or a hazard a
patrol reports at a checkpoint, opens a hazard report held by the
``[inspections].hazard_department`` (security), linked both ways to the round or patrol
that found it.  It is dealt with (made safe, or handed on as a repair) within
``hazard_within``; late, it escalates up ``hazard_ladder``.
"""

from __future__ import annotations

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

from .inspection_plan import MANAGERS
from .inspection_policy import inspection_policy
from .inspection_round import INSPECTORS

__all__ = ["HAZARD", "REPORTERS"]

REPORTERS = ("front_desk", *INSPECTORS)
"""Who may report a hazard (G5): anyone on the staff."""


def _plan(ctx: Context) -> TimerPlan:
    p = inspection_policy(ctx.policy)
    return plan_for(p.hazard_within, ctx.calendar, breach_level=1)


def _on_report(ctx: Context) -> None:
    ctx.set("description", ctx.param("description"))
    ctx.draft.location = ctx.param("location")
    found_in = ctx.param("found_in")
    if found_in:
        ctx.set("found_in", found_in)
        ctx.link("found_in", found_in)  # rule R8: linked back to the round or patrol
    for name in ("item", "checkpoint"):
        if ctx.param(name):
            ctx.set(name, ctx.param(name))
    ctx.set("reported_by", ctx.actor.id)
    ctx.set_department(inspection_policy(ctx.policy).hazard_department, None)


def _on_take(ctx: Context) -> None:
    ctx.draft.owner = ctx.actor.id


def _on_resolve(ctx: Context) -> None:
    if not ctx.param("action"):
        raise ValidationError("action: say what was done to make it safe", field="action")
    ctx.set("action", ctx.param("action"))
    ctx.set("resolved_at", ctx.now)


HAZARD = WorkflowSpec(
    kind="hazard",
    zh="安全隐患",
    en="hazard report",
    prefix="HZ",
    states=(
        StateSpec("reported", "已上报", "reported"),
        StateSpec("handling", "处理中", "being handled"),
        StateSpec("resolved", "已消除", "resolved", final=True),
        StateSpec("dismissed", "不成立", "dismissed", final=True),
    ),
    initial="reported",
    create=EventSpec(
        "report",
        (),
        "reported",
        REPORTERS,
        "上报隐患",
        "report hazard",
        params=(
            Param("description", "text", required=True, doc="what is unsafe"),
            Param("location", required=True),
            Param("found_in", doc="the round or patrol that found it", refers=()),
            Param("item", doc="the checklist item that failed"),
            Param("checkpoint", doc="the patrol checkpoint"),
        ),
        effect=_on_report,
    ),
    events=(
        EventSpec(
            "take",
            ("reported",),
            "handling",
            INSPECTORS,
            "受理",
            "take on",
            effect=_on_take,
            who="handler",
        ),
        EventSpec(
            "resolve",
            ("reported", "handling"),
            "resolved",
            INSPECTORS,
            "消除隐患",
            "resolve",
            params=(Param("action", "text", required=True, doc="what was done"),),
            effect=_on_resolve,
            who="handler",
        ),
        EventSpec(
            "dismiss",
            ("reported", "handling"),
            "dismissed",
            MANAGERS,
            "认定不成立",
            "dismiss",
            reason_required=True,
        ),
    ),
    timers=(TimerSpec("handle", "处理时限", "handling time", ("report",), (), _plan),),
    ladder=lambda p: inspection_policy(p).hazard_ladder,
)
