"""The figures of the monthly report (K1-K5), generic over ``mall.services``.

Every figure is computed from the records registered in the period ``[start, end)``,
as they stand when the report is made: volumes from record attributes, SLA attainment
from each record's :class:`~mallops.domain.records.Timer` data, escalations from its
:class:`~mallops.domain.records.Escalation` list.  Workflow-specific figures come from
section functions registered per record kind (:func:`register_section`); a kind with no
records in the period contributes no section.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from ..domain.records import Record, Timer
from .model import Cell, Section, Table, text

if TYPE_CHECKING:
    from ..mall import Mall
    from ..policy import Policy

__all__ = [
    "LABELS",
    "SECTIONS",
    "ReportContext",
    "generic_sections",
    "percentile",
    "register_labels",
    "register_section",
]


@attrs.frozen
class ReportContext:
    """What a section function sees: the mall, the period, its records, the language."""

    mall: Mall
    lang: str
    start: pendulum.DateTime
    end: pendulum.DateTime
    now: pendulum.DateTime
    records: tuple[Record, ...]
    memo: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    """Figures several sections share, computed once per report (issue 16)."""

    @property
    def policy(self) -> Policy:
        """The mall's policy."""
        return self.mall.policy

    def of_kind(self, kind: str) -> list[Record]:
        """The period's records of one kind."""
        by_kind: dict[str, list[Record]] | None = self.memo.get("by_kind")
        if by_kind is None:
            by_kind = {}
            for r in self.records:
                by_kind.setdefault(r.kind, []).append(r)
            self.memo["by_kind"] = by_kind
        return list(by_kind.get(kind, ()))

    def t(self, zh: str, en: str) -> str:
        """The label in the report's language."""
        return text(self.lang, zh, en)

    def label(self, dim: str, key: str | None, kind: str = "*") -> str:
        """The label of ``key`` on dimension ``dim`` (category, channel ...)."""
        return label(self.mall, self.lang, dim, key, kind)


SectionFn = Callable[[ReportContext], Section | None]
SECTIONS: dict[str, list[SectionFn]] = {}
"""Section functions by record kind, in registration order."""

LabelSource = Callable[["Policy"], Mapping[str, Any]]
LABELS: dict[tuple[str, str], LabelSource] = {}
"""Label sources by ``(kind, dimension)``; ``kind="*"`` applies to every kind.  Each
returns a mapping of key -> object with ``zh`` and ``en`` attributes."""


def register_section(kind: str) -> Callable[[SectionFn], SectionFn]:
    """Decorator: add a section function for records of ``kind``; ``"*"`` runs it for
    every period (for figures about records planned, not registered, in it)."""

    def deco(fn: SectionFn) -> SectionFn:
        SECTIONS.setdefault(kind, []).append(fn)
        return fn

    return deco


def register_labels(kind: str, dim: str, source: LabelSource) -> None:
    """Declare where the labels of ``dim`` for ``kind`` come from."""
    LABELS[(kind, dim)] = source


register_labels("*", "channel", lambda p: p.channels)
register_labels("*", "department", lambda p: p.departments)
register_labels("*", "role", lambda p: p.roles)
register_labels("complaint", "category", lambda p: p.complaints.categories)
register_labels("complaint", "severity", lambda p: p.complaints.severities)

_NONE = {"zh": "（未填）", "en": "(none)"}


def label(mall: Mall, lang: str, dim: str, key: str | None, kind: str = "*") -> str:
    """See :meth:`ReportContext.label`.  Unknown keys show as themselves."""
    if key is None or key == "":
        return _NONE[lang]
    if dim == "kind":
        service = mall.services.get(key)
        return text(lang, service.engine.spec.zh, service.engine.spec.en) if service else key
    if dim == "state" and kind in mall.services:
        try:
            s = mall.services[kind].engine.spec.state(key)
        except KeyError:
            return key
        return text(lang, s.zh, s.en)
    sources = [LABELS.get((kind, dim)), LABELS.get(("*", dim))]
    sources += [src for (_k, d), src in LABELS.items() if d == dim]
    for source in sources:
        if source is None:
            continue
        item = source(mall.policy).get(key)
        if item is not None:
            return str(getattr(item, lang, key)) or key
    return key


# -- statistics --------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0 < q <= 100) by the nearest-rank method; ``None`` for no
    values.  The median is ``percentile(values, 50)``."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def share(part: int, whole: int) -> float | None:
    """``part / whole``, ``None`` when ``whole`` is 0."""
    return part / whole if whole else None


def pct(value: float | None) -> Cell:
    """A fraction as a percentage cell (one decimal)."""
    return None if value is None else round(value * 100, 1)


def count_row(label: str, part: int, whole: int) -> tuple[Cell, ...]:
    """An overview row: label, count and its share of ``whole`` in percent."""
    return (label, part, pct(share(part, whole)))


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
    recs = ctx.records
    by_kind = Counter(r.kind for r in recs)
    channels = Counter(
        str(r.fields["channel"]) for r in recs if isinstance(r.fields.get("channel"), str)
    )
    categories = Counter((r.kind, r.category) for r in recs if r.category)
    # a return visit carries its source's severity: counted with the source, not twice
    severities = Counter(
        (r.kind, r.severity) for r in recs if r.severity and r.kind != "return_visit"
    )
    departments = Counter(r.department or "" for r in recs)
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


def _hours(seconds: float | None) -> Cell:
    return None if seconds is None else round(seconds / 3600, 1)


@attrs.frozen
class TimerStats:
    """Attainment of one timer of one workflow over the period's records."""

    kind: str
    name: str
    basis: str
    started: int
    met: int
    breached: int
    open: int
    cancelled: int
    median: float | None  # seconds of the timer's basis, met timers only
    p90: float | None

    @property
    def attainment(self) -> float | None:
        """Met / (met + breached): the share of decided timers that met their deadline."""
        return share(self.met, self.met + self.breached)


def timer_stats(ctx: ReportContext) -> list[TimerStats]:
    """Every declared timer of every workflow with records in the period (computed once
    per report: the SLA section and the analysis both use it)."""
    memo: list[TimerStats] | None = ctx.memo.get("timer_stats")
    if memo is None:
        memo = ctx.memo["timer_stats"] = _timer_stats(ctx)
    return list(memo)


def _timers_by_name(recs: list[Record]) -> dict[str, list[Timer]]:
    """Each record's first timer of each name, by name, in record order (one pass)."""
    out: dict[str, list[Timer]] = {}
    for r in recs:
        seen: set[str] = set()
        for t in r.timers:
            if t.name not in seen:
                seen.add(t.name)
                out.setdefault(t.name, []).append(t)
    return out


def _timer_stats(ctx: ReportContext) -> list[TimerStats]:
    out = []
    for kind, service in ctx.mall.services.items():
        recs = ctx.of_kind(kind)
        if not recs:
            continue
        by_name = _timers_by_name(recs)
        for spec in service.engine.spec.timers:
            timers: list[Timer] = by_name.get(spec.name, [])
            if not timers:
                continue
            met = [t for t in timers if t.status == "met" and not t.breached]
            breached = [t for t in timers if t.breached]
            cancelled = [t for t in timers if t.status == "cancelled" and not t.breached]
            open_ = [t for t in timers if t.active and not t.breached]
            used = [float(t.consumed) for t in met]
            out.append(
                TimerStats(
                    kind,
                    spec.name,
                    timers[0].basis,
                    len(timers),
                    len(met),
                    len(breached),
                    len(open_),
                    len(cancelled),
                    percentile(used, 50),
                    percentile(used, 90),
                )
            )
    return out


def sla_section(ctx: ReportContext) -> Section:
    """Every SLA timer's attainment: met, breached, median and 90th percentile to meet."""
    rows: list[tuple[Cell, ...]] = []
    keys = []
    for s in timer_stats(ctx):
        spec = next(t for t in ctx.mall.services[s.kind].engine.spec.timers if t.name == s.name)
        unit = ctx.t("工作小时", "working h") if s.basis == "working" else ctx.t("小时", "h")
        rows.append(
            (
                f"{ctx.label('kind', s.kind)} · {ctx.t(spec.zh, spec.en)}",
                s.started,
                s.met,
                s.breached,
                s.open,
                pct(s.attainment),
                _hours(s.median),
                _hours(s.p90),
                unit,
            )
        )
        keys.append(f"{s.kind}.{s.name}")
    cols = (
        ctx.t("时限", "timer"),
        ctx.t("启动", "started"),
        ctx.t("按时", "met"),
        ctx.t("超时", "breached"),
        ctx.t("进行中", "running"),
        ctx.t("达成率 %", "attainment %"),
        ctx.t("中位用时", "median to meet"),
        ctx.t("90分位用时", "p90 to meet"),
        ctx.t("单位", "unit"),
    )
    table = Table(
        "sla",
        ctx.t("时限达成", "SLA attainment"),
        cols,
        tuple(rows),
        5,
        keys=tuple(keys),
        percent=True,
        pending=4,  # timers still running are not in the attainment: say how many
    )
    return Section("sla", ctx.t("时限达成", "SLA timers"), (table,) if rows else ())


_CAUSES = {
    "recurrence": ("重复发生（C9）", "recurrence (C9)"),
    "registration": ("登记即升级（C14）", "at registration (C14)"),
    "severity": ("级别上调（C14）", "severity raised (C14)"),
    "reopen": ("多次重开（C12）", "reopened (C12)"),
    "manual": ("人工升级", "manual"),
    "rework": ("多次返工（R5）", "repeated rework (R5)"),
    "failed_claims": ("多次认领失败（L5）", "failed claims (L5)"),
}


def register_cause(cause: str, zh: str, en: str) -> None:
    """Label an escalation cause a plug-in's effects pass to ``ctx.escalate``."""
    _CAUSES[cause] = (zh, en)


def cause_label(ctx: ReportContext, kind: str, cause: str) -> str:
    """A label for an escalation cause (``timer:<name>`` names the timer)."""
    if cause.startswith("timer:"):
        name = cause.split(":", 1)[1]
        service = ctx.mall.services.get(kind)
        for spec in service.engine.spec.timers if service else ():
            if spec.name == name:
                return ctx.t(f"超时：{spec.zh}", f"timer: {spec.en}")
        return cause
    zh, en = _CAUSES.get(cause, (cause, cause))
    return ctx.t(zh, en)


def escalation_section(ctx: ReportContext) -> Section:
    """Escalations by level (and role) and by cause."""
    by_level: Counter[str] = Counter()
    by_cause: Counter[str] = Counter()
    level_label: dict[str, str] = {}
    cause_labels: dict[str, str] = {}
    for r in ctx.records:
        for e in r.escalations:
            key = f"{e.level}:{e.role}"
            by_level[key] += 1
            level_label[key] = f"L{e.level} {ctx.label('role', e.role)}"
            ckey = f"{r.kind}:{e.cause}"
            by_cause[ckey] += 1
            cause_labels[ckey] = (
                f"{ctx.label('kind', r.kind)} · {cause_label(ctx, r.kind, e.cause)}"
            )
    count = ctx.t("次数", "count")
    tables = []
    if by_level:
        items = sorted(by_level.items())
        tables.append(
            Table(
                "escalation_level",
                ctx.t("按级别", "By level"),
                (ctx.t("级别", "level"), count),
                tuple((level_label[k], n) for k, n in items),
                1,
                True,
                tuple(k for k, _ in items),
            )
        )
        causes = by_cause.most_common()
        tables.append(
            Table(
                "escalation_cause",
                ctx.t("按原因", "By cause"),
                (ctx.t("原因", "cause"), count),
                tuple((cause_labels[k], n) for k, n in causes),
                1,
                True,
                tuple(k for k, _ in causes),
            )
        )
    return Section("escalations", ctx.t("升级", "Escalations"), tuple(tables))


DERIVED_KINDS = frozenset({"return_visit"})
"""Kinds whose records follow another record (not new problems, K4)."""


def hotspot_section(ctx: ReportContext) -> Section:
    """Repeat problems (K4): the same category at the same location, and tenants with
    repeated records, at least ``targets.hot_spot_min`` times."""
    minimum = ctx.policy.targets.hot_spot_min
    spots: Counter[tuple[str, str, str]] = Counter()
    open_: Counter[tuple[str, str, str]] = Counter()
    tenants: Counter[str] = Counter()
    for r in ctx.records:
        if r.kind in DERIVED_KINDS:
            continue  # a return visit repeats its source's place and tenant
        if r.location:
            key = (r.kind, r.location, r.category or "")
            spots[key] += 1
            open_[key] += int(r.is_open)
        if r.tenant:
            tenants[r.tenant] += 1
    tables = []
    top = [(k, n) for k, n in spots.most_common() if n >= minimum][:15]
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
    top_t = [(k, n) for k, n in tenants.most_common() if n >= minimum][:15]
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
        states = Counter(r.state for r in ctx.of_kind(kind))
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
    present = {r.kind for r in ctx.records} | {"*"}
    for kind, fns in SECTIONS.items():
        if kind not in present:
            continue
        for fn in fns:
            got = fn(ctx)
            if got is not None:
                sections.append(got)
    return [s for s in sections if s.tables or s.kpis or s.notes]


def records_in(mall: Mall, start: pendulum.DateTime, end: pendulum.DateTime) -> tuple[Record, ...]:
    """The property's records registered in ``[start, end)``."""
    return tuple(mall.query(created_from=start, created_to=end))


def flatten(values: Iterable[Iterable[Cell]]) -> list[Cell]:
    """All cells of some rows."""
    return [c for row in values for c in row]
