"""Injected time.

No mallops code reads the system clock except :class:`SystemClock`.  Everything else
receives a :class:`Clock`; tests and simulations use :class:`ManualClock`.  All times
are timezone-aware ``pendulum.DateTime`` values; naive datetimes are rejected.
"""

from __future__ import annotations

import datetime as _dt
from typing import Protocol, runtime_checkable

import pendulum

from .errors import ValidationError

__all__ = ["Before", "Clock", "ManualClock", "SystemClock", "aware"]

DEFAULT_TIMEZONE = "Asia/Shanghai"


def aware(value: object, *, field: str = "time", tz: str | None = None) -> pendulum.DateTime:
    """Return ``value`` as an aware ``pendulum.DateTime``, or raise ``ValidationError``.

    Accepts aware ``datetime`` objects and ISO 8601 strings with an offset.  A naive
    datetime (or a string without offset) is refused: mallops never guesses a timezone.
    ``tz`` converts the result into that timezone.
    """
    if (
        tz is not None
        and type(value) is pendulum.DateTime
        and value.tzinfo is not None
        and value.tzinfo is _ZONES.get(tz)
        and value.year <= 9000
    ):
        return value  # already aware in that very zone (the clock's time; issue 16)
    if isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                f"{field}: {value!r} is not an ISO 8601 datetime "
                "(expected e.g. '2026-09-30T10:00:00+08:00')",
                field=field,
            ) from None
        value = parsed
    if not isinstance(value, _dt.datetime):
        raise ValidationError(
            f"{field}: expected an aware datetime, got {type(value).__name__}", field=field
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{field}: naive datetime {value.isoformat()} refused; give a timezone "
            "(e.g. pendulum.datetime(..., tz='Asia/Shanghai'))",
            field=field,
        )
    if value.year > 9000:
        raise ValidationError(f"{field}: year {value.year} is out of range", field=field)
    result = value if isinstance(value, pendulum.DateTime) else pendulum.instance(value)
    if tz is not None:
        zone = _zone(tz)
        if result.tzinfo is not zone:
            converted: pendulum.DateTime = _dt.datetime.astimezone(result, zone)
            result = converted
    return result


_ZONES: dict[str, pendulum.Timezone | pendulum.FixedTimezone] = {}


_MARGIN = _dt.timedelta(days=2)  # more than any timezone's change of UTC offset (26 h)


class Before:
    """``before(when)``: whether the aware time ``when`` is before ``now``, exactly as
    ``when < now``, for the many times a report compares with one ``now`` (issue 16).

    Comparing two aware times of different ``tzinfo`` objects asks both timezones for
    their offset, and pendulum's timezones answer in Python (about a microsecond per
    comparison).  Two times of the *same* ``tzinfo`` compare by wall time, without
    asking: a time whose wall time is more than two days from ``now``'s (in its own
    timezone) is decided that way, since no timezone's offset changes by that much; the
    few closer ones compare as instants.
    """

    def __init__(self, now: _dt.datetime) -> None:
        self.now = now
        self._bounds: dict[_dt.tzinfo, tuple[_dt.datetime, _dt.datetime]] = {}
        self.first: tuple[_dt.tzinfo | None, _dt.datetime, _dt.datetime] = (None, now, now)
        """``(tzinfo, low, high)`` of the first timezone asked about, for a caller's hot
        loop: a time of that ``tzinfo`` below ``low`` is before ``now``, above ``high``
        not, and between them the call decides."""

    def __call__(self, when: _dt.datetime) -> bool:
        tz = when.tzinfo
        if tz is None:
            return when < self.now  # naive: refused as by ``<``
        bounds = self._bounds.get(tz)
        if bounds is None:
            local = self.now.astimezone(tz)
            wall = _dt.datetime(*local.timetuple()[:6], local.microsecond)
            lo, hi = (wall - _MARGIN).replace(tzinfo=tz), (wall + _MARGIN).replace(tzinfo=tz)
            bounds = self._bounds[tz] = (lo, hi)
            if self.first[0] is None:
                self.first = (tz, lo, hi)
        if when < bounds[0]:
            return True
        if when > bounds[1]:
            return False
        return when < self.now


def _zone(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = pendulum.timezone(name)
    return zone


@runtime_checkable
class Clock(Protocol):
    """Something that tells the current time as an aware datetime."""

    def now(self) -> pendulum.DateTime:
        """The current time."""
        ...


class SystemClock:
    """The real time, in the mall's timezone.  The only place mallops reads the system clock."""

    def __init__(self, tz: str = DEFAULT_TIMEZONE) -> None:
        self.tz = tz

    def now(self) -> pendulum.DateTime:
        """The current wall-clock time in ``tz``."""
        return pendulum.now(self.tz)

    def __repr__(self) -> str:
        return f"SystemClock(tz={self.tz!r})"


class ManualClock:
    """A clock that moves only when told to: for tests and simulations.

    >>> import pendulum
    >>> c = ManualClock(pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai"))
    >>> c.advance(hours=3).isoformat()
    '2026-09-30T13:00:00+08:00'
    """

    def __init__(self, start: _dt.datetime | str) -> None:
        self._now = aware(start, field="start")

    def now(self) -> pendulum.DateTime:
        """The time the clock was last set or advanced to."""
        return self._now

    def set(self, when: _dt.datetime | str) -> pendulum.DateTime:
        """Jump to ``when``; moving backwards is refused (timers never run backwards)."""
        target = aware(when, field="when")
        if target < self._now:
            raise ValidationError(
                f"when: {target.isoformat()} is before the clock's current time "
                f"{self._now.isoformat()}; a ManualClock only moves forward",
                field="when",
            )
        self._now = target
        return self._now

    def advance(
        self,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> pendulum.DateTime:
        """Move forward by the given wall-clock amount and return the new time."""
        delta = _dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if delta < _dt.timedelta(0):
            raise ValidationError("advance: a ManualClock only moves forward", field="advance")
        self._now = self._now + delta
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()!r})"
