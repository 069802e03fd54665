"""Exact instant arithmetic and working-interval parsing (G10).

pendulum's own operators build Interval/Duration objects (7-14 us each); the stdlib
operators do the same arithmetic in well under a microsecond and still return
pendulum.DateTime for pendulum operands.  The hot paths use these.

The stdlib operators are *wall-clock* arithmetic when both operands share a tzinfo
(``datetime + timedelta`` moves the local time; ``a - b`` subtracts local times), which
is one hour off across a DST change.  :func:`wall_seconds` and :func:`plus_seconds`
correct for the UTC offset in zones that have DST (one cached dict lookup decides), and
take the slower UTC round trip only when the offset really changed; a zone without DST
(Asia/Shanghai today, fixed offsets) keeps the plain stdlib arithmetic.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Sequence

import pendulum

from ..errors import ValidationError

__all__ = [
    "check_intervals",
    "has_dst",
    "localize",
    "months_before",
    "parse_interval",
    "parse_span",
    "plain_seconds",
    "plus_seconds",
    "wall_seconds",
]

_sub = _dt.datetime.__sub__
_add = _dt.datetime.__add__
_astz = _dt.datetime.astimezone
_UTC = _dt.UTC
DAY = 86400
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


_SHIFTS: dict[int, tuple[_dt.tzinfo, bool]] = {}  # id(zone) -> (zone, has DST): O(1), no __hash__


def has_dst(tz: _dt.tzinfo) -> bool:
    """Whether ``tz`` changes its UTC offset in 2000-2060 (cached per zone object).  A zone
    that does not (Asia/Shanghai, fixed offsets) takes the plain stdlib arithmetic."""
    hit = _SHIFTS.get(id(tz))
    if hit is not None and hit[0] is tz:
        return hit[1]
    known = any(
        _dt.datetime(year, 1, 15, 12, tzinfo=tz).utcoffset()
        != _dt.datetime(year, 7, 15, 12, tzinfo=tz).utcoffset()
        for year in range(2000, 2061)
    )
    _SHIFTS[id(tz)] = (tz, known)  # the zone is kept alive, so its id is never reused
    return known


def wall_seconds(start: _dt.datetime, end: _dt.datetime) -> int:
    """Whole real seconds from ``start`` to ``end`` (negative if ``end`` is earlier),
    exact across DST changes."""
    delta: _dt.timedelta = _sub(end, start)
    tz = start.tzinfo
    if tz is not None and tz is end.tzinfo and has_dst(tz):
        shift = end.utcoffset() - start.utcoffset()  # type: ignore[operator]
        if shift:
            delta = delta - shift
    return delta.days * 86400 + delta.seconds


def localize(moment: _dt.datetime, tz: _dt.tzinfo) -> pendulum.DateTime:
    """``moment`` as a pendulum DateTime in ``tz`` (fold set in a repeated hour).

    The conversion runs on a plain stdlib datetime: ``ZoneInfo.fromutc`` adds offsets
    with the operand's own ``+``, and pendulum's wall-clock ``+`` puts instants near a
    DST change an hour off."""
    plain = _dt.datetime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        tzinfo=moment.tzinfo,
        fold=moment.fold,
    )
    local = _astz(plain, tz)
    return pendulum.DateTime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=tz,
        fold=local.fold,
    )


def plus_seconds(start: pendulum.DateTime, seconds: int) -> pendulum.DateTime:
    """``start`` plus ``seconds`` real seconds (``"72h"`` is 72 real hours, also across a
    DST change), as a pendulum DateTime in ``start``'s timezone."""
    step = _dt.timedelta(seconds=seconds)
    result: pendulum.DateTime = _add(start, step)
    tz = start.tzinfo
    if tz is None or not has_dst(tz):
        return result
    if result.utcoffset() == start.utcoffset():
        return result
    return localize(_add(_astz(start, _UTC), step), tz)


def months_before(at: pendulum.DateTime, months: int) -> pendulum.DateTime:
    """``at.subtract(months=months)``, the same instant to the microsecond: the same
    local time ``months`` calendar months earlier, the day clamped to the month's last.

    In a zone without DST (Asia/Shanghai, fixed offsets) the local time keeps its UTC
    offset, so the stdlib's wall-clock ``-`` of the whole days between the two dates is
    exact (about 1 us against pendulum's 15-25 us, issue 16: the C9 window start of
    every ``open()``); a zone with DST takes pendulum's own arithmetic."""
    tz = at.tzinfo
    if tz is None or has_dst(tz):
        result: pendulum.DateTime = at.subtract(months=months)
        return result
    year, month0 = divmod(at.year * 12 + at.month - 1 - months, 12)
    month = month0 + 1
    day = at.day
    if day > 28:
        day = min(day, _month_days(year, month))
    days = (_dt.date(at.year, at.month, at.day) - _dt.date(year, month, day)).days
    moved: pendulum.DateTime = _sub(at, _dt.timedelta(days=days))
    return moved


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _clock(text: str, whole: str, *, end: bool) -> int:
    m = _HHMM.match(text)
    if m is None:
        raise ValueError(whole)
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise ValueError(whole)
    return hours * 3600 + minutes * 60


def parse_span(text: str) -> tuple[int, int]:
    """Parse ``"09:00-12:00"`` (or ``"18:00-24:00"``: an interval may end at midnight)
    into seconds after midnight, start < end."""
    if not isinstance(text, str):
        raise ValidationError(
            f"{text!r} is not a working interval; write 'HH:MM-HH:MM', e.g. '09:00-12:00'"
        )
    try:
        start_s, end_s = text.split("-")
        start = _clock(start_s, text, end=False)
        end = _clock(end_s, text, end=True)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a working interval; write 'HH:MM-HH:MM' (00:00 to 24:00), "
            "e.g. '09:00-12:00' or '18:00-24:00'"
        ) from None
    if not start < end:
        raise ValidationError(f"{text!r}: an interval must end after it starts, within one day")
    return start, end


def parse_interval(text: str) -> tuple[_dt.time, _dt.time]:
    """Parse ``"09:00-12:00"`` into a pair of times (start < end, both before 24:00)."""
    start, end = parse_span(text)
    if end == DAY:
        raise ValidationError(f"{text!r}: write an end before 24:00 here (e.g. 23:59)")
    return _dt.time(start // 3600, start % 3600 // 60), _dt.time(end // 3600, end % 3600 // 60)


def plain_seconds(start: _dt.datetime, end: _dt.datetime) -> int:
    """Seconds between instants of a zone without DST (stdlib subtraction is exact)."""
    delta: _dt.timedelta = _sub(end, start)
    return delta.days * 86400 + delta.seconds


def check_intervals(texts: Sequence[str], what: str) -> tuple[tuple[int, int], ...]:
    """``"HH:MM-HH:MM"`` intervals as seconds after midnight, in order and not
    overlapping; ``ValidationError`` naming ``what`` otherwise."""
    parsed = tuple(parse_span(t) for t in texts)
    for (_, end), (start, _) in itertools.pairwise(parsed):
        if start < end:
            raise ValidationError(f"{what}: intervals must be in order and must not overlap")
    return parsed
