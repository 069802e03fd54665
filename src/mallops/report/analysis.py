"""The written analysis (K2: 《客服接待月报表》 with 文字分析说明): sentences generated from
the figures — volume against the previous period, the biggest changes, every KPI miss,
the weakest SLA, the escalations and the top hot spot."""

from __future__ import annotations

from collections.abc import Sequence

from .compute import ReportContext
from .model import Section, fmt_value
from .sla import timer_stats


def _change(now: int, before: int, lang: str) -> str:
    if before == 0:
        return "上期无记录" if lang == "zh" else "none in the previous period"
    diff = (now - before) / before * 100
    if lang == "zh":
        return f"较上期 {before} 件{'增加' if diff >= 0 else '减少'} {abs(diff):.0f}%"
    return f"{'up' if diff >= 0 else 'down'} {abs(diff):.0f}% from {before} in the previous period"


def _counts(sections: Sequence[Section]) -> dict[tuple[str, str], tuple[str, int]]:
    out: dict[tuple[str, str], tuple[str, int]] = {}
    for s in sections:
        for t in s.tables:
            if not t.compare:
                continue
            for key, row in zip(t.keys, t.rows, strict=False):
                if isinstance(row[1], int):
                    out[(t.key, key)] = (f"{t.title}: {row[0]}", row[1])
    return out


def analyse(
    ctx: ReportContext,
    sections: Sequence[Section],
    previous: Sequence[Section],
    previous_total: int,
) -> list[str]:
    """The analysis sentences, most important first."""
    t = ctx.t
    lang = ctx.lang
    total = len(ctx.records)
    out = []
    if total == 0:
        return [t("本期没有登记任何记录。", "No records were registered in this period.")]
    out.append(
        t(
            f"本期共登记 {total} 件，{_change(total, previous_total, lang)}。",
            f"{total} records were registered in this period, "
            f"{_change(total, previous_total, lang)}.",
        )
    )
    now_counts = _counts(sections)
    before = _counts(previous)
    if previous_total:
        changes = []
        for key in set(now_counts) | set(before):
            label, n = now_counts.get(key) or (before[key][0], 0)
            b = before.get(key, (label, 0))[1]
            if key[0] != "volume_kind" and n != b:
                changes.append((abs(n - b), label, n, b))
        changes.sort(key=lambda c: (-c[0], c[1]))
        for _d, label, n, b in changes[:3]:
            sign = "+" if n >= b else "-"
            out.append(
                t(
                    f"变化较大：{label}，本期 {n} 件（上期 {b} 件，{sign}{abs(n - b)}）。",
                    f"Large change: {label}, {n} (previous {b}, {sign}{abs(n - b)}).",
                )
            )
    kpis = [k for s in sections for k in s.kpis if k.value is not None]
    misses = [k for k in kpis if k.met is False]
    for k in misses:
        side = t("低于", "under") if k.better == "higher" else t("高于", "over")
        basis_zh, basis_en = (f"（{k.basis}）", f" ({k.basis})") if k.basis else ("", "")
        out.append(
            t(
                f"未达标：{k.label}为 {fmt_value(k.value, k.unit)}{basis_zh}，"
                f"{side}目标 {fmt_value(k.target, k.unit)}（{k.rule}）。",
                f"Missed: {k.label} was {fmt_value(k.value, k.unit)}{basis_en}, "
                f"{side} its {fmt_value(k.target, k.unit)} target ({k.rule}).",
            )
        )
    if kpis and not misses:
        out.append(t(f"全部 {len(kpis)} 项指标达标。", f"All {len(kpis)} KPIs are on target."))
    stats = [s for s in timer_stats(ctx) if s.attainment is not None and s.breached]
    if stats:
        worst = min(stats, key=lambda s: (s.attainment or 0, -s.breached))
        spec = next(
            x for x in ctx.mall.services[worst.kind].engine.spec.timers if x.name == worst.name
        )
        out.append(
            t(
                f"时限达成最弱的是{ctx.label('kind', worst.kind)}的“{spec.zh}”："
                f"按时 {fmt_value(worst.attainment, 'fraction')}，超时 {worst.breached} 件。",
                f"The weakest SLA was the {ctx.label('kind', worst.kind)} {spec.en} timer: "
                f"{fmt_value(worst.attainment, 'fraction')} met, {worst.breached} breached.",
            )
        )
    tally = ctx.tally
    still_open = tally.open
    if still_open:
        overdue = tally.overdue  # an active timer breached or past its deadline at now
        out.append(
            t(
                f"仍有 {still_open} 件未结，其中 {overdue} 件已超时。",
                f"{still_open} records are still open, {overdue} of them overdue.",
            )
        )
    esc = tally.escalations
    if esc:
        top_label, top_n = "", 0
        for s in sections:
            for tb in s.tables:
                if tb.key == "escalation_cause" and tb.rows:
                    top_label, top_n = str(tb.rows[0][0]), int(tb.rows[0][1] or 0)
        out.append(
            t(
                f"共升级 {esc} 次，最多的原因是{top_label}（{top_n} 次）。",
                f"{esc} escalations fired; the most common cause was {top_label} ({top_n}).",
            )
        )
    for s in sections:
        for tb in s.tables:
            if tb.key == "hotspots" and tb.rows:
                loc, cat, times = tb.rows[0][0], tb.rows[0][1], tb.rows[0][2]
                out.append(
                    t(
                        f"重复最多的问题：{loc} 的{cat}问题，{times} 次（K4）。",
                        f"The top repeat problem: {cat} at {loc}, {times} times (K4).",
                    )
                )
    return out
