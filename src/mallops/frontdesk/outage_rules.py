"""Outage notices 停电/停水通知 (rule O4): the guards, effects and timer plans of the workflow.

The definition that wires them is ``outage_spec``; the rules are told there.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pendulum

from mallops.domain import Mark, Timer
from mallops.errors import ValidationError
from mallops.plugins import Context, Duration, TimerPlan, plan_until

from .outage_policy import OutagePolicy, outages_section

__all__ = [
    "DESK",
    "MANAGERS",
    "PLANNERS",
    "SECTION",
    "WAITING",
    "before",
    "department_choices",
    "guard_all_notified",
    "guard_last_ack",
    "guard_more_acks",
    "guard_some_left",
    "method_choices",
    "notice_deadline",
    "on_acknowledge",
    "on_acknowledgement_mark",
    "on_begin",
    "on_cancel",
    "on_end_mark",
    "on_notice_mark",
    "on_notify",
    "on_plan",
    "on_restore",
    "on_start_mark",
    "outages_policy",
    "plan_acknowledgement",
    "plan_end",
    "plan_notice",
    "plan_start",
    "utility_choices",
]

SECTION = "outages"
MANAGERS = ("department_manager", "cs_head", "property_manager", "general_manager")
PLANNERS = ("front_desk", "staff", *MANAGERS)
"""The department doing the work plans the cut; the desk registers what it is told (4.10)."""
DESK = ("front_desk", "staff", "cs_head")
WAITING = ("planned", "notified", "confirmed")
"""States of a cut that has not started."""


def outages_policy(ctx: Context) -> OutagePolicy:
    """The ``[outages]`` section of the policy in force."""
    return outages_section(ctx.policy)


def utility_choices(p: Any) -> tuple[str, ...]:
    return tuple(outages_section(p).utilities)


def method_choices(p: Any) -> tuple[str, ...]:
    return tuple(outages_section(p).methods)


def department_choices(p: Any) -> tuple[str, ...]:
    return tuple(p.departments)


def _at(ctx: Context, name: str) -> pendulum.DateTime:
    stored = _dt.datetime.fromisoformat(str(ctx.get(name)))  # written by this workflow
    return pendulum.instance(stored).in_timezone(ctx.calendar.tz)


def notice_deadline(ctx: Context, starts_at: pendulum.DateTime) -> pendulum.DateTime:
    """The latest time every tenant must be notified by (O4): ``notice_before`` before
    ``starts_at`` on the business calendar, by the fallback rule for a year without
    holiday data when the policy says ``calendar.missing_year = "fallback"`` (G9)."""
    return before(ctx, starts_at, outages_policy(ctx).notice_before)


def before(ctx: Context, at: pendulum.DateTime, duration: Duration) -> pendulum.DateTime:
    """``duration`` before ``at`` on the business calendar (backward arithmetic, G9/G10);
    a year without holiday data is counted by the fallback rule unless the policy
    refuses it (``calendar.missing_year``)."""
    cal = ctx.calendar
    if cal.missing_year == "fallback":
        cal = cal.lenient()
    return cal.subtract(at, duration)


def _escalate_up(ctx: Context, cause: str) -> None:
    """One level above where the outage stands (each lapse climbs the ladder)."""
    ctx.escalate(ctx.draft.escalation_level + 1, cause)


def _notices(ctx: Context) -> dict[str, dict[str, Any]]:
    return {k: dict(v) for k, v in (ctx.get("notices") or {}).items()}


# -- planning (O4) ------------------------------------------------------------------------


def on_plan(ctx: Context) -> None:
    p = outages_policy(ctx)
    starts_at: pendulum.DateTime = ctx.param("starts_at")
    ends_at: pendulum.DateTime = ctx.param("ends_at")
    if starts_at <= ctx.now:
        raise ValidationError(
            f"starts_at: {starts_at.isoformat()} is not in the future (now "
            f"{ctx.now.isoformat()}); an outage notice is planned before the cut",
            field="starts_at",
        )
    if ends_at <= starts_at:
        raise ValidationError(
            f"ends_at: {ends_at.isoformat()} must be after starts_at {starts_at.isoformat()}",
            field="ends_at",
        )
    tenants = list(ctx.param("tenants") or [])
    if not tenants:
        raise ValidationError("tenants: name at least one affected tenant", field="tenants")
    if len(set(tenants)) != len(tenants):
        raise ValidationError("tenants: a tenant is named twice", field="tenants")
    emergency = bool(ctx.param("emergency"))
    if emergency and not ctx.param("emergency_reason"):
        raise ValidationError(
            "emergency_reason: an emergency cut says why it could not be announced in time",
            field="emergency_reason",
        )
    due = notice_deadline(ctx, starts_at)
    if due < ctx.now:
        if not emergency:
            raise ValidationError(
                f"starts_at: a cut at {starts_at.isoformat()} must be announced to the "
                f"tenants {p.notice_before} before it, by {due.isoformat()}, which has "
                f"passed (now {ctx.now.isoformat()}); plan it later or mark it as an "
                "emergency cut (emergency=true with emergency_reason) (O4)",
                field="starts_at",
            )
        # rule O4: an emergency cut goes ahead with short notice, and says so
        short = {"required_by": due.isoformat(), "notice_before": str(p.notice_before)}
        ctx.set("short_notice", short)
        ctx.emit("short_notice", required_by=due, starts_at=starts_at)
    notice_due = due if due > ctx.now else starts_at  # an emergency: before the start
    ack = max(before(ctx, starts_at, p.acknowledge_before), notice_due)
    ctx.set("notice_due", notice_due)
    ctx.set("acknowledge_due", ack if ack > ctx.now else starts_at)
    for name in ("utility", "starts_at", "ends_at", "description", "emergency_reason"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.set("emergency", emergency)
    ctx.set("tenants", tenants)
    ctx.set("notices", {t: {} for t in tenants})
    ctx.draft.location = ctx.param("area")
    ctx.draft.department = ctx.param("department") or ctx.actor.department or "engineering"
    ctx.draft.owner = ctx.actor.id


# -- notices and acknowledgements (O4) -----------------------------------------------------


def _to_notify(ctx: Context) -> list[str]:
    notices = _notices(ctx)
    waiting = [t for t, n in notices.items() if not n.get("notified_at")]
    named = list(ctx.param("tenants") or [])
    if not named:
        return waiting
    for t in named:
        if t not in notices:
            raise ValidationError(
                f"tenants: {t!r} is not affected by this cut; affected: {', '.join(notices)}",
                field="tenants",
            )
        if t not in waiting:
            raise ValidationError(f"tenants: {t!r} was notified already", field="tenants")
    return list(dict.fromkeys(named))


def guard_all_notified(ctx: Context) -> str | None:
    left = {t for t, n in _notices(ctx).items() if not n.get("notified_at")}
    return None if left and left <= set(_to_notify(ctx)) else "tenants remain to be notified"


def guard_some_left(ctx: Context) -> str | None:
    left = {t for t, n in _notices(ctx).items() if not n.get("notified_at")}
    if not left:
        return "every affected tenant was notified already"
    return None if not left <= set(_to_notify(ctx)) else "this notifies the last tenants"


def on_notify(ctx: Context) -> None:
    notices = _notices(ctx)
    in_time = ctx.now <= _at(ctx, "notice_due")
    for t in _to_notify(ctx):
        notices[t].update(
            notified_at=ctx.now.isoformat(),
            notified_by=ctx.actor.id,
            method=ctx.param("method") or "written_notice",
            in_time=in_time,
        )
    ctx.set("notices", notices)


def _acknowledging(ctx: Context) -> str:
    tenant = ctx.param("tenant")
    notice = _notices(ctx).get(tenant)
    if notice is None:
        raise ValidationError(
            f"tenant: {tenant!r} is not affected by this cut; affected: {', '.join(_notices(ctx))}",
            field="tenant",
        )
    if not notice.get("notified_at"):
        raise ValidationError(f"tenant: {tenant!r} has not been notified yet", field="tenant")
    if notice.get("acknowledged_at"):
        raise ValidationError(f"tenant: {tenant!r} acknowledged already", field="tenant")
    return str(tenant)


def _unacknowledged(ctx: Context) -> list[str]:
    return [t for t, n in _notices(ctx).items() if not n.get("acknowledged_at")]


def guard_last_ack(ctx: Context) -> str | None:
    tenant = _acknowledging(ctx)
    return None if _unacknowledged(ctx) == [tenant] else "others have not acknowledged yet"


def guard_more_acks(ctx: Context) -> str | None:
    tenant = _acknowledging(ctx)
    return "this is the last acknowledgement" if _unacknowledged(ctx) == [tenant] else None


def on_acknowledge(ctx: Context) -> None:
    tenant = _acknowledging(ctx)
    notices = _notices(ctx)
    notices[tenant].update(
        acknowledged_at=ctx.now.isoformat(),
        recorded_by=ctx.actor.id,
        in_time_ack=ctx.now <= _at(ctx, "acknowledge_due"),
    )
    if ctx.param("acknowledged_by") is not None:
        notices[tenant]["acknowledged_by"] = ctx.param("acknowledged_by")
    ctx.set("notices", notices)


# -- the cut itself ------------------------------------------------------------------------


def on_begin(ctx: Context) -> None:
    ctx.set("began_at", ctx.now)
    missing = _unacknowledged(ctx)
    if missing:
        ctx.set("unacknowledged_at_start", missing)


def on_restore(ctx: Context) -> None:
    ended_at: pendulum.DateTime = ctx.param("ended_at") or ctx.now
    began = _at(ctx, "began_at")
    if ended_at > ctx.now or ended_at < began:
        raise ValidationError(
            f"ended_at: {ended_at.isoformat()} must lie between the start of the cut "
            f"({began.isoformat()}) and now ({ctx.now.isoformat()})",
            field="ended_at",
        )
    ctx.set("ended_at", ended_at)
    overrun = max(0, int((ended_at - _at(ctx, "ends_at")).total_seconds()) // 60)
    ctx.set("overrun_minutes", overrun)
    if ctx.param("note") is not None:
        ctx.set("end_note", ctx.param("note"))


def on_cancel(ctx: Context) -> None:
    told = [t for t, n in _notices(ctx).items() if n.get("notified_at")]
    ctx.set("tell_cancelled", told)  # those notified are told the cut is off


# -- timers ---------------------------------------------------------------------------------


def plan_notice(ctx: Context) -> TimerPlan:
    return plan_until(ctx.now, _at(ctx, "notice_due"))


def on_notice_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach":
        late = [t for t, n in _notices(ctx).items() if not n.get("notified_at")]
        ctx.set("late_notices", late)
        _escalate_up(ctx, "timer:notice")  # rule O4: N working days before the cut


def plan_acknowledgement(ctx: Context) -> TimerPlan:
    return plan_until(ctx.now, _at(ctx, "acknowledge_due"))


def on_acknowledgement_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach":
        ctx.set("overdue_acknowledgements", _unacknowledged(ctx))
        _escalate_up(ctx, "timer:acknowledgement")  # rule O4


def plan_start(ctx: Context) -> TimerPlan:
    """A schedule, not a deadline: one mark at the planned start, no breach."""
    plan = plan_until(ctx.now, _at(ctx, "starts_at"))
    return TimerPlan(plan.basis, plan.allowance, (("escalate", plan.allowance, 0),))


def on_start_mark(ctx: Context, _timer: Timer, _mark: Mark) -> None:
    if ctx.draft.state in WAITING:
        ctx.follow("begin")  # rule O4: the cut starts at its planned time


def plan_end(ctx: Context) -> TimerPlan:
    due = ctx.calendar.add(_at(ctx, "ends_at"), outages_policy(ctx).end_report_within)
    return plan_until(ctx.now, max(due, ctx.now.add(seconds=1)))


def on_end_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach":
        _escalate_up(ctx, "timer:end")  # rule O4: the cut's end is reported
