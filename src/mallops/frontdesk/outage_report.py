"""The outage-notice section of the monthly report (rule O4).

Per utility: cuts planned, emergency cuts with short notice, tenants affected, notified
in time, acknowledged, acknowledgements overdue; and one row per cut that ended in the
period with its planned and reported end (the cut's end reported, O4).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pendulum

from mallops.plugins import Record
from mallops.report import ReportContext, Section, Table

from .outage_policy import outages_section

__all__ = ["outage_section"]


def _notices(r: Record) -> list[dict[str, Any]]:
    return list((r.fields.get("notices") or {}).values())


def _local(value: Any, tz: str) -> str:
    if not value:
        return ""
    when = pendulum.instance(_dt.datetime.fromisoformat(str(value)))
    return when.in_timezone(tz).format("MM-DD HH:mm")


def outage_section(ctx: ReportContext) -> Section | None:
    """Cuts registered in the period, by utility, and how their notices went (O4)."""
    cuts = ctx.of_kind("outage")
    if not cuts:
        return None
    policy = outages_section(ctx.policy)
    rows = []
    keys = []
    for name, label in policy.utilities.items():
        mine = [r for r in cuts if r.fields.get("utility") == name]
        if not mine:
            continue
        notices = [n for r in mine for n in _notices(r)]
        rows.append(
            (
                ctx.t(label.zh, label.en),
                len(mine),
                sum(bool(r.fields.get("short_notice")) for r in mine),
                len(notices),
                sum(1 for n in notices if n.get("in_time")),
                sum(1 for n in notices if n.get("acknowledged_at")),
                sum(len(r.fields.get("overdue_acknowledgements") or ()) for r in mine),
                sum(r.escalation_level > 0 for r in mine),
            )
        )
        keys.append(name)
    overview = Table(
        "outages",
        ctx.t("停电/停水通知（O4）", "Outage notices (O4)"),
        (
            ctx.t("类型", "utility"),
            ctx.t("计划", "cuts"),
            ctx.t("紧急（通知不足）", "emergency, short notice"),
            ctx.t("受影响租户", "tenants affected"),
            ctx.t("按时通知", "notified in time"),
            ctx.t("已确认", "acknowledged"),
            ctx.t("确认逾期", "acknowledgement overdue"),
            ctx.t("升级", "escalated"),
        ),
        tuple(rows),
        chart=1,
        keys=tuple(keys),
    )
    tz = ctx.mall.calendar.tz
    ended = [r for r in cuts if r.state == "restored"]
    ends = Table(
        "outage_ends",
        ctx.t("停电/停水恢复情况", "Ends of the cuts"),
        (
            ctx.t("编号", "id"),
            ctx.t("区域", "area"),
            ctx.t("计划恢复", "planned end"),
            ctx.t("实际恢复", "reported end"),
            ctx.t("超时（分钟）", "overrun (minutes)"),
        ),
        tuple(
            (
                r.id,
                r.location or "",
                _local(r.fields.get("ends_at"), tz),
                _local(r.fields.get("ended_at"), tz),
                int(r.fields.get("overrun_minutes", 0)),
            )
            for r in ended
        ),
        keys=tuple(r.id for r in ended),
    )
    return Section(
        key="outages",
        title=ctx.t("停电/停水通知", "Outage notices"),
        tables=(overview, ends) if ended else (overview,),
    )
