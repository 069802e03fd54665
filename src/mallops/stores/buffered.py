"""A store that holds commits in memory and writes them to another store in one commit.

:class:`BufferedStore` is what :meth:`mallops.Mall.bulk` puts in front of a mall's
store: imports and simulations run thousands of operations, and each of them would
otherwise pay one durable commit (an ``fdatasync`` in the JSON store, a transaction in
SQL).  Inside the buffer every operation still checks versions and counters exactly as
the store would (a stale write raises ``ConflictError`` and stages nothing), reads see
the staged records, queries and the due query merge the staged records with the
store's; :meth:`BufferedStore.flush` then writes everything with **one** commit of the
underlying store: all of it or, on a conflict with another process, none of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
import pendulum

from ..domain.events import DomainEvent, FeedEvent
from ..domain.records import Record
from ..errors import ConflictError, ValidationError
from .codec import micros
from .copy import store_counters
from .eventlog import check_limit, check_since, encode_events
from .memory import MemoryStore
from .protocol import (
    CounterWrite,
    Query,
    Store,
    Write,
    check_counter,
    check_due,
    check_id,
    check_ids,
    counters_as_mapping,
    query_ids,
    stale_write,
)

__all__ = ["BufferedStore"]


class BufferedStore:
    """Staged commits over ``base``; :meth:`flush` writes them in one commit.

    Meant for one thread (an import, a simulation): other processes do not see the
    staged records until :meth:`flush`.
    """

    def __init__(self, base: Store) -> None:
        self.base = base
        self._staged: dict[str, Record] = {}
        self._based_on: dict[str, int] = {}
        self._counters: dict[str, tuple[int, int]] = {}
        self._index = MemoryStore()  # the staged records, indexed for queries and due
        self._events: list[DomainEvent] = []  # feed events, written with the flush (G6)
        self._pruned = 0  # feed positions pruned while staged (pruned after the flush)

    @property
    def pending(self) -> int:
        """How many records are staged and not yet written to the base store."""
        return len(self._staged)

    # -- reads ----------------------------------------------------------------------------

    def get(self, record_id: str) -> Record:
        """The staged record, or the base store's."""
        staged = self._staged.get(check_id(record_id))
        return staged if staged is not None else self.base.get(record_id)

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records among ``record_ids`` that exist, staged ones first."""
        ids = check_ids(record_ids)
        out = self.base.get_many([i for i in ids if i not in self._staged])
        out.update({i: self._staged[i] for i in ids if i in self._staged})
        return {i: out[i] for i in ids if i in out}

    def counter(self, name: str) -> int:
        """The counter as staged (or the base store's)."""
        staged = self._counters.get(check_counter(name))
        return staged[1] if staged is not None else self.base.counter(name)

    def counters(self) -> dict[str, int]:
        """Every counter by name, as staged."""
        out = store_counters(self.base)
        out.update({name: value for name, (_, value) in self._counters.items()})
        return out

    def query(self, query: Query) -> list[Record]:
        """The base store's matches with staged records merged in, oldest first.  With a
        ``limit`` the base store decodes at most ``limit`` records more than the staged
        records it also holds (the C9 recurrence check asks for a few)."""
        unlimited = attrs.evolve(query, limit=None)
        if query.limit is None:
            base = self.base.query(unlimited)
        else:
            shadowed = sum(1 for i in query_ids(self.base, unlimited) if i in self._staged)
            base = self.base.query(attrs.evolve(query, limit=query.limit + shadowed))
        merged = {r.id: r for r in base if r.id not in self._staged}
        merged.update({r.id: r for r in self._index.query(unlimited)})
        found = sorted(merged.values(), key=lambda r: (r.created_at, r.id))
        return found[: query.limit] if query.limit is not None else found

    def ids(self, query: Query) -> list[str]:
        """Ids of the records :meth:`query` would return (the base store decodes nothing
        when it can answer from its indexes and no staged record matches; with a
        ``limit``, at most ``limit`` records otherwise)."""
        unlimited = attrs.evolve(query, limit=None)
        if query.limit is None:
            out = [i for i in query_ids(self.base, unlimited) if i not in self._staged]
            return out + self._index.ids(unlimited)
        staged = self._index.query(unlimited)
        limit = max(0, query.limit)
        creation_keys = getattr(self.base, "creation_keys", None)
        if staged and callable(creation_keys):  # SQL and JSON stores: no record decoded
            timed = [k for k in creation_keys(unlimited) if k[1] not in self._staged][:limit]
        else:
            out = [i for i in query_ids(self.base, unlimited) if i not in self._staged]
            if not staged:  # the base store's order is the answer's
                return out[:limit]
            timed = [(micros(r.created_at), r.id) for r in self.base.get_many(out[:limit]).values()]
        timed.extend((micros(r.created_at), r.id) for r in staged)
        timed.sort()
        return [rid for _, rid in timed[:limit]]

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """Due records of the base store and the staged ones, earliest first."""
        check_due(until, property, limit)
        out = [
            (at, rid)
            for at, rid in self.base.due(until, property=property)
            if rid not in self._staged
        ]
        out.extend(self._index.due(until, property=property))
        out.sort(key=lambda x: (x[0], x[1]))
        return out[:limit] if limit is not None else out

    # -- writes ---------------------------------------------------------------------------

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        """Stage ``writes``, ``counters`` and feed ``events`` after the checks the store
        would make."""
        wanted = counters_as_mapping(counters)
        encode_events(events)  # refuse what is not an event before staging anything
        seen: set[str] = set()
        for w in writes:
            rid = check_id(w.record.id)
            if rid in seen:
                raise ConflictError(f"record {rid!r} appears twice in one commit", record_id=rid)
            seen.add(rid)
        unstaged = [rid for rid in seen if rid not in self._staged]
        in_base = self.base.get_many(unstaged) if unstaged else {}
        for w in writes:
            rid = w.record.id
            staged = self._staged.get(rid)
            based = in_base.get(rid)
            actual = staged.version if staged is not None else (based.version if based else 0)
            if actual != w.expected_version:
                raise stale_write(rid, w.expected_version, actual)
        for c in wanted.values():
            actual = self.counter(c.name)
            if actual != c.expected:
                raise ConflictError(
                    f"counter {c.name!r} is at {actual}, expected {c.expected}",
                    expected=c.expected,
                    actual=actual,
                )
        staging = []
        for w in writes:
            before = self._staged.get(w.record.id)
            staging.append(Write(w.record, before.version if before is not None else 0))
        self._index.commit(staging)
        for w in writes:
            rid = w.record.id
            if rid not in self._based_on:
                self._based_on[rid] = w.expected_version
            self._staged[rid] = w.record
        for c in wanted.values():
            start = self._counters[c.name][0] if c.name in self._counters else c.expected
            self._counters[c.name] = (start, c.new)
        self._events.extend(events)

    def flush(self) -> int:
        """Write everything staged to the base store in one commit; the number of
        records written.  On ``ConflictError`` nothing is written and the staged work
        is kept (inspect it or :meth:`discard` it)."""
        writes = [Write(r, self._based_on[rid]) for rid, r in self._staged.items()]
        counters = [CounterWrite(n, a, b) for n, (a, b) in self._counters.items()]
        if writes or counters or self._events:
            self.base.commit(writes, counters, self._events)
        if self._pruned:
            self.base.prune_events(self._pruned)
        self.discard()
        return len(writes)

    def discard(self) -> None:
        """Forget everything staged."""
        self._staged.clear()
        self._based_on.clear()
        self._counters.clear()
        self._index = MemoryStore()
        self._events.clear()

    def events_since(
        self, position: int, *, property: str | None = None, limit: int | None = None
    ) -> list[FeedEvent]:
        """The base store's feed, then the staged events at the positions they take if
        nobody else commits before :meth:`flush` (one writer, as documented)."""
        check_limit(limit)
        base_head = self.base.feed_head()
        check_since(position, self._pruned + 1 if self._pruned > base_head else 1)
        out = self.base.events_since(min(position, base_head), property=property, limit=limit)
        out = [e for e in out if e.position > max(position, self._pruned)]
        for i, event in enumerate(self._events, start=base_head + 1):
            if i > max(position, self._pruned) and (property is None or event.property == property):
                out.append(FeedEvent(i, event))
        return out[:limit] if limit is not None else out

    def feed_head(self) -> int:
        """The base store's last feed position plus the staged events."""
        return self.base.feed_head() + len(self._events)

    def prune_events(self, upto: int) -> int:
        """Prune the base store's feed now, staged events once :meth:`flush` wrote them."""
        if type(upto) is not int or upto < 0:
            raise ValidationError(f"upto: expected a non-negative integer, got {upto!r}")
        base_head = self.base.feed_head()
        upto = min(upto, base_head + len(self._events))
        removed = self.base.prune_events(min(upto, base_head))
        staged = max(0, upto - max(base_head, self._pruned))
        self._pruned = max(self._pruned, upto)
        return removed + staged

    def refresh(self) -> None:
        """Catch the base store up with other processes."""
        self.base.refresh()

    def close(self) -> None:
        """Nothing to release: the base store stays open (its owner closes it)."""

    def __repr__(self) -> str:
        return f"BufferedStore({len(self._staged)} staged over {self.base!r})"
