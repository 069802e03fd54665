"""The complaint part of the monthly report: handling rate, satisfaction (C12), major
incidents, reopens and public replies, each KPI beside its K1 target."""

from __future__ import annotations

from collections import Counter

from .compute import ReportContext, count_row, pct, register_section, share
from .model import Kpi, Section, Table

HANDLED = ("resolved", "closed", "dismissed")
DIMENSIONS = ("speed", "result", "attitude")
_DIM_LABELS = {
    "speed": ("速度", "speed"),
    "result": ("结果", "result"),
    "attitude": ("态度", "attitude"),
}


def c12_answers(ctx: ReportContext) -> list[dict[str, int]]:
    """Every C12 answer of the period: complaint surveys (``survey_by = "survey"``) and
    the answers collected by return visits (F2, ``survey_by = "return_visit"``), also
    those that reopened their source and were asked again later."""
    out = []
    for kind, event in (("complaint", "survey"), ("return_visit", "visit")):
        for r in ctx.of_kind(kind):
            for e in r.history:
                if e.event == event:
                    out.append({k: int(e.data.get(k, 0)) for k in DIMENSIONS})
    return out


@register_section("complaint")
def complaint_section(ctx: ReportContext) -> Section | None:
    """Handling (K1 complaint handling rate), satisfaction (C12, K1 customer
    satisfaction), major incidents (K1), reopens and explanations (C11)."""
    recs = ctx.of_kind("complaint")
    if not recs:
        return None
    policy = ctx.policy
    targets = policy.targets
    cp = policy.complaints
    tally = ctx.tally
    states = tally.states("complaint")
    handled = sum(states[s] for s in HANDLED)
    dismissed = states["dismissed"]
    reopened = public = 0
    for r in recs:  # one pass over the complaints' own fields
        f = r.fields
        if int(f.get("reopen_count") or 0) > 0:
            reopened += 1
        if f.get("public"):
            public += 1
    surveys = c12_answers(ctx)
    satisfied = [
        s for s in surveys if all(int(s.get(k, 0)) >= cp.satisfied_min for k in DIMENSIONS)
    ]
    top_rank = max(s.rank for s in cp.severities.values())
    major_keys = {k for k, s in cp.severities.items() if s.rank == top_rank}
    majors = still_open = 0
    for p, count in tally.profile.items():  # (kind, state, is_open, category, severity, ...)
        if p[0] == "complaint":
            majors += count if p[4] in major_keys else 0
            still_open += count if p[2] else 0
    # K1 "major incidents 0": major complaints and major repair faults (R7) alike
    major_faults = [r for r in ctx.of_kind("repair") if r.fields.get("major")]

    kpis = (
        Kpi(
            "complaint_handling_rate",
            ctx.t("投诉处理率", "complaint handling rate"),
            share(handled, len(recs)),
            targets.complaint_handling_rate,
            "fraction",
            "higher",
            "K1",
            f"{handled}/{len(recs)}",
        ),
        Kpi(
            "customer_satisfaction",
            ctx.t("顾客满意率（C12 评价与回访）", "customer satisfaction (C12, return visits)"),
            share(len(satisfied), len(surveys)),
            targets.customer_satisfaction,
            "fraction",
            "higher",
            "K1",
            f"{len(satisfied)}/{len(surveys)}",
        ),
        Kpi(
            "major_incidents",
            ctx.t("重大投诉", "major incidents"),
            float(majors + len(major_faults)),
            float(targets.major_incidents),
            "count",
            "lower",
            "K1",
            ctx.t(
                f"{majors} 件重大投诉 + {len(major_faults)} 件重大故障（R7）",
                f"{majors} major complaints + {len(major_faults)} major faults (R7)",
            ),
        ),
    )
    n = ctx.t("件数", "count")
    overview = Table(
        "complaint_overview",
        ctx.t("投诉处理概况", "Complaint handling"),
        (ctx.t("项目", "item"), n, ctx.t("占比 %", "share %")),
        (
            (ctx.t("登记", "registered"), len(recs), 100.0),
            count_row(
                ctx.t("已处理（含解释结案）", "handled (incl. explained)"), handled, len(recs)
            ),
            count_row(
                ctx.t("解释结案（C11）", "closed with explanation (C11)"), dismissed, len(recs)
            ),
            count_row(
                ctx.t("不满意重开（C12）", "reopened after dissatisfaction (C12)"),
                reopened,
                len(recs),
            ),
            count_row(
                ctx.t("公开渠道需审核（C13）", "public-channel replies (C13)"),
                public,
                len(recs),
            ),
            (
                ctx.t("未结", "still open"),
                still_open,
                pct(share(still_open, len(recs))),
            ),
        ),
        chart=1,
        keys=("registered", "handled", "dismissed", "reopened", "public", "open"),
    )
    tables = [overview]
    if surveys:
        rows = []
        for k in DIMENSIONS:
            values = [int(s.get(k, 0)) for s in surveys]
            ok = sum(v >= cp.satisfied_min for v in values)
            zh, en = _DIM_LABELS[k]
            rows.append(
                (ctx.t(zh, en), round(sum(values) / len(values), 2), pct(share(ok, len(values))))
            )
        scores = Counter(min(int(s.get(k, 0)) for k in DIMENSIONS) for s in surveys)
        tables.append(
            Table(
                "satisfaction",
                ctx.t(
                    f"满意度（C12，{len(surveys)} 份评价，满分 {cp.rating_scale}）",
                    f"Satisfaction (C12, {len(surveys)} answers, scale 1-{cp.rating_scale})",
                ),
                (
                    ctx.t("维度", "dimension"),
                    ctx.t("平均分", "average"),
                    ctx.t(f"满意（≥{cp.satisfied_min}）%", f"satisfied (≥{cp.satisfied_min}) %"),
                ),
                tuple(rows),
                chart=2,
                keys=DIMENSIONS,
                percent=True,
            )
        )
        tables.append(
            Table(
                "satisfaction_lowest",
                ctx.t("每份评价的最低分分布", "Lowest answer per survey"),
                (ctx.t("最低分", "lowest score"), n),
                tuple((str(score), scores[score]) for score in sorted(scores)),
                chart=1,
                keys=tuple(str(score) for score in sorted(scores)),
            )
        )
    return Section("complaint", ctx.t("投诉", "Complaints"), tuple(tables), kpis)
