"""The satisfaction-survey part of the monthly report (K5): campaigns closed in the
period and their rate against the 70 % target, the trend across campaigns, and every
survey window the period touches, a window without a campaign run in it flagged."""

from __future__ import annotations

from mallops.domain import Record
from mallops.report import Kpi, ReportContext, Section, Table, register_labels

from .survey_spec import survey_policy, window_label
from .survey_windows import closed_at, window_statuses

__all__ = ["survey_section"]

register_labels("survey", "category", lambda p: survey_policy(p).audiences)

Cell = str | int | float | None

_STATUS = {
    "run": ("已按期完成", "run in time"),
    "late": ("逾期完成", "run late"),
    "missed": ("未开展（K5）", "not run (K5)"),
    "due": ("未完成，期限", "not run yet, due by"),
}


def _pct(value: object) -> float | None:
    return None if value is None else round(float(str(value)) * 100, 1)


def _campaign_row(ctx: ReportContext, r: Record) -> tuple[Cell, ...]:
    p = survey_policy(ctx.policy)
    aud = p.audiences.get(str(r.category))
    answers = r.fields.get("answers") or []
    sample = int(r.fields.get("sample") or 0)
    return (
        r.id,
        ctx.t(aud.zh, aud.en) if aud else str(r.category),
        window_label(ctx.policy, int(r.fields["year"]), int(r.fields["window"]), ctx.lang),
        sample,
        len(answers),
        _pct(len(answers) / sample) if sample else None,
        _pct(r.fields.get("rate")),
    )


def _trend(ctx: ReportContext, closed: list[Record]) -> Table:
    p = survey_policy(ctx.policy)
    rows = []
    keys = []
    for key, aud in p.audiences.items():
        mine = [r for r in closed if r.category == key][-p.trend_campaigns :]
        previous: float | None = None
        for r in mine:
            rate = _pct(r.fields.get("rate"))
            change = None if previous is None or rate is None else round(rate - previous, 1)
            rows.append(
                (
                    ctx.t(aud.zh, aud.en),
                    window_label(
                        ctx.policy, int(r.fields["year"]), int(r.fields["window"]), ctx.lang
                    ),
                    rate,
                    change,
                )
            )
            keys.append(f"{key}:{r.id}")
            previous = rate
    return Table(
        "survey_trend",
        ctx.t("满意率趋势（K5）", "Satisfaction trend (K5)"),
        (
            ctx.t("对象", "audience"),
            ctx.t("调查期", "window"),
            ctx.t("满意率 %", "satisfied %"),
            ctx.t("较上期（百分点）", "change (points)"),
        ),
        tuple(rows),
        chart=2,
        keys=tuple(keys),
        label_cols=2,
        percent=True,
    )


def survey_section(ctx: ReportContext) -> Section | None:
    """K5: campaigns closed in the period, their rate against the target, the trend,
    and the survey windows the period touches (a window not run is flagged)."""
    if "survey" not in ctx.mall.services:
        return None
    p = survey_policy(ctx.policy)
    surveys = ctx.mall.query(kind="survey")
    tz = ctx.mall.calendar.tz
    statuses = [
        s
        for year in range(ctx.start.in_timezone(tz).year, ctx.end.subtract(seconds=1).year + 1)
        for s in window_statuses(surveys, ctx.policy, tz, year, ctx.end)
        if s.start < ctx.end and s.end > ctx.start
    ]
    closed = sorted(
        (r for r in surveys if (c := closed_at(r)) is not None and c < ctx.end),
        key=lambda r: (closed_at(r), r.id),
    )
    in_period = [r for r in closed if ctx.start <= (closed_at(r) or ctx.end)]
    if not surveys and not any(s.status == "missed" for s in statuses):
        return None  # nothing planned and nothing missed yet: nothing to say
    answers = [a for r in in_period for a in r.fields.get("answers") or []]
    happy = sum(1 for a in answers if a.get("satisfied"))
    kpi = Kpi(
        "survey_satisfaction",
        ctx.t("满意度调查满意率（K5）", "survey satisfaction rate (K5)"),
        happy / len(answers) if answers else None,
        p.target,
        "fraction",
        "higher",
        "K5",
        f"{happy}/{len(answers)}",
    )
    campaigns = Table(
        "survey_campaigns",
        ctx.t("本期完成的满意度调查（K5）", "Survey campaigns closed in the period (K5)"),
        (
            ctx.t("编号", "campaign"),
            ctx.t("对象", "audience"),
            ctx.t("调查期", "window"),
            ctx.t("样本", "sample"),
            ctx.t("答卷", "answers"),
            ctx.t("回收率 %", "response %"),
            ctx.t("满意率 %", "satisfied %"),
        ),
        tuple(_campaign_row(ctx, r) for r in in_period),
        chart=6,
        keys=tuple(r.id for r in in_period),
        label_cols=3,
        percent=True,
    )
    windows = Table(
        "survey_windows",
        ctx.t("调查频次（每年至少两次，K5）", "Survey frequency (at least twice a year, K5)"),
        (
            ctx.t("调查期", "window"),
            ctx.t("对象", "audience"),
            ctx.t("状态", "status"),
            ctx.t("满意率 %", "satisfied %"),
        ),
        tuple(
            (
                window_label(ctx.policy, s.year, s.window, ctx.lang),
                ctx.t(p.audiences[s.audience].zh, p.audiences[s.audience].en),
                ctx.t(*_STATUS[s.status])
                + (f" {s.end.subtract(days=1).to_date_string()}" if s.status == "due" else ""),
                _pct(s.rate),
            )
            for s in statuses
        ),
        keys=tuple(f"{s.year}:{s.window}:{s.audience}" for s in statuses),
        label_cols=2,
    )
    notes = []
    per_year = ctx.policy.targets.surveys_per_year
    for s in statuses:
        if s.status == "missed":
            label = window_label(ctx.policy, s.year, s.window, ctx.lang)
            aud = p.audiences[s.audience]
            notes.append(
                ctx.t(
                    f"{label}未开展{aud.zh}满意度调查（K5：每年至少 {per_year} 次）",
                    f"{label}: no {aud.en} survey was run (K5: at least {per_year} a year)",
                )
            )
    for r in in_period:
        if not r.fields.get("on_target"):
            notes.append(
                ctx.t(
                    f"{r.id} 满意率 {_pct(r.fields.get('rate'))}% 低于目标 {_pct(p.target)}%",
                    f"{r.id}: {_pct(r.fields.get('rate'))}% satisfied, below the "
                    f"{_pct(p.target)}% target",
                )
            )
    return Section(
        key="surveys",
        title=ctx.t("满意度调查", "Satisfaction surveys"),
        tables=tuple(t for t in (campaigns, _trend(ctx, closed), windows) if t.rows),
        kpis=(kpi,) if in_period else (),
        notes=tuple(notes),
    )
