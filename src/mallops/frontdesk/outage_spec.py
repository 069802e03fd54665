"""Outage notices 停电/停水通知 (rule O4, 001 4.10): the workflow definition.

A planned cut names what is cut, where, the affected tenants, its start and its end.
Every tenant is notified at least ``outages.notice_before`` before the start, counted
*backwards* on the business calendar (``calendar.subtract``: 2 working days before a
Monday 10:00 cut is the Thursday 10:00 before, or the Saturday when it is an adjusted
working day); a cut planned too late for that is refused unless it is marked as an
emergency cut, which the creating entry of its history then says.  Acknowledgements are
tracked per tenant (``fields["notices"]``); a tenant not acknowledged by
``acknowledge_before`` the start escalates the outage; the cut starts by itself at its
planned time, and an end not reported within ``end_report_within`` of the planned end
escalates again.
"""

from __future__ import annotations

from mallops.plugins import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec

from .outage_policy import outages_section
from .outage_rules import (
    DESK,
    MANAGERS,
    PLANNERS,
    WAITING,
    department_choices,
    guard_all_notified,
    guard_last_ack,
    guard_more_acks,
    guard_some_left,
    method_choices,
    on_acknowledge,
    on_acknowledgement_mark,
    on_begin,
    on_cancel,
    on_end_mark,
    on_notice_mark,
    on_notify,
    on_plan,
    on_restore,
    on_start_mark,
    plan_acknowledgement,
    plan_end,
    plan_notice,
    plan_start,
    utility_choices,
)

__all__ = ["OUTAGE"]

# -- the spec -------------------------------------------------------------------------------

_NOTIFY = (
    Param("tenants", "strlist", doc="tenants told now (default: every one not yet told)"),
    Param("method", "choice", choices=method_choices, doc="how they were told"),
)
_ACK = (
    Param("tenant", required=True, doc="the tenant acknowledging"),
    Param("acknowledged_by", personal=True, doc="who acknowledged for the tenant"),
)

OUTAGE = WorkflowSpec(
    kind="outage",
    zh="停电停水通知",
    en="outage notice",
    prefix="OT",
    states=(
        StateSpec("planned", "待通知", "to be notified"),
        StateSpec("notified", "已通知", "notified"),
        StateSpec("confirmed", "租户已确认", "acknowledged"),
        StateSpec("in_progress", "停电/停水中", "cut in progress"),
        StateSpec("restored", "已恢复", "restored", final=True),
        StateSpec("cancelled", "已取消", "cancelled", final=True),
    ),
    initial="planned",
    create=EventSpec(
        "plan",
        (),
        "planned",
        PLANNERS,
        "登记停电/停水计划",
        "plan a cut",
        params=(
            Param("utility", "choice", required=True, choices=utility_choices, doc="what is cut"),
            Param("area", required=True, doc="where (floor, zone)"),
            Param("starts_at", "datetime", required=True),
            Param("ends_at", "datetime", required=True),
            Param("tenants", "strlist", required=True, doc="affected tenants"),
            Param("description", "text"),
            Param("department", "choice", choices=department_choices, doc="who does the work"),
            Param("emergency", "bool", doc="an emergency cut may be announced late (O4)"),
            Param("emergency_reason", "text"),
        ),
        effect=on_plan,
    ),
    events=(
        EventSpec(
            "notify",
            ("planned",),
            "notified",
            DESK,
            "通知租户",
            "notify tenants",
            params=_NOTIFY,
            guard=guard_all_notified,
            effect=on_notify,
        ),
        EventSpec(
            "notify",
            ("planned",),
            None,
            DESK,
            "通知租户",
            "notify tenants",
            params=_NOTIFY,
            guard=guard_some_left,
            effect=on_notify,
        ),
        EventSpec(
            "acknowledge",
            ("notified",),
            "confirmed",
            DESK,
            "租户确认",
            "tenant acknowledges",
            params=_ACK,
            guard=guard_last_ack,
            effect=on_acknowledge,
        ),
        EventSpec(
            "acknowledge",
            ("planned", "notified"),
            None,
            DESK,
            "租户确认",
            "tenant acknowledges",
            params=_ACK,
            guard=guard_more_acks,
            effect=on_acknowledge,
        ),
        EventSpec(
            "begin",
            WAITING,
            "in_progress",
            (),
            "开始停电/停水",
            "cut begins",
            effect=on_begin,
            system=True,
        ),
        EventSpec(
            "restore",
            ("in_progress",),
            "restored",
            PLANNERS,
            "恢复供应",
            "report the end",
            params=(Param("ended_at", "datetime"), Param("note", "text")),
            effect=on_restore,
        ),
        EventSpec(
            "cancel",
            WAITING,
            "cancelled",
            MANAGERS,
            "取消",
            "cancel",
            reason_required=True,
            effect=on_cancel,
        ),
    ),
    timers=(
        TimerSpec(
            "notice",
            "通知时限",
            "notice deadline",
            ("plan",),
            ("notified", "confirmed", "in_progress"),
            plan_notice,
            on_mark=on_notice_mark,
        ),
        TimerSpec(
            "acknowledgement",
            "确认时限",
            "acknowledgement deadline",
            ("plan",),
            ("confirmed", "in_progress"),
            plan_acknowledgement,
            on_mark=on_acknowledgement_mark,
        ),
        TimerSpec(
            "start",
            "计划开始",
            "planned start",
            ("plan",),
            ("in_progress",),
            plan_start,
            on_mark=on_start_mark,
        ),
        TimerSpec(
            "end",
            "恢复上报时限",
            "end report deadline",
            ("begin",),
            ("restored",),
            plan_end,
            on_mark=on_end_mark,
        ),
    ),
    ladder=lambda p: outages_section(p).ladder,
)
