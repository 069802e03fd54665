"""The return-visit workflow 回访 as data (rules F1-F7): states, events, the due and
tracking timers.  The service is :mod:`mallops.workflows.return_visits`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum

from ..clock import aware
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_for, plan_until
from ..policy import Policy
from .complaints import ANYONE, rating_param
from .return_visit_sources import ACCOUNT, SOURCE_LINK, SOURCES, STAGES

__all__ = ["RETURN_VISIT"]

_ANSWERS = ("speed", "result", "attitude")


def _methods(p: Policy) -> tuple[str, ...]:
    return tuple(p.return_visits.methods)


def _stages(_p: Policy) -> tuple[str, ...]:
    return STAGES


def _plan_due(ctx: Context) -> TimerPlan | None:
    rv = ctx.policy.return_visits
    if ctx.get("stage") == ACCOUNT:
        return plan_until(ctx.now, ctx.param("due_at"), warn_at=rv.warn_at)  # rule F7
    if ctx.get("stage") != "after":
        return None
    due = SOURCES[ctx.get("source_kind")].due(ctx.policy)
    return plan_for(due, ctx.calendar, warn_at=rv.warn_at, breach_level=1)  # rules R6, F2, F6


def _plan_tracking(ctx: Context) -> TimerPlan | None:
    if ctx.get("stage") != "during":
        return None
    return plan_for(ctx.policy.return_visits.tracking_interval, ctx.calendar)  # rule F1


def _retry_after(ctx: Context, since: pendulum.DateTime) -> tuple[pendulum.DateTime, int | None]:
    """When the next attempt is due after one at ``since`` (F4), and the year planned by
    the calendar's fallback rule (G9: a retry in working time never fails for missing
    holiday data; it is provisional and re-planned when the data arrives)."""
    after = ctx.policy.return_visits.retry_after
    return ctx.calendar.planned(lambda cal: cal.shift(since, cal.to_seconds(after), after.basis))


def _plan_retry(ctx: Context) -> TimerPlan:
    when = ctx.param("retry_at")
    if when is not None:
        return plan_until(ctx.now, when)  # the agreed time (F4)
    due, year = _retry_after(ctx, ctx.now)
    return plan_until(ctx.now, due, provisional_year=year)


def _replan_retry(ctx: Context) -> TimerPlan | None:
    """G9: the year's data arrived; the retry counts again from the last attempt."""
    attempts = [dict(a) for a in ctx.get("attempts", [])]
    if not attempts:
        return None
    due, year = _retry_after(ctx, aware(attempts[-1]["at"], field="at"))
    attempts[-1]["retry_at"] = due
    ctx.set("attempts", attempts)
    ctx.set("retry_at", due)
    return plan_until(ctx.now, due, provisional_year=year, clamp=True)


def _remind(reason: str) -> Any:
    def on_mark(ctx: Context, _timer: Any, mark: Any) -> None:
        if mark.kind == "breach":
            ctx.emit("notify", role=ctx.get("performer_role"), reason=reason)

    return on_mark


# -- guards and effects ---------------------------------------------------------------------------


def _on_open(ctx: Context) -> None:
    names = ("source", "source_kind", "stage", "performer_role", "customer", "contact")
    for name in (*names, "since", "requested_by", "due_at"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.draft.tenant = ctx.param("tenant")
    ctx.draft.location = ctx.param("location")
    ctx.draft.category = ctx.param("stage")
    ctx.draft.severity = ctx.param("source_severity")
    ctx.draft.owner = ctx.param("performer_role")
    # G5, F2, F3: the clerks' department, or the source's for a manager's visit
    ctx.draft.department = ctx.param("department")
    ctx.set("attempts", [])
    ctx.set("contacts", [])
    if ctx.param("stage") != ACCOUNT:
        ctx.link(SOURCE_LINK, ctx.param("source"))


def _permit_performer(ctx: Context) -> str | None:
    """Rules F3, C10: the source's severity decides the lowest role that may visit."""
    roles = ctx.policy.roles
    need = str(ctx.get("performer_role"))
    if need not in roles or roles[ctx.actor.role].rank >= roles[need].rank:
        return None
    return (
        f"this return visit is done by {need} or a more senior role (F3, C10); "
        f"{ctx.actor.role} ranks below"
    )


def _guard_visit(want: bool) -> Callable[[Context], str | None]:
    def guard(ctx: Context) -> str | None:
        if ctx.get("stage") == "during":
            return "a tracking visit records contacts with 'track' and ends with its source"
        c = ctx.policy.complaints
        for k in _ANSWERS:
            if ctx.param(k) > c.rating_scale:
                return f"{k} must be 1..{c.rating_scale} (C12)"
        satisfied = all(ctx.param(k) >= c.satisfied_min for k in _ANSWERS)
        return None if satisfied == want else "the answers do not match this branch"

    return guard


def _on_visit(ctx: Context) -> None:
    ctx.set("method", ctx.param("method"))
    ctx.set("answers", {k: ctx.param(k) for k in _ANSWERS})  # rule C12
    ctx.set("comment", ctx.param("comment"))
    ctx.set("visited_at", ctx.now)
    ctx.set("visited_by", ctx.actor.id)


def _guard_retry(ctx: Context) -> str | None:
    when = ctx.param("retry_at")
    if when is not None and when <= ctx.now:
        return f"the new time {when.isoformat()} is not in the future"
    return None


def _on_not_reached(ctx: Context) -> None:
    """Rule F4: the attempt is recorded, a new try is planned, the visit stays due."""
    plan = _plan_retry(ctx)
    ctx.start_timer("retry", plan)
    retry_at = ctx.draft.timers["retry"].due_at
    attempts = list(ctx.get("attempts", []))
    attempts.append(
        {
            "at": ctx.now,
            "by": ctx.actor.id,
            "method": ctx.param("method"),
            "outcome": ctx.param("outcome"),
            "note": ctx.param("note"),
            "retry_at": retry_at,
        }
    )
    ctx.set("attempts", attempts)
    ctx.set("retry_at", retry_at)


def _guard_tracking(ctx: Context) -> str | None:
    if ctx.get("stage") != "during":
        return "only a tracking visit (事中) records tracking contacts; use 'visit'"
    return None


def _on_track(ctx: Context) -> None:
    contacts = list(ctx.get("contacts", []))
    contacts.append(
        {
            "at": ctx.now,
            "by": ctx.actor.id,
            "method": ctx.param("method"),
            "note": ctx.param("note"),
        }
    )
    ctx.set("contacts", contacts)
    plan = _plan_tracking(ctx)
    if plan is not None:
        ctx.start_timer("tracking", plan)  # the next contact is due one interval later


def _on_end(ctx: Context) -> None:
    ctx.set("ended_because", ctx.param("because"))


_METHOD = Param("method", "choice", required=True, choices=_methods, doc="phone or on site (F1)")
_VISIT_PARAMS = (
    _METHOD,
    rating_param("speed"),
    rating_param("result"),
    rating_param("attitude"),
    Param("comment", "text"),
)

RETURN_VISIT = WorkflowSpec(
    kind="return_visit",
    zh="回访",
    en="return visit",
    prefix="RV",
    states=(
        StateSpec("due", "待回访", "due"),
        StateSpec("satisfied", "回访满意", "satisfied", final=True),
        StateSpec("unsatisfied", "回访不满意", "unsatisfied", final=True),
        StateSpec("ended", "跟踪结束", "tracking ended", final=True),
    ),
    initial="due",
    create=EventSpec(
        "open",
        (),
        None,
        (),
        "生成回访",
        "open",
        params=(
            Param("source", required=True, doc="the complaint or repair visited about"),
            Param(
                "source_kind",
                "choice",
                required=True,
                choices=lambda _p: (*SOURCES, ACCOUNT),
            ),
            Param("stage", "choice", required=True, choices=_stages, doc="事后 or 事中 (F1)"),
            Param("performer_role", required=True, doc="lowest role allowed to visit (F3)"),
            Param("source_severity", doc="the source's severity or urgency"),
            Param("customer", personal=True, doc="who is visited (G7)"),
            Param("contact", personal=True, doc="their phone (G7)"),
            # copied from its source (checked when the source was written, G11; records
            # written before 0.3 may name an unregistered tenant); account visits (F7) are
            # checked by ``start_account_visits``
            Param("tenant", refers=("tenant",), must_exist=False),
            Param("location"),
            Param(
                "department",
                "choice",
                choices=lambda p: tuple(p.departments),
                doc="who makes the visit (return_visits.department, or the source's, F3)",
            ),
            Param("due_at", "datetime", doc="when a periodic account visit is due (F7)"),
            Param("since", "datetime", doc="when the account started (F7)"),
            Param("requested_by", doc="who started the periodic visits (F7)"),
        ),
        effect=_on_open,
        system=True,
    ),
    events=(
        EventSpec(
            "visit",
            ("due",),
            "satisfied",
            ANYONE,
            "回访",
            "return visit",
            params=_VISIT_PARAMS,
            guard=_guard_visit(True),
            permit=_permit_performer,
            effect=_on_visit,
            who="handler",  # G5: the department making the visit (F2, F3)
        ),
        EventSpec(
            "visit",
            ("due",),
            "unsatisfied",
            ANYONE,
            "回访",
            "return visit",
            params=_VISIT_PARAMS,
            guard=_guard_visit(False),
            permit=_permit_performer,
            effect=_on_visit,
            who="handler",  # G5: the department making the visit (F2, F3)
        ),
        EventSpec(
            "not_reached",
            ("due",),
            None,
            ANYONE,
            "未联系上/客户忙",
            "not reached / busy",
            params=(
                _METHOD,
                Param(
                    "outcome",
                    "choice",
                    required=True,
                    choices=lambda _p: ("not_reachable", "busy"),
                    doc="why the visit could not happen (F4)",
                ),
                Param("retry_at", "datetime", doc="agreed new time; default retry_after"),
                Param("note", "text"),
            ),
            guard=_guard_retry,
            permit=_permit_performer,
            effect=_on_not_reached,
            who="handler",  # G5: the department making the visit (F2, F3)
        ),
        EventSpec(
            "track",
            ("due",),
            None,
            ANYONE,
            "事中跟踪联系",
            "tracking contact",
            params=(_METHOD, Param("note", "text", required=True)),
            guard=_guard_tracking,
            effect=_on_track,
            who="handler",  # G5: the department making the visit (F2, F3)
        ),
        EventSpec(
            "end",
            ("due",),
            "ended",
            (),
            "结束跟踪",
            "end tracking",
            params=(Param("because"),),
            effect=_on_end,
            system=True,
        ),
    ),
    timers=(
        TimerSpec("due", "回访时限", "return-visit deadline", ("open",), (), _plan_due),
        TimerSpec(
            "tracking",
            "事中跟踪",
            "next tracking contact",
            ("open",),
            (),
            _plan_tracking,
            on_mark=_remind("tracking_contact_due"),
        ),
        TimerSpec(
            "retry",
            "再次回访",
            "next attempt",
            (),
            (),
            _plan_retry,
            on_mark=_remind("retry_due"),
            replan=_replan_retry,  # G9
        ),
    ),
    ladder=lambda p: p.return_visits.ladder,
)
