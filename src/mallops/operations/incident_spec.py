"""The incident workflow 突发事件 as data (rule E1): states, events, the response timer.

An incident opens at once (``register``) on its type's plan (policy ``[incidents]``):
the general manager is told at registration (an escalation straight to the policy's
``report_to`` level, as C14), the plan's roles get a ``notify`` event, and the plan's
steps are copied onto the record.  Each step is then recorded in order with who and when
(``step``), or skipped with a reason (``skip_step``); affected tenants get progress
notices (``notify``: ``incident_notice`` domain events on the durable feed).  When every
step is settled the incident stands down (``stand_down``) and is closed with its review
(``review``); a false alarm closes at once with a reason.
"""

from __future__ import annotations

from typing import Any

from mallops.errors import ValidationError
from mallops.plugins import (
    Context,
    EventSpec,
    Param,
    Policy,
    StateSpec,
    TimerPlan,
    TimerSpec,
    WorkflowSpec,
    plan_for,
)

from .incident_policy import IncidentPolicy, IncidentTypePolicy

__all__ = ["ANYONE", "INCIDENT", "MANAGERS", "incident_policy", "incident_types"]

ANYONE = (
    "front_desk",
    "staff",
    "department_manager",
    "cs_head",
    "property_manager",
    "general_manager",
)
MANAGERS = ("department_manager", "cs_head", "property_manager", "general_manager")


def incident_policy(p: Policy) -> IncidentPolicy:
    """The ``[incidents]`` section of ``p``."""
    return p.section("incidents", IncidentPolicy)


def incident_types(p: Policy) -> tuple[str, ...]:
    """The incident types of the policy."""
    return tuple(incident_policy(p).types)


def _step_keys(p: Policy) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for t in incident_policy(p).types.values():
        seen.update(dict.fromkeys(t.steps))
    return tuple(seen)


def _plan(ctx: Context) -> IncidentTypePolicy:
    return incident_policy(ctx.policy).types[str(ctx.get("type"))]


def _steps(ctx: Context) -> list[dict[str, Any]]:
    return [dict(s) for s in ctx.get("steps", [])]


def _next(ctx: Context) -> dict[str, Any] | None:
    return next((s for s in _steps(ctx) if s["status"] == "pending"), None)


def _notice(ctx: Context, message: str, tenants: list[str]) -> None:
    """Record a progress notice and raise it for the feed (E1: 后续通报)."""
    notices = list(ctx.get("notices", []))
    notices.append({"at": ctx.now, "by": ctx.actor.id, "message": message, "tenants": tenants})
    ctx.set("notices", notices)
    if tenants:
        ctx.emit(
            "incident_notice",
            incident_type=ctx.get("type"),
            message=message,
            tenants=tenants,
            state=ctx.draft.state,
        )


# -- effects and guards -----------------------------------------------------------------


def _check_plan(ctx: Context, kind: str, plan: IncidentTypePolicy) -> None:
    """The plan's departments and roles exist in the mall's policy (else a
    ValidationError naming the policy key: the plan cannot be run as written)."""
    for dept in plan.departments:
        if dept not in ctx.policy.departments:
            raise ValidationError(
                f"incidents.types.{kind}.departments: {dept!r} is not a department; "
                f"departments: {', '.join(ctx.policy.departments)}",
                field="type",
            )
    for role in plan.notify:
        if role not in ctx.policy.roles:
            raise ValidationError(
                f"incidents.types.{kind}.notify: {role!r} is not a role; "
                f"roles: {', '.join(ctx.policy.roles)}",
                field="type",
            )


def _on_register(ctx: Context) -> None:
    # rule E1: the plan of the type decides who is told and the ordered steps
    p = incident_policy(ctx.policy)
    kind = ctx.param("type")
    plan = p.types[kind]
    _check_plan(ctx, kind, plan)
    d = ctx.draft
    d.category = kind
    d.location = ctx.param("location")
    d.owner = ctx.actor.id
    d.department = plan.departments[0]
    d.severity = "major" if ctx.param("major") else "general"
    ctx.set("type", kind)
    ctx.set("description", ctx.param("description"))
    if ctx.param("reported_by") is not None:
        ctx.set("reported_by", ctx.param("reported_by"))
    ctx.set("departments", list(plan.departments))
    ctx.set("registered_at", ctx.now)
    ctx.set("tenants", list(ctx.param("tenants") or []))
    ctx.set(
        "steps",
        [
            {"n": i, "key": key, "zh": lab.zh, "en": lab.en, "status": "pending"}
            for i, (key, lab) in enumerate(plan.steps.items(), start=1)
        ],
    )
    ctx.set("notices", [])
    # rule E1 (as C14): the general manager is told at registration
    ctx.escalate(p.ladder.index(p.report_to) + 1, "registration")
    for role in plan.notify:  # rule E1: who is told at once
        ctx.emit("notify", role=role, reason=f"incident:{kind}", departments=list(plan.departments))
    if ctx.get("tenants"):
        _notice(ctx, str(ctx.param("notice") or ctx.param("description")), ctx.get("tenants"))


def _guard_step(ctx: Context) -> str | None:
    # rule E1: the plan's steps are taken in order
    nxt = _next(ctx)
    if nxt is None:
        return "every step of the plan is already done or skipped"
    if ctx.param("step") != nxt["key"]:
        keys = [s["key"] for s in _steps(ctx)]
        if ctx.param("step") not in keys:
            return (
                f"step {ctx.param('step')!r} is not in the {ctx.get('type')} plan; "
                f"its steps: {', '.join(keys)}"
            )
        return f"steps are taken in order: the next step is {nxt['key']!r} ({nxt['zh']})"
    return None


def _settle(ctx: Context, status: str) -> None:
    steps = _steps(ctx)
    for s in steps:
        if s["key"] == ctx.param("step") and s["status"] == "pending":
            s.update(status=status, by=ctx.actor.id, at=ctx.now.isoformat())
            if status == "skipped":
                s["reason"] = ctx.reason
            if ctx.param("note"):
                s["note"] = ctx.param("note")
            break
    ctx.set("steps", steps)
    if ctx.get("first_step_at") is None:
        ctx.set("first_step_at", ctx.now)  # rule E1: response time, registration -> first step
        ctx.stop_timer("first_step")


def _on_step(ctx: Context) -> None:
    _settle(ctx, "done")


def _on_skip(ctx: Context) -> None:
    _settle(ctx, "skipped")


def _on_notify(ctx: Context) -> None:
    tenants = list(ctx.get("tenants", []))
    for t in ctx.param("tenants") or []:
        if t not in tenants:
            tenants.append(t)
    ctx.set("tenants", tenants)
    _notice(ctx, ctx.param("message"), list(ctx.param("tenants") or tenants))


def _guard_stand_down(ctx: Context) -> str | None:
    nxt = _next(ctx)
    if nxt is not None:
        return f"the plan is not through: record or skip step {nxt['key']!r} ({nxt['zh']}) first"
    return None


def _on_stand_down(ctx: Context) -> None:
    ctx.set("stood_down_at", ctx.now)
    message = ctx.param("message") or "已恢复正常 / back to normal"
    _notice(ctx, str(message), list(ctx.get("tenants", [])))


def _permit_review(ctx: Context) -> str | None:
    roles = incident_policy(ctx.policy).review_roles
    if ctx.actor.role in roles:
        return None
    return f"the policy lets only {', '.join(roles)} close an incident with its review (E1)"


def _on_review(ctx: Context) -> None:
    # rule E1: closed with a review
    ctx.set(
        "review",
        {
            "by": ctx.actor.id,
            "at": ctx.now.isoformat(),
            "summary": ctx.param("summary"),
            "cause": ctx.param("cause"),
            "lessons": ctx.param("lessons"),
        },
    )
    ctx.set("closed_at", ctx.now)


def _on_false_alarm(ctx: Context) -> None:
    ctx.set("false_alarm", True)
    ctx.set("closed_at", ctx.now)
    _notice(ctx, f"误报 / false alarm: {ctx.reason}", list(ctx.get("tenants", [])))


def _first_step_plan(ctx: Context) -> TimerPlan:
    return plan_for(incident_policy(ctx.policy).first_step_within, ctx.calendar)


_STEP = Param("step", "choice", required=True, choices=_step_keys, doc="the plan's step (E1)")
_NOTE = Param("note", "text", doc="what was done")

INCIDENT = WorkflowSpec(
    kind="incident",
    zh="突发事件",
    en="incident",
    prefix="INC",
    states=(
        StateSpec("responding", "应急处置中", "responding"),
        StateSpec("recovered", "已恢复（待复盘）", "recovered (review due)"),
        StateSpec("closed", "已关闭", "closed", final=True),
    ),
    initial="responding",
    create=EventSpec(
        "register",
        (),
        "responding",
        ANYONE,
        "登记启动预案",
        "register and start the plan",
        params=(
            Param("type", "choice", required=True, choices=incident_types, doc="incident type"),
            Param("location", required=True, doc="where it happens"),
            Param("description", "text", required=True, doc="what happens"),
            Param("tenants", "strlist", doc="affected tenants (told of progress)"),
            Param("reported_by", personal=True, doc="who reported it"),
            Param("major", "bool", doc="a major incident (K1 counts them)"),
            Param("notice", "text", doc="first notice to the affected tenants"),
        ),
        effect=_on_register,
    ),
    events=(
        EventSpec(
            "step",
            ("responding",),
            None,
            ANYONE,
            "完成步骤",
            "take a step",
            params=(_STEP, _NOTE),
            guard=_guard_step,
            effect=_on_step,
        ),
        EventSpec(
            "skip_step",
            ("responding",),
            None,
            MANAGERS,
            "跳过步骤",
            "skip a step",
            params=(_STEP, _NOTE),
            guard=_guard_step,
            effect=_on_skip,
            reason_required=True,
        ),
        EventSpec(
            "notify",
            ("responding", "recovered"),
            None,
            ANYONE,
            "通报进展",
            "send a progress notice",
            params=(
                Param("message", "text", required=True, doc="the notice"),
                Param("tenants", "strlist", doc="tenants told (default: every affected one)"),
            ),
            effect=_on_notify,
        ),
        EventSpec(
            "stand_down",
            ("responding",),
            "recovered",
            MANAGERS,
            "解除应急",
            "stand down",
            params=(Param("message", "text", doc="the last notice to tenants"),),
            guard=_guard_stand_down,
            effect=_on_stand_down,
        ),
        EventSpec(
            "review",
            ("recovered",),
            "closed",
            MANAGERS,
            "复盘关闭",
            "close with the review",
            params=(
                Param("summary", "text", required=True, doc="what happened and was done"),
                Param("cause", "text", doc="the cause"),
                Param("lessons", "text", doc="what changes in the plan"),
            ),
            permit=_permit_review,
            effect=_on_review,
        ),
        EventSpec(
            "false_alarm",
            ("responding",),
            "closed",
            MANAGERS,
            "误报关闭",
            "close as a false alarm",
            effect=_on_false_alarm,
            reason_required=True,
        ),
    ),
    timers=(
        TimerSpec(
            "first_step",
            "首步响应时限",
            "first-step response time",
            ("register",),
            ("recovered",),
            _first_step_plan,
        ),
    ),
    ladder=lambda p: incident_policy(p).ladder,
)
