"""The monthly report (K1-K5, the 《客服接待月报表》): figures, analysis and formats.

>>> import pendulum
>>> from mallops import Mall, ManualClock
>>> mall = Mall(clock=ManualClock(pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai")))
>>> report = build_report(mall, *month_period("2026-09", mall), lang="en")
>>> report.total
0

See docs/reports.md for the contents and how every figure is computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum

from ..clock import aware
from ..errors import ValidationError
from ..policy import Label
from . import complaints as _complaints  # noqa: F401  (registers the complaint section)
from . import lost_found as _lost_found  # noqa: F401
from . import repairs as _repairs  # noqa: F401
from . import return_visits as _return_visits  # noqa: F401
from . import visits as _visits  # noqa: F401
from .analysis import analyse
from .compute import (
    LABELS,
    SECTIONS,
    ReportContext,
    records_in,
    register_labels,
    register_section,
)
from .generic import generic_sections
from .model import Kpi, Report, Section, Table, text
from .render import FORMATS, render

if TYPE_CHECKING:
    from ..mall import Mall

__all__ = [
    "FORMATS",
    "LABELS",
    "SECTIONS",
    "Kpi",
    "Report",
    "ReportContext",
    "Section",
    "Table",
    "build_report",
    "month_period",
    "parse_period",
    "register_labels",
    "register_section",
    "render",
]

LANGS = ("zh", "en")


def _sections(ctx: ReportContext) -> list[Section]:
    """The generic and built-in sections, then each registered workflow's own
    (:attr:`mallops.plugins.Workflow.report_sections`), in registration order."""
    sections = generic_sections(ctx)
    for wf in ctx.mall.workflows:
        for section in wf.report_sections:
            got = section(ctx)
            if got is not None and (got.tables or got.kpis or got.notes):
                sections.append(got)
    return sections


def month_period(month: str, mall: Mall) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """``[first day, first day of next month)`` of ``YYYY-MM`` in the mall's timezone."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = pendulum.datetime(year, mon, 1, tz=mall.calendar.tz)
    except (ValueError, TypeError):
        raise ValidationError(f"month: {month!r} is not YYYY-MM", field="month") from None
    return start, start.add(months=1)


def parse_period(
    mall: Mall, month: str | None = None, start: str | None = None, end: str | None = None
) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The report period from a month (``YYYY-MM``) or from/to dates (``YYYY-MM-DD``,
    ``to`` inclusive); with neither, the month before the mall's current time."""
    if month is not None:
        if start is not None or end is not None:
            raise ValidationError("give a month or a date range, not both", field="month")
        return month_period(month, mall)
    if start is None and end is None:
        now = mall.now()
        first = now.start_of("month").subtract(months=1)
        return first, first.add(months=1)
    if start is None or end is None:
        raise ValidationError("a date range needs both --from and --to", field="from")
    a, b = _date(start, mall, "from"), _date(end, mall, "to").add(days=1)
    if b <= a:
        raise ValidationError(f"the range {start}..{end} is empty", field="to")
    return a, b


def _date(value: str, mall: Mall, name: str) -> pendulum.DateTime:
    try:
        d = pendulum.Date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date (YYYY-MM-DD)", field=name) from None
    return pendulum.datetime(d.year, d.month, d.day, tz=mall.calendar.tz)


def _previous(start: pendulum.DateTime, end: pendulum.DateTime) -> pendulum.DateTime:
    if start.day == 1 and start.add(months=1) == end and start.time() == end.time():
        return start.subtract(months=1)
    return start - (end - start)


def build_report(
    mall: Mall, start: pendulum.DateTime, end: pendulum.DateTime, *, lang: str = "zh"
) -> Report:
    """The report of ``mall`` for the records registered in ``[start, end)``."""
    if lang not in LANGS:
        raise ValidationError(f"lang: {lang!r} is not one of {', '.join(LANGS)}", field="lang")
    start = aware(start, field="start", tz=mall.calendar.tz)
    end = aware(end, field="end", tz=mall.calendar.tz)
    if end <= start:
        raise ValidationError("the period ends before it starts", field="end")
    now = mall.now()
    ctx = ReportContext(mall, lang, start, end, now, records_in(mall, start, end))
    sections = _sections(ctx)
    prev_start = _previous(start, end)
    prev_ctx = ReportContext(
        mall, lang, prev_start, start, now, records_in(mall, prev_start, start)
    )
    previous = _sections(prev_ctx)
    analysis = analyse(ctx, sections, previous, len(prev_ctx.records))
    last = end.subtract(seconds=1)
    period = f"{start.format('YYYY-MM-DD')} – {last.format('YYYY-MM-DD')}"
    title = text(lang, f"客服接待月报表 {period}", f"Customer-service monthly report {period}")
    return Report(
        title=title,
        property=mall.property,
        policy=mall.policy.name,
        lang=lang,
        start=start,
        end=end,
        previous_start=prev_start,
        generated_at=now,
        total=len(ctx.records),
        previous_total=len(prev_ctx.records),
        sections=tuple(sections),
        analysis=tuple(analysis),
        property_name=_display(mall.policy.properties.get(mall.property), lang, mall.property),
        policy_name=_display(mall.policy.title, lang, mall.policy.name),
    )


def _display(name: Label | None, lang: str, fallback: str) -> str:
    return fallback if name is None else (text(lang, name.zh, name.en) or fallback)
