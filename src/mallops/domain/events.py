"""Domain events: what happened, delivered to subscribers after the commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pendulum

__all__ = ["DomainEvent", "FeedEvent"]


@attrs.frozen(weakref_slot=False)
class DomainEvent:
    """Something that happened to a record.

    ``type`` is one of ``created``, ``transitioned``, ``timer_warning``,
    ``timer_breached``, ``escalated``, ``notify``, ``tick_failed`` (a deadline that could
    not be processed; see :meth:`Mall.tick`), ``timer_provisional``,
    ``timer_replanned`` and ``calendar_horizon`` (G9, docs/calendar.md; the horizon
    warning concerns a property, its ``record_id`` is empty) or a workflow's own type
    (documented on its page).  ``at`` is when it happened: for a timer, its own due
    time, even when the ticker catches up later.  ``data`` holds JSON-compatible details.
    """

    type: str
    record_id: str
    kind: str
    property: str
    at: pendulum.DateTime
    data: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(weakref_slot=False)
class FeedEvent:
    """A domain event as the store's durable feed holds it.

    ``position`` is its place in the store's feed: global across properties, starting
    at 1 and without gaps, in commit order (G6).  Read with ``Store.events_since``.
    """

    position: int
    event: DomainEvent
