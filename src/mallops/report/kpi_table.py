"""The KPI table and the header line every report format shares (text, Markdown, HTML).

Kept apart from :mod:`.render` and :mod:`.html` so that neither imports the other's
helpers (no import cycle).
"""

from __future__ import annotations

from .model import Kpi, Report, fmt_value, text

__all__ = ["kpi_columns", "kpi_rows", "mark", "meta_line"]


def mark(k: Kpi, lang: str) -> str:
    """The over/under mark of a KPI."""
    if k.met is None:
        return text(lang, "— 无数据", "— no data")
    if k.met:
        return text(lang, "✔ 达标", "✔ on target")
    return text(lang, "✘ 未达标", "✘ missed")


def kpi_rows(report: Report) -> list[tuple[str, ...]]:
    """``(KPI, value, target, mark, rule, basis)`` per KPI."""
    lang = report.lang
    rows: list[tuple[str, ...]] = []
    for k in report.kpis:
        op = "≥" if k.better == "higher" else "≤"
        rows.append(
            (
                k.label,
                fmt_value(k.value, k.unit),
                f"{op} {fmt_value(k.target, k.unit)}",
                mark(k, lang),
                k.rule,
                k.basis,
            )
        )
    return rows


def kpi_columns(lang: str) -> tuple[str, ...]:
    """Column names of the KPI table."""
    return (
        text(lang, "指标", "KPI"),
        text(lang, "实际", "actual"),
        text(lang, "目标", "target"),
        text(lang, "判定", "verdict"),
        text(lang, "规则", "rule"),
        text(lang, "依据", "basis"),
    )


def meta_line(report: Report) -> str:
    """Property, policy, period and generation time in one line."""
    prop = report.property_name or report.property
    policy = report.policy_name or report.policy
    return text(
        report.lang,
        f"物业 {prop} · 政策 {policy} · 共 {report.total} 件"
        f" · 生成于 {report.generated_at.format('YYYY-MM-DD HH:mm')}",
        f"property {prop} · policy {policy} · {report.total} records"
        f" · made {report.generated_at.format('YYYY-MM-DD HH:mm')}",
    )
