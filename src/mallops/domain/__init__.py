"""Domain values: records, history, timers, escalations, events. Pure data, no I/O.

:class:`~mallops.Record`, :class:`~mallops.Actor` and :class:`~mallops.DomainEvent`
are also exported by :mod:`mallops`; the parts of a record are here, with the G7
masking of personal data (:func:`mask_value` for a whole value, :func:`mask_text` for the
numbers and addresses inside free text) that plug-ins use in their own outputs.
"""

from __future__ import annotations

from .events import DomainEvent
from .personal import mask_text, mask_value
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
    "mask_text",
    "mask_value",
]
