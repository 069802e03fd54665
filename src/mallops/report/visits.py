"""The tenant-visit part of the monthly report (V1-V7, K1): coverage of the visit plan
by tier, visits done and missed, tenant satisfaction, suggestions answered within a
week.  Visits are planned for the whole year at once, so this section looks at the
visits *planned* in the period (``mall.visits.coverage``, V7), not at when they were
registered."""

from __future__ import annotations

from collections import Counter

from ..clock import aware
from .compute import ReportContext, pct, register_labels, register_section, share
from .model import Cell, Kpi, Section, Table

register_labels("visit", "category", lambda p: p.visits.tiers)
register_labels("tenant", "category", lambda p: p.visits.tiers)
register_labels("suggestion", "category", lambda p: p.visits.topics)


def _in(value: object, ctx: ReportContext) -> bool:
    return value is not None and ctx.start <= aware(value, field="time") < ctx.end


@register_section("*")
def visit_section(ctx: ReportContext) -> Section | None:
    """V7 coverage and suggestion answers against their targets; K1 tenant
    satisfaction from the visits done in the period (V3)."""
    if "visit" not in ctx.mall.services:
        return None
    visits = [
        r
        for r in ctx.mall.query(kind="visit")
        if _in(r.fields.get("planned_at"), ctx) or _in(r.fields.get("done_at"), ctx)
    ]
    suggestions = ctx.of_kind("suggestion")
    if not visits and not suggestions:
        return None
    cov = ctx.mall.visits.coverage(start=ctx.start, end=ctx.end)  # rules V1, V7
    done = [r for r in visits if r.state == "done" and _in(r.fields.get("done_at"), ctx)]
    happy = [r for r in done if r.fields.get("satisfaction") == "satisfied"]
    targets = ctx.policy.targets
    decided = cov.answered_in_time + cov.answered_late
    kpis = (
        Kpi(
            "tenant_visit_coverage",
            ctx.t("租户走访覆盖率（V7）", "tenant-visit coverage (V7)"),
            cov.rate,
            cov.visit_rate_target,
            "fraction",
            "higher",
            "V7",
            f"{sum(t.covered for t in cov.tiers)}/{sum(t.tenants for t in cov.tiers)}",
        ),
        Kpi(
            "suggestion_answer_rate",
            ctx.t("建议一周内答复率（V5）", "suggestions answered within a week (V5)"),
            cov.answer_rate,
            cov.answer_rate_target,
            "fraction",
            "higher",
            "V7",
            f"{cov.answered_in_time}/{decided}",
        ),
        Kpi(
            "tenant_satisfaction",
            ctx.t("租户满意率（走访确认）", "tenant satisfaction (visits)"),
            share(len(happy), len(done)),
            targets.tenant_satisfaction,
            "fraction",
            "higher",
            "K1",
            f"{len(happy)}/{len(done)}",
        ),
    )
    n = ctx.t("户数", "tenants")
    tiers = Table(
        "visit_coverage",
        ctx.t("走访计划覆盖（V1、V7）", "Visit-plan coverage (V1, V7)"),
        (
            ctx.t("级别", "tier"),
            n,
            ctx.t("应走访", "visits due"),
            ctx.t("已走访", "done"),
            ctx.t("逾期", "overdue"),
            ctx.t("已覆盖", "covered"),
            ctx.t("覆盖率 %", "coverage %"),
        ),
        tuple(
            (ctx.t(t.zh, t.en), t.tenants, t.required, t.done, t.overdue, t.covered, pct(t.rate))
            for t in cov.tiers
        ),
        chart=6,
        keys=tuple(t.tier for t in cov.tiers),
        percent=True,
    )
    states = Counter(r.state for r in visits)
    missed = sum(any(h.event == "miss" for h in r.history) for r in visits)
    moods = Counter(str(r.fields.get("satisfaction")) for r in done)
    rows: list[tuple[Cell, ...]] = [
        (ctx.label("state", k, "visit"), v) for k, v in states.most_common()
    ]
    rows.append((ctx.t("曾未遇租户（改期）", "tenant not there (rescheduled)"), missed))
    rows += [
        (ctx.t(f"满意度：{lab.zh}", f"satisfaction: {lab.en}"), moods[key])
        for key, lab in ctx.policy.visits.satisfaction.items()
    ]
    keys = [*(k for k, _ in states.most_common()), "missed"]
    keys += [f"satisfaction:{k}" for k in ctx.policy.visits.satisfaction]
    tables = [
        tiers,
        Table(
            "visit_states",
            ctx.t("本期走访（计划内与计划外）", "Visits in the period (planned and extra)"),
            (ctx.t("项目", "item"), ctx.t("次数", "visits")),
            tuple(rows),
            chart=1,
            keys=tuple(keys),
        ),
    ]
    if suggestions:
        topics = Counter(r.category or "" for r in suggestions)
        tables.append(
            Table(
                "suggestions",
                ctx.t("租户建议（V5）", "Tenant suggestions (V5)"),
                (
                    ctx.t("主题", "topic"),
                    ctx.t("件数", "count"),
                    ctx.t("已答复", "answered"),
                    ctx.t("答复超时", "answer late"),
                ),
                tuple(
                    (
                        ctx.label("category", k, "suggestion"),
                        v,
                        sum(
                            1
                            for r in suggestions
                            if r.category == k and r.fields.get("answered_at") is not None
                        ),
                        sum(
                            1
                            for r in suggestions
                            if r.category == k and (t := r.timer("answer")) and t.breached
                        ),
                    )
                    for k, v in topics.most_common()
                ),
                chart=1,
                keys=tuple(k for k, _ in topics.most_common()),
            )
        )
    notes: tuple[str, ...] = ()
    if cov.never_visited:
        notes = (
            ctx.t(
                f"本期应走访但未走访的租户 {len(cov.never_visited)} 户。",
                f"{len(cov.never_visited)} tenants due a visit in the period were not visited.",
            ),
        )
    return Section(
        "visits",
        ctx.t("租户走访与建议", "Tenant visits and suggestions"),
        tuple(tables),
        kpis,
        notes,
    )
