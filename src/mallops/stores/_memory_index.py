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
from collections.abc import Collection

import pendulum

__all__ = [
    "EAGER",
    "Bucket",
    "CreatedKey",
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
