"""The in-memory store: a dict of records, secondary indexes, a due heap and counters.

Records are immutable, so the store hands out the stored objects themselves.  The due
query reads a time index kept exact on every commit: each record's wake time, and the
ids waking in each minute, with the minutes in a heap.  ``due()`` walks only the top of
that heap (the minutes up to the time asked), so it costs O(k log k) for k due records
and never looks at the others.  Equality filters of :class:`Query` (kind, state,
property, tenant, owner, department, location, category) use hash indexes: a query
costs O(m) in the size m of its smallest matching index entry.  Thread-safe.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from collections.abc import Iterable, Sequence

import pendulum

from ..domain.events import DomainEvent, FeedEvent
from ..domain.records import Record
from ..errors import ConflictError, RecordNotFound
from .eventlog import EventLog, encode_events
from .protocol import (
    CounterWrite,
    Query,
    Write,
    check_counter,
    check_due,
    check_id,
    check_ids,
    counters_as_mapping,
    stale_write,
)

__all__ = ["MemoryStore"]

_INDEXED = ("kind", "state", "property", "tenant", "owner", "department", "location", "category")


class MemoryStore:
    """A private, non-durable store for tests, simulations and embedding."""

    def __init__(self) -> None:
        self._records: dict[str, Record] = {}
        self._counters: dict[str, int] = {}
        self._created: list[tuple[float, str]] = []  # (created_at, id), sorted
        self._wake: dict[str, float] = {}  # each record's wake time (POSIX seconds)
        self._minutes: dict[int, set[str]] = {}  # ids waking in each minute
        self._heap: list[int] = []  # the minutes, lazily: empty ones are skipped
        self._index: dict[str, dict[object, set[str]]] = {name: {} for name in _INDEXED}
        self._lock = threading.RLock()
        self._feed = EventLog()

    def _reindex(self, old: Record | None, new: Record) -> None:
        for name, index in self._index.items():
            before = getattr(old, name) if old is not None else None
            after = getattr(new, name)
            if old is not None and before == after:
                continue
            if old is not None and before is not None:
                bucket = index.get(before)
                if bucket is not None:
                    bucket.discard(new.id)
                    if not bucket:
                        del index[before]
            if after is not None:
                index.setdefault(after, set()).add(new.id)

    def __len__(self) -> int:
        return len(self._records)

    def get(self, record_id: str) -> Record:
        """The record with this id; ``RecordNotFound`` if there is none."""
        check_id(record_id)
        try:
            return self._records[record_id]
        except KeyError:
            raise RecordNotFound(f"no record {record_id!r}", record_id=record_id) from None

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records among ``record_ids`` that exist."""
        out = {}
        for rid in check_ids(record_ids):
            r = self._records.get(rid)
            if r is not None:
                out[rid] = r
        return out

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        """Write everything or nothing; see the protocol."""
        wanted = counters_as_mapping(counters)
        encode_events(events)  # refuse what is not an event before anything changes
        with self._lock:
            seen: set[str] = set()
            for w in writes:
                rid = check_id(w.record.id)
                if rid in seen:
                    raise ConflictError(
                        f"record {rid!r} appears twice in one commit", record_id=rid
                    )
                seen.add(rid)
                current = self._records.get(rid)
                actual = current.version if current is not None else 0
                if actual != w.expected_version:
                    raise stale_write(rid, w.expected_version, actual)
            for c in wanted.values():
                actual = self._counters.get(c.name, 0)
                if actual != c.expected:
                    raise ConflictError(
                        f"counter {c.name!r} is at {actual}, expected {c.expected}",
                        expected=c.expected,
                        actual=actual,
                    )
            for w in writes:
                rid = w.record.id
                old = self._records.get(rid)
                self._reindex(old, w.record)
                self._index_created(old, w.record)
                self._records[rid] = w.record
                self._set_wake(rid, None if w.record.wake_at is None else w.record.wake_at)
            for c in wanted.values():
                self._counters[c.name] = c.new
            self._feed.append(events)

    def _set_wake(self, rid: str, wake_at: pendulum.DateTime | None) -> None:
        old = self._wake.get(rid)
        new = None if wake_at is None else wake_at.timestamp()
        if old == new:
            return
        if old is not None:
            before = self._minutes[int(old // 60)]
            before.discard(rid)
            if not before:
                del self._minutes[int(old // 60)]
        if new is None:
            del self._wake[rid]
            return
        self._wake[rid] = new
        minute = int(new // 60)
        bucket = self._minutes.get(minute)
        if bucket is None:
            self._minutes[minute] = {rid}
            heapq.heappush(self._heap, minute)
            if len(self._heap) > 2 * len(self._minutes) + 1024:
                self._heap = list(self._minutes)
                heapq.heapify(self._heap)
        else:
            bucket.add(rid)

    def counter(self, name: str) -> int:
        """The counter's current value (0 if never advanced)."""
        return self._counters.get(check_counter(name), 0)

    def counters(self) -> dict[str, int]:
        """Every counter by name (for copying a store)."""
        with self._lock:
            return dict(self._counters)

    def query(self, query: Query) -> list[Record]:
        """Matching records, oldest first."""
        with self._lock:
            best: list[set[str]] | None = None
            best_size = 0
            for name in _INDEXED:
                want = getattr(query, name)
                if want is None:
                    continue
                index = self._index[name]
                values = (want,) if isinstance(want, str) else want
                buckets = [index[v] for v in values if v in index]
                size = sum(len(b) for b in buckets)
                if best is None or size < best_size:
                    best, best_size = buckets, size
            span = self._created_span(query)
            if span is not None and (best is None or span[1] - span[0] <= best_size):
                # the creation-time index: candidates come in (created_at, id) order
                records = self._records
                ordered = self._created[span[0] : span[1]]
                found = [r for _, rid in ordered if query.matches(r := records[rid])]
                return found[: query.limit] if query.limit is not None else found
            pool = (
                list(self._records.values())
                if best is None
                else [self._records[i] for b in best for i in b]
            )
            found = [r for r in pool if query.matches(r)]
        found.sort(key=lambda r: (r.created_at, r.id))
        return found[: query.limit] if query.limit is not None else found

    def _created_span(self, query: Query) -> tuple[int, int] | None:
        """The slice of the creation-time index a time-bounded query can match (a
        millisecond wider each side; ``matches`` then decides exactly)."""
        if query.created_from is None and query.created_to is None:
            return None
        lo = (
            0
            if query.created_from is None
            else bisect.bisect_left(self._created, (query.created_from.timestamp() - 1e-3, ""))
        )
        hi = (
            len(self._created)
            if query.created_to is None
            else bisect.bisect_left(self._created, (query.created_to.timestamp() + 1e-3, ""))
        )
        return lo, max(lo, hi)

    def _index_created(self, old: Record | None, new: Record) -> None:
        if old is not None:
            if old.created_at == new.created_at:
                return
            key = (old.created_at.timestamp(), old.id)
            at = bisect.bisect_left(self._created, key)
            if at < len(self._created) and self._created[at] == key:
                del self._created[at]
        key = (new.created_at.timestamp(), new.id)
        if not self._created or self._created[-1] < key:
            self._created.append(key)  # the common case: records are created in time order
        else:
            bisect.insort(self._created, key)

    def ids(self, query: Query) -> list[str]:
        """Ids of the records :meth:`query` returns, in the same order."""
        return [r.id for r in self.query(query)]

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """``(wake_at, id)`` of records due at or before ``until``, earliest first."""
        check_due(until, property, limit)
        cutoff = until.timestamp()
        last = int(cutoff // 60)
        with self._lock:
            heap, minutes, size = self._heap, self._minutes, len(self._heap)
            ids: list[str] = []
            seen: set[int] = set()  # a minute emptied and filled again is in the heap twice
            stack = [0] if heap else []
            while stack:  # the minutes up to ``last`` are a subtree at the top of the heap
                i = stack.pop()
                minute = heap[i]
                if minute > last:
                    continue
                bucket = minutes.get(minute)
                if bucket is not None and minute not in seen:
                    seen.add(minute)
                    ids.extend(bucket)
                child = 2 * i + 1
                if child < size:
                    stack.append(child)
                    if child + 1 < size:
                        stack.append(child + 1)
            wake = self._wake
            hits = sorted([(wake[rid], rid) for rid in ids])
            records = self._records
            out = [
                (records[rid].wake_at, rid)
                for ts, rid in hits
                if ts <= cutoff and (property is None or records[rid].property == property)
            ]
        return out[:limit] if limit is not None else out  # type: ignore[return-value]

    def events_since(
        self, position: int, *, property: str | None = None, limit: int | None = None
    ) -> list[FeedEvent]:
        """Feed events after ``position``, oldest first; see the protocol."""
        with self._lock:
            return self._feed.since(position, property, limit)

    def feed_head(self) -> int:
        """The position of the last event written (0 if none)."""
        return self._feed.head

    def prune_events(self, upto: int) -> int:
        """Remove the feed events at or before ``upto``; returns how many."""
        with self._lock:
            return self._feed.prune(upto)

    def refresh(self) -> None:
        """Nothing to catch up with: the store is private to this process."""

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._records)} records)"
