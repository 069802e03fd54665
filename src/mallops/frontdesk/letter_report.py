"""The notices-and-letters section of the monthly report (rule O3).

Per notice type: drafted, delivered, signed, signed within the deadline, overdue
signatures, withdrawn; rectification letters: rectified, still rectifying, overdue,
failed re-inspections; the monthly notices' coverage of the tenants.
"""

from __future__ import annotations

from mallops.plugins import Record
from mallops.report import ReportContext, Section, Table

from .letter_policy import LetterPolicy, letters_section

__all__ = ["letter_section"]


def _signed(r: Record) -> bool:
    return "signed" in (r.fields.get("steps") or {})


def _late(r: Record) -> bool:
    return bool(r.fields.get("signature_overdue"))


def _orders_rectification(policy: LetterPolicy, r: Record) -> bool:
    t = policy.types.get(str(r.fields.get("type")))
    return t is not None and t.rectification


def letter_section(ctx: ReportContext) -> Section | None:
    """Notices and letters drafted in the period, by type (O3)."""
    letters = ctx.of_kind("letter")
    if not letters:
        return None
    policy = letters_section(ctx.policy)
    rows = []
    keys = []
    for name, t in policy.types.items():
        mine = [r for r in letters if r.fields.get("type") == name]
        if not mine:
            continue
        signed = [r for r in mine if _signed(r)]
        rows.append(
            (
                ctx.t(t.zh, t.en),
                len(mine),
                sum(1 for r in mine if "delivered" in (r.fields.get("steps") or {})),
                len(signed),
                sum(1 for r in signed if not _late(r)),
                sum(1 for r in mine if _late(r)),
                sum(1 for r in mine if r.state == "withdrawn"),
            )
        )
        keys.append(name)
    by_type = Table(
        "letters",
        ctx.t("发文（O3）", "Notices and letters (O3)"),
        (
            ctx.t("类型", "type"),
            ctx.t("拟稿", "drafted"),
            ctx.t("已送达", "delivered"),
            ctx.t("已签收", "signed"),
            ctx.t("按时签收", "signed in time"),
            ctx.t("签收逾期", "signature overdue"),
            ctx.t("撤回", "withdrawn"),
        ),
        tuple(rows),
        chart=1,
        keys=tuple(keys),
    )
    tables = [by_type]
    orders = [r for r in letters if _orders_rectification(policy, r)]
    if orders:
        tables.append(
            Table(
                "letter_rectification",
                ctx.t("整改函跟踪（O3）", "Rectification letters (O3)"),
                (ctx.t("项目", "item"), ctx.t("件数", "count")),
                (
                    (ctx.t("整改函", "letters"), len(orders)),
                    (
                        ctx.t("复查合格", "re-inspected, passed"),
                        sum(1 for r in orders if r.fields.get("rectified_at")),
                    ),
                    (ctx.t("整改中", "rectifying"), sum(r.state == "rectifying" for r in orders)),
                    (
                        ctx.t("整改逾期", "rectification overdue"),
                        sum(bool(r.fields.get("rectification_overdue")) for r in orders),
                    ),
                    (
                        ctx.t("复查不合格次数", "failed re-inspections"),
                        sum(int(r.fields.get("failed_reinspections", 0)) for r in orders),
                    ),
                ),
                keys=("letters", "passed", "rectifying", "overdue", "failed"),
            )
        )
    notes = []
    tenants = ctx.mall.query(kind="tenant", is_open=True)
    for name, t in policy.types.items():
        if not t.monthly or not tenants:
            continue
        reached = {r.tenant for r in letters if r.fields.get("type") == name}
        covered = sum(1 for x in tenants if x.id in reached)
        notes.append(
            ctx.t(
                f"{t.zh}：本期覆盖在营租户 {covered}/{len(tenants)}",
                f"{t.en}: {covered} of {len(tenants)} trading tenants reached this period",
            )
        )
    return Section(
        key="letters",
        title=ctx.t("发文与签收", "Notices and letters"),
        tables=tuple(tables),
        notes=tuple(notes),
    )
