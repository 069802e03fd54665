"""The in-memory view of one JSON store file, and how lines are applied to it.

A :class:`State` holds the open descriptor, an :class:`~._json_format.Entry` per record
(where its line is, and its indexed fields), the counters, a due heap of
``(wake_us, id)`` with lazy deletion, and where the last complete commit ends.
:func:`apply` reads commit groups into it, checking every line; damage raises
:class:`Damaged`, which the store reports as ``CorruptStoreError`` naming the file.
"""

from __future__ import annotations

import datetime as _dt
import heapq
from operator import attrgetter
from typing import Any

import pendulum

from ..errors import CorruptStoreError, ValidationError
from . import _json_format as fmt
from ._json_feed import LazyFeed, check_pairs
from ._json_keyed import KeyedCreated
from .codec import micros
from .protocol import FEED_HEAD, Query, check_id

__all__ = [
    "Bounds",
    "Damaged",
    "EventsPart",
    "Part",
    "Pending",
    "State",
    "apply",
    "apply_group",
    "candidates",
    "may_match",
    "parse_dt",
    "parse_part",
    "rebuild",
    "to_micros",
]


class Damaged(Exception):
    """The file is damaged ``where`` (line, offset) because of ``reason``."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


INDEXED = ("kind", "state", "property", "tenant", "owner", "department", "location", "category")


def _reindex(state: State, old: fmt.Entry | None, new: fmt.Entry) -> None:
    state.keyed.moved(old, new)
    for name, index in state.by.items():
        before = getattr(old, name) if old is not None else None
        after = getattr(new, name)
        if old is not None and before == after:
            continue
        if before is not None:
            bucket = index.get(before)
            if bucket is not None:
                bucket.discard(new.id)
                if not bucket:
                    del index[before]
        if after is not None:
            index.setdefault(after, set()).add(new.id)


def rebuild(state: State) -> None:
    """Build the hash indexes and the due heap of a state whose records were installed
    without them (a compaction moves every entry directly; opening a file indexes once
    at the end, so the versions a later line replaced are never indexed): one pass per
    indexed field."""
    entries = list(state.records.values())
    ids = [e.id for e in entries]
    by: dict[str, dict[object, set[str]]] = {}
    for name in INDEXED:
        found: dict[object, list[str]] = {}
        for value, rid in zip(map(attrgetter(name), entries), ids, strict=True):
            bucket = found.get(value)
            if bucket is None:
                found[value] = [rid]
            else:
                bucket.append(rid)
        found.pop(None, None)
        by[name] = {value: set(bucket) for value, bucket in found.items()}
    state.by = by
    state.keyed.clear()
    state.heap = [(e.wake, e.id) for e in entries if e.wake is not None]
    heapq.heapify(state.heap)
    state.indexed = True


def candidates(state: State, q: Query) -> list[fmt.Entry]:
    """Entries that may match ``q``: the smallest hash-index bucket among its equality
    filters (every entry when it has none), then the cheap index-only checks."""
    best: list[set[str]] | None = None
    best_size = 0
    for name in INDEXED:
        want = getattr(q, name)
        if want is None:
            continue
        values = (want,) if isinstance(want, str) else want
        index = state.by[name]
        buckets = [index[v] for v in values if v in index]
        size = sum(len(b) for b in buckets)
        if best is None or size < best_size:
            best, best_size = buckets, size
    pool = state.records.values() if best is None else [state.records[i] for b in best for i in b]
    bounds = Bounds(q)
    return [e for e in pool if may_match(e, q, bounds)]


class Bounds:
    """A query's time bounds converted once to the index's integer microseconds."""

    __slots__ = ("created_from", "created_to", "updated_from", "updated_to")
    created_from: int | None
    created_to: int | None
    updated_from: int | None
    updated_to: int | None

    def __init__(self, q: Query) -> None:
        for name in self.__slots__:
            value = getattr(q, name)
            setattr(self, name, None if value is None else to_micros(value))


class State:
    """One loaded view of one file: its descriptor and everything indexed from it."""

    def __init__(self, fd: int, ident: tuple[int, int]) -> None:
        self.fd = fd
        self.ident = ident
        self.records: dict[str, fmt.Entry] = {}
        self.counters: dict[str, int] = {}
        self.heap: list[tuple[int, str]] = []
        self.base = 0
        self.seq = 0
        self.header_len = 0
        self.end = 0  # end of the last complete commit group
        self.lines = 0  # lines up to ``end``
        self.seen = 0  # file size last examined (``end`` plus any torn tail)
        self.live = 0  # bytes of the lines of current records
        # hash indexes of the equality filters of Query: field -> value -> ids
        self.by: dict[str, dict[object, set[str]]] = {name: {} for name in INDEXED}
        # per (tenant | location, category) the (created, id) of its records, sorted (C9)
        self.keyed = KeyedCreated()
        self.indexed = True  # False while opening: rebuild() indexes at the end
        self.feed = LazyFeed()  # the retained feed events (G6), decoded when read


class EventsPart:
    """A checked events line: its ``[position, event]`` pairs and its length in bytes."""

    __slots__ = ("items", "length")

    def __init__(self, items: list[list[Any]], length: int) -> None:
        self.items = items
        self.length = length


Part = fmt.Entry | dict[str, int] | EventsPart
"""One line of a commit group, checked: a record's entry, the counters it sets, or
its feed events."""


def _events_part(payload: list[Any], offset: int, length: int) -> EventsPart:
    try:
        return EventsPart(check_pairs(payload), length)
    except ValueError as exc:
        raise fmt.BadLine(str(exc)) from None


def parse_part(payload: Any, record_start: int, offset: int, length: int) -> Part:
    """The checked content of a line (see ``fmt.LineHead``); :class:`BadLine` if bad."""
    if record_start == fmt.EVENTS:
        return _events_part(payload, offset, length)
    if record_start >= 0:
        entry = fmt.entry_from_ix(offset, length, payload)
        try:
            check_id(entry.id)
        except ValidationError:
            raise fmt.BadLine(f"{entry.id!r} is not a valid record id") from None
        return entry
    counters: dict[str, int] = payload
    for name, value in counters.items():
        if type(value) is not int:
            raise fmt.BadLine(f"counter {name!r} is not an integer")
    return counters


class Pending:
    """Where :func:`apply` stopped in a file read in pieces: the file offset of the next
    line to read (``next``), the lines counted so far and the checked lines of a commit
    group the piece cut (kept, so the next piece goes on from there instead of reading
    and checking the group again)."""

    __slots__ = ("group", "line_no", "n", "next", "of")

    def __init__(self, state: State) -> None:
        self.group: list[Part] = []
        self.n = self.of = 0
        self.line_no = state.lines
        self.next = state.end


def apply(
    state: State,
    data: bytes,
    start: int,
    *,
    snapshot: bool = False,
    final: bool = True,
    pending: Pending | None = None,
) -> list[str]:
    """Apply every complete commit group in ``data[start:]`` (file offset
    ``pending.next`` at ``start``; ``state.end`` without ``pending``); stop before an
    incomplete final group (a torn tail, or with ``final=False`` the part of the file
    not read yet: ``pending`` then keeps its checked lines).
    Returns the ids of the records that changed."""
    carry = pending if pending is not None else Pending(state)
    pos = start
    size = len(data)
    base_offset = carry.next - start
    group = carry.group
    group_n, group_of = carry.n, carry.of
    changed: list[str] = []
    line_no = carry.line_no
    view = memoryview(data)
    while pos < size:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break  # an unterminated last line: torn, unless it is the snapshot
        line_no += 1
        try:
            n, k, of, payload, record_start = fmt.read_line(data, pos, nl, view)
            if group:
                ok = n == group_n and k == len(group) + 1 and of == group_of
            else:
                first_snapshot = snapshot and n == state.base and state.end == state.header_len
                ok = k == 1 and of >= 1 and (n == state.seq + 1 or first_snapshot)
                group_n, group_of = n, of
            if not ok:
                raise fmt.BadLine(
                    f"out of sequence (commit {n} part {k} of {of} after commit {state.seq}); "
                    "lines are missing, duplicated or reordered"
                )
            group.append(parse_part(payload, record_start, base_offset + pos, nl + 1 - pos))
        except fmt.BadLine as exc:
            raise Damaged(f"line {line_no}, offset {base_offset + pos}", exc.reason) from None
        pos = nl + 1
        if len(group) == group_of:
            changed.extend(apply_group(state, group_n, group))
            state.end = base_offset + pos
            state.lines = line_no
            group = []
    carry.group, carry.n, carry.of = group, group_n, group_of
    carry.line_no, carry.next = line_no, base_offset + pos
    if final and snapshot and state.base > 0 and state.end == state.header_len:
        # the compaction group is incomplete: cut inside a line, or at a line's end (then
        # its last lines, or all of them, are missing; a compacted file always has one)
        cut = group_n if group else fmt.peek_n(data[pos:]) if pos < size else state.base
        if cut == state.base:
            raise Damaged(
                f"offset {base_offset + size}",
                "the file ends inside its snapshot (it was truncated or cut)",
            )
    return changed


def apply_group(state: State, n: int, group: list[Part]) -> list[str]:
    """Install the checked lines of commit ``n``; returns the ids of its records."""
    changed = []
    indexed = state.indexed
    for part in group:
        if isinstance(part, dict):
            state.counters.update(part)
            state.feed.restore_head(part.get(FEED_HEAD, 0))
            continue
        if isinstance(part, EventsPart):
            try:
                state.feed.install_pairs(part.items)
            except CorruptStoreError as exc:
                raise Damaged(f"commit {n}", str(exc)) from None
            state.live += part.length  # retained events are live data, kept by compaction
            continue
        old = state.records.get(part.id)
        if old is not None:
            state.live -= old.length
        state.records[part.id] = part
        state.live += part.length
        changed.append(part.id)
        if not indexed:
            continue
        _reindex(state, old, part)
        if part.wake is not None:
            heapq.heappush(state.heap, (part.wake, part.id))
    state.seq = n
    if indexed and len(state.heap) > 2 * len(state.records) + 1024:
        state.heap = [(e.wake, rid) for rid, e in state.records.items() if e.wake is not None]
        heapq.heapify(state.heap)
    return changed


def parse_dt(iso: str) -> pendulum.DateTime:
    parsed = _dt.datetime.fromisoformat(iso)
    offset = parsed.utcoffset()
    assert offset is not None  # checked when the line was indexed
    return pendulum.instance(parsed, tz=pendulum.FixedTimezone(int(offset.total_seconds())))


def to_micros(value: pendulum.DateTime) -> int:
    try:
        return micros(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{value!r} is not an aware datetime (times given to a store need a UTC offset)"
        ) from None


def may_match(e: fmt.Entry, q: Query, bounds: Bounds | None = None) -> bool:
    """The cheap, index-only part of :meth:`Query.matches` (no false negatives)."""
    b = bounds if bounds is not None else Bounds(q)
    if q.kind is not None and e.kind not in ((q.kind,) if isinstance(q.kind, str) else q.kind):
        return False
    if q.state is not None and e.state not in ((q.state,) if isinstance(q.state, str) else q.state):
        return False
    for name in ("property", "tenant", "owner", "department", "location", "category", "is_open"):
        want = getattr(q, name)
        if want is not None and getattr(e, name) != want:
            return False
    if b.created_from is not None and e.created < b.created_from:
        return False
    if b.created_to is not None and e.created >= b.created_to:
        return False
    if b.updated_from is not None and e.updated < b.updated_from:
        return False
    if b.updated_to is not None and e.updated >= b.updated_to:
        return False
    return q.linked_to is None or q.linked_to in e.links
