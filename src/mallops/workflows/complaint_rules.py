"""The complaints rules as functions: choices from the policy, timer plans, guards and
effects.  Declared as a workflow in :mod:`mallops.workflows.complaint_spec`; the service is
:mod:`mallops.workflows.complaints`."""

from __future__ import annotations

import datetime as _dt
import functools
import re

import pendulum

from ..clock import aware
from ..duration import Duration
from ..engine.context import Context
from ..engine.spec import Param
from ..engine.timers import TimerPlan, plan_for, plan_until
from ..policy import Policy

__all__ = [
    "ANYONE",
    "APPROVERS",
    "DISPATCHERS",
    "HANDLERS",
    "MANAGERS",
    "OPEN_STATES",
    "PROMISE",
    "SURVEY_PARAMS",
    "c_categories",
    "c_on_reopen",
    "c_severities",
    "channel_choices",
    "commit_time",
    "department_choices",
    "guard_promise",
    "guard_survey",
    "handling_duration",
    "keyword_pattern",
    "needs_approval",
    "no_approval",
    "on_approve",
    "on_assign",
    "on_classify",
    "on_contact",
    "on_dismiss",
    "on_open",
    "on_reply",
    "on_resolve",
    "on_set_severity",
    "on_submit",
    "on_survey_dissatisfied",
    "on_transfer",
    "permit_approver",
    "plan_commitment",
    "plan_first_contact",
    "plan_handling",
    "plan_resolution",
    "rating_param",
    "record_survey",
    "route_severity",
    "satisfied",
    "suggest_category",
]

OPEN_STATES = ("registered", "assigned", "contacted", "in_progress", "pending_approval")
ANYONE = (
    "front_desk",
    "staff",
    "department_manager",
    "cs_head",
    "property_manager",
    "general_manager",
)
HANDLERS = ("staff", "department_manager", "cs_head", "property_manager", "general_manager")
DISPATCHERS = ("front_desk", "department_manager", "cs_head", "property_manager", "general_manager")
MANAGERS = ("department_manager", "cs_head", "property_manager", "general_manager")
APPROVERS = ("cs_head", "property_manager", "general_manager")


def c_categories(p: Policy) -> tuple[str, ...]:
    return tuple(p.complaints.categories)


def c_severities(p: Policy) -> tuple[str, ...]:
    return tuple(p.complaints.severities)


def channel_choices(p: Policy) -> tuple[str, ...]:
    return tuple(p.channels)


def department_choices(p: Policy) -> tuple[str, ...]:
    return tuple(p.departments)


@functools.lru_cache(maxsize=256)
def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({k.lower() for k in keywords if k}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def suggest_category(description: str, policy: Policy) -> str:
    """The category whose keywords occur most often in ``description`` (C2); ties go to
    the category listed first; no hit gives the policy's default category."""
    text = description.lower()
    best, best_hits = policy.complaints.default_category, 0
    for name, cat in policy.complaints.categories.items():
        pattern = keyword_pattern(cat.keywords)
        hits = len(pattern.findall(text)) if pattern is not None else 0
        if hits > best_hits:
            best, best_hits = name, hits
    return best


# -- timers ------------------------------------------------------------------------------


def handling_duration(ctx: Context) -> Duration:
    c = ctx.policy.complaints
    sev = c.severities.get(ctx.draft.severity or "")
    if sev is not None and sev.handling is not None:
        return sev.handling
    cat = c.categories.get(ctx.draft.category or "")
    if cat is not None and cat.handling is not None:
        return cat.handling
    return c.handling.duration


def plan_first_contact(ctx: Context) -> TimerPlan:
    t = ctx.policy.complaints.first_contact
    return plan_for(t.duration, ctx.calendar, warn_at=t.warn_at, quiet=t.quiet_warnings)


def plan_handling(ctx: Context) -> TimerPlan:
    t = ctx.policy.complaints.handling
    return plan_for(handling_duration(ctx), ctx.calendar, warn_at=t.warn_at, quiet=t.quiet_warnings)


def plan_resolution(ctx: Context) -> TimerPlan:
    e = ctx.policy.complaints.escalation
    if not e.after:
        return plan_for(Duration(3650, "days"), ctx.calendar)  # no timed ladder in this policy
    return plan_for(e.after[0], ctx.calendar, warn_at=e.warn_at, breach_level=1, steps=e.after[1:])


def plan_commitment(ctx: Context) -> TimerPlan | None:
    due = ctx.param("promised_by")
    if due is None:
        return None
    return plan_until(ctx.now, due, warn_at=ctx.policy.complaints.commitment_warn_at)


# -- guards and effects ------------------------------------------------------------------------


def on_open(ctx: Context) -> None:
    p = ctx.policy.complaints
    d = ctx.draft
    for name in ("channel", "complainant", "contact", "description", "demand"):
        ctx.set(name, ctx.param(name))
    if ctx.param("occurred_at") is not None:
        ctx.set("occurred_at", ctx.param("occurred_at"))
    d.location = ctx.param("location")
    d.tenant = ctx.param("tenant")
    suggested = suggest_category(ctx.param("description"), ctx.policy)
    ctx.set("suggested_category", suggested)  # rule C2
    d.category = ctx.param("category") or suggested
    ctx.set("category_confirmed", ctx.param("category") is not None)
    d.severity = ctx.param("severity") or p.default_severity
    ctx.set("public", ctx.param("channel") in p.public_channels)  # rule C13
    ctx.set("reopen_count", 0)
    ctx.set("first_contact_by", ctx.actor.id)  # rule G3
    d.owner = ctx.actor.id
    d.department = ctx.actor.department or "customer_service"
    route_severity(ctx, "registration")


def route_severity(ctx: Context, cause: str) -> None:
    """C10 report to a role; C14 straight escalation at registration or on a raise."""
    sev = ctx.policy.complaints.severities[ctx.draft.severity or ""]
    if sev.report_to is not None:
        ctx.emit("notify", role=sev.report_to, reason=f"severity:{ctx.draft.severity}")
    if sev.escalate_to_level:
        ctx.escalate(sev.escalate_to_level, cause)


def on_classify(ctx: Context) -> None:
    ctx.draft.category = ctx.param("category")
    ctx.set("category_confirmed", True)
    ctx.replan_timers("change")


def on_set_severity(ctx: Context) -> None:
    ctx.draft.severity = ctx.param("severity")
    ctx.replan_timers("change")
    route_severity(ctx, "severity")


def on_assign(ctx: Context) -> None:
    ctx.set_department(ctx.param("department"), ctx.param("assignee"))


def on_transfer(ctx: Context) -> None:
    ctx.set_department(ctx.param("department") or ctx.draft.department, ctx.param("assignee"))


def on_contact(ctx: Context) -> None:
    ctx.set("first_contact_at", ctx.now)
    if ctx.param("note"):
        ctx.set("contact_note", ctx.param("note"))


def guard_promise(ctx: Context) -> str | None:
    due = ctx.param("promised_by")
    if due is not None and due <= ctx.now:
        return f"the promised time {due.isoformat()} is not in the future"
    return None


def on_reply(ctx: Context) -> None:
    ctx.set("reply", ctx.param("message"))
    ctx.set("replied_at", ctx.now)
    commit_time(ctx)


def _local_day(at: pendulum.DateTime, tz: str) -> _dt.date:
    """``at``'s date in ``tz`` (no conversion when it is there already; issue 16)."""
    return aware(at, field="time", tz=tz).date()


def commit_time(ctx: Context) -> None:
    due = ctx.param("promised_by")
    ctx.set("promised_by", due)
    plan = plan_commitment(ctx)
    if plan is not None:
        ctx.start_timer("commitment", plan)  # rule G8
    if due is not None and _local_day(due, ctx.calendar.tz) != _local_day(ctx.now, ctx.calendar.tz):
        # rule G8: not finishable today -> the front desk explains to the customer
        ctx.emit("notify", role="front_desk", reason="same_day:committed", promised_by=due)


def needs_approval(ctx: Context) -> str | None:
    p = ctx.policy.complaints
    if ctx.get("public") and p.approval_required:
        return None
    return "no approval needed"


def no_approval(ctx: Context) -> str | None:
    return None if needs_approval(ctx) is not None else "a public reply needs approval first (C13)"


def on_resolve(ctx: Context) -> None:
    ctx.set("resolution", ctx.param("resolution"))
    ctx.set("resolved_at", ctx.now)


def on_submit(ctx: Context) -> None:
    ctx.set("resolution", ctx.param("resolution"))
    ctx.emit("notify", role="cs_head", reason="approval_needed")


def permit_approver(ctx: Context) -> str | None:
    roles = ctx.policy.complaints.approver_roles
    if ctx.actor.role in roles:
        return None
    return f"the policy lets only {', '.join(roles)} approve public replies (C13)"


def on_approve(ctx: Context) -> None:
    ctx.set("approved_by", ctx.actor.id)
    ctx.set("resolved_at", ctx.now)


def satisfied(ctx: Context) -> bool:
    minimum = ctx.policy.complaints.satisfied_min
    return all(ctx.param(k) >= minimum for k in ("speed", "result", "attitude"))


def guard_survey(ctx: Context, want: bool) -> str | None:
    if ctx.policy.complaints.survey_by != "survey":
        return "this policy collects satisfaction through the return visit (survey_by)"
    scale = ctx.policy.complaints.rating_scale
    for k in ("speed", "result", "attitude"):
        if ctx.param(k) > scale:
            return f"{k} must be 1..{scale}"
    return None if satisfied(ctx) == want else "answer does not match this branch"


def record_survey(ctx: Context) -> None:
    ctx.set(
        "satisfaction",
        {k: ctx.param(k) for k in ("speed", "result", "attitude")}
        | {"comment": ctx.param("comment")},
    )


def c_on_reopen(ctx: Context) -> None:
    count = int(ctx.get("reopen_count", 0)) + 1
    ctx.set("reopen_count", count)
    ctx.set("resolved_at", None)
    limit = ctx.policy.complaints.reopen_escalate_after
    if limit and count >= limit:
        ctx.escalate(1, "reopen")


def on_survey_dissatisfied(ctx: Context) -> None:
    record_survey(ctx)
    c_on_reopen(ctx)


def on_dismiss(ctx: Context) -> None:
    ctx.set("explanation", ctx.param("explanation"))  # rule C11
    ctx.emit("notify", role="front_desk", reason="explain_to_customer")


def rating_param(name: str) -> Param:
    return Param(name, "int", required=True, minimum=1, maximum=10, doc=f"{name} rating (C12)")


SURVEY_PARAMS = (
    rating_param("speed"),
    rating_param("result"),
    rating_param("attitude"),
    Param("comment", "text"),
)
PROMISE = Param("promised_by", "datetime", required=True, doc="committed completion time (G8)")
