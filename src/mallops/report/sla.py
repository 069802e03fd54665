"""The SLA and escalation sections of the monthly report (K3): every declared timer's
attainment from each record's :class:`~mallops.domain.records.Timer` data, and
escalations by level and cause from its :class:`~mallops.domain.records.Escalation` list.
"""

from __future__ import annotations

from collections import Counter

import attrs

from .compute import ReportContext, pct, percentile, share
from .model import Cell, Section, Table

__all__ = ["TimerStats", "cause_label", "escalation_section", "sla_section", "timer_stats"]


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


def _timer_stats(ctx: ReportContext) -> list[TimerStats]:
    out = []
    tallied = ctx.tally.timers
    for kind, service in ctx.mall.services.items():
        of_kind = tallied.get(kind)
        if not of_kind:
            continue
        for spec in service.engine.spec.timers:
            # a timer that no record's timer of that name can breach (only a ``due``
            # mark: a recording's retention, G7) is no deadline: not shown as 100 % met
            t = of_kind.get(spec.name)
            if t is None or not t.deadline:
                continue
            used = sorted(t.used)  # met, not breached: the seconds they took
            out.append(
                TimerStats(
                    kind,
                    spec.name,
                    t.basis,
                    t.started,
                    len(used),
                    t.breached,
                    t.open,
                    t.cancelled,
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
    "reinspection_failed": ("整改复查多次不合格（O3）", "repeated failed re-inspections (O3)"),
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
    tally = ctx.tally  # in the order the records first show each key
    for (level, role), n in tally.levels.items():
        key = f"{level}:{role}"
        by_level[key] += n
        if key not in level_label:  # labelled once per key, not per record
            level_label[key] = f"L{level} {ctx.label('role', role)}"
    for (kind, cause), n in tally.causes.items():
        ckey = f"{kind}:{cause}"
        by_cause[ckey] += n
        if ckey not in cause_labels:
            cause_labels[ckey] = f"{ctx.label('kind', kind)} · {cause_label(ctx, kind, cause)}"
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
