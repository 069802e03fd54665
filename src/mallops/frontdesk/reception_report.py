"""The reception log's and the difficult cases' parts of the monthly report (G12, G13).

- 接待记录 (G12): calls and visits of the period by topic (answered, converted, linked
  to an open matter, still open), conversions by target kind with their rate, and the
  repeat-contact rate (contacts linked to a matter already open, of all contacts).
- 疑难件 (G13): complaints and repair orders of the period referred to the
  customer-service head, with their coordination outcomes (agreed, not agreed, waiting).

No personal data: counts only (G7).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from mallops.report import ReportContext, Section, Table, register_labels

from .reception_policy import CONVERSION_KINDS, ReceptionPolicy

__all__ = ["reception_section", "referral_section"]

Cell = str | int | float | None


def _topics(policy: Any) -> Mapping[str, Any]:
    section = getattr(policy, "extensions", {}).get("reception")
    return section.topics if isinstance(section, ReceptionPolicy) else {}


register_labels("reception", "category", _topics)  # a reception's category is its topic


def _pct(part: int, whole: int) -> Cell:
    return round(part * 100 / whole, 1) if whole else None


def _kind_label(ctx: ReportContext, kind: str) -> str:
    return ctx.label("kind", kind)


def reception_section(ctx: ReportContext) -> Section | None:
    """Receptions by topic, conversions by target kind and the repeat-contact rate (G12)."""
    records = ctx.of_kind("reception")
    if not records:
        return None
    n = ctx.t("件数", "count")
    topics = Counter(r.category or "" for r in records)
    order = [k for k in _topics(ctx.policy) if k in topics]
    order += sorted(k for k in topics if k not in order)

    def count(topic: str, state: str | None) -> int:
        return sum(
            1 for r in records if r.category == topic and (state is None or r.state == state)
        )

    by_topic = Table(
        "reception_topics",
        ctx.t("接待事项（按类别）", "Calls and visits by topic"),
        (
            ctx.t("类别", "topic"),
            n,
            ctx.t("当场答复", "answered"),
            ctx.t("转办", "converted"),
            ctx.t("并入未结事项", "repeat contact"),
            ctx.t("待答复", "open"),
        ),
        tuple(
            (
                ctx.label("category", k, "reception"),
                count(k, None),
                count(k, "answered"),
                count(k, "converted"),
                count(k, "linked"),
                count(k, "logged"),
            )
            for k in order
        ),
        chart=1,
        compare=True,
        keys=tuple(order),
    )
    total = len(records)
    into = Counter(str((r.fields.get("converted_to") or {}).get("kind", "")) for r in records)
    conversion = Table(
        "reception_conversion",
        ctx.t("转办（投诉、报修、意见）", "Conversions"),
        (ctx.t("转为", "into"), n, ctx.t("转办率 %", "rate %")),
        tuple((_kind_label(ctx, k), into[k], _pct(into[k], total)) for k in CONVERSION_KINDS),
        chart=1,
        keys=CONVERSION_KINDS,
    )
    linked = sum(1 for r in records if r.state == "linked")
    converted = sum(into[k] for k in CONVERSION_KINDS)
    rate = _pct(linked, total)
    note = ctx.t(
        f"本期接待 {total} 次；转办 {converted} 次（{_pct(converted, total)}%）；"
        f"重复来电来访并入未结事项 {linked} 次，重复来电率 {rate}%（G12）。",
        f"{total} call(s) and visit(s) this period; {converted} converted "
        f"({_pct(converted, total)}%); {linked} repeat contact(s) linked to an open matter: "
        f"repeat-contact rate {rate}% (G12).",
    )
    return Section(
        "reception", ctx.t("接待记录", "Reception log"), (by_topic, conversion), notes=(note,)
    )


def referral_section(ctx: ReportContext) -> Section | None:
    """Complaints and repair orders referred to the customer-service head and the
    outcomes of the coordination (G13)."""
    rows: list[tuple[Cell, ...]] = []
    keys: list[str] = []
    totals = Counter[str]()
    for kind in ("complaint", "repair"):
        refs = [x for r in ctx.of_kind(kind) for x in r.fields.get("referrals") or ()]
        if not refs:
            continue
        done = [x for x in refs if "outcome" in x]
        agreed = sum(1 for x in done if x.get("agreed", True))
        row = Counter(
            referred=len(refs),
            agreed=agreed,
            not_agreed=len(done) - agreed,
            waiting=len(refs) - len(done),
        )
        totals.update(row)
        keys.append(kind)
        rows.append(
            (
                _kind_label(ctx, kind),
                row["referred"],
                row["agreed"],
                row["not_agreed"],
                row["waiting"],
            )
        )
    if not rows:
        return None
    table = Table(
        "referrals",
        ctx.t("疑难件报客服部负责人协调（G13）", "Difficult cases referred (G13)"),
        (
            ctx.t("类型", "kind"),
            ctx.t("报协调", "referred"),
            ctx.t("协调一致", "agreed"),
            ctx.t("未达成一致（报物业经理）", "not agreed (to the property manager)"),
            ctx.t("待协调", "waiting"),
        ),
        tuple(rows),
        chart=1,
        keys=tuple(keys),
        pending=4,
    )
    note = ctx.t(
        f"本期登记的投诉、报修中报客服部负责人协调 {totals['referred']} 次，"
        f"已有协调结果 {totals['agreed'] + totals['not_agreed']} 次。",
        f"{totals['referred']} referral(s) of the period's complaints and repair orders, "
        f"{totals['agreed'] + totals['not_agreed']} with their coordination outcome.",
    )
    return Section("referrals", ctx.t("疑难件", "Difficult cases"), (table,), notes=(note,))
