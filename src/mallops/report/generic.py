"""The sections every monthly report gets: volumes (K2), where records stand now, and
hot spots (K4); :func:`generic_sections` adds the SLA and escalation sections
(:mod:`.sla`) and each present kind's registered sections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import attrs

from .compute import SECTIONS, ReportContext, pct, share
from .model import Cell, Section, Table
from .sla import escalation_section, sla_section
from .tally import DERIVED_KINDS

__all__ = [
    "DERIVED_KINDS",
    "generic_sections",
    "hotspot_section",
    "status_section",
    "volume_section",
]


def _count_table(
    ctx: ReportContext,
    key: str,
    title: str,
    column: str,
    counts: Counter[str],
    dim: str,
    kind_of: Mapping[str, str] | None = None,
) -> Table:
    total = sum(counts.values())
    items = counts.most_common()
    rows = tuple(
        (
            ctx.label(dim, k or None, (kind_of or {}).get(k, "*")),
            n,
            pct(share(n, total)),
        )
        for k, n in items
    )
    return Table(
        key,
        title,
        (column, ctx.t("件数", "count"), ctx.t("占比 %", "share %")),
        rows,
        chart=1,
        compare=True,
        keys=tuple(k or "" for k, _ in items),
    )


def _kind_count_table(
    ctx: ReportContext, key: str, title: str, counts: Counter[tuple[str, str]], dim: str
) -> Table:
    """Counts by workflow and key: rows ``(workflow, label, count, share of the workflow)``."""
    per_kind = Counter[str]()
    for (kind, _k), n in counts.items():
        per_kind[kind] += n
    items = sorted(counts.items(), key=lambda kv: (-per_kind[kv[0][0]], kv[0][0], -kv[1], kv[0][1]))
    rows = tuple(
        (ctx.label("kind", kind), ctx.label(dim, k, kind), n, pct(share(n, per_kind[kind])))
        for (kind, k), n in items
    )
    return Table(
        key,
        title,
        (ctx.t("业务", "workflow"), "", ctx.t("件数", "count"), ctx.t("业务内占比 %", "share %")),
        rows,
        chart=2,
        compare=True,
        keys=tuple(f"{kind}:{k}" for (kind, k), _ in items),
        label_cols=2,
    )


def volume_section(ctx: ReportContext) -> Section:
    """Volumes by kind, channel, category, severity and department (K2)."""
    by_kind: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    categories: Counter[tuple[str, str]] = Counter()
    severities: Counter[tuple[str, str]] = Counter()
    departments: Counter[str] = Counter()
    # sums over the tally's profiles, in the order the records first show each key
    for profile, n in ctx.tally.profile.items():
        kind, _state, _open, category, severity, department, channel = profile
        by_kind[kind] += n
        if channel is not None:
            channels[channel] += n
        if category:
            categories[(kind, category)] += n
        # a return visit carries its source's severity: counted with the source, not twice
        if severity and kind != "return_visit":
            severities[(kind, severity)] += n
        departments[department or ""] += n
    by_category = ctx.t("按类别", "By category")
    by_severity = ctx.t("按级别", "By severity")
    tables = [
        _count_table(ctx, "volume_kind", ctx.t("按业务", "By workflow"), "", by_kind, "kind"),
        _count_table(ctx, "volume_channel", ctx.t("按渠道", "By channel"), "", channels, "channel"),
        # per workflow: a complaint category, a repair fault type and a lost item's
        # category are different dimensions, as are complaint severity and repair urgency
        _kind_count_table(ctx, "volume_category", by_category, categories, "category"),
        _kind_count_table(ctx, "volume_severity", by_severity, severities, "severity"),
        _count_table(
            ctx,
            "volume_department",
            ctx.t("按责任部门", "By department"),
            "",
            departments,
            "department",
        ),
    ]
    named = []
    for t in tables:
        at = t.label_cols - 1  # the last naming column carries the table's title
        named.append(attrs.evolve(t, columns=(*t.columns[:at], t.title, *t.columns[at + 1 :])))
    return Section(
        "volumes",
        ctx.t("受理量", "Volumes"),
        tuple(t for t in named if t.rows),
    )


def hotspot_section(ctx: ReportContext) -> Section:
    """Repeat problems (K4): the same category at the same location, and tenants with
    repeated records, at least ``targets.hot_spot_min`` times."""
    minimum = ctx.policy.targets.hot_spot_min
    tally = ctx.tally  # records of DERIVED_KINDS repeat their source's place: not counted
    spots, open_, tenants = tally.spots, tally.spots_open, tally.tenants
    tables = []
    top = [(k, n) for k, n in spots.most_common(15) if n >= minimum]
    if top:
        tables.append(
            Table(
                "hotspots",
                ctx.t("重复问题（地点 × 类别）", "Repeat problems (location × category)"),
                (
                    ctx.t("地点", "location"),
                    ctx.t("类别", "category"),
                    ctx.t("次数", "count"),
                    ctx.t("未结", "open"),
                ),
                tuple(
                    (loc, ctx.label("category", cat or None, kind), n, open_[(kind, loc, cat)])
                    for (kind, loc, cat), n in top
                ),
                2,
                keys=tuple(f"{loc}|{cat}" for (_k, loc, cat), _n in top),
                label_cols=2,
            )
        )
    top_t = [(k, n) for k, n in tenants.most_common(15) if n >= minimum]
    if top_t:
        tables.append(
            Table(
                "hotspot_tenants",
                ctx.t("重复涉及的租户", "Tenants concerned repeatedly"),
                (ctx.t("租户", "tenant"), ctx.t("次数", "count")),
                tuple((k, n) for k, n in top_t),
                1,
                keys=tuple(k for k, _ in top_t),
            )
        )
    return Section(
        "hotspots",
        ctx.t("热点与重复问题（K4）", "Hot spots and repeat problems (K4)"),
        tuple(tables),
    )


def status_section(ctx: ReportContext) -> Section:
    """Where the period's records stand now, per workflow and state."""
    rows: list[tuple[Cell, ...]] = []
    keys = []
    for kind in ctx.mall.services:
        states = ctx.tally.states(kind)
        for state, n in states.most_common():
            rows.append((f"{ctx.label('kind', kind)} · {ctx.label('state', state, kind)}", n))
            keys.append(f"{kind}.{state}")
    table = Table(
        "status",
        ctx.t("当前状态", "Current state"),
        (ctx.t("状态", "state"), ctx.t("件数", "count")),
        tuple(rows),
        1,
        keys=tuple(keys),
    )
    return Section("status", ctx.t("处理状态", "Status"), (table,) if rows else ())


def generic_sections(ctx: ReportContext) -> list[Section]:
    """The sections every store gets, then each present kind's own sections."""
    sections = [
        volume_section(ctx),
        status_section(ctx),
        sla_section(ctx),
        escalation_section(ctx),
        hotspot_section(ctx),
    ]
    present = {*ctx.tally.by_kind, "*"}
    for kind, fns in SECTIONS.items():
        if kind not in present:
            continue
        for fn in fns:
            got = fn(ctx)
            if got is not None:
                sections.append(got)
    return [s for s in sections if s.tables or s.kpis or s.notes]
