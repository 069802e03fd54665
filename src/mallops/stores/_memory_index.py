"""The memory store's time indexes (issue 16): wake times and per-key creation order.

:class:`WakeIndex` keeps each record's wake time as an entry ``(ts, id, wake_at,
property)`` in the bucket of its minute, each bucket kept in ``(ts, id)`` order (a
bucket past :data:`EAGER` entries that is not appended to in order sorts itself on the
next ``due`` instead), the minutes in a heap.  ``due`` walks the top of the heap, then
reads the due buckets in order: no sort, no pairs built but the answer's.

:class:`KeyedCreated` keeps, per ``(tenant or location, category)``, the ``(created_at,
id)`` keys of its records in order, so a time-bounded count with a limit (the C9
recurrence check) costs O(log n + limit) whatever the location's history.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Collection, Iterable, Sequence

import pendulum

__all__ = [
    "EAGER",
    "Bucket",
    "CreatedKey",
    "GroupedIndex",
    "KeyedCreated",
    "WakeEntry",
    "WakeIndex",
    "bucket_add",
    "bucket_remove",
    "members",
]

EAGER = 4096
"""A minute's bucket up to this size stays sorted on every change; a larger one is
sorted when a due query first reads it after a change out of order."""

WakeEntry = tuple[float, str, pendulum.DateTime, str]
"""``(wake_at as POSIX seconds, id, wake_at, property)``."""

CreatedKey = tuple[float, str]
"""``(created_at as POSIX seconds, id)``."""


Bucket = str | set[str]
"""The ids of a hash index's value: the id itself while there is one (most locations
and tenants of a large store have one record: a one-member set costs 216 bytes), a set
from the second id on."""


def bucket_add(index: dict[object, Bucket], value: object, rid: str) -> None:
    """Put ``rid`` in the bucket of ``value``."""
    bucket = index.get(value)
    if bucket is None:
        index[value] = rid
    elif isinstance(bucket, str):
        if bucket != rid:
            index[value] = {bucket, rid}
    else:
        bucket.add(rid)


def bucket_remove(index: dict[object, Bucket], value: object, rid: str) -> None:
    """Take ``rid`` from the bucket of ``value`` (nothing if it is not there); a bucket
    left with one id becomes that id again, an empty one goes."""
    bucket = index.get(value)
    if bucket is None:
        return
    if isinstance(bucket, str):
        if bucket == rid:
            del index[value]
        return
    bucket.discard(rid)
    if len(bucket) == 1:
        (index[value],) = bucket
    elif not bucket:
        del index[value]


def members(bucket: Bucket) -> Collection[str]:
    """The ids of ``bucket`` as a collection (``in`` on a bare id would test for a
    substring)."""
    return (bucket,) if isinstance(bucket, str) else bucket


def _decrement(count: dict[object, int], value: object) -> None:
    left = count[value] - 1
    if left:
        count[value] = left
    else:
        del count[value]


class GroupedIndex:
    """Equality indexes of the attributes whose values many records share (kind, state,
    property, owner, department, category), kept as one bucket of ids per combination of
    their values: a record is in one bucket, not in one per attribute (issue 16: six
    large sets cost 27-107 bytes per record each).  Each value knows its combinations
    and how many records have it, so a query picks its smallest attribute in O(1) and
    reads only the combinations that agree with its other filters.

    Not thread-safe by itself: the store calls it under its lock."""

    def __init__(self, size: int) -> None:
        self._groups: dict[tuple[object, ...], Bucket] = {}
        self._by: tuple[dict[object, dict[tuple[object, ...], None]], ...] = tuple(
            {} for _ in range(size)
        )
        self._count: tuple[dict[object, int], ...] = tuple({} for _ in range(size))

    def add(self, key: tuple[object, ...], rid: str) -> None:
        """Put ``rid`` (not in the index) in the bucket of the values ``key``."""
        self._put(key, rid)
        for count, v in zip(self._count, key, strict=True):
            if v is not None:
                count[v] = count.get(v, 0) + 1

    def move(self, old: tuple[object, ...], new: tuple[object, ...], rid: str) -> None:
        """Move ``rid`` from the bucket of ``old`` to that of ``new`` (the counts change
        only for the values that differ: an event changes one or two)."""
        if not self._take(old, rid):
            self.add(new, rid)
            return
        self._put(new, rid)
        for count, b, a in zip(self._count, old, new, strict=True):
            if b != a:
                if b is not None:
                    _decrement(count, b)
                if a is not None:
                    count[a] = count.get(a, 0) + 1

    def remove(self, key: tuple[object, ...], rid: str) -> None:
        """Take ``rid`` from the bucket of ``key`` (nothing if it is not there)."""
        if self._take(key, rid):
            for count, v in zip(self._count, key, strict=True):
                if v is not None:
                    _decrement(count, v)

    def _put(self, key: tuple[object, ...], rid: str) -> None:
        groups = self._groups
        bucket = groups.get(key)
        if bucket is None:
            groups[key] = rid
            for by, v in zip(self._by, key, strict=True):
                if v is not None:
                    keys = by.get(v)
                    if keys is None:
                        by[v] = {key: None}
                    else:
                        keys[key] = None
        elif isinstance(bucket, str):
            groups[key] = {bucket, rid}
        else:
            bucket.add(rid)

    def _take(self, key: tuple[object, ...], rid: str) -> bool:
        """Take ``rid`` from the bucket of ``key``; whether it was there."""
        groups = self._groups
        bucket = groups.get(key)
        if bucket is None:
            return False
        if isinstance(bucket, str):
            if bucket != rid:
                return False
            del groups[key]
            for by, v in zip(self._by, key, strict=True):
                if v is not None:
                    keys = by[v]
                    del keys[key]
                    if not keys:
                        del by[v]
        else:
            if rid not in bucket:
                return False
            bucket.discard(rid)
            if len(bucket) == 1:
                (groups[key],) = bucket
        return True

    def size(self, at: int, values: Iterable[object]) -> int:
        """How many records have one of ``values`` for attribute ``at``."""
        count = self._count[at]
        return sum(count.get(v, 0) for v in values)

    def buckets(
        self,
        at: int,
        values: Iterable[object],
        others: Sequence[tuple[int, Collection[object]]],
    ) -> list[Collection[str]]:
        """The buckets of the records with one of ``values`` for attribute ``at`` whose
        combination also has, for each ``(attribute, allowed)`` of ``others``, a value in
        ``allowed``."""
        by, groups = self._by[at], self._groups
        out: list[Collection[str]] = []
        for v in values:
            for key in by.get(v, ()):
                if all(key[j] in allowed for j, allowed in others):
                    out.append(members(groups[key]))
        return out


class _Minute:
    """The entries waking in one minute, by id, and (when known) in order."""

    __slots__ = ("entries", "order")

    def __init__(self) -> None:
        self.entries: dict[str, WakeEntry] = {}
        self.order: list[WakeEntry] | None = []

    def add(self, entry: WakeEntry) -> None:
        self.entries[entry[1]] = entry
        order = self.order
        if order is None:
            return
        if not order or order[-1] < entry:
            order.append(entry)
        elif len(order) < EAGER:
            bisect.insort(order, entry)
        else:
            self.order = None  # sorted again when a due query reads it

    def remove(self, entry: WakeEntry) -> None:
        del self.entries[entry[1]]
        order = self.order
        if order is None:
            return
        if order[-1] is entry:
            order.pop()
            return
        at = bisect.bisect_left(order, entry)
        del order[at]

    def ordered(self) -> list[WakeEntry]:
        order = self.order
        if order is None:
            order = self.order = sorted(self.entries.values())
        return order


class WakeIndex:
    """Each record's wake time, the records waking in each minute, the minutes in a heap.

    Not thread-safe by itself: the store calls it under its lock."""

    def __init__(self) -> None:
        self._entry: dict[str, WakeEntry] = {}
        self._minutes: dict[int, _Minute] = {}
        self._heap: list[int] = []  # the minutes, lazily: emptied ones are skipped

    def set(self, rid: str, wake_at: pendulum.DateTime | None, prop: str) -> None:
        """Record that ``rid`` (of property ``prop``) wakes at ``wake_at`` (or never)."""
        old = self._entry.get(rid)
        if old is not None:
            if old[2] is wake_at and old[3] == prop:
                return
            self._drop(old)
            del self._entry[rid]
        if wake_at is None:
            return
        ts = wake_at.timestamp()
        entry = (ts, rid, wake_at, prop)
        self._entry[rid] = entry
        minute = int(ts // 60)
        bucket = self._minutes.get(minute)
        if bucket is None:
            bucket = self._minutes[minute] = _Minute()
            heapq.heappush(self._heap, minute)
            if len(self._heap) > 2 * len(self._minutes) + 1024:
                self._heap = list(self._minutes)
                heapq.heapify(self._heap)
        bucket.add(entry)

    def _drop(self, entry: WakeEntry) -> None:
        minute = int(entry[0] // 60)
        bucket = self._minutes[minute]
        bucket.remove(entry)
        if not bucket.entries:
            del self._minutes[minute]

    def due(
        self, cutoff: float, property: str | None, limit: int | None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """``(wake_at, id)`` of the entries waking at or before ``cutoff``, earliest
        first (ties by id), of ``property`` if given, at most ``limit``."""
        heap, size, last = self._heap, len(self._heap), int(cutoff // 60)
        found: set[int] = set()  # a minute emptied and filled again is in the heap twice
        stack = [0] if heap else []
        while stack:  # the minutes up to ``last`` are a subtree at the top of the heap
            i = stack.pop()
            minute = heap[i]
            if minute > last:
                continue
            found.add(minute)
            child = 2 * i + 1
            if child < size:
                stack.append(child)
                if child + 1 < size:
                    stack.append(child + 1)
        out: list[tuple[pendulum.DateTime, str]] = []
        minutes = self._minutes
        for minute in sorted(found):
            bucket = minutes.get(minute)
            if bucket is None:
                continue
            order = bucket.ordered()
            if minute < last and property is None:
                out.extend([(w, r) for _, r, w, _ in order])
            else:
                out.extend(
                    [
                        (w, r)
                        for t, r, w, p in order
                        if t <= cutoff and (property is None or p == property)
                    ]
                )
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out


class KeyedCreated:
    """Per key, the :data:`CreatedKey` of its records in order (a key of one record holds
    that key alone, not a list: most locations of a large store have few records).

    Not thread-safe by itself: the store calls it under its lock."""

    def __init__(self) -> None:
        # by (tenant | location, category), then by the tenant's or location's value: the
        # value is the record's own string, so a new location costs no key tuple
        self._lists: dict[tuple[str, str | None], dict[str, list[CreatedKey] | CreatedKey]] = {}

    def add(self, key: tuple[str, str, str | None], item: CreatedKey) -> None:
        """Put ``item`` under ``key``."""
        name, value, category = key
        lists = self._lists.get((name, category))
        if lists is None:
            lists = self._lists[(name, category)] = {}
        items = lists.get(value)
        if items is None:
            lists[value] = item
        elif isinstance(items, tuple):
            lists[value] = [items, item] if items < item else [item, items]
        elif items[-1] < item:
            items.append(item)  # the common case: records are created in time order
        else:
            bisect.insort(items, item)

    def remove(self, key: tuple[str, str, str | None], item: CreatedKey) -> None:
        """Take ``item`` from under ``key`` (nothing if it is not there)."""
        name, value, category = key
        lists = self._lists.get((name, category))
        items = None if lists is None else lists.get(value)
        if lists is None or items is None:
            return
        if isinstance(items, tuple):
            if items == item:
                del lists[value]
            return
        at = bisect.bisect_left(items, item)
        if at < len(items) and items[at] == item:
            del items[at]
            if not items:
                del lists[value]

    def span(
        self, key: tuple[str, str, str | None], lo: float | None, hi: float | None
    ) -> tuple[list[CreatedKey], int, int]:
        """The list under ``key`` and the slice of it created in about ``[lo, hi)`` (a
        millisecond wider each side: the caller's filter decides exactly)."""
        name, value, category = key
        lists = self._lists.get((name, category))
        found = None if lists is None else lists.get(value)
        if found is None:
            return [], 0, 0
        items = [found] if isinstance(found, tuple) else found
        a = 0 if lo is None else bisect.bisect_left(items, (lo - 1e-3, ""))
        b = len(items) if hi is None else bisect.bisect_left(items, (hi + 1e-3, ""))
        return items, a, max(a, b)
