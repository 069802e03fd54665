"""The return-visit part of the monthly report (K3, F2-F6): visits due, made, made in
time, customers not reached, satisfied and unhappy ones, by source and by stage."""

from __future__ import annotations

from collections import Counter

import attrs

from ..domain.records import Record
from ..policy.core import Label
from ..workflows.return_visits import ReturnVisitStats, timeliness
from .compute import ReportContext, pct, register_labels, register_section, share
from .model import Cell, Kpi, Section, Table

_STAGES = {
    "after": ("事后回访", "after resolution"),
    "during": ("事中跟踪", "tracking while pending"),
    "account": ("定期回访", "periodic account visit"),
}


register_labels("return_visit", "category", lambda _p: {k: Label(*v) for k, v in _STAGES.items()})
register_labels("return_visit", "method", lambda p: p.return_visits.methods)


def _sum(parts: list[ReturnVisitStats]) -> ReturnVisitStats:
    """The statistics of disjoint sets of visits taken together (every figure adds up)."""
    fields = [f.name for f in attrs.fields(ReturnVisitStats)]
    return ReturnVisitStats(**{f: sum(getattr(p, f) for p in parts) for f in fields})


@register_section("return_visit")
def return_visit_section(ctx: ReportContext) -> Section | None:
    """K3 return-visit rate and F6 timeliness against ``targets.return_visit_timeliness``;
    the 事后 visits by source kind; not-reached attempts (F4); outcomes (F5)."""
    recs = ctx.of_kind("return_visit")
    if not recs:
        return None
    # one pass: the 事后 visits by source kind, and the visits by stage
    by_source: dict[str, list[Record]] = {}
    other: list[Record] = []  # 事后 visits whose source kind is not text: in no row
    stages: Counter[str] = Counter()
    for r in recs:
        f = r.fields
        stage = f.get("stage")
        stages[str(stage)] += 1
        if stage == "after":
            source = f.get("source_kind")
            key = str(source)
            group = by_source.setdefault(key, [])
            (group if source == key else other).append(r)
    of_source = {k: timeliness(v, ctx.now) for k, v in sorted(by_source.items())}
    stats = _sum([*of_source.values(), timeliness(other, ctx.now)])  # rules F6, K3
    kpis = (
        Kpi(
            "return_visit_timeliness",
            ctx.t("回访及时率", "return-visit timeliness"),
            share(stats.on_time, stats.total),
            ctx.policy.targets.return_visit_timeliness,
            "fraction",
            "higher",
            "F6",
            f"{stats.on_time}/{stats.total}",
        ),
        Kpi(
            "return_visit_rate",
            ctx.t("回访率", "return-visit rate"),
            share(stats.done, stats.total),
            1.0,  # K3: every resolved complaint and accepted external repair is visited
            "fraction",
            "higher",
            "K3",
            f"{stats.done}/{stats.total}",
        ),
    )
    n = ctx.t("件数", "count")
    rows: list[tuple[Cell, ...]] = []
    keys = []
    for kind, of in of_source.items():
        rows.append(
            (
                ctx.label("kind", kind),
                of.total,
                of.done,
                of.on_time,
                of.late,
                of.pending,
                of.satisfied,
                of.done - of.satisfied,
                of.attempts,
                pct(share(of.on_time, of.total)),
            )
        )
        keys.append(kind)
    tables = [
        Table(
            "return_visits",
            ctx.t("事后回访（K3、F6）", "Return visits after resolution (K3, F6)"),
            (
                ctx.t("来源", "source"),
                ctx.t("应回访", "due"),
                ctx.t("已回访", "made"),
                ctx.t("按时", "in time"),
                ctx.t("超时", "late"),
                ctx.t("待回访", "pending"),
                ctx.t("满意", "satisfied"),
                ctx.t("不满意（重开，F5）", "unhappy (reopened, F5)"),
                ctx.t("未联系上（F4）", "not reached (F4)"),
                ctx.t("及时率 %", "in time %"),
            ),
            tuple(rows),
            chart=9,
            keys=tuple(keys),
            percent=True,
        )
    ]
    tables.append(
        Table(
            "return_visit_stage",
            ctx.t("按回访类型", "By kind of visit"),
            (ctx.t("类型", "kind"), n),
            tuple((ctx.t(*_STAGES.get(k, (k, k))), v) for k, v in stages.most_common()),
            chart=1,
            keys=tuple(k for k, _ in stages.most_common()),
        )
    )
    return Section("return_visit", ctx.t("回访", "Return visits"), tuple(tables), kpis)
