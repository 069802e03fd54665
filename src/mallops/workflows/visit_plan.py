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
from ..policy.visit_hours import VisitHours

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
