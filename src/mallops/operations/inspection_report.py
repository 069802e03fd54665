"""The inspection part of the monthly report (R8, R9, K1).

Rounds and patrols of the period by area (generated, done, done in time, late), the
findings and what they became (repair orders, hazard reports), missed patrol
checkpoints, and the K1 cleaning and greening compliance (the share of passed items of
the cleaning and greening rounds done in the period) against ``targets.cleaning_compliance``.
"""

from __future__ import annotations

from mallops.plugins import Record
from mallops.report import Kpi, ReportContext, Section, Table, register_cause, register_labels

from .inspection_policy import inspection_policy

__all__ = ["cleaning_compliance", "inspection_section"]

for _kind in ("inspection_plan", "inspection_round", "patrol"):
    register_labels(_kind, "category", lambda p: inspection_policy(p).areas)
register_cause("missed_checkpoints", "巡逻漏检点（R9）", "missed checkpoints (R9)")


def _label(ctx: ReportContext, zh: str, en: str, key: str) -> str:
    return ctx.t(zh or key, en or key)


def cleaning_compliance(records: list[Record], compliance_areas: set[str]) -> tuple[int, int]:
    """Rule K1: ``(passed, checked)`` items of the completed cleaning and greening rounds."""
    passed = checked = 0
    for r in records:
        if r.kind != "inspection_round" or r.state != "completed":
            continue
        if r.fields.get("area") not in compliance_areas:
            continue
        for result in r.fields.get("results", []):
            checked += 1
            passed += bool(result["passed"])
    return passed, checked


def _rows(ctx: ReportContext, rounds: list[Record]) -> tuple[tuple[object, ...], ...]:
    p = inspection_policy(ctx.policy)
    by_area: dict[str, list[Record]] = {}
    for r in rounds:
        by_area.setdefault(str(r.fields.get("area", "")), []).append(r)
    rows = []
    for key in [a for a in p.areas if a in by_area] + [a for a in by_area if a not in p.areas]:
        recs = by_area[key]
        area = p.areas.get(key)
        label = _label(ctx, area.zh, area.en, key) if area else key
        done = [r for r in recs if r.state in ("completed", "finished")]
        on_time = sum(1 for r in done if r.fields.get("on_time"))
        late = sum(1 for r in recs if r.escalation_level > 0)
        failed = sum(1 for r in recs for x in r.fields.get("results", []) if not x["passed"]) + sum(
            len(r.fields.get("missed", [])) for r in recs
        )
        rows.append((label, len(recs), len(done), on_time, late, failed))
    return tuple(rows)


def inspection_section(ctx: ReportContext) -> Section | None:
    """Rounds and patrols by area, findings turned into repairs and hazards, K1 compliance."""
    rounds = ctx.of_kind("inspection_round") + ctx.of_kind("patrol")
    if not rounds:
        return None
    p = inspection_policy(ctx.policy)
    areas = {k for k, a in p.areas.items() if a.compliance}
    passed, checked = cleaning_compliance(rounds, areas)
    target = ctx.policy.targets.cleaning_compliance
    kpi = Kpi(
        "cleaning_compliance",
        ctx.t("保洁绿化达标率（K1）", "cleaning & greening compliance (K1)"),
        passed / checked if checked else None,
        target,
        "fraction",
        "higher",
        "K1",
        f"{passed}/{checked}",
    )
    table = Table(
        "inspection_rounds",
        ctx.t("巡检任务（R9）", "Inspection rounds (R9)"),
        (
            ctx.t("对象", "area"),
            ctx.t("任务", "rounds"),
            ctx.t("完成", "done"),
            ctx.t("按时完成", "done in time"),
            ctx.t("超时升级", "late, escalated"),
            ctx.t("不合格/漏检", "failed / missed"),
        ),
        _rows(ctx, rounds),  # type: ignore[arg-type]
        chart=1,
        compare=True,
    )
    findings = [x for r in rounds for x in r.fields.get("results", []) if not x["passed"]]
    to_repair = sum(1 for x in findings if x.get("repair"))
    to_hazard = sum(1 for x in findings if x.get("hazard"))
    patrol_hazards = sum(1 for r in rounds for h in r.fields.get("hazards", []) if h.get("hazard"))
    missed = sum(len(r.fields.get("missed", [])) for r in rounds)
    rows = (
        (ctx.t("不合格项", "failed items"), len(findings)),
        (ctx.t("转报修单（R8）", "became repair orders (R8)"), to_repair),
        (ctx.t("转安全隐患", "became hazard reports"), to_hazard + patrol_hazards),
        (ctx.t("巡逻漏检点", "missed patrol checkpoints"), missed),
    )
    findings_table = Table(
        "inspection_findings",
        ctx.t("巡检发现及处理（R8）", "Findings and what they became (R8)"),
        (ctx.t("项目", "item"), ctx.t("数量", "count")),
        rows,
    )
    return Section(
        "inspections",
        ctx.t("巡检与巡逻", "Inspections and patrols"),
        (table, findings_table),
        (kpi,),
    )
