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

from collections.abc import Mapping
from typing import Any

from ..domain.events import FeedEvent
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

    ``where`` names the file in the error raised if a pair does not decode."""

    def __init__(self, where: str = "") -> None:
        self._decoded: list[FeedEvent] = []
        self._raw: list[list[Any]] = []
        super().__init__()
        self.where = where

    @property
    def events(self) -> list[FeedEvent]:
        """Every retained event, decoded (once) on first use."""
        if self._raw:
            prefix = f"{self.where}: " if self.where else ""
            decoded = []
            for position, data in self._raw:
                try:
                    event = decode_event(data, f"event {position}")
                except CorruptStoreError as exc:
                    raise CorruptStoreError(f"{prefix}{exc}") from None
                decoded.append(FeedEvent(position, event))
            self._decoded.extend(decoded)
            self._raw = []
        return self._decoded

    @events.setter
    def events(self, value: list[FeedEvent]) -> None:
        self._decoded = value
        self._raw = []

    def _empty(self) -> bool:
        return not self._decoded and not self._raw

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
        out = [[item.position, encode_event(item.event)] for item in self._decoded]
        out.extend(self._raw)
        return out
