"""Read models every workflow shares: what is overdue, at risk or breached, and who holds it.

These work on any record kind (complaints, repairs, return visits, lost items, tenant
visits, suggestions ...), read through the store's indexed queries (kind, open/closed,
owner, department) and never change a record::

    from mallops.read_models import at_risk, by_department, overdue

    late = overdue(mall, kind="complaint")
    soon = at_risk(mall)
    per_department = by_department(overdue(mall))

A timer is *overdue* while it is active (running or paused) and its deadline has passed
(or it already breached); *at risk* while it runs, has not breached and a warning mark
has fallen due (the policy's ``warn_at`` share of the allowance, C5/R3 ...).  A record
*breached* a timer when any of its timers breached, open or closed since.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from .clock import aware
from .domain.records import Record, Timer
from .mall import Mall

__all__ = [
    "at_risk",
    "at_risk_timers",
    "breached",
    "by_department",
    "by_owner",
    "overdue",
    "overdue_timers",
]


def _now(mall: Mall, now: pendulum.DateTime | None) -> pendulum.DateTime:
    return mall.now() if now is None else aware(now, field="now", tz=mall.calendar.tz)


def overdue_timers(record: Record, now: pendulum.DateTime) -> list[str]:
    """Names of the record's active timers past their deadline (or breached)."""
    return [
        t.name
        for t in record.timers
        if t.active and (t.breached or (t.due_at is not None and t.due_at < now))
    ]


def _warned(timer: Timer, now: pendulum.DateTime) -> bool:
    return any(
        m.kind == "warning" and m.due_at is not None and m.due_at <= now for m in timer.marks
    )


def at_risk_timers(record: Record, now: pendulum.DateTime) -> list[str]:
    """Names of the record's running timers that warned and have not breached yet."""
    return [
        t.name
        for t in record.timers
        if t.status == "running"
        and not t.breached
        and (t.due_at is None or t.due_at >= now)
        and _warned(t, now)
    ]


def _open(mall: Mall, kind: str | None, owner: str | None, department: str | None) -> list[Record]:
    return mall.query(kind=kind, is_open=True, owner=owner, department=department)


def overdue(
    mall: Mall,
    *,
    kind: str | None = None,
    owner: str | None = None,
    department: str | None = None,
    now: pendulum.DateTime | None = None,
) -> list[Record]:
    """Open records with an overdue timer, the longest overdue first."""
    when = _now(mall, now)
    late = [(r, overdue_timers(r, when)) for r in _open(mall, kind, owner, department)]
    found = [(r, names) for r, names in late if names]

    def _since(item: tuple[Record, list[str]]) -> pendulum.DateTime:
        r, names = item
        dues = [t.breached_at or t.due_at for t in r.timers if t.name in names]
        return min(d for d in dues if d is not None)

    found.sort(key=lambda item: (_since(item), item[0].id))
    return [r for r, _ in found]


def at_risk(
    mall: Mall,
    *,
    kind: str | None = None,
    owner: str | None = None,
    department: str | None = None,
    now: pendulum.DateTime | None = None,
) -> list[Record]:
    """Open records with a timer that warned but has not breached, the nearest deadline
    first: the ones to act on before they become overdue."""
    when = _now(mall, now)
    found = [r for r in _open(mall, kind, owner, department) if at_risk_timers(r, when)]

    def _due(r: Record) -> pendulum.DateTime:
        dues = [t.due_at for t in r.timers if t.name in at_risk_timers(r, when) and t.due_at]
        return min(dues) if dues else when

    found.sort(key=lambda r: (_due(r), r.id))
    return found


def breached(
    mall: Mall,
    *,
    kind: str | None = None,
    start: pendulum.DateTime | None = None,
    end: pendulum.DateTime | None = None,
) -> list[Record]:
    """Records (open or closed) with a timer that breached in ``[start, end)`` (any time
    when omitted), the earliest breach first."""
    lo = None if start is None else aware(start, field="start")
    hi = None if end is None else aware(end, field="end")

    def _hits(r: Record) -> list[pendulum.DateTime]:
        return [
            t.breached_at
            for t in r.timers
            if t.breached_at is not None
            and (lo is None or t.breached_at >= lo)
            and (hi is None or t.breached_at < hi)
        ]

    found = [(min(h), r) for r in mall.query(kind=kind) if (h := _hits(r))]
    found.sort(key=lambda item: (item[0], item[1].id))
    return [r for _, r in found]


def _group(records: Iterable[Record], attr: str) -> dict[str, list[Record]]:
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(getattr(r, attr) or "", []).append(r)
    return dict(sorted(groups.items()))


def by_owner(records: Iterable[Record]) -> dict[str, list[Record]]:
    """``records`` grouped by owner (``""`` for records nobody holds), owners sorted."""
    return _group(records, "owner")


def by_department(records: Iterable[Record]) -> dict[str, list[Record]]:
    """``records`` grouped by department (``""`` for none), departments sorted."""
    return _group(records, "department")
