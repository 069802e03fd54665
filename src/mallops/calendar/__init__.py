"""The business calendar: working days and working hours (rules G9, G10).

A day is a working day when the policy's holiday data for its year says so, or, for
years the policy does not list, when the region's package does (``chinese-calendar``
for the mainland: PRC statutory holidays and adjusted working days 调休, 2004 to 2026
in release 1.11; the ``holidays`` package for Hong Kong, Macau, Taiwan and Singapore).
The arithmetic methods raise :class:`~mallops.errors.CalendarError` naming a year no
source covers; timer planning instead follows the policy's ``calendar.missing_year``
rule (default ``"fallback"``: weekends off, no holidays, the timer marked provisional
and re-planned when the year's data arrives).  See docs/calendar.md.

Arithmetic (G10): a clock started outside working time counts from the next opening; a
holiday is skipped whole; several working intervals per day are allowed, different per
weekday, ending at 24:00 if need be; a deadline that exactly uses up an interval falls
at its closing time (counting backwards: at its opening time); everything is exact to
the second in the calendar's timezone, across DST changes.
"""

from __future__ import annotations

from ._calendar import MISSING_YEAR_MODES, BusinessCalendar, check_intervals
from ._coverage import Coverage
from ._coverage import spans as year_spans
from ._days import REGIONS, YearSchedule
from ._time import months_before, parse_interval, parse_span, plus_seconds, wall_seconds

__all__ = [
    "MISSING_YEAR_MODES",
    "REGIONS",
    "BusinessCalendar",
    "Coverage",
    "YearSchedule",
    "check_intervals",
    "months_before",
    "parse_interval",
    "parse_span",
    "plus_seconds",
    "wall_seconds",
    "year_spans",
]
