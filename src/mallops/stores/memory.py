"""The in-memory store: a dict of records, secondary indexes, a due heap and counters.

Records are immutable, so the store hands out the stored objects themselves.  The due
query reads a time index kept exact on every commit (:mod:`._memory_index`): each
record's wake time, and the records waking in each minute in ``(wake_at, id)`` order,
with the minutes in a heap.  ``due()`` walks only the top of that heap (the minutes up
to the time asked) and reads their buckets in order, so it costs O(k) for k due records
(plus the heap walk) and never looks at the others.  Equality filters of :class:`Query`
(kind, state, property, tenant, owner, department, location, category) use hash
indexes: a query costs O(m) in the size m of its smallest matching index entry.  To keep
them small (issue 16) a value with one record keeps the bare id, and the attributes whose
values many records share are indexed by combination (:class:`._memory_index.GroupedIndex`).  A
query by tenant or location and category reads a list per key kept in creation order:
with a time bound and a limit (the C9 recurrence count) it costs O(log n + limit).
Thread-safe.
"""

from __future__ import annotations

import bisect
import math
import operator
import threading
from collections.abc import Callable, Collection, Iterable, Sequence

import pendulum

from ..domain.events import DomainEvent, FeedEvent
from ..domain.records import Record
from ..errors import ConflictError, RecordNotFound, ValidationError
from ._memory_index import (
    Bucket,
    CreatedKey,
    GroupedIndex,
    KeyedCreated,
    WakeIndex,
    bucket_add,
    bucket_remove,
    members,
)
from .eventlog import EventLog
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
_values = operator.attrgetter(*_INDEXED)
_TENANT, _LOCATION, _CATEGORY = 3, 6, 7
_SINGLE = ("tenant", "location")  # most values have a few records: one bucket each
_GROUPED = ("kind", "state", "property", "owner", "department", "category")
_group_of = operator.itemgetter(0, 1, 2, 4, 5, 7)  # ``_GROUPED`` of ``_values(record)``
_EQUALITY = (*_INDEXED, "is_open")  # places in ``_values(record)``


def _check_events(events: Sequence[DomainEvent]) -> None:
    """Refuse what is not a sequence of events before anything changes (the message of
    :func:`~mallops.stores.eventlog.encode_events`, without encoding them)."""
    if isinstance(events, str | bytes) or not isinstance(events, Sequence):
        raise ValidationError("events: expected a sequence of DomainEvent", field="events")
    for e in events:
        if not isinstance(e, DomainEvent):
            raise ValidationError(
                f"events: expected DomainEvent values, got {type(e).__name__}", field="events"
            )


def _equality(query: Query) -> tuple[Callable[[Record], object], object] | None:
    """For a query whose filters, besides the creation time and the limit, are single
    values of record attributes: a getter and what it must return (``Query.matches``
    without the time checks); ``None`` for any other query."""
    if (
        query.updated_from is not None
        or query.updated_to is not None
        or query.linked_to is not None
        or not isinstance(query.kind, str | None)
        or not isinstance(query.state, str | None)
    ):
        return None
    names = [n for n in _EQUALITY if getattr(query, n) is not None]
    if not names:
        return (lambda r: None), None
    want = tuple(getattr(query, n) for n in names)
    return operator.attrgetter(*names), want if len(names) > 1 else want[0]


def _keyed(values: tuple[str | None, ...]) -> list[tuple[str, str, str | None]]:
    """The keys of :class:`KeyedCreated` a record with these index values belongs to."""
    keys: list[tuple[str, str, str | None]] = []
    tenant, location = values[_TENANT], values[_LOCATION]
    if tenant is not None:
        keys.append(("tenant", tenant, values[_CATEGORY]))
    if location is not None:
        keys.append(("location", location, values[_CATEGORY]))
    return keys


class MemoryStore:
    """A private, non-durable store for tests, simulations and embedding."""

    def __init__(self) -> None:
        self._records: dict[str, Record] = {}
        self._counters: dict[str, int] = {}
        self._created: list[CreatedKey] = []  # (created_at, id), sorted
        self._keyed = KeyedCreated()  # the same keys per (tenant | location, category)
        self._wake = WakeIndex()
        self._index: dict[str, dict[object, Bucket]] = {name: {} for name in _SINGLE}
        self._grouped = GroupedIndex(len(_GROUPED))
        self._lock = threading.RLock()
        self._feed = EventLog()

    def _reindex(self, old: Record | None, new: Record) -> None:
        """Update the hash indexes and the creation-time indexes for ``old`` -> ``new``."""
        rid = new.id
        after = _values(new)
        tenants, locations = self._index["tenant"], self._index["location"]
        if old is None:
            self._grouped.add(_group_of(after), rid)
            for index, a in ((tenants, after[_TENANT]), (locations, after[_LOCATION])):
                if a is not None:
                    bucket_add(index, a, rid)  # a bucket of one id is the id (issue 16)
            self._index_created(new, after)
            return
        before = _values(old)
        if before != after:
            group_before, group_after = _group_of(before), _group_of(after)
            if group_before != group_after:
                self._grouped.move(group_before, group_after, rid)
            for index, at in ((tenants, _TENANT), (locations, _LOCATION)):
                b, a = before[at], after[at]
                if b == a:
                    continue
                if b is not None:
                    bucket_remove(index, b, rid)
                if a is not None:
                    bucket_add(index, a, rid)
        if (old.created_at is not new.created_at and old.created_at != new.created_at) or _keyed(
            before
        ) != _keyed(after):
            self._unindex_created(old, before)
            self._index_created(new, after)

    def __len__(self) -> int:
        return len(self._records)

    def get(self, record_id: str) -> Record:
        """The record with this id; ``RecordNotFound`` if there is none."""
        if type(record_id) is str:
            found = self._records.get(record_id)
            if found is not None:  # a stored id was checked when it was first written
                return found
        check_id(record_id)
        raise RecordNotFound(f"no record {record_id!r}", record_id=record_id)

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
        _check_events(events)  # refuse what is not an event before anything changes
        with self._lock:
            seen: set[str] = set()
            records = self._records
            for w in writes:
                rid = w.record.id
                current = records.get(rid) if type(rid) is str else None
                if current is None:
                    check_id(rid)  # a stored id was checked when it was first written
                if rid in seen:
                    raise ConflictError(
                        f"record {rid!r} appears twice in one commit", record_id=rid
                    )
                seen.add(rid)
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
            wake = self._wake
            for w in writes:
                new = w.record
                rid = new.id
                self._reindex(records.get(rid), new)
                records[rid] = new
                wake.set(rid, new.wake_at, new.property)
            for c in wanted.values():
                self._counters[c.name] = c.new
            if events:
                self._feed.append(events)

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
            best: list[Collection[str]] | None = None
            best_size = 0
            wanted: list[tuple[int, Collection[object]]] = []
            for at, name in enumerate(_GROUPED):
                want = getattr(query, name)
                if want is not None:
                    wanted.append((at, (want,) if isinstance(want, str) else want))
            grouped = self._grouped
            best_at = -1
            for at, values in wanted:
                size = grouped.size(at, values)
                if best_at < 0 or size < best_size:
                    best_at, best_size = at, size
            if best_at >= 0:
                others = [w for w in wanted if w[0] != best_at]
                best = grouped.buckets(best_at, dict(wanted)[best_at], others)
            for name in _SINGLE:
                want = getattr(query, name)
                if want is None:
                    continue
                index = self._index[name]
                values = (want,) if isinstance(want, str) else want
                buckets = [members(index[v]) for v in values if v in index]
                size = sum(len(b) for b in buckets)
                if best is None or size < best_size:
                    best, best_size = buckets, size
            ordered = self._ordered_span(query)
            if ordered is not None and (best is None or ordered[2] - ordered[1] <= 2 * best_size):
                # a creation-time index: candidates come in (created_at, id) order, no sort
                pool_ids = best[0] if best is not None and len(best) == 1 else None
                return self._walk(query, *ordered, pool_ids)
            pool = (
                list(self._records.values())
                if best is None
                else [self._records[i] for b in best for i in b]
            )
            found = [r for r in pool if query.matches(r)]
        found.sort(key=lambda r: (r.created_at, r.id))
        return found[: query.limit] if query.limit is not None else found

    def _walk(
        self,
        query: Query,
        items: list[CreatedKey],
        lo: int,
        hi: int,
        pool: Collection[str] | None,
    ) -> list[Record]:
        """The records of ``items[lo:hi]`` that match ``query`` (only ids in ``pool``, when
        given, can), in order, up to its limit.  A candidate created well inside the
        query's time bounds is checked on its equality filters alone."""
        records, limit = self._records, query.limit
        found: list[Record] = []
        if limit == 0:
            return found
        plain = _equality(query)
        inner_lo = (
            -math.inf if query.created_from is None else query.created_from.timestamp() + 1e-3
        )
        inner_hi = math.inf if query.created_to is None else query.created_to.timestamp() - 1e-3
        for ts, rid in items[lo:hi]:
            if pool is not None and rid not in pool:
                continue
            r = records[rid]
            if plain is not None and inner_lo <= ts < inner_hi:
                if plain[0](r) != plain[1]:
                    continue
            elif not query.matches(r):
                continue
            found.append(r)
            if limit is not None and len(found) >= limit:
                break
        return found

    def _ordered_span(self, query: Query) -> tuple[list[CreatedKey], int, int] | None:
        """The smallest slice of a creation-time index (the whole store's, or one
        ``(tenant | location, category)`` list) that holds every record ``query`` can
        match; ``None`` when neither index narrows it."""
        lo = None if query.created_from is None else query.created_from.timestamp()
        hi = None if query.created_to is None else query.created_to.timestamp()
        best: tuple[list[CreatedKey], int, int] | None = None
        if query.category is not None:
            for name in ("tenant", "location"):
                value = getattr(query, name)
                if value is not None:
                    span = self._keyed.span((name, value, query.category), lo, hi)
                    if best is None or span[2] - span[1] < best[2] - best[1]:
                        best = span
        if best is None and (lo is not None or hi is not None):
            best = self._created_span(lo, hi)
        return best

    def _created_span(
        self, lo: float | None, hi: float | None
    ) -> tuple[list[CreatedKey], int, int]:
        """The slice of the creation-time index created in about ``[lo, hi)`` (a
        millisecond wider each side; ``matches`` then decides exactly)."""
        items = self._created
        a = 0 if lo is None else bisect.bisect_left(items, (lo - 1e-3, ""))
        b = len(items) if hi is None else bisect.bisect_left(items, (hi + 1e-3, ""))
        return items, a, max(a, b)

    def _index_created(self, new: Record, values: tuple[str | None, ...]) -> None:
        """Put ``new`` in the creation-time indexes (:meth:`_reindex` takes an old
        version out first with :meth:`_unindex_created`)."""
        key = (new.created_at.timestamp(), new.id)
        created = self._created
        if not created or created[-1] < key:
            created.append(key)  # the common case: records are created in time order
        else:
            bisect.insort(created, key)
        for k in _keyed(values):
            self._keyed.add(k, key)

    def _unindex_created(self, old: Record, values: tuple[str | None, ...]) -> None:
        key = (old.created_at.timestamp(), old.id)
        at = bisect.bisect_left(self._created, key)
        if at < len(self._created) and self._created[at] == key:
            del self._created[at]
        for k in _keyed(values):
            self._keyed.remove(k, key)

    def ids(self, query: Query) -> list[str]:
        """Ids of the records :meth:`query` returns, in the same order."""
        return [r.id for r in self.query(query)]

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """``(wake_at, id)`` of records due at or before ``until``, earliest first."""
        check_due(until, property, limit)
        with self._lock:
            return self._wake.due(until.timestamp(), property, limit)

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
