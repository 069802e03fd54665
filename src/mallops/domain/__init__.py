"""Domain values: records, history, timers, escalations, events. Pure data, no I/O.

:class:`~mallops.Record`, :class:`~mallops.Actor` and :class:`~mallops.DomainEvent`
are also exported by :mod:`mallops`; the parts of a record are here.
"""

from __future__ import annotations

from .events import DomainEvent
from .records import SYSTEM, Actor, Escalation, HistoryEntry, Link, Mark, Record, Timer

__all__ = [
    "SYSTEM",
    "Actor",
    "DomainEvent",
    "Escalation",
    "HistoryEntry",
    "Link",
    "Mark",
    "Record",
    "Timer",
]
