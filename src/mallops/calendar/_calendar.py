"""The :class:`BusinessCalendar`: working time in one timezone (G9, G10)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

import pendulum

from ..duration import Duration
from ..errors import CalendarError, ValidationError
from ._coverage import Coverage, coverage_of
from ._days import DaySource, YearSchedule
from ._time import (
    DAY,
    check_intervals,
    has_dst,
    localize,
    plain_seconds,
    plus_seconds,
    wall_seconds,
)

__all__ = ["MISSING_YEAR_MODES", "BusinessCalendar", "check_intervals"]

MISSING_YEAR_MODES = ("fallback", "refuse")
_MAX_SCAN_DAYS = 3 * 366
_UTC = _dt.UTC
_astz = _dt.datetime.astimezone
_ONE_DAY = _dt.timedelta(days=1)
Span = tuple[pendulum.DateTime, pendulum.DateTime]
_R = TypeVar("_R")
_sub = _dt.datetime.__sub__
_add = _dt.datetime.__add__
_SLIDES_KEPT = 256  # deadlines remembered per calendar: one per timer mark of the policy
# (start, deadline, end of the start's span, room after the deadline in its span, whole
# seconds from the start to its span's end, or -1 when the deadline is in that span)
_Slide = tuple[pendulum.DateTime, pendulum.DateTime, pendulum.DateTime, _dt.timedelta, int]


class BusinessCalendar:
    """Working time in one timezone.

    ``intervals`` are the working periods of a working day, in order and not
    overlapping (``"HH:MM-HH:MM"``; an interval may end at ``24:00``); ``weekly`` gives
    other intervals for some ISO weekdays (1 = Monday ... 7 = Sunday; an empty list = no
    working time that day).  ``years`` gives holiday data per year and wins over the
    region's package (``region`` ``CN`` = chinese-calendar, ``HK``/``MO``/``TW``/``SG`` =
    the ``holidays`` package); ``builtin`` switches the package off; ``weekend`` lists
    the rest weekdays of years the policy gives and of regional years.

    ``missing_year`` says what timer planning does with a year no source covers:
    ``"refuse"`` raises :class:`~mallops.errors.CalendarError`; ``"fallback"`` plans
    under the fallback rule (weekends off, no holidays) and the timer is marked
    provisional.  The arithmetic methods themselves always refuse, except on the
    :meth:`lenient` twin.  ``trading`` is another calendar (trading hours, R10) that
    timers with basis ``"trading"`` run on.
    """

    def __init__(
        self,
        *,
        tz: str = "Asia/Shanghai",
        intervals: Sequence[str] = ("09:00-12:00", "13:00-18:00"),
        years: Mapping[int, YearSchedule] | None = None,
        builtin: bool = True,
        weekend: Sequence[int] = (6, 7),
        weekly: Mapping[int, Sequence[str]] | None = None,
        region: str = "CN",
        missing_year: str = "refuse",
        trading: BusinessCalendar | None = None,
        _days: DaySource | None = None,
        _lenient: bool = False,
    ) -> None:
        if missing_year not in MISSING_YEAR_MODES:
            raise ValidationError(
                f"missing_year {missing_year!r} is not one of {', '.join(MISSING_YEAR_MODES)}"
            )
        self.tz = tz
        self._tzinfo = pendulum.timezone(tz)
        self._dst = has_dst(self._tzinfo)
        self._gap = wall_seconds if self._dst else plain_seconds
        default = check_intervals(intervals, "working hours")
        if not default:
            raise ValidationError("a business calendar needs at least one working interval")
        week: dict[int, tuple[tuple[int, int], ...]] = dict.fromkeys(range(1, 8), default)
        for weekday, texts in (weekly or {}).items():
            if not isinstance(weekday, int) or not 1 <= weekday <= 7:
                raise ValidationError(f"weekly hours: weekday {weekday!r} is not 1..7 (ISO)")
            week[weekday] = check_intervals(texts, f"weekly hours of weekday {weekday}")
        self._week = week
        self._source_args = (intervals, years, builtin, weekend, weekly, region, missing_year)
        self._days = _days or DaySource(
            region=region, years=dict(years or {}), builtin=builtin, weekend=frozenset(weekend)
        )
        self.region = region
        self.missing_year = missing_year
        self.trading = trading
        self.is_lenient = _lenient
        self._twin: BusinessCalendar | None = None
        self._cache: dict[_dt.date, bool] = {}
        self._day_spans: dict[_dt.date, tuple[Span, ...]] = {}
        self._totals: dict[_dt.date, int] = {}  # working seconds of a day's spans
        self._slides: dict[int, _Slide] = {}  # seconds -> the last such deadline
        self.working_day_seconds = sum(e - s for s, e in default)

    # -- coverage -------------------------------------------------------------------------

    def covered_years(self) -> tuple[int, ...]:
        """Every year this calendar has holiday data for (policy or package)."""
        return tuple(sorted(self._days.covered))

    def covers(self, year: int) -> bool:
        """Whether holiday data for ``year`` exists."""
        return self._days.covers(year)

    def missing_years(self, start: _dt.datetime, end: _dt.datetime) -> tuple[int, ...]:
        """Years between the local dates of ``start`` and ``end`` without holiday data."""
        lo, hi = sorted((_astz(start, self._tzinfo).year, _astz(end, self._tzinfo).year))
        covers = self._days.covers
        return tuple(y for y in range(lo, hi + 1) if not covers(y))

    def coverage(self, today: _dt.date, *, warn_days: int = 60) -> Coverage:
        """Which years are covered and when the data runs out, seen from ``today``."""
        return coverage_of(
            self._days.covered,
            self._days.policy_years(),
            self.region,
            today,
            warn_days,
            unbounded=self._days.unbounded,
        )

    def lenient(self) -> BusinessCalendar:
        """The same calendar answering missing years by the fallback rule (weekends off,
        no holidays) instead of raising; used for provisional timer plans."""
        if self.is_lenient:
            return self
        if self._twin is None:
            intervals, years, builtin, weekend, weekly, region, mode = self._source_args
            self._twin = BusinessCalendar(
                tz=self.tz,
                intervals=intervals,
                years=years,
                builtin=builtin,
                weekend=weekend,
                weekly=weekly,
                region=region,
                missing_year=mode,
                trading=self.trading.lenient() if self.trading is not None else None,
                _days=self._days,
                _lenient=True,
            )
        return self._twin

    def planned(self, compute: Callable[[BusinessCalendar], _R]) -> tuple[_R, int | None]:
        """``compute(self)`` and ``None``, or, when it needs a year no source covers and
        ``missing_year`` is ``"fallback"``, ``compute`` on the :meth:`lenient` twin and
        the first missing year: a provisional result (G9) that the caller marks and
        re-plans once the data arrives.  Under ``"refuse"`` the ``CalendarError``
        propagates.  Workflows use it for every calendar arithmetic done outside the
        timers (a retention end, a retry time, a visit plan), so that missing holiday
        data never refuses intake nor fails a timer."""
        try:
            return compute(self), None
        except CalendarError as exc:
            if self.missing_year != "fallback" or exc.year is None:
                raise
            return compute(self.lenient()), exc.year

    # -- days and intervals ---------------------------------------------------------------

    def is_working_day(self, day: _dt.date) -> bool:
        """Whether ``day`` is a working day (adjusted working days 调休 count as working)."""
        hit = self._cache.get(day)
        if hit is not None:
            return hit
        result = self._days.answer(day)
        if result is None:
            if not self.is_lenient:
                raise self._days.missing(day)
            result = self._days.fallback(day)
        self._cache[day] = result
        return result

    def _spans_of(self, day: _dt.date) -> tuple[Span, ...]:
        spans = self._day_spans.get(day)
        if spans is None:
            if not self.is_working_day(day):
                spans = ()
            else:
                midnight = _dt.datetime(day.year, day.month, day.day)
                spans = tuple(
                    (
                        pendulum.instance(midnight + _dt.timedelta(seconds=s), tz=self._tzinfo),
                        pendulum.instance(midnight + _dt.timedelta(seconds=e), tz=self._tzinfo)
                        if e < DAY
                        else pendulum.instance(midnight + _ONE_DAY, tz=self._tzinfo),
                    )
                    for s, e in self._week[day.isoweekday()]
                )
            self._day_spans[day] = spans
        return spans

    def _norm(self, when: pendulum.DateTime) -> pendulum.DateTime:
        """``when`` compared exactly: via UTC in a zone with DST."""
        if self._dst:
            utc: pendulum.DateTime = _astz(when, _UTC)
            return utc
        return when

    def _out(self, result: pendulum.DateTime, like: _dt.datetime) -> pendulum.DateTime:
        """A result computed via UTC (:meth:`_norm`) back in the caller's timezone."""
        tz = like.tzinfo
        if result.tzinfo is not _UTC or tz is _UTC or tz is None:
            return result
        return localize(result, tz)

    def _local_day(self, when: _dt.datetime) -> _dt.date:
        local = _astz(when, self._tzinfo)
        return _dt.date(local.year, local.month, local.day)

    def _forward(self, when: pendulum.DateTime) -> Iterator[Span]:
        day = self._local_day(when)
        for _ in range(_MAX_SCAN_DAYS):
            for start, end in self._spans_of(day):
                if end > when:
                    yield (start if start > when else when), end
            day = day + _ONE_DAY
        raise CalendarError(f"no working time within {_MAX_SCAN_DAYS} days after {when}")

    def _backward(self, when: pendulum.DateTime) -> Iterator[Span]:
        day = self._local_day(when)
        for _ in range(_MAX_SCAN_DAYS):
            for start, end in reversed(self._spans_of(day)):
                if start < when:
                    yield start, (end if end < when else when)
            day = day - _ONE_DAY
        raise CalendarError(f"no working time within {_MAX_SCAN_DAYS} days before {when}")

    def is_working_time(self, when: pendulum.DateTime) -> bool:
        """Whether ``when`` falls inside a working interval of a working day."""
        at = self._norm(when)
        return any(s <= at < e for s, e in self._spans_of(self._local_day(at)))

    def next_working_time(self, when: pendulum.DateTime) -> pendulum.DateTime:
        """``when`` itself if it is working time, else the next opening."""
        for start, _ in self._forward(self._norm(when)):
            return self._out(start, when)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- arithmetic -----------------------------------------------------------------------

    def add_working_seconds(self, start: pendulum.DateTime, seconds: int) -> pendulum.DateTime:
        """The instant ``seconds`` of working time after ``start`` (G10: exact fills end at
        the interval's closing time, never at the next opening).  Negative ``seconds``
        count backwards (:meth:`subtract_working_seconds`)."""
        if seconds <= 0:
            return self.subtract_working_seconds(start, -seconds) if seconds else start
        if not self._dst:  # issue 16: the deadline of an earlier start in the same span,
            # its own span still holding it, moves by the working seconds the start moved
            # (exact to the microsecond without DST; an exact fill still ends at a close)
            slide = self._slides.get(seconds)
            if slide is not None and slide[0].tzinfo is start.tzinfo:
                before, due, first_end, room, whole = slide
                if before <= start < first_end:
                    # a deadline in the start's own span moves by the start's move; a
                    # later one by the whole seconds the first span lost (as below)
                    moved: _dt.timedelta = (
                        _sub(start, before)
                        if whole < 0
                        else _dt.timedelta(seconds=whole - plain_seconds(start, first_end))
                    )
                    if moved <= room:
                        slid: pendulum.DateTime = _add(due, moved)
                        return slid
        remaining = seconds
        gap = self._gap
        at = self._norm(start) if self._dst else start
        day = self._local_day(at)
        opened = False  # whether ``at`` is inside a span (its deadline then slides with it)
        first_end = at
        for _ in range(_MAX_SCAN_DAYS):  # the spans of _forward, a whole day at a time
            spans = self._spans_of(day)
            if spans and spans[0][0] >= at:
                if first_end is at and spans[0][0] == at:  # started at an opening time
                    first_end, opened = spans[0][1], True
                total = self._totals.get(day)
                if total is None:
                    total = self._totals[day] = sum(gap(b, e) for b, e in spans)
                if remaining > total:  # the deadline is on a later day (issue 16)
                    remaining -= total
                    day = day + _ONE_DAY
                    continue
            for begin, end in spans:
                if end > at:
                    if first_end is at:
                        first_end, opened = end, begin <= at
                    available = gap(begin if begin > at else at, end)
                    if remaining <= available:
                        due = plus_seconds(begin if begin > at else at, remaining)
                        if self._dst:
                            return self._out(due, start)
                        if opened:  # remembered: a later start in its span slides it
                            if len(self._slides) >= _SLIDES_KEPT:
                                self._slides.clear()
                            whole = -1 if end is first_end else plain_seconds(start, first_end)
                            self._slides[seconds] = (start, due, first_end, _sub(end, due), whole)
                        return due
                    remaining -= available
            day = day + _ONE_DAY
        raise CalendarError(f"no working time within {_MAX_SCAN_DAYS} days after {at}")

    def subtract_working_seconds(self, end: pendulum.DateTime, seconds: int) -> pendulum.DateTime:
        """The latest instant with ``seconds`` of working time between it and ``end``
        ("N working hours before T", O4).  Mirror of G10: an exact fill lands at the
        interval's opening time, never at the previous closing."""
        if seconds <= 0:
            return self.add_working_seconds(end, -seconds) if seconds else end
        remaining = seconds
        gap = self._gap
        for begin, close in self._backward(self._norm(end) if self._dst else end):
            available = gap(begin, close)
            if remaining <= available:
                due = plus_seconds(close, -remaining)
                return self._out(due, end) if self._dst else due
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def working_seconds_between(self, start: pendulum.DateTime, end: pendulum.DateTime) -> int:
        """Working seconds in ``[start, end)``; 0 if ``end`` is not after ``start``."""
        begin_at, end_at = (self._norm(start), self._norm(end)) if self._dst else (start, end)
        if end_at <= begin_at:
            return 0
        total = 0
        gap = self._gap
        for begin, close in self._forward(begin_at):
            if begin >= end_at:
                break
            total += gap(begin, close if close < end_at else end_at)
        return total

    def working_time_between(self, a: pendulum.DateTime, b: pendulum.DateTime) -> int:
        """Signed working seconds from ``a`` to ``b`` (negative when ``b`` is earlier)."""
        if b >= a:
            return self.working_seconds_between(a, b)
        return -self.working_seconds_between(b, a)

    def to_seconds(self, duration: Duration) -> int:
        """A wall or working duration in seconds of its own basis (a working day is the
        length of the default ``intervals``)."""
        return duration.seconds(self.working_day_seconds)

    def add(self, start: pendulum.DateTime, duration: Duration) -> pendulum.DateTime:
        """``start`` plus ``duration`` in the duration's basis (wall, working or calendar)."""
        if duration.basis == "calendar":
            return start.in_timezone(self._tzinfo).add(months=duration.amount)
        return self.shift(start, self.to_seconds(duration), duration.basis)

    def subtract(self, end: pendulum.DateTime, duration: Duration) -> pendulum.DateTime:
        """``end`` minus ``duration``: "4 working days before the cut" (O4), "72 h before"."""
        if duration.basis == "calendar":
            return end.in_timezone(self._tzinfo).subtract(months=duration.amount)
        return self.shift(end, -self.to_seconds(duration), duration.basis)

    def _basis(self, basis: str) -> BusinessCalendar:
        if basis == "trading":
            if self.trading is None:
                raise ValidationError("basis 'trading' needs calendar.trading_hours in the policy")
            return self.trading
        return self

    def shift(self, start: pendulum.DateTime, seconds: int, basis: str) -> pendulum.DateTime:
        """``start`` plus ``seconds`` (may be negative) counted in ``basis``: ``wall`` (real
        seconds), ``working`` (working hours) or ``trading`` (trading hours)."""
        if basis == "wall":
            return plus_seconds(start, seconds)
        return self._basis(basis).add_working_seconds(start, seconds)

    def elapsed(self, start: pendulum.DateTime, end: pendulum.DateTime, basis: str) -> int:
        """Seconds between two instants counted in ``basis`` (never negative)."""
        if basis == "wall":
            return max(0, wall_seconds(start, end))
        return self._basis(basis).working_seconds_between(start, end)

    def __repr__(self) -> str:
        spans = ", ".join(
            f"{s // 3600:02d}:{s % 3600 // 60:02d}-{e // 3600:02d}:{e % 3600 // 60:02d}"
            for s, e in self._week[1]
        )
        return f"BusinessCalendar(tz={self.tz!r}, region={self.region!r}, intervals=[{spans}])"
