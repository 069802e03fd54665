"""The two parcel workflows 快递 (O2): outgoing 寄件 and incoming 收件.

One kind per direction, because their steps differ (docs/front-desk.md shows both
diagrams).  Policy and settlement: ``parcel_rules.py``; services and the report:
``parcel.py``.
"""

from __future__ import annotations

from typing import Any

import pendulum

from mallops.domain import Mark, Timer
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
    plan_until,
)

from .parcel_rules import BILLING, ParcelPolicy, default_cost

__all__ = ["DESK", "INCOMING_PARCEL", "OUTGOING_PARCEL", "parcel_policy"]

DESK = ("front_desk", "cs_head", "property_manager")
"""The front desk that logs, sends and hands out parcels (G5)."""
EMPLOYEES = ("staff", "department_manager", *DESK, "general_manager")
"""Anyone of the company may request an outgoing parcel (003 篇4 4.1)."""
APPROVERS = ("department_manager", "property_manager", "general_manager")


def parcel_policy(ctx: Context) -> ParcelPolicy:
    """The ``[parcels]`` section of the policy in force."""
    return ctx.policy.section("parcels", ParcelPolicy)


def _carriers(p: Any) -> tuple[str, ...]:
    return tuple(p.section("parcels", ParcelPolicy).carriers)


def _departments(p: Any) -> tuple[str, ...]:
    return tuple(p.departments)


def _billing(_p: Any) -> tuple[str, ...]:
    return tuple(BILLING)


def _ladder(p: Any) -> tuple[str, ...]:
    return tuple(p.section("parcels", ParcelPolicy).ladder)


# -- outgoing 寄件 -------------------------------------------------------------------------


def _on_request(ctx: Context) -> None:
    urgent = bool(ctx.param("urgent"))
    wanted = ctx.param("wanted_by")
    if urgent and wanted is None:
        raise ValidationError(
            "wanted_by: an urgent parcel states when it should arrive (O2, 003 篇4 4.3)",
            field="wanted_by",
        )
    if wanted is not None and wanted <= ctx.now:
        raise ValidationError(
            f"wanted_by: {wanted.isoformat()} is not after now ({ctx.now.isoformat()})",
            field="wanted_by",
        )
    d = ctx.draft
    d.department = ctx.param("department")
    d.owner = ctx.actor.id
    for name in ("sender", "recipient", "destination", "contents", "note"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.set("billing", ctx.param("billing") or "company")
    ctx.set("urgent", urgent)
    if wanted is not None:
        ctx.set("wanted_by", wanted)


def _permit_approve(ctx: Context) -> str | None:
    roles = parcel_policy(ctx).approver_roles
    if ctx.actor.role not in roles:
        return f"the policy lets only {', '.join(roles)} approve parcels (O2)"
    return None


def _on_approve(ctx: Context) -> None:
    ctx.set("approved_by", ctx.actor.id)
    ctx.set("approved_at", ctx.now)


def _on_send(ctx: Context) -> None:
    carrier = ctx.param("carrier")
    ctx.set("carrier", carrier)
    ctx.set("tracking_number", ctx.param("tracking_number"))
    ctx.set(
        "cost", default_cost(parcel_policy(ctx), carrier, ctx.param("cost"), ctx.get("billing"))
    )
    ctx.set("sent_at", ctx.now)
    ctx.set("sent_by", ctx.actor.id)


def _plan_arrival(ctx: Context) -> TimerPlan | None:
    # rule O2: an urgent parcel is watched until its wanted arrival time
    wanted = ctx.get("wanted_by")
    if wanted is None:
        return None
    due = _aware(ctx, wanted)
    return plan_until(ctx.now, due) if due > ctx.now else None


def _aware(ctx: Context, iso: str) -> pendulum.DateTime:
    parsed = pendulum.parse(iso)
    if not isinstance(parsed, pendulum.DateTime):
        raise ValidationError(f"wanted_by: {iso!r} is not a date and time", field="wanted_by")
    return parsed.in_tz(ctx.calendar.tz)


def _on_deliver(ctx: Context) -> None:
    ctx.set("delivered_at", ctx.now)
    if ctx.param("receipt_to") is not None:
        ctx.set("receipt_to", ctx.param("receipt_to"))
    wanted = ctx.get("wanted_by")
    if wanted is not None:
        ctx.set("on_time", ctx.now <= _aware(ctx, wanted))


def _on_arrival_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach":  # rule O2: an urgent parcel not delivered by its wanted time
        ctx.escalate(1, "timer:arrival")  # labelled by the timer in reports


def _event(
    name: str, src: tuple[str, ...], dest: str | None, zh: str, en: str, **kw: Any
) -> EventSpec:
    return EventSpec(name, src, dest, kw.pop("roles", DESK), zh, en, **kw)


OUTGOING_PARCEL = WorkflowSpec(
    kind="outgoing_parcel",
    zh="寄件",
    en="outgoing parcel",
    prefix="PS",
    states=(
        StateSpec("requested", "待审批", "awaiting approval"),
        StateSpec("approved", "已审批", "approved"),
        StateSpec("sent", "已寄出", "sent"),
        StateSpec("delivered", "已送达", "delivered", final=True),
        StateSpec("rejected", "已驳回", "rejected", final=True),
        StateSpec("cancelled", "已取消", "cancelled", final=True),
    ),
    initial="requested",
    create=EventSpec(
        "request",
        (),
        None,
        EMPLOYEES,
        "填写快递审批单",
        "request a parcel",
        params=(
            Param("department", "choice", required=True, choices=_departments),
            Param("sender", required=True, personal=True, doc="who sends it"),
            Param("recipient", required=True, personal=True, doc="to whom"),
            Param("destination", required=True, doc="the address or city"),
            Param("contents", "text", required=True),
            Param("billing", "choice", choices=_billing, doc="company or private (O2)"),
            Param("urgent", "bool", doc="an urgent parcel (O2)"),
            Param("wanted_by", "datetime", doc="when an urgent parcel should arrive (O2)"),
            Param("note", "text"),
        ),
        effect=_on_request,
    ),
    events=(
        _event(
            "approve",
            ("requested",),
            "approved",
            "部门负责人审批",
            "approve",
            roles=APPROVERS,
            who="assignee",
            permit=_permit_approve,
            effect=_on_approve,
        ),
        _event(
            "reject",
            ("requested",),
            "rejected",
            "驳回",
            "reject",
            roles=APPROVERS,
            who="assignee",
            permit=_permit_approve,
            reason_required=True,
        ),
        _event(
            "send",
            ("approved",),
            "sent",
            "寄出登记",
            "send",
            params=(
                Param("carrier", "choice", required=True, choices=_carriers),
                Param("tracking_number", required=True, max_len=40),
                Param("cost", doc="what the carrier charges, yuan (O2)"),
            ),
            effect=_on_send,
        ),
        _event(
            "deliver",
            ("sent",),
            "delivered",
            "已送达",
            "delivered",
            params=(Param("receipt_to", personal=True, doc="who got the receipt"),),
            effect=_on_deliver,
        ),
        _event(
            "cancel",
            ("requested", "approved"),
            "cancelled",
            "取消",
            "cancel",
            roles=EMPLOYEES,
            reason_required=True,
        ),
    ),
    timers=(
        TimerSpec(
            "arrival",
            "希望到达时间",
            "wanted arrival",
            ("send",),
            ("delivered",),
            _plan_arrival,
            on_mark=_on_arrival_mark,
        ),
    ),
    ladder=_ladder,
)


# -- incoming 收件 -------------------------------------------------------------------------


def _on_log(ctx: Context) -> None:
    d = ctx.draft
    d.department = ctx.param("department")
    d.tenant = ctx.param("tenant")
    d.owner = ctx.actor.id
    for name in ("carrier", "tracking_number", "recipient", "recipient_contact", "note"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.set("signed_in_by", ctx.actor.id)  # the front desk signs for it (003 篇4 4.4)
    ctx.set("reminders", 0)


def _plan_collection(ctx: Context) -> TimerPlan:
    p = parcel_policy(ctx)
    return plan_for(p.collect_within, ctx.calendar, breach_level=1, steps=(p.chase_after,))


def _plan_reminder(ctx: Context) -> TimerPlan:
    return plan_for(parcel_policy(ctx).remind_every, ctx.calendar)


def _on_notify(ctx: Context) -> None:
    ctx.set("notified_at", ctx.now)
    ctx.set("notified_via", ctx.param("via"))


def _on_reminder_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach" and ctx.draft.state == "notified":
        ctx.set("reminders", int(ctx.get("reminders", 0)) + 1)
        ctx.emit("parcel_reminder", tracking_number=ctx.get("tracking_number"))
        ctx.start_timer("reminder", _plan_reminder(ctx))  # rule O2: the next reminder


def _on_sign(ctx: Context) -> None:
    ctx.set("signed_by", ctx.param("signed_by"))
    ctx.set("signed_at", ctx.now)


INCOMING_PARCEL = WorkflowSpec(
    kind="incoming_parcel",
    zh="收件",
    en="incoming parcel",
    prefix="PR",
    states=(
        StateSpec("logged", "已登记", "logged"),
        StateSpec("notified", "已通知", "recipient notified"),
        StateSpec("signed", "已签收", "signed for", final=True),
        StateSpec("returned", "已退回", "sent back", final=True),
    ),
    initial="logged",
    create=EventSpec(
        "log",
        (),
        None,
        DESK,
        "收件登记",
        "log an incoming parcel",
        params=(
            Param("carrier", "choice", required=True, choices=_carriers),
            Param("tracking_number", required=True, max_len=40),
            Param("recipient", required=True, personal=True, doc="whom it is for"),
            Param("recipient_contact", personal=True),
            Param("department", "choice", choices=_departments, doc="the recipient's"),
            Param("tenant", refers=("tenant",), must_exist=False, doc="a tenant's parcel"),
            Param("note", "text"),
        ),
        effect=_on_log,
    ),
    events=(
        EventSpec(
            "notify",
            ("logged", "notified"),
            "notified",
            DESK,
            "通知收件人",
            "notify the recipient",
            params=(Param("via", doc="phone, WeChat, the department clerk ..."),),
            effect=_on_notify,
        ),
        EventSpec(
            "sign",
            ("logged", "notified"),
            "signed",
            DESK,
            "收件人签收",
            "signed for",
            params=(Param("signed_by", required=True, personal=True),),
            effect=_on_sign,
        ),
        EventSpec(
            "send_back",
            ("logged", "notified"),
            "returned",
            DESK,
            "退回",
            "send back",
            reason_required=True,
        ),
    ),
    timers=(
        TimerSpec("collection", "领取时限", "collection deadline", ("log",), (), _plan_collection),
        TimerSpec(
            "reminder",
            "提醒",
            "reminder",
            ("notify",),
            (),
            _plan_reminder,
            on_mark=_on_reminder_mark,
        ),
    ),
    ladder=_ladder,
)
