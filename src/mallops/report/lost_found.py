"""The lost-and-found part of the monthly report (L1-L10): items found, released to
their owners, disposed of and still kept; claims and failed claims; lost reports."""

from __future__ import annotations

from collections import Counter

from .compute import ReportContext, count_row, pct, register_labels, register_section, share
from .model import Cell, Section, Table

register_labels("lost_item", "category", lambda p: p.lost_found.categories)
register_labels("lost_report", "category", lambda p: p.lost_found.categories)

KEPT = ("registered", "stored", "due_disposal")


@register_section("lost_item")
def lost_found_section(ctx: ReportContext) -> Section | None:
    """Found, released (claimed, L5), disposed (L7, L8), in store; claims and failed
    claims (L5); by category; the period's lost reports and how many were matched."""
    items = ctx.of_kind("lost_item")
    if not items:
        return None
    n = ctx.t("件数", "count")
    claims = [c for r in items for c in r.fields.get("claims") or ()]
    rejected = [c for c in claims if c.get("status") == "rejected"]
    released = [r for r in items if r.state == "released"]
    disposed = [r for r in items if r.state == "disposed"]
    kept = [r for r in items if r.state in KEPT]
    flagged = [r for r in items if r.fields.get("flagged")]
    overview = Table(
        "lost_found",
        ctx.t("失物招领概况", "Lost and found"),
        (ctx.t("项目", "item"), n, ctx.t("占比 %", "share %")),
        (
            (ctx.t("拾获登记（L1）", "found (L1)"), len(items), 100.0),
            count_row(
                ctx.t("认领发还（L5）", "claimed and released (L5)"), len(released), len(items)
            ),
            count_row(ctx.t("处置（L7、L8）", "disposed (L7, L8)"), len(disposed), len(items)),
            count_row(ctx.t("在库保管", "in store"), len(kept), len(items)),
            (
                ctx.t("待处置（保管期满，L6）", "due for disposal (L6)"),
                sum(r.state == "due_disposal" for r in items),
                pct(share(sum(r.state == "due_disposal" for r in items), len(items))),
            ),
        ),
        chart=1,
        keys=("found", "released", "disposed", "in_store", "due_disposal"),
    )
    claim_table = Table(
        "lost_claims",
        ctx.t("认领（L5）", "Claims (L5)"),
        (ctx.t("项目", "item"), n),
        (
            (ctx.t("认领申请", "claims made"), len(claims)),
            (ctx.t("核实不符被拒", "failed (rejected)"), len(rejected)),
            (ctx.t("多次失败上报主管", "items flagged after failed claims"), len(flagged)),
            (
                ctx.t("已联系失主（L2）", "owners phoned (L2)"),
                sum(bool(r.fields.get("contact_attempts")) for r in items),
            ),
        ),
        chart=1,
        keys=("claims", "rejected", "flagged", "owner_contacted"),
    )
    cats = Counter(r.category or "" for r in items)
    rows: list[tuple[Cell, ...]] = [
        (
            ctx.label("category", k, "lost_item"),
            v,
            sum(1 for r in items if r.category == k and r.state == "released"),
            sum(1 for r in items if r.category == k and r.state in KEPT),
        )
        for k, v in cats.most_common()
    ]
    by_cat = Table(
        "lost_category",
        ctx.t("按物品类别", "By category"),
        (ctx.t("类别", "category"), n, ctx.t("已发还", "released"), ctx.t("在库", "in store")),
        tuple(rows),
        chart=1,
        keys=tuple(k for k, _ in cats.most_common()),
    )
    tables = [overview, claim_table, by_cat]
    reports = ctx.of_kind("lost_report")
    if reports:
        states = Counter(r.state for r in reports)
        tables.append(
            Table(
                "lost_reports",
                ctx.t("挂失登记", "Lost reports"),
                (ctx.t("状态", "state"), n),
                tuple((ctx.label("state", k, "lost_report"), v) for k, v in states.most_common()),
                chart=1,
                keys=tuple(k for k, _ in states.most_common()),
            )
        )
    retention = ctx.policy.lost_found.retention
    note = ctx.t(
        f"保管期：一般物品 {duration_zh(retention.general)}，贵重或有联系方式的 "
        f"{duration_zh(retention.valuable)}（L6）；"
        "期满前的物品不会出现在处置数中。",
        f"Retention: {retention.general} for general items, {retention.valuable} for valuables "
        "or items with a known owner contact (L6); items inside it are not yet disposed of.",
    )
    return Section("lost_found", ctx.t("失物招领", "Lost and found"), tuple(tables), notes=(note,))


_UNITS_ZH = {
    "seconds": "秒",
    "minutes": "分钟",
    "hours": "小时",
    "days": "天",
    "weeks": "周",
    "working hours": "个工作小时",
    "working days": "个工作日",
    "months": "个月",
}


def duration_zh(duration: object) -> str:
    """A policy duration in Chinese (``3 months`` -> ``3 个月``)."""
    amount, unit = getattr(duration, "amount", None), getattr(duration, "unit", None)
    if isinstance(amount, int) and isinstance(unit, str) and unit in _UNITS_ZH:
        return f"{amount} {_UNITS_ZH[unit]}"
    return str(duration)
