"""The annual visit plan as pure arithmetic (rules V1, V2): how many visits a tenant needs
in a year, and where they go — spread evenly over the months the lease covers, on
working days, inside visiting hours and, for trades that have them, outside meal peaks.

Nothing here reads or writes records; :class:`~mallops.workflows.visits.VisitService`
turns a :func:`layout` into visit records.
"""

from __future__ import annotations

import calendar as calendar_mod
import datetime as _dt
import math
import zlib
from typing import TYPE_CHECKING

import attrs

from ..calendar import BusinessCalendar
from ..errors import ValidationError

if TYPE_CHECKING:
    from ..policy.visits import VisitPolicy

__all__ = [
    "Slot",
    "VisitHours",
    "layout",
    "lease_days",
    "phases",
    "plan_slots",
    "required_visits",
]

_Interval = tuple[_dt.time, _dt.time]


def _sec(t: _dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _fmt(intervals: tuple[_Interval, ...]) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in intervals)


@attrs.frozen
class VisitHours:
    """When on a working day a visit of a given trade may start (V2)."""

    visiting: tuple[_Interval, ...]
    peaks: tuple[_Interval, ...]
    length: int
    peak_trades: frozenset[str]
    labels: dict[str, str] = attrs.field(eq=False)

    @classmethod
    def of(cls, policy: VisitPolicy) -> VisitHours:
        """The visiting hours, meal peaks and slot length of ``policy``."""
        from ..policy.visits import parse_intervals

        return cls(
            parse_intervals(policy.visiting_hours, "visiting_hours"),
            parse_intervals(policy.meal_peaks, "meal_peaks"),
            policy.visit_length.seconds(),
            frozenset(n for n, t in policy.trades.items() if t.meal_peaks),
            {n: t.en for n, t in policy.trades.items()},
        )

    def problem(self, trade: str, when: _dt.time) -> str | None:
        """Why a visit of ``trade`` may not start at ``when`` (``None`` if it may)."""
        start = _sec(when)
        end = start + self.length
        if trade in self.peak_trades:  # rule V2: never during meal peaks
            for a, b in self.peaks:
                if start < _sec(b) and _sec(a) < end:
                    return (
                        f"{self.labels.get(trade, trade)} tenants are never visited during meal "
                        f"peaks (V2): a {self.length // 60}-minute visit at {when:%H:%M} meets "
                        f"the peak {a:%H:%M}-{b:%H:%M}; choose a time outside {_fmt(self.peaks)}"
                    )
        if not any(_sec(a) <= start and end <= _sec(b) for a, b in self.visiting):
            return (
                f"a {self.length // 60}-minute visit at {when:%H:%M} is outside the visiting "
                f"hours {_fmt(self.visiting)} (V2)"
            )
        return None

    def starts(self, trade: str) -> tuple[_dt.time, ...]:
        """Non-overlapping start times a day offers ``trade``, earliest first."""
        candidates: set[int] = set()
        for a, b in self.visiting:
            for origin in (_sec(a), *(_sec(pb) for _, pb in self.peaks)):
                t = origin
                while _sec(a) <= t and t + self.length <= _sec(b):
                    candidates.add(t)
                    t += self.length
        chosen: list[int] = []
        for t in sorted(candidates):
            at = _dt.time(t // 3600, t // 60 % 60, t % 60)
            if self.problem(trade, at) is None and (not chosen or t >= chosen[-1] + self.length):
                chosen.append(t)
        return tuple(_dt.time(t // 3600, t // 60 % 60, t % 60) for t in chosen)


def lease_days(
    year: int, lease_start: _dt.date, lease_end: _dt.date | None
) -> tuple[_dt.date, _dt.date] | None:
    """The first and last day of ``year`` the lease covers (``None`` if none)."""
    first = max(lease_start, _dt.date(year, 1, 1))
    last = min(lease_end or _dt.date(year, 12, 31), _dt.date(year, 12, 31))
    return (first, last) if first <= last else None


def working_days_by_month(
    window: tuple[_dt.date, _dt.date], calendar: BusinessCalendar
) -> list[list[_dt.date]]:
    """The working days of the window, grouped by month (months without any left out)."""
    first, last = window
    months: dict[int, list[_dt.date]] = {}
    day = first
    while day <= last:
        if calendar.is_working_day(day):
            months.setdefault(day.month, []).append(day)
        day += _dt.timedelta(days=1)
    return [months[m] for m in sorted(months)]


def required_visits(
    policy: VisitPolicy, tier: str, months: list[list[_dt.date]], *, months_in_year: int = 12
) -> int:
    """Visits a tenant of ``tier`` needs in a year whose leased working days are
    ``months`` (grouped by month; V1, the proration rule is policy data).  Never more
    than one a leased working day."""
    full = policy.tiers[tier].visits_per_year
    if not months:
        return 0
    if policy.proration == "full" or len(months) >= months_in_year:
        wanted = full
    else:
        wanted = max(1, math.ceil(full * len(months) / months_in_year))
    return min(wanted, sum(len(days) for days in months))


def _add_months(day: _dt.date, months: int) -> _dt.date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar_mod.monthrange(year, month0 + 1)[1]
    return _dt.date(year, month0 + 1, min(day.day, last))


Months = list[list[_dt.date]]


def phases(
    policy: VisitPolicy, tier: str, lease_start: _dt.date, months: Months
) -> list[tuple[int, Months]]:
    """The year's plan in phases: (visits required, their leased working days by month).

    ``frequency = "tier"`` (V1) is one phase with the tier's pro-rated number.
    ``frequency = "account_age"`` (F7) splits the lease at ``new_account_months``: one
    visit every ``new_account_every`` months before, every ``established_every`` after.
    A phase never needs more visits than it has working days.
    """
    if policy.frequency == "tier":  # rule V1
        return [(required_visits(policy, tier, months), months)] if months else []
    boundary = _add_months(lease_start, policy.new_account_months)  # rule F7
    out = []
    for every, new in ((policy.new_account_every, True), (policy.established_every, False)):
        part = [kept for days in months if (kept := [d for d in days if (d < boundary) == new])]
        if part:
            count = math.ceil(len(part) / every)
            out.append((min(count, sum(len(days) for days in part)), part))
    return out


def plan_slots(
    planned: list[tuple[int, Months]],
    open_from: _dt.date,
    starts: tuple[_dt.time, ...],
    tenant: str,
) -> list[Slot]:
    """Lay out every phase on its working days from ``open_from`` on (a phase already
    past falls back on the remaining days of the year), numbered in time order."""
    remaining = [
        kept
        for _, months in planned
        for days in months
        if (kept := [d for d in days if d >= open_from])
    ]
    found: list[Slot] = []
    for count, months in planned:
        ahead = [kept for days in months if (kept := [d for d in days if d >= open_from])]
        found.extend(layout(count, ahead or _merge(remaining), starts, tenant))
    ordered = sorted((s.day, s.time) for s in found)
    return [Slot(i + 1, day, time) for i, (day, time) in enumerate(ordered)]


def _merge(months: Months) -> Months:
    by_month: dict[tuple[int, int], list[_dt.date]] = {}
    for days in months:
        for d in days:
            by_month.setdefault((d.year, d.month), []).append(d)
    return [sorted(set(v)) for _, v in sorted(by_month.items())]


def _spread(n: int, size: int, key: str = "") -> list[int]:
    """How many of ``n`` items each of ``size`` places gets: evenly.  The extras are
    spaced evenly and then rotated by ``key`` (the tenant and month), so that tenants
    due in the same month do not all land on the same day."""
    counts = [n // size] * size
    extra = n % size
    for i in range(extra):
        counts[(2 * i + 1) * size // (2 * extra)] += 1
    if extra and key:
        k = zlib.crc32(key.encode()) % size
        counts = counts[-k:] + counts[:-k] if k else counts
    return counts


@attrs.frozen
class Slot:
    """One planned visit: its day and start time (local) and its 1-based number."""

    number: int
    day: _dt.date
    time: _dt.time


def layout(
    n: int, months: list[list[_dt.date]], starts: tuple[_dt.time, ...], tenant: str
) -> list[Slot]:
    """Place ``n`` visits: spread over the months, then over each month's working days,
    several a day only when there are more visits than days.  The start time within a
    day is staggered by tenant so that one visitor is not due everywhere at once."""
    if n <= 0 or not months:
        return []
    offset = zlib.crc32(tenant.encode()) % len(starts)
    slots: list[tuple[_dt.date, _dt.time]] = []
    for index, (days, per_month) in enumerate(
        zip(months, _spread(n, len(months), tenant if n == 1 else ""), strict=True)
    ):
        if per_month == 0:
            continue
        month_key = f"{tenant}:{index}"
        for day, per_day in zip(days, _spread(per_month, len(days), month_key), strict=True):
            if per_day > len(starts):
                raise ValidationError(
                    f"cannot fit {per_day} visits of {tenant} on {day.isoformat()}: a day has "
                    f"{len(starts)} visit slots"
                )
            slots.extend((day, starts[(offset + k) % len(starts)]) for k in range(per_day))
    slots.sort()
    return [Slot(i + 1, day, time) for i, (day, time) in enumerate(slots)]
