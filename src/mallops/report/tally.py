"""The period's records walked once (issue 16): the counts that the generic sections, the
SLA and escalation sections and the analysis of the monthly report (K2) read.

A section used to walk the records itself, and the report walked them about ten times
(volumes, states, hot spots, SLA timers, escalations, overdue records ...); at 100k
records those walks were most of its cost.  :func:`tally` walks them once and keeps:

- ``by_kind``: the records of each kind, in period order;
- ``profile``: how many records share each ``(kind, state, is_open, category, severity,
  department, channel)``; the volume, status and open counts are sums over it (a few
  hundred keys, not the records).  Its keys are in order of first appearance, so a
  count summed over it keeps the order a count over the records had (ties in
  ``most_common`` come out the same);
- ``spots`` and ``spots_open``, ``tenants``: repeat problems (K4), as the hot-spot
  section counts them;
- ``levels`` and ``causes``: escalations by ``(level, role)`` and by ``(kind, cause)``;
- ``timers``: per kind and timer name, each record's first timer of that name reduced to
  what the SLA table shows (K3);
- ``overdue``: open records with an active timer breached or past its deadline at the
  report's ``now``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import attrs
import pendulum

from ..clock import Before
from ..domain.records import TIMER_ACTIVE, Record, Timer

__all__ = ["DERIVED_KINDS", "Profile", "Tally", "TimerTally", "walk"]

DERIVED_KINDS = frozenset({"return_visit"})
"""Kinds whose records follow another record (not new problems, K4)."""

Profile = tuple[str, str, bool, str | None, str | None, str | None, str | None]
"""``(kind, state, is_open, category, severity, department, channel)`` of a record;
``channel`` is ``None`` unless the record's ``channel`` field is text."""


@attrs.define
class TimerTally:
    """The first timer of one name of each record of one kind, counted (K3)."""

    basis: str  # the first such timer's basis
    started: int = 0
    used: list[float] = attrs.field(factory=list)  # seconds of each met, unbreached timer
    breached: int = 0
    open: int = 0
    cancelled: int = 0
    deadline: bool = False  # some such timer has a breach mark (a deadline, not a retention)
    last: object = attrs.field(default=None, repr=False)  # the record counted last


@attrs.frozen
class Tally:
    """What one walk over the period's records counted (see the module docstring)."""

    by_kind: dict[str, list[Record]]
    profile: Counter[Profile]
    spots: Counter[tuple[str, str, str]]
    spots_open: Counter[tuple[str, str, str]]
    tenants: Counter[str]
    levels: Counter[tuple[int, str]]
    causes: Counter[tuple[str, str]]
    timers: dict[str, dict[str, TimerTally]]
    overdue: int

    @property
    def escalations(self) -> int:
        """Escalations of the period's records."""
        return sum(self.levels.values())

    @property
    def open(self) -> int:
        """Records still open."""
        return sum(n for p, n in self.profile.items() if p[2])

    def states(self, kind: str) -> Counter[str]:
        """Records of ``kind`` by state, in order of first appearance."""
        out: Counter[str] = Counter()
        for p, n in self.profile.items():
            if p[0] == kind:
                out[p[1]] += n
        return out


def _timers(
    timers: Sequence[Timer], of_kind: dict[str, TimerTally], r: Record, before: Before
) -> bool:
    """Count each of ``r``'s first timers of each name into ``of_kind``; whether ``r`` is
    open and an active timer of it breached or is past its deadline at ``now`` (one loop
    for both)."""
    late = False
    decided = not r.is_open  # a closed record is not overdue
    tz, lo, hi = before.first
    for t in timers:
        status = t.status
        breached = t.breached_at is not None
        stats = of_kind.get(t.name)
        if stats is None:
            stats = of_kind[t.name] = TimerTally(t.basis)
        if stats.last is not r:  # the record's first timer of this name
            stats.last = r
            stats.started += 1
            if breached:
                stats.breached += 1
            elif status == "met":
                stats.used.append(float(t.consumed))
            elif status == "cancelled":
                stats.cancelled += 1
            elif status in TIMER_ACTIVE:
                stats.open += 1
            if not stats.deadline:
                stats.deadline = any(m.kind == "breach" for m in t.marks)
        if not decided and status in TIMER_ACTIVE:
            if breached:
                late = decided = True
            else:
                for m in t.marks:  # Timer.due_at: the first breach mark's time
                    if m.kind == "breach":
                        due = m.due_at
                        if due is None:
                            pass
                        elif due.tzinfo is tz and (due < lo or due > hi):
                            late = decided = due < lo  # far from now: wall times decide
                        else:
                            late = decided = before(due)
                            tz, lo, hi = before.first
                        break
    return late


def walk(records: Sequence[Record], now: pendulum.DateTime) -> Tally:
    """Walk ``records`` once; see :class:`Tally`."""
    by_kind: dict[str, list[Record]] = {}
    profile: dict[Profile, int] = {}
    spots: dict[tuple[str, str, str], int] = {}
    spots_open: dict[tuple[str, str, str], int] = {}
    tenants: dict[str, int] = {}
    levels: dict[tuple[int, str], int] = {}
    causes: dict[tuple[str, str], int] = {}
    timers: dict[str, dict[str, TimerTally]] = {}
    overdue = 0
    before = Before(now)  # exact ``due < now`` without asking the timezones (issue 16)
    for r in records:
        kind = r.kind
        found = by_kind.get(kind)
        if found is None:
            by_kind[kind] = [r]
        else:
            found.append(r)
        channel = r.fields.get("channel")
        is_open = r.is_open
        key: Profile = (
            kind,
            r.state,
            is_open,
            r.category,
            r.severity,
            r.department,
            channel if isinstance(channel, str) else None,
        )
        profile[key] = profile.get(key, 0) + 1
        if kind not in DERIVED_KINDS:  # a return visit repeats its source's place (K4)
            if r.location:
                spot = (kind, r.location, r.category or "")
                spots[spot] = spots.get(spot, 0) + 1
                if is_open:
                    spots_open[spot] = spots_open.get(spot, 0) + 1
            if r.tenant:
                tenants[r.tenant] = tenants.get(r.tenant, 0) + 1
        for e in r.escalations:
            level = (e.level, e.role)
            levels[level] = levels.get(level, 0) + 1
            cause = (kind, e.cause)
            causes[cause] = causes.get(cause, 0) + 1
        tms = r.timers
        if tms:
            of_kind = timers.get(kind)
            if of_kind is None:
                of_kind = timers[kind] = {}
            if _timers(tms, of_kind, r, before):
                overdue += 1
    for of_kind in timers.values():
        for stats in of_kind.values():
            stats.last = None  # hold no record past the walk
    return Tally(
        by_kind,
        Counter(profile),
        Counter(spots),
        Counter(spots_open),
        Counter(tenants),
        Counter(levels),
        Counter(causes),
        timers,
        overdue,
    )
