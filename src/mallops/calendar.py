"""The business calendar: working days and working hours (rules G9, G10).

A day is a working day when the policy's holiday data for its year says so, or, for
years the policy does not list, when the ``chinese-calendar`` package does (it covers
2004 to 2026, PRC statutory holidays and adjusted working days 调休).  A year neither
knows raises :class:`~mallops.errors.CalendarError` naming the year: mallops never
guesses a date.

Arithmetic (G10): a clock started outside working time counts from the next opening; a
holiday is skipped whole; several working intervals per day are allowed; a deadline
that exactly uses up an interval falls at its closing time; everything is exact to the
second in the calendar's timezone.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterator, Mapping, Sequence

import attrs
import pendulum

from .duration import Duration
from .errors import CalendarError, ValidationError

__all__ = ["BusinessCalendar", "YearSchedule"]

_MAX_SCAN_DAYS = 3 * 366

# pendulum's own operators build Interval/Duration objects (7-14 us each); the stdlib
# operators do the same arithmetic in well under a microsecond and still return
# pendulum.DateTime for pendulum operands.  The hot paths use these.
_sub = _dt.datetime.__sub__
_add = _dt.datetime.__add__
_astz = _dt.datetime.astimezone


def wall_seconds(start: _dt.datetime, end: _dt.datetime) -> int:
    """Whole seconds from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    delta: _dt.timedelta = _sub(end, start)
    return delta.days * 86400 + delta.seconds


def plus_seconds(start: pendulum.DateTime, seconds: int) -> pendulum.DateTime:
    """``start`` plus ``seconds`` of wall time, as a pendulum DateTime."""
    result: pendulum.DateTime = _add(start, _dt.timedelta(seconds=seconds))
    return result


@attrs.frozen
class YearSchedule:
    """One year's announced holidays and adjusted working days (调休)."""

    holidays: tuple[_dt.date, ...] = ()
    workdays: tuple[_dt.date, ...] = ()


def _builtin_is_working(day: _dt.date) -> bool | None:
    """What chinese-calendar says, or ``None`` outside the years it covers."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def _builtin_years() -> tuple[int, int]:
    from chinese_calendar import constants

    years = [d.year for d in constants.holidays]
    return min(years), max(years)


def parse_interval(text: str) -> tuple[_dt.time, _dt.time]:
    """Parse ``"09:00-12:00"`` into a pair of times (start < end)."""
    try:
        start_s, end_s = (part.strip() for part in text.split("-"))
        start = _dt.time.fromisoformat(start_s)
        end = _dt.time.fromisoformat(end_s)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a working interval; write 'HH:MM-HH:MM', e.g. '09:00-12:00'"
        ) from None
    if not start < end:
        raise ValidationError(f"{text!r}: an interval must end after it starts, within one day")
    return start, end


class BusinessCalendar:
    """Working time in one timezone.

    ``intervals`` are the working periods of every working day, in order and not
    overlapping.  ``years`` gives holiday data per year and takes precedence over the
    built-in data; ``builtin`` switches the chinese-calendar package on or off;
    ``weekend`` lists the ISO weekdays (6 = Saturday, 7 = Sunday) that are rest days
    in a year given by the policy.
    """

    def __init__(
        self,
        *,
        tz: str = "Asia/Shanghai",
        intervals: Sequence[str] = ("09:00-12:00", "13:00-18:00"),
        years: Mapping[int, YearSchedule] | None = None,
        builtin: bool = True,
        weekend: Sequence[int] = (6, 7),
    ) -> None:
        self.tz = tz
        self._tzinfo = pendulum.timezone(tz)
        parsed = [parse_interval(i) for i in intervals]
        if not parsed:
            raise ValidationError("a business calendar needs at least one working interval")
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise ValidationError("working intervals must be in order and must not overlap")
        self._intervals = tuple(parsed)
        self._years = dict(years or {})
        self._builtin = builtin
        self._weekend = frozenset(weekend)
        self._cache: dict[_dt.date, bool] = {}
        self._spans: dict[_dt.date, tuple[tuple[pendulum.DateTime, pendulum.DateTime], ...]] = {}
        self.working_day_seconds = sum(
            (_dt.datetime.combine(_dt.date.min, e) - _dt.datetime.combine(_dt.date.min, s)).seconds
            for s, e in parsed
        )

    def covered_years(self) -> tuple[int, ...]:
        """Every year this calendar can answer for."""
        years = set(self._years)
        if self._builtin:
            lo, hi = _builtin_years()
            years.update(range(lo, hi + 1))
        return tuple(sorted(years))

    def is_working_day(self, day: _dt.date) -> bool:
        """Whether ``day`` is a working day (adjusted working days 调休 count as working)."""
        hit = self._cache.get(day)
        if hit is not None:
            return hit
        schedule = self._years.get(day.year)
        result: bool | None
        if schedule is not None:
            if day in schedule.workdays:
                result = True
            elif day in schedule.holidays:
                result = False
            else:
                result = day.isoweekday() not in self._weekend
        elif self._builtin:
            result = _builtin_is_working(day)
        else:
            result = None
        if result is None:
            covered = self.covered_years()
            span = f"{covered[0]}-{covered[-1]}" if covered else "none"
            raise CalendarError(
                f"no holiday data for {day.year} (needed for {day.isoformat()}); years covered: "
                f"{span}. Add [calendar.years.{day.year}] with its holidays and adjusted "
                "working days to the policy",
                year=day.year,
            )
        self._cache[day] = result
        return result

    def _day_intervals(
        self, day: _dt.date
    ) -> tuple[tuple[pendulum.DateTime, pendulum.DateTime], ...]:
        spans = self._spans.get(day)
        if spans is None:
            if not self.is_working_day(day):
                spans = ()
            else:
                spans = tuple(
                    (
                        pendulum.instance(_dt.datetime.combine(day, s), tz=self._tzinfo),
                        pendulum.instance(_dt.datetime.combine(day, e), tz=self._tzinfo),
                    )
                    for s, e in self._intervals
                )
            self._spans[day] = spans
        return spans

    def _intervals_from(
        self, when: pendulum.DateTime
    ) -> Iterator[tuple[pendulum.DateTime, pendulum.DateTime]]:
        local = _astz(when, self._tzinfo)
        day = _dt.date(local.year, local.month, local.day)  # a stdlib date: fast to step
        one = _dt.timedelta(days=1)
        for _ in range(_MAX_SCAN_DAYS):
            for start, end in self._day_intervals(day):
                if end > when:
                    yield (start if start > when else when), end
            day = day + one
        raise CalendarError(  # pragma: no cover - a policy always has working days
            f"no working time within {_MAX_SCAN_DAYS} days after {when.isoformat()}"
        )

    def is_working_time(self, when: pendulum.DateTime) -> bool:
        """Whether ``when`` falls inside a working interval of a working day."""
        local = _astz(when, self._tzinfo)
        day = _dt.date(local.year, local.month, local.day)
        return any(s <= when < e for s, e in self._day_intervals(day))

    def next_working_time(self, when: pendulum.DateTime) -> pendulum.DateTime:
        """``when`` itself if it is working time, else the next opening."""
        for start, _ in self._intervals_from(when):
            return start
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_seconds(self, start: pendulum.DateTime, seconds: int) -> pendulum.DateTime:
        """The instant ``seconds`` of working time after ``start`` (G10: exact fills end at
        the interval's closing time, never at the next opening)."""
        if seconds <= 0:
            return start
        remaining = seconds
        for begin, end in self._intervals_from(start):
            available = wall_seconds(begin, end)
            if remaining <= available:
                return plus_seconds(begin, remaining)
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def working_seconds_between(self, start: pendulum.DateTime, end: pendulum.DateTime) -> int:
        """Working seconds in ``[start, end)``; 0 if ``end`` is not after ``start``."""
        if end <= start:
            return 0
        total = 0
        for begin, close in self._intervals_from(start):
            if begin >= end:
                break
            total += wall_seconds(begin, close if close < end else end)
        return total

    def to_seconds(self, duration: Duration) -> int:
        """A wall or working duration in seconds of its own basis."""
        return duration.seconds(self.working_day_seconds)

    def add(self, start: pendulum.DateTime, duration: Duration) -> pendulum.DateTime:
        """``start`` plus ``duration`` in the duration's basis (wall, working or calendar)."""
        if duration.basis == "calendar":
            return start.in_timezone(self._tzinfo).add(months=duration.amount)
        seconds = self.to_seconds(duration)
        return self.shift(start, seconds, duration.basis)

    def shift(self, start: pendulum.DateTime, seconds: int, basis: str) -> pendulum.DateTime:
        """``start`` plus ``seconds`` counted in ``basis`` (``wall`` or ``working``)."""
        if basis == "working":
            return self.add_working_seconds(start, seconds)
        return plus_seconds(start, seconds)

    def elapsed(self, start: pendulum.DateTime, end: pendulum.DateTime, basis: str) -> int:
        """Seconds between two instants counted in ``basis`` (never negative)."""
        if basis == "working":
            return self.working_seconds_between(start, end)
        return max(0, wall_seconds(start, end))

    def __repr__(self) -> str:
        spans = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self._intervals)
        return f"BusinessCalendar(tz={self.tz!r}, intervals=[{spans}])"
