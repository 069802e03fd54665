"""Building blocks for a store's event feed (G6): its JSON form, cursor checks and an
in-memory log.  mallops' backends use them; so can a backend of your own
(examples/custom_backend.py).

Every backend keeps the domain events of a commit in the same commit, numbered by a
global, gap-free position.  The memory and JSON stores keep the retained events in an
:class:`EventLog`; the SQL store keeps them in a table.  All of them encode an event
with :func:`encode_event` (the JSON form documented in docs/storage.md) and check a
read with :func:`check_since`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..domain.events import DomainEvent, FeedEvent
from ..errors import CorruptStoreError, EventsPruned, ValidationError
from .codec import datetime_from_text
from .protocol import FEED_HEAD

__all__ = [
    "FEED_HEAD",
    "EventLog",
    "check_limit",
    "check_since",
    "decode_event",
    "encode_event",
    "encode_events",
    "event_chunks",
]


def encode_event(event: DomainEvent) -> dict[str, Any]:
    """The JSON-compatible form of ``event`` (``ValidationError`` if it is not an event)."""
    if not isinstance(event, DomainEvent):
        raise ValidationError(
            f"events: expected DomainEvent values, got {type(event).__name__}", field="events"
        )
    return {
        "type": event.type,
        "record_id": event.record_id,
        "kind": event.kind,
        "property": event.property,
        "at": event.at.isoformat(),
        "data": dict(event.data),
    }


def encode_events(events: Sequence[DomainEvent]) -> list[dict[str, Any]]:
    """Every event of a commit in JSON form, checked before anything is written."""
    if isinstance(events, str | bytes) or not isinstance(events, Sequence):
        raise ValidationError("events: expected a sequence of DomainEvent", field="events")
    return [encode_event(e) for e in events]


def decode_event(data: Any, where: str) -> DomainEvent:
    """The event of :func:`encode_event`'s form (``CorruptStoreError`` naming ``where``)."""
    if not isinstance(data, Mapping):
        raise CorruptStoreError(f"{where}: an event must be a JSON object, got {data!r}")
    try:
        type_, record_id, kind, prop = (data[k] for k in ("type", "record_id", "kind", "property"))
        at, details = data["at"], data["data"]
    except KeyError as exc:
        raise CorruptStoreError(f"{where}: the event has no {exc.args[0]!r}") from None
    if not all(isinstance(t, str) for t in (type_, record_id, kind, prop)) or not isinstance(
        details, Mapping
    ):
        raise CorruptStoreError(f"{where}: the event's fields have the wrong types")
    return DomainEvent(
        type_, record_id, kind, prop, datetime_from_text(at, f"{where}.at"), dict(details)
    )


def event_chunks(events: Sequence[FeedEvent], size: int = 256) -> list[list[list[Any]]]:
    """Retained feed events as ``[position, event]`` pairs, ``size`` to a line (the JSON
    store's compaction)."""
    pairs = [[item.position, encode_event(item.event)] for item in events]
    return [pairs[i : i + size] for i in range(0, len(pairs), size)]


def check_limit(limit: int | None) -> int | None:
    """``limit`` if it is None or a non-negative integer, else ``ValidationError``."""
    if limit is not None and (type(limit) is not int or limit < 0):
        raise ValidationError(
            f"limit: expected a non-negative integer or None, got {limit!r}", field="limit"
        )
    return limit


def check_since(position: object, first: int) -> int:
    """``position`` if it is a cursor the feed can serve, whose oldest retained
    position is ``first``; ``ValidationError`` or ``EventsPruned`` otherwise."""
    if type(position) is not int or position < 0:
        raise ValidationError(
            f"position: expected a non-negative integer (0 = from the start), got {position!r}",
            field="position",
        )
    if position < first - 1:
        raise EventsPruned(
            f"events 1 to {first - 1} were removed by the feed's retention policy; "
            f"position {position} is too old, the feed starts after {first - 1}",
            position=position,
            first=first,
        )
    return position


class EventLog:
    """The retained events of a store, in memory: ``events[i]`` has position
    ``first + i``; ``head`` is the last position ever given (0 for none).

    The log keeps the domain events themselves, gap-free from ``first``, and makes a
    :class:`FeedEvent` only for the events it hands out (issue 16: no numbered wrapper
    per retained event)."""

    def __init__(self) -> None:
        self._kept: list[DomainEvent] = []
        self.first = 1
        self.head = 0

    @property
    def events(self) -> list[FeedEvent]:
        """Every retained event with its position, oldest first (a new list)."""
        return [FeedEvent(p, e) for p, e in enumerate(self._kept, start=self.first)]

    def append(self, events: Sequence[DomainEvent]) -> list[FeedEvent]:
        """Number and keep ``events``; returns them as feed events."""
        added = [FeedEvent(self.head + i, e) for i, e in enumerate(events, start=1)]
        self._kept.extend(events)
        self.head += len(added)
        return added

    def install(self, items: Sequence[FeedEvent]) -> None:
        """Keep events already numbered (read from a file).  Positions follow on; the
        first event of an empty log may start later (its predecessors were pruned)."""
        for item in items:
            if item.position != self.head + 1 and (self._kept or item.position <= self.head):
                raise CorruptStoreError(
                    f"event position {item.position} does not follow {self.head}: "
                    "events are missing, duplicated or reordered"
                )
            if not self._kept:
                self.first = item.position
            self._kept.append(item.event)
            self.head = item.position

    def restore_head(self, head: int) -> None:
        """Take ``head`` as the last position given when no event after it is kept
        (every retained event was pruned)."""
        if head > self.head and not self._kept:
            self.head = head
            self.first = head + 1

    def since(self, position: int, prop: str | None, limit: int | None) -> list[FeedEvent]:
        """Events after ``position`` (of property ``prop`` if given), oldest first."""
        check_since(position, self.first)
        check_limit(limit)
        start = max(0, position + 1 - self.first)
        out: list[FeedEvent] = []
        if limit == 0:
            return out
        for at, event in enumerate(self._kept[start:], start=self.first + start):
            if prop is None or event.property == prop:
                out.append(FeedEvent(at, event))
                if limit is not None and len(out) >= limit:
                    break
        return out

    def prune(self, upto: int) -> int:
        """Drop events at or before ``upto`` (never past ``head``); returns how many."""
        if type(upto) is not int or upto < 0:
            raise ValidationError(
                f"upto: expected a non-negative integer, got {upto!r}", field="upto"
            )
        upto = min(upto, self.head)
        cut = max(0, upto + 1 - self.first)
        if cut == 0:
            return 0
        del self._kept[:cut]
        self.first = upto + 1
        return cut
