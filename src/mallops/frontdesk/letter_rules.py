"""Notices and letters 发文 (rule O3): the guards, effects and timer plans of the workflow.

The definition that wires them is ``letter_spec``; the rules are told there.
"""

from __future__ import annotations

from typing import Any

import attrs

from mallops.domain import Mark, Timer
from mallops.errors import ValidationError
from mallops.plugins import (
    Context,
    Duration,
    TimerPlan,
    plan_for,
)
from mallops.plugins import Label as _Label

from .letter_policy import LetterPolicy, LetterType, letters_section

__all__ = [
    "APPROVERS",
    "DESK",
    "DRAFTERS",
    "INSPECTORS",
    "OPEN_LETTER_STATES",
    "RESULTS",
    "SEALERS",
    "SECTION",
    "department_choices",
    "guard_failed",
    "guard_passed",
    "guard_plain",
    "guard_rectifies",
    "letters_policy",
    "on_archive",
    "on_deliver",
    "on_draft",
    "on_rectification_mark",
    "on_reinspect",
    "on_revise",
    "on_send_back",
    "on_sign",
    "on_sign_rectify",
    "on_signature_mark",
    "on_withdraw",
    "plan_rectification",
    "plan_signature",
    "result_choices",
    "step",
    "type_choices",
]

SECTION = "letters"
DRAFTERS = (
    "front_desk",
    "staff",
    "department_manager",
    "cs_head",
    "property_manager",
    "general_manager",
)
"""Who drafts: the department the letter concerns (4.8.3) or the front desk."""
APPROVERS = ("department_manager", "cs_head", "property_manager", "general_manager")
"""领导同意 (4.8.4)."""
SEALERS = ("property_manager", "general_manager")
"""The general manager's office seals (总经办盖章, 4.8.4)."""
DESK = ("front_desk", "staff", "department_manager", "cs_head")
"""营运人员: delivery, the tenant's signature, the archive (4.8.5, 4.8.6)."""
INSPECTORS = ("staff", "department_manager", "cs_head", "property_manager", "general_manager")
"""The letter's department re-inspects the rectification (with the security department)."""
OPEN_LETTER_STATES = ("draft", "approved", "seal_requested", "sealed", "delivered")
RESULTS = {"passed": _Label("复查合格", "passed"), "failed": _Label("复查不合格", "failed")}


def letters_policy(ctx: Context) -> LetterPolicy:
    """The ``[letters]`` section of the policy in force."""
    return letters_section(ctx.policy)


def _type(ctx: Context) -> LetterType:
    return letters_policy(ctx).type_of(str(ctx.get("type")))


def type_choices(p: Any) -> tuple[str, ...]:
    return tuple(letters_section(p).types)


def department_choices(p: Any) -> tuple[str, ...]:
    return tuple(p.departments)


def result_choices(_p: Any) -> tuple[str, ...]:
    return tuple(RESULTS)


def step(ctx: Context, name: str) -> None:
    """Rule O3: each step with who and when."""
    steps = dict(ctx.get("steps") or {})
    steps[name] = {"by": ctx.actor.id, "role": ctx.actor.role, "at": ctx.now.isoformat()}
    ctx.set("steps", steps)


def _escalate_up(ctx: Context, cause: str) -> None:
    """One level above where the letter stands (each lapse climbs the ladder)."""
    ctx.escalate(ctx.draft.escalation_level + 1, cause)


def _unlevelled(plan: TimerPlan) -> TimerPlan:
    """``plan`` whose marks escalate nothing by themselves (the timer's hook does)."""
    return attrs.evolve(plan, marks=tuple((kind, at, 0) for kind, at, _level in plan.marks))


def _days(ctx: Context, name: str) -> Duration | None:
    value = ctx.param(name)
    return None if value is None else Duration(int(value), "working days")


# -- effects and guards -------------------------------------------------------------------


def on_draft(ctx: Context) -> None:
    p = letters_policy(ctx)
    kind = ctx.param("type")
    t = p.type_of(kind)
    if not t.rectification:
        for name in ("rectify_days", "items"):
            if ctx.param(name):
                raise ValidationError(
                    f"{name}: only a letter that orders a rectification takes it; "
                    f"types that do: {', '.join(k for k, v in p.types.items() if v.rectification)}",
                    field=name,
                )
    ctx.set("type", kind)
    for name in ("title", "body", "items", "rectify_days", "follows"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    if ctx.param("follows") is not None:
        ctx.link("follows", ctx.param("follows"))  # 4.8.1: the rectification after a notice
    ctx.draft.tenant = ctx.param("tenant")
    ctx.draft.department = ctx.param("department") or ctx.actor.department or "operations"
    ctx.draft.owner = ctx.actor.id
    step(ctx, "drafted")


def on_revise(ctx: Context) -> None:
    changed = [n for n in ("title", "body") if ctx.param(n) is not None]
    if not changed:
        raise ValidationError("title, body: give at least one of them to revise", field="body")
    for name in changed:
        ctx.set(name, ctx.param(name))
    step(ctx, "revised")


def on_send_back(ctx: Context) -> None:
    steps = {k: v for k, v in (ctx.get("steps") or {}).items() if k in ("drafted", "revised")}
    ctx.set("steps", steps)
    ctx.set("sent_back", int(ctx.get("sent_back", 0)) + 1)
    step(ctx, "sent_back")


def on_deliver(ctx: Context) -> None:
    ctx.set("delivered_to", ctx.param("delivered_to"))
    step(ctx, "delivered")


def guard_rectifies(ctx: Context) -> str | None:
    return None if _type(ctx).rectification else "this notice orders no rectification"


def guard_plain(ctx: Context) -> str | None:
    return "this letter orders a rectification" if _type(ctx).rectification else None


def on_sign(ctx: Context) -> None:
    ctx.set("signed_by", ctx.param("signed_by"))
    step(ctx, "signed")


def on_sign_rectify(ctx: Context) -> None:
    """Signed: the rectification deadline runs from now (4.8.1)."""
    on_sign(ctx)
    plan = plan_rectification(ctx)
    if plan is not None:
        ctx.start_timer("rectification", plan)
        ctx.set("rectify_until", ctx.draft.timers["rectification"].due_at)


def guard_passed(ctx: Context) -> str | None:
    return None if ctx.param("result") == "passed" else "the re-inspection failed"


def guard_failed(ctx: Context) -> str | None:
    return None if ctx.param("result") == "failed" else "the re-inspection passed"


def on_reinspect(ctx: Context) -> None:
    p = letters_policy(ctx)
    result = ctx.param("result")
    rounds = list(ctx.get("reinspections") or [])
    rounds.append(
        {"at": ctx.now.isoformat(), "by": ctx.actor.id, "result": result, "note": ctx.param("note")}
    )
    ctx.set("reinspections", rounds)
    if result == "passed":
        ctx.set("rectified_at", ctx.now)
        step(ctx, "rectified")
        return
    failed = int(ctx.get("failed_reinspections", 0)) + 1
    ctx.set("failed_reinspections", failed)
    again = _days(ctx, "rectify_days") or p.rectify_again_within
    plan = _unlevelled(plan_for(again, ctx.calendar))
    ctx.start_timer("rectification", plan)  # a further deadline (O3)
    timer = ctx.draft.timers["rectification"]
    ctx.set("rectify_until", timer.due_at)
    if failed >= p.failed_reinspections:
        _escalate_up(ctx, "reinspection_failed")


def on_archive(ctx: Context) -> None:
    if ctx.param("folder") is not None:
        ctx.set("folder", ctx.param("folder"))
    step(ctx, "archived")


def on_withdraw(ctx: Context) -> None:
    step(ctx, "withdrawn")


# -- timers ---------------------------------------------------------------------------------


def plan_signature(ctx: Context) -> TimerPlan:
    p = letters_policy(ctx)
    return _unlevelled(plan_for(_type(ctx).sign_within, ctx.calendar, steps=(p.chase_after,)))


def on_signature_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind in ("breach", "escalate"):
        ctx.set("signature_overdue", True)
        _escalate_up(ctx, "timer:signature")  # rule O3: signature deadline per type


def plan_rectification(ctx: Context) -> TimerPlan | None:
    if ctx.draft.state != "rectifying":
        return None
    days = ctx.get("rectify_days")
    within = Duration(int(days), "working days") if days is not None else None
    return _unlevelled(plan_for(within or _type(ctx).rectify_within, ctx.calendar))


def on_rectification_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach":
        ctx.set("rectification_overdue", True)
        _escalate_up(ctx, "timer:rectification")  # rule O3: the deadline is tracked
