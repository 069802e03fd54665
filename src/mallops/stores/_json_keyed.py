"""Per ``(tenant | location, category)``, the JSON store's records in creation order.

The C9 recurrence check (issue 16) asks, for a complaint's tenant and its location, the
ids of at most ``recurrence_count`` records of the same category created since the
window start.  The hash buckets of :mod:`._json_index` hold every record of a location,
so answering from them costs the location's whole history (every entry checked, then
sorted).  :class:`KeyedCreated` keeps, per key, the ``(created_us, id)`` pairs of its
records sorted (the order :meth:`~mallops.stores.json_store.JsonStore.ids` returns), so
a time-bounded query with a limit bisects to ``created_from`` and stops after ``limit``
matches: O(log n + limit), as the memory store does.

A key's list is built the first time a query asks for it (from the location's or
tenant's hash bucket) and kept exact from then on by every commit, so opening a store
pays nothing for it and only the keys queried cost memory.  A rebuilt state (opening,
compaction) starts with none.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping

from . import _json_format as fmt

__all__ = ["KEYS", "KeyedCreated"]

KEYS = ("tenant", "location")
"""The record fields a key is made of, each with the category."""

Created = tuple[int, str]
"""``(created_us, id)`` of one record."""


def _keys(e: fmt.Entry) -> Iterator[tuple[str, str, str]]:
    if e.category is None:
        return
    if e.tenant is not None:
        yield ("tenant", e.tenant, e.category)
    if e.location is not None:
        yield ("location", e.location, e.category)


class KeyedCreated:
    """The sorted ``(created_us, id)`` lists of the keys asked for so far."""

    __slots__ = ("_lists",)

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str, str], list[Created]] = {}

    def clear(self) -> None:
        self._lists.clear()

    def moved(self, old: fmt.Entry | None, new: fmt.Entry) -> None:
        """Keep the lists built so far exact when ``new`` replaces ``old`` (or is new)."""
        lists = self._lists
        if not lists:
            return
        if old is not None:
            if (
                old.created == new.created
                and old.tenant == new.tenant
                and old.location == new.location
                and old.category == new.category
            ):
                return
            item = (old.created, old.id)
            for key in _keys(old):
                items = lists.get(key)
                if items is not None:
                    at = bisect.bisect_left(items, item)
                    if at < len(items) and items[at] == item:
                        del items[at]
        item = (new.created, new.id)
        for key in _keys(new):
            items = lists.get(key)
            if items is None:
                continue
            if not items or items[-1] < item:
                items.append(item)  # the common case: records are created in time order
            else:
                bisect.insort(items, item)

    def span(
        self,
        key: tuple[str, str, str],
        bucket: set[str] | None,
        records: Mapping[str, fmt.Entry],
        lo: int | None,
        hi: int | None,
    ) -> tuple[list[Created], int, int]:
        """The list of ``key`` and the slice of it created in ``[lo, hi)``; the list is
        built from ``bucket`` (the ids of the key's tenant or location) if it is new."""
        items = self._lists.get(key)
        if items is None:
            category = key[2]
            items = sorted(
                (e.created, e.id)
                for e in (records[i] for i in bucket or ())
                if e.category == category
            )
            self._lists[key] = items
        a = 0 if lo is None else bisect.bisect_left(items, (lo, ""))
        b = len(items) if hi is None else bisect.bisect_left(items, (hi, ""))
        return items, a, max(a, b)
