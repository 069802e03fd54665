"""Records, history entries, timers and escalations: immutable values, no I/O.

A :class:`Record` is one complaint, repair order, return visit, tenant visit or lost
item.  It is frozen: every change produces a new record with a higher ``version`` and
one more :class:`HistoryEntry` (G6), so a failed operation cannot leave a half-changed
record behind.  Workflow-specific data lives in ``fields`` as JSON-compatible values.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import pendulum

_T = TypeVar("_T")
_FIELDS: dict[type, tuple[str, ...]] = {}


def evolve(inst: _T, **changes: Any) -> _T:
    """A copy of a frozen record value with ``changes`` (a faster ``attrs.evolve``)."""
    cls = type(inst)
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in attrs.fields(cls))  # type: ignore[arg-type]
        _FIELDS[cls] = names
    values = {n: getattr(inst, n) for n in names}
    values.update(changes)
    result: _T = cls(**values)
    return result


__all__ = [
    "SYSTEM",
    "Actor",
    "Escalation",
    "HistoryEntry",
    "Link",
    "Mark",
    "Outcome",
    "Record",
    "Timer",
]


@attrs.frozen(weakref_slot=False)
class Actor:
    """Who does something: a staff member with a role (G5), optionally a department.

    ``name`` is the staff member's display name; customers are never actors.
    """

    id: str
    role: str
    department: str | None = None
    name: str = ""


SYSTEM = Actor("system", "system")
"""The actor of everything the ticker does (breaches, warnings, escalations)."""


_NOTHING: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen(repr=False, weakref_slot=False)
class Outcome:
    """What one event changed (G6 exact replay); see :mod:`mallops.domain.outcome`.

    ``state`` is the new state (``None``: unchanged); ``values`` the record attributes
    it changed (owner, department, tenant, location, category, severity, is_open,
    escalation_level); ``fields`` the workflow fields it set and ``removed`` those it
    removed; ``timers`` the timers it started or changed, as they are afterwards (their
    marks carry the planned due times) and ``dropped`` the names of timers it removed;
    ``escalations`` and ``links`` what it added, or all of them for the names listed in
    ``replaced``.  ``repr`` lists names only, never values (G7).
    """

    state: str | None = None
    values: Mapping[str, Any] = _NOTHING
    fields: Mapping[str, Any] = _NOTHING
    removed: tuple[str, ...] = ()
    timers: tuple[Timer, ...] = ()
    dropped: tuple[str, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    links: tuple[Link, ...] = ()
    replaced: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"<Outcome state={self.state!r} values=[{', '.join(self.values)}] "
            f"fields=[{', '.join(self.fields)}] removed=[{', '.join(self.removed)}] "
            f"timers=[{', '.join(t.name for t in self.timers)}]>"
        )


@attrs.frozen(repr=False, weakref_slot=False)
class HistoryEntry:
    """One change of one record (G6): who, when, what, from which state to which, and why.

    ``data`` holds the event's parameters in their stored (JSON) form; ``outcome`` what
    the event changed (``None`` for entries written before mallops recorded outcomes);
    replaying the entries in order from the first reproduces the record.  ``repr``
    lists the parameter names only, never their values: they may be personal data (G7).
    """

    seq: int
    at: pendulum.DateTime
    actor: Actor
    event: str
    from_state: str | None
    to_state: str
    data: Mapping[str, Any] = attrs.field(factory=dict)
    reason: str | None = None
    outcome: Outcome | None = None

    def __repr__(self) -> str:
        keys = ", ".join(sorted(self.data))
        return (
            f"<HistoryEntry #{self.seq} {self.at.isoformat()} {self.actor.id} "
            f"{self.event} {self.from_state}->{self.to_state} data=[{keys}]>"
        )


@attrs.frozen(weakref_slot=False)
class Mark:
    """A point on a timer at which something fires once: a warning, the breach, or an
    escalation step.  ``offset`` is measured in the timer's basis from its start."""

    kind: str  # "warning" | "breach" | "escalate"
    offset: int
    level: int = 0
    due_at: pendulum.DateTime | None = None
    fired_at: pendulum.DateTime | None = None


TIMER_ACTIVE = frozenset({"running", "paused"})


@attrs.frozen(weakref_slot=False)
class Timer:
    """An SLA timer as durable data.

    The timer has an ``allowance`` in seconds of its ``basis`` (``wall`` or ``working``).
    While running, ``anchor`` is the start of the current running stretch and ``consumed``
    the seconds used before it; its marks' ``due_at`` are precomputed from those.  Paused
    or stopped, ``anchor`` is ``None``.  ``by_department`` attributes the consumed seconds
    to the departments that held the record while it ran.  ``provisional_year`` is set
    when the due times were planned under the calendar's fallback rule because holiday
    data for that year was missing (G9); the timer is re-planned when the data arrives.
    """

    name: str
    basis: str
    allowance: int
    status: str
    started_at: pendulum.DateTime
    anchor: pendulum.DateTime | None
    consumed: int = 0
    paused_total: int = 0
    paused_at: pendulum.DateTime | None = None
    stopped_at: pendulum.DateTime | None = None
    breached_at: pendulum.DateTime | None = None
    quiet: bool = False
    marks: tuple[Mark, ...] = ()
    by_department: tuple[tuple[str, int], ...] = ()
    restarts: int = 0
    provisional_year: int | None = None

    @property
    def active(self) -> bool:
        """Running or paused."""
        return self.status in TIMER_ACTIVE

    @property
    def due_at(self) -> pendulum.DateTime | None:
        """When the allowance runs out (``None`` unless running)."""
        for mark in self.marks:
            if mark.kind == "breach":
                return mark.due_at
        return None

    @property
    def breached(self) -> bool:
        """Whether the deadline passed before the timer stopped."""
        return self.breached_at is not None

    def next_due(self) -> pendulum.DateTime | None:
        """The earliest unfired mark of a running timer."""
        if self.status != "running":
            return None
        best: pendulum.DateTime | None = None
        for mark in self.marks:
            if (
                mark.fired_at is None
                and mark.due_at is not None
                and (best is None or mark.due_at < best)
            ):
                best = mark.due_at
        return best


@attrs.frozen(weakref_slot=False)
class Escalation:
    """An escalation that fired: to which level and role, why, and when."""

    level: int
    role: str
    cause: str  # "timer:<name>", "recurrence", "registration", "reopen", "manual"
    at: pendulum.DateTime


@attrs.frozen(weakref_slot=False)
class Link:
    """A relation to another record (``return_visit_of``, ``source``, ``visit`` ...)."""

    relation: str
    record_id: str


@attrs.frozen(repr=False, weakref_slot=False)
class Record:
    """One workflow record.  See the module docstring.

    ``repr`` shows no field values: fields may hold personal data (G7).
    """

    id: str
    kind: str
    property: str
    state: str
    version: int
    created_at: pendulum.DateTime
    updated_at: pendulum.DateTime
    is_open: bool = True
    owner: str | None = None
    department: str | None = None
    tenant: str | None = None
    location: str | None = None
    category: str | None = None
    severity: str | None = None
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    timers: tuple[Timer, ...] = ()
    escalation_level: int = 0
    escalations: tuple[Escalation, ...] = ()
    links: tuple[Link, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    wake_at: pendulum.DateTime | None = None

    def timer(self, name: str) -> Timer | None:
        """The timer called ``name``, if the record has one."""
        for t in self.timers:
            if t.name == name:
                return t
        return None

    @builtins.property
    def escalated_to(self) -> str | None:
        """The role holding the record because of escalation (``None`` if not escalated)."""
        return self.escalations[-1].role if self.escalations else None

    def linked(self, relation: str) -> tuple[str, ...]:
        """Ids of records linked with ``relation``."""
        return tuple(link.record_id for link in self.links if link.relation == relation)

    def __repr__(self) -> str:
        return (
            f"<Record {self.id} {self.kind} state={self.state!r} v{self.version} "
            f"level={self.escalation_level}>"
        )
