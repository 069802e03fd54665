"""The JSON store's event feed (G6), decoded when it is first read.

A store file holds every retained feed event; a store of real complaints holds about
three events per record, and decoding each into a :class:`~mallops.domain.events.DomainEvent`
(its time through pendulum) was more than half the cost of opening a file (issue 16).
:class:`LazyFeed` keeps the events of lines read from the file as their checked
``[position, event]`` JSON pairs: opening checks their shape and their positions (gap-free,
in order), and they are decoded the first time anything reads ``events``.  Commits need
only ``head``, compaction copies the pairs as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..domain.events import DomainEvent, FeedEvent
from ..errors import CorruptStoreError
from .eventlog import EventLog, decode_event, encode_event

__all__ = ["LazyFeed", "check_pairs"]


def check_pairs(payload: list[Any]) -> list[list[Any]]:
    """``payload`` if it is a list of ``[position, event-object]`` pairs; ``ValueError``
    naming what is wrong otherwise (the event's fields are checked when decoded)."""
    for pair in payload:
        if (
            type(pair) is not list
            or len(pair) != 2
            or type(pair[0]) is not int
            or not isinstance(pair[1], Mapping)
        ):
            raise ValueError("an event is not a [position, event] pair")
    return payload


class LazyFeed(EventLog):
    """An :class:`EventLog` whose events read from the file stay JSON pairs until read.

    The pairs follow the decoded events kept by the log; anything that reads or changes
    the log decodes them first, so the log behaves exactly as an :class:`EventLog`.
    ``where`` names the file in the error raised if a pair does not decode."""

    def __init__(self, where: str = "") -> None:
        super().__init__()
        self._raw: list[list[Any]] = []
        self.where = where

    def _decode_raw(self) -> None:
        if not self._raw:
            return
        prefix = f"{self.where}: " if self.where else ""
        decoded = []
        for position, data in self._raw:
            try:
                decoded.append(decode_event(data, f"event {position}"))
            except CorruptStoreError as exc:
                raise CorruptStoreError(f"{prefix}{exc}") from None
        self._kept.extend(decoded)
        self._raw = []

    @property
    def events(self) -> list[FeedEvent]:
        """Every retained event with its position, oldest first (decoded on first use)."""
        self._decode_raw()
        return super().events

    def append(self, events: Sequence[DomainEvent]) -> list[FeedEvent]:
        self._decode_raw()
        return super().append(events)

    def install(self, items: Sequence[FeedEvent]) -> None:
        self._decode_raw()
        super().install(items)

    def since(self, position: int, prop: str | None, limit: int | None) -> list[FeedEvent]:
        self._decode_raw()
        return super().since(position, prop, limit)

    def prune(self, upto: int) -> int:
        self._decode_raw()
        return super().prune(upto)

    def _empty(self) -> bool:
        return not self._kept and not self._raw

    def install_pairs(self, pairs: list[list[Any]]) -> None:
        """Keep checked ``[position, event]`` pairs read from the file.  Positions follow
        on; the first event of an empty log may start later (its predecessors were
        pruned).  ``CorruptStoreError`` if they do not."""
        for pair in pairs:
            position = pair[0]
            if position != self.head + 1 and (not self._empty() or position <= self.head):
                raise CorruptStoreError(
                    f"event position {position} does not follow {self.head}: "
                    "events are missing, duplicated or reordered"
                )
            if self._empty():
                self.first = position
            self._raw.append(pair)
            self.head = position

    def restore_head(self, head: int) -> None:
        """As :meth:`EventLog.restore_head`, without decoding anything."""
        if head > self.head and self._empty():
            self.head = head
            self.first = head + 1

    def pairs(self) -> list[list[Any]]:
        """Every retained event as a ``[position, event]`` JSON pair (compaction)."""
        out = [[p, encode_event(e)] for p, e in enumerate(self._kept, start=self.first)]
        out.extend(self._raw)
        return out
