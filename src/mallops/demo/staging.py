"""A day's work in memory, written to the real store in one commit (demo determinism).

The demo runs each simulated day on a :class:`DayStore`: an in-memory copy of the real
store.  At the end of the day :meth:`DayStore.flush` writes every record and counter the
day changed, together with the day counter, in one atomic commit.  An interruption at
any point therefore leaves the store at the end of a whole day, and the next run redoes
the interrupted day from exactly the state the uninterrupted run started it from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pendulum

from ..domain.events import DomainEvent, FeedEvent
from ..domain.records import Record
from ..stores.memory import MemoryStore
from ..stores.protocol import CounterWrite, Query, Store, Write

__all__ = ["DayStore"]


class DayStore:
    """A :class:`~mallops.stores.protocol.Store` over an in-memory copy of ``real``."""

    def __init__(self, real: Store) -> None:
        self.real = real
        self._mem = MemoryStore()
        records = real.query(Query())
        self._mem.commit([Write(r, 0) for r in records])
        self._versions = {r.id: r.version for r in records}
        self._counters: dict[str, int] = {}
        self._changed: dict[str, None] = {}
        self._events: list[DomainEvent] = []  # the feed events of the day (G6)

    # -- the Store protocol -----------------------------------------------------------

    def get(self, record_id: str) -> Record:
        """The record (from the copy)."""
        return self._mem.get(record_id)

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records that exist among ``record_ids``."""
        return self._mem.get_many(record_ids)

    def _load(self, name: str) -> None:
        if name not in self._counters:
            value = self.real.counter(name)
            self._counters[name] = value
            if value > self._mem.counter(name):
                self._mem.commit([], [CounterWrite(name, self._mem.counter(name), value)])

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        """Write to the copy (all or nothing); remembered for :meth:`flush`."""
        for c in counters:
            self._load(c.name)
        self._mem.commit(writes, counters, events)
        self._events.extend(events)
        for w in writes:
            self._changed[w.record.id] = None

    def counter(self, name: str) -> int:
        """The counter's value in the copy."""
        self._load(name)
        return self._mem.counter(name)

    def query(self, query: Query) -> list[Record]:
        """Records of the copy matching ``query``."""
        return self._mem.query(query)

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """``(wake_at, id)`` of the copy's records due by ``until``, earliest first."""
        return self._mem.due(until, property=property, limit=limit)

    def events_since(
        self, position: int, *, property: str | None = None, limit: int | None = None
    ) -> list[FeedEvent]:
        """The copy's feed (the day's events reach the real store's at :meth:`flush`)."""
        return self._mem.events_since(position, property=property, limit=limit)

    def feed_head(self) -> int:
        """The copy's last feed position."""
        return self._mem.feed_head()

    def prune_events(self, upto: int) -> int:
        """Prune the copy's feed."""
        return self._mem.prune_events(upto)

    def refresh(self) -> None:
        """Nothing to refresh: the copy is the demo's own."""

    def close(self) -> None:
        """The caller closes the real store."""

    # -- the day's commit -----------------------------------------------------------------

    def flush(self, counters: Sequence[CounterWrite] = ()) -> int:
        """Write every change since the last flush, and ``counters``, to the real store
        in one commit; returns the number of records written."""
        writes = [Write(self._mem.get(rid), self._versions.get(rid, 0)) for rid in self._changed]
        moved = [
            CounterWrite(name, base, self._mem.counter(name))
            for name, base in self._counters.items()
            if self._mem.counter(name) != base
        ]
        self.real.commit(writes, [*moved, *counters], self._events)
        self._events = []
        for w in writes:
            self._versions[w.record.id] = w.record.version
        for c in moved:
            self._counters[c.name] = c.new
        for c in counters:
            self._load(c.name)
            if self._mem.counter(c.name) < c.new:
                self._mem.commit([], [CounterWrite(c.name, self._mem.counter(c.name), c.new)])
            self._counters[c.name] = c.new
        self._changed.clear()
        return len(writes)
