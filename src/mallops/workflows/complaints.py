"""Complaints 投诉 (rules C1-C14, G1-G8).

State diagram and SLA model: docs/complaints.md.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..domain.records import Actor, HistoryEntry, Record
from ..duration import Duration
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_for, plan_until
from ..policy import Policy
from ..stores.protocol import Query, query_ids
from .base import Batch, WorkflowService

__all__ = ["COMPLAINT", "ComplaintService", "suggest_category"]

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


def _categories(p: Policy) -> tuple[str, ...]:
    return tuple(p.complaints.categories)


def _severities(p: Policy) -> tuple[str, ...]:
    return tuple(p.complaints.severities)


def _channels(p: Policy) -> tuple[str, ...]:
    return tuple(p.channels)


def _departments(p: Policy) -> tuple[str, ...]:
    return tuple(p.departments)


@functools.lru_cache(maxsize=256)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({k.lower() for k in keywords if k}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def suggest_category(description: str, policy: Policy) -> str:
    """The category whose keywords occur most often in ``description`` (C2); ties go to
    the category listed first; no hit gives the policy's default category."""
    text = description.lower()
    best, best_hits = policy.complaints.default_category, 0
    for name, cat in policy.complaints.categories.items():
        pattern = _keyword_pattern(cat.keywords)
        hits = len(pattern.findall(text)) if pattern is not None else 0
        if hits > best_hits:
            best, best_hits = name, hits
    return best


# -- timers ------------------------------------------------------------------------------


def _handling_duration(ctx: Context) -> Duration:
    c = ctx.policy.complaints
    sev = c.severities.get(ctx.draft.severity or "")
    if sev is not None and sev.handling is not None:
        return sev.handling
    cat = c.categories.get(ctx.draft.category or "")
    if cat is not None and cat.handling is not None:
        return cat.handling
    return c.handling.duration


def _plan_first_contact(ctx: Context) -> TimerPlan:
    t = ctx.policy.complaints.first_contact
    return plan_for(t.duration, ctx.calendar, warn_at=t.warn_at, quiet=t.quiet_warnings)


def _plan_handling(ctx: Context) -> TimerPlan:
    t = ctx.policy.complaints.handling
    return plan_for(
        _handling_duration(ctx), ctx.calendar, warn_at=t.warn_at, quiet=t.quiet_warnings
    )


def _plan_resolution(ctx: Context) -> TimerPlan:
    e = ctx.policy.complaints.escalation
    if not e.after:
        return plan_for(Duration(3650, "days"), ctx.calendar)  # no timed ladder in this policy
    return plan_for(e.after[0], ctx.calendar, warn_at=e.warn_at, breach_level=1, steps=e.after[1:])


def _plan_commitment(ctx: Context) -> TimerPlan | None:
    due = ctx.param("promised_by")
    if due is None:
        return None
    return plan_until(ctx.now, due, warn_at=ctx.policy.complaints.commitment_warn_at)


# -- guards and effects ------------------------------------------------------------------------


def _on_open(ctx: Context) -> None:
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
    _route_severity(ctx, "registration")


def _route_severity(ctx: Context, cause: str) -> None:
    """C10 report to a role; C14 straight escalation at registration or on a raise."""
    sev = ctx.policy.complaints.severities[ctx.draft.severity or ""]
    if sev.report_to is not None:
        ctx.emit("notify", role=sev.report_to, reason=f"severity:{ctx.draft.severity}")
    if sev.escalate_to_level:
        ctx.escalate(sev.escalate_to_level, cause)


def _on_classify(ctx: Context) -> None:
    ctx.draft.category = ctx.param("category")
    ctx.set("category_confirmed", True)
    ctx.replan_timers("change")


def _on_set_severity(ctx: Context) -> None:
    ctx.draft.severity = ctx.param("severity")
    ctx.replan_timers("change")
    _route_severity(ctx, "severity")


def _on_assign(ctx: Context) -> None:
    ctx.set_department(ctx.param("department"), ctx.param("assignee"))


def _on_transfer(ctx: Context) -> None:
    ctx.set_department(ctx.param("department") or ctx.draft.department, ctx.param("assignee"))


def _on_contact(ctx: Context) -> None:
    ctx.set("first_contact_at", ctx.now)
    if ctx.param("note"):
        ctx.set("contact_note", ctx.param("note"))


def _guard_promise(ctx: Context) -> str | None:
    due = ctx.param("promised_by")
    if due is not None and due <= ctx.now:
        return f"the promised time {due.isoformat()} is not in the future"
    return None


def _on_reply(ctx: Context) -> None:
    ctx.set("reply", ctx.param("message"))
    ctx.set("replied_at", ctx.now)
    _commit_time(ctx)


def _commit_time(ctx: Context) -> None:
    due = ctx.param("promised_by")
    ctx.set("promised_by", due)
    plan = _plan_commitment(ctx)
    if plan is not None:
        ctx.start_timer("commitment", plan)  # rule G8
    if (
        due is not None
        and due.in_timezone(ctx.calendar.tz).date() != ctx.now.in_timezone(ctx.calendar.tz).date()
    ):
        # rule G8: not finishable today -> the front desk explains to the customer
        ctx.emit("notify", role="front_desk", reason="same_day:committed", promised_by=due)


def _needs_approval(ctx: Context) -> str | None:
    p = ctx.policy.complaints
    if ctx.get("public") and p.approval_required:
        return None
    return "no approval needed"


def _no_approval(ctx: Context) -> str | None:
    return None if _needs_approval(ctx) is not None else "a public reply needs approval first (C13)"


def _on_resolve(ctx: Context) -> None:
    ctx.set("resolution", ctx.param("resolution"))
    ctx.set("resolved_at", ctx.now)


def _on_submit(ctx: Context) -> None:
    ctx.set("resolution", ctx.param("resolution"))
    ctx.emit("notify", role="cs_head", reason="approval_needed")


def _permit_approver(ctx: Context) -> str | None:
    roles = ctx.policy.complaints.approver_roles
    if ctx.actor.role in roles:
        return None
    return f"the policy lets only {', '.join(roles)} approve public replies (C13)"


def _on_approve(ctx: Context) -> None:
    ctx.set("approved_by", ctx.actor.id)
    ctx.set("resolved_at", ctx.now)


def _satisfied(ctx: Context) -> bool:
    minimum = ctx.policy.complaints.satisfied_min
    return all(ctx.param(k) >= minimum for k in ("speed", "result", "attitude"))


def _guard_survey(ctx: Context, want: bool) -> str | None:
    if ctx.policy.complaints.survey_by != "survey":
        return "this policy collects satisfaction through the return visit (survey_by)"
    scale = ctx.policy.complaints.rating_scale
    for k in ("speed", "result", "attitude"):
        if ctx.param(k) > scale:
            return f"{k} must be 1..{scale}"
    return None if _satisfied(ctx) == want else "answer does not match this branch"


def _record_survey(ctx: Context) -> None:
    ctx.set(
        "satisfaction",
        {k: ctx.param(k) for k in ("speed", "result", "attitude")}
        | {"comment": ctx.param("comment")},
    )


def _on_reopen(ctx: Context) -> None:
    count = int(ctx.get("reopen_count", 0)) + 1
    ctx.set("reopen_count", count)
    ctx.set("resolved_at", None)
    limit = ctx.policy.complaints.reopen_escalate_after
    if limit and count >= limit:
        ctx.escalate(1, "reopen")


def _on_survey_dissatisfied(ctx: Context) -> None:
    _record_survey(ctx)
    _on_reopen(ctx)


def _on_dismiss(ctx: Context) -> None:
    ctx.set("explanation", ctx.param("explanation"))  # rule C11
    ctx.emit("notify", role="front_desk", reason="explain_to_customer")


def _rating(name: str) -> Param:
    return Param(name, "int", required=True, minimum=1, maximum=10, doc=f"{name} rating (C12)")


_SURVEY_PARAMS = (
    _rating("speed"),
    _rating("result"),
    _rating("attitude"),
    Param("comment", "text"),
)
_PROMISE = Param("promised_by", "datetime", required=True, doc="committed completion time (G8)")

COMPLAINT = WorkflowSpec(
    kind="complaint",
    zh="投诉",
    en="complaint",
    prefix="C",
    states=(
        StateSpec("registered", "已登记", "registered"),
        StateSpec("assigned", "已派单", "assigned"),
        StateSpec("contacted", "已联系", "contacted"),
        StateSpec("in_progress", "处理中", "in progress"),
        StateSpec("pending_approval", "待审核", "pending approval"),
        StateSpec("resolved", "已处理", "resolved"),
        StateSpec("closed", "已结案", "closed", final=True),
        StateSpec("dismissed", "已解释结案", "closed with explanation", final=True),
    ),
    initial="registered",
    create=EventSpec(
        "open",
        (),
        None,
        ANYONE,
        "登记",
        "register",
        params=(
            Param("channel", "choice", required=True, choices=_channels, doc="intake channel (G1)"),
            Param("complainant", required=True, personal=True, doc="name (G2)"),
            Param("contact", required=True, personal=True, doc="phone or address (G2)"),
            Param("location", required=True, doc="where (G2)"),
            Param("description", "text", required=True, doc="what happened (G2)"),
            Param("demand", "text", required=True, doc="what the person asks for (G2)"),
            Param(
                "category",
                "choice",
                choices=_categories,
                doc="category (C1); suggested if omitted (C2)",
            ),
            Param("severity", "choice", choices=_severities, doc="severity (C3)"),
            Param("tenant", doc="tenant concerned (G4)", refers=("tenant",), must_exist=False),
            Param("occurred_at", "datetime", doc="when it happened, if not now"),
        ),
        effect=_on_open,
    ),
    events=(
        EventSpec(
            "classify",
            OPEN_STATES,
            None,
            DISPATCHERS,
            "确认分类",
            "classify",
            params=(Param("category", "choice", required=True, choices=_categories),),
            effect=_on_classify,
        ),
        EventSpec(
            "set_severity",
            OPEN_STATES,
            None,
            DISPATCHERS,
            "调整级别",
            "change severity",
            params=(Param("severity", "choice", required=True, choices=_severities),),
            effect=_on_set_severity,
            reason_required=True,
        ),
        EventSpec(
            "assign",
            ("registered",),
            "assigned",
            DISPATCHERS,
            "派单",
            "assign",
            params=(
                Param("department", "choice", required=True, choices=_departments),
                Param("assignee", required=True, doc="responsible person (C4)"),
            ),
            effect=_on_assign,
        ),
        EventSpec(
            "transfer",
            ("assigned", "contacted", "in_progress"),
            None,
            (*DISPATCHERS, "staff"),
            "转交",
            "transfer",
            params=(
                Param("assignee", required=True, doc="new owner (G3)"),
                Param("department", "choice", choices=_departments),
            ),
            effect=_on_transfer,
            reason_required=True,
            who="assignee",
        ),
        EventSpec(
            "contact",
            ("assigned",),
            "contacted",
            ANYONE,
            "首次联系",
            "first contact",
            params=(Param("note", "text"),),
            effect=_on_contact,
            who="handler",
        ),
        EventSpec(
            "reply",
            ("contacted",),
            "in_progress",
            ANYONE,
            "初步答复",
            "first reply",
            params=(Param("message", "text", required=True), _PROMISE),
            guard=_guard_promise,
            effect=_on_reply,
            who="handler",
        ),
        EventSpec(
            "recommit",
            ("in_progress",),
            None,
            HANDLERS,
            "重新承诺",
            "recommit",
            params=(_PROMISE,),
            guard=_guard_promise,
            effect=_commit_time,
            reason_required=True,
            who="handler",
        ),
        EventSpec(
            "resolve",
            ("in_progress",),
            "pending_approval",
            HANDLERS,
            "处理完毕",
            "resolve",
            params=(Param("resolution", "text", required=True),),
            guard=_needs_approval,
            effect=_on_submit,
            who="handler",
        ),
        EventSpec(
            "resolve",
            ("in_progress",),
            "resolved",
            HANDLERS,
            "处理完毕",
            "resolve",
            params=(Param("resolution", "text", required=True),),
            guard=_no_approval,
            effect=_on_resolve,
            who="handler",
        ),
        EventSpec(
            "approve",
            ("pending_approval",),
            "resolved",
            APPROVERS,
            "审核通过",
            "approve reply",
            permit=_permit_approver,
            effect=_on_approve,
        ),
        EventSpec(
            "reject_reply",
            ("pending_approval",),
            "in_progress",
            APPROVERS,
            "退回修改",
            "reject reply",
            permit=_permit_approver,
            reason_required=True,
        ),
        EventSpec(
            "survey",
            ("resolved",),
            "closed",
            ANYONE,
            "满意度评价",
            "satisfaction survey",
            params=_SURVEY_PARAMS,
            guard=lambda c: _guard_survey(c, True),
            effect=_record_survey,
        ),
        EventSpec(
            "survey",
            ("resolved",),
            "in_progress",
            ANYONE,
            "满意度评价",
            "satisfaction survey",
            params=_SURVEY_PARAMS,
            guard=lambda c: _guard_survey(c, False),
            effect=_on_survey_dissatisfied,
        ),
        EventSpec(
            "close_satisfied",
            ("resolved",),
            "closed",
            (),
            "回访满意结案",
            "closed after return visit",
            system=True,
        ),
        EventSpec(
            "reopen",
            ("resolved",),
            "in_progress",
            (),
            "重新处理",
            "reopen",
            effect=_on_reopen,
            system=True,
        ),
        EventSpec(
            "dismiss",
            OPEN_STATES,
            "dismissed",
            MANAGERS,
            "解释结案",
            "close with explanation",
            params=(Param("explanation", "text", required=True, doc="what was explained (C11)"),),
            effect=_on_dismiss,
            who="handler",
        ),
    ),
    timers=(
        TimerSpec(
            "first_contact",
            "首次联系",
            "first contact",
            ("open",),
            ("contacted", "in_progress", "pending_approval", "resolved"),
            _plan_first_contact,
            on_change=lambda p: p.complaints.first_contact.on_change,
        ),
        TimerSpec(
            "handling",
            "处理时限",
            "handling deadline",
            ("open", "survey", "reopen"),
            ("resolved",),
            _plan_handling,
            on_change=lambda p: p.complaints.handling.on_change,
            on_reopen=lambda p: p.complaints.handling.on_reopen,
        ),
        TimerSpec(
            "resolution",
            "升级时限",
            "escalation clock",
            ("open", "survey", "reopen"),
            ("pending_approval", "resolved"),
            _plan_resolution,
            on_change=lambda _p: "keep",
            on_reopen=lambda p: p.complaints.escalation.on_reopen,
        ),
        TimerSpec(
            "commitment",
            "承诺时间",
            "committed time",
            (),
            ("pending_approval", "resolved"),
            _plan_commitment,
        ),
    ),
    ladder=lambda p: p.complaints.escalation.ladder,
)


class ComplaintService(WorkflowService):
    """``mall.complaints``: register and handle complaints (C1-C14)."""

    def open(
        self,
        *,
        actor: Actor,
        channel: str | None = None,
        complainant: str | None = None,
        contact: str | None = None,
        location: str | None = None,
        description: str | None = None,
        demand: str | None = None,
        category: str | None = None,
        severity: str | None = None,
        tenant: str | None = None,
        occurred_at: Any = None,
        **unknown: Any,
    ) -> Record:
        """Register a complaint (G1, G2).  Every argument but the last four is mandatory
        (a missing one, or an unknown keyword, raises ``ValidationError``).

        The registering staff member owns it (G3) until it is assigned or transferred.
        The category is suggested from keywords when not given (C2); a major severity
        escalates at once (C14); a third similar complaint within the window escalates
        it (C9).
        """
        return super().open(
            actor=actor,
            channel=channel,
            complainant=complainant,
            contact=contact,
            location=location,
            description=description,
            demand=demand,
            category=category,
            severity=severity,
            tenant=tenant,
            occurred_at=occurred_at,
            **unknown,
        )

    def suggest_category(self, description: str) -> str:
        """The category the policy's keywords suggest for ``description`` (C2)."""
        return suggest_category(description, self.mall.policy)

    def _after(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        if before is None or entry.event == "classify":
            self._check_recurrence(batch, after, entry)
        self.mall.return_visits.on_source_change(batch, before, after, entry)  # rules F1, F2

    def _check_recurrence(self, batch: Batch, record: Record, entry: HistoryEntry) -> None:
        """C9: the Nth complaint of one category for one tenant or location within the
        window escalates at once, whatever its age."""
        p = self.mall.policy.complaints
        if record.escalation_level >= p.recurrence_level or not record.is_open:
            return
        window = p.recurrence_window
        since = (
            entry.at.subtract(months=window.amount)
            if window.basis == "calendar"
            else entry.at.subtract(seconds=window.seconds())
        )
        matches = {record.id}
        for key in ("tenant", "location"):
            value = getattr(record, key)
            if not value:
                continue
            # counted from the store's indexes, no record decoded (issue 16)
            matches.update(
                query_ids(
                    self.mall.store,
                    Query(
                        kind=self.kind,
                        property=self.mall.property,
                        category=record.category,
                        created_from=since,
                        **{key: value},
                    ),
                )
            )
        if len(matches) >= p.recurrence_count:
            data = {"level": p.recurrence_level, "cause": "recurrence"}
            sys_entry = self.engine.entry_for_system(record, "_escalate", entry.at, data)
            self.apply_entry(batch, record, sys_entry)
