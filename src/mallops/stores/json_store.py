"""The JSON-file store: one readable file, durable, shared safely by several processes.

The file is a journal of checksummed JSON lines (format in :mod:`._json_format` and
docs/storage.md): a header, then one group of lines per commit, each record on its own
line.  A commit appends its group with a single write and (by default) ``fdatasync``
before it returns, so its cost does not depend on the size of the store.  When dead
lines (old versions of records) outweigh live ones, the file is *compacted*: the live
lines are copied to a temporary file, which is synced and renamed over the store, and
the directory is synced.

Opening reads the file once, checks every line's checksum and builds an in-memory index
(ids, versions, the queried fields, a due heap) without decoding the records; a record
is decoded from its line when first read (its checksum checked again), then cached.
A compaction also writes the index of the new file next to it (``<store>.index``,
:mod:`._json_snapshot`); an open that finds it whole and matching the file's bytes
builds the index from it and reads only the commits after the compaction line by line.

Processes coordinate with ``flock`` on the store file: a commit holds an exclusive lock
only while it catches up with what others appended, checks versions and appends;
catching up holds a shared lock.  The kernel releases the lock of a process that dies.
A process that finds the file replaced by another's compaction reloads it.

A *torn tail* (a commit whose write was cut by a crash, hence never acknowledged) is the
one thing dropped: it is skipped on reading and truncated (with a logged warning) by the
next commit before it appends.  Any other damage raises
:class:`~mallops.errors.CorruptStoreError` naming the file, line and byte offset.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import pendulum

from ..domain.events import DomainEvent, FeedEvent
from ..domain.records import Record
from ..errors import (
    ConflictError,
    CorruptStoreError,
    RecordNotFound,
    StoreError,
    ValidationError,
)
from . import _json_files as files
from . import _json_format as fmt
from . import _json_index as index
from . import _json_scale as scale
from ._json_compact import compact_file
from ._json_file import MIGRATIONS, JsonFile
from ._json_index import State
from .codec import decode, encode
from .eventlog import encode_events
from .protocol import (
    FEED_HEAD,
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

__all__ = ["MIGRATIONS", "JsonStore"]

log = logging.getLogger("mallops.stores.json")

_COMPACT_MIN = 4 << 20  # never compact for less than 4 MiB of dead lines
_CACHE_SIZE = 4096


class JsonStore(JsonFile):
    """A store in one JSON-lines file at ``path`` (created on first use).

    ``durable=True`` (the default) syncs each commit to disk before ``commit`` returns:
    a power cut loses nothing acknowledged.  ``durable=False`` skips that sync: a killed
    process still loses nothing (the data is in the operating system's cache), but a
    power cut or kernel crash may lose the last commits; meant for bulk imports and
    simulations.  The file must be on a local filesystem (network filesystems break the
    locking).  POSIX only (Linux, macOS).

    Opening a store holding more than ``warn_at`` records (default 80 % of the
    :data:`CEILING`, see :mod:`._json_scale`) logs a warning naming ``mallops store copy``.
    """

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._guarded():
            return len(self._fresh().records)

    def _decode(self, state: State, entry: fmt.Entry) -> Record:
        cached = self._cache.get(entry.id)
        if cached is not None:
            self._cache.move_to_end(entry.id)
            return cached
        line = os.pread(state.fd, entry.length, entry.offset)
        where = f"offset {entry.offset} (record {entry.id!r})"
        try:
            record = decode(json.loads(fmt.record_text(line)))
        except fmt.BadLine as exc:
            raise self._corrupt(
                where, f"{exc.reason} (changed since the store was opened?)"
            ) from None
        except (ValueError, CorruptStoreError) as exc:
            raise self._corrupt(where, str(exc)) from None
        if record.id != entry.id or record.version != entry.version:
            raise self._corrupt(where, "the record does not match its index")
        self._remember(record)
        return record

    def _remember(self, record: Record) -> None:
        self._cache[record.id] = record
        self._cache.move_to_end(record.id)
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)

    def get(self, record_id: str) -> Record:
        """The record with this id; ``RecordNotFound`` if there is none."""
        check_id(record_id)
        with self._guarded():
            state = self._fresh()
            entry = state.records.get(record_id)
            if entry is None:
                raise RecordNotFound(f"no record {record_id!r}", record_id=record_id)
            return self._decode(state, entry)

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records among ``record_ids`` that exist."""
        ids = check_ids(record_ids)
        with self._guarded():
            state = self._fresh()
            out = {}
            for rid in ids:
                entry = state.records.get(rid)
                if entry is not None:
                    out[rid] = self._decode(state, entry)
            return out

    def counter(self, name: str) -> int:
        """The counter's current value (0 if never advanced)."""
        check_counter(name)
        with self._guarded():
            return self._fresh().counters.get(name, 0)

    def counters(self) -> dict[str, int]:
        """Every counter by name (for copying a store)."""
        with self._guarded():
            return dict(self._fresh().counters)

    def query(self, query: Query) -> list[Record]:
        """Matching records, oldest first (index filters first, then the reference
        semantics of :meth:`Query.matches` on the decoded candidates)."""
        with self._guarded():
            state = self._fresh()
            candidates = sorted(index.candidates(state, query), key=lambda e: (e.created, e.id))
            out: list[Record] = []
            if query.limit is not None and query.limit <= 0:
                return out  # as ids() and the other stores: no record (was one)
            for entry in candidates:
                record = self._decode(state, entry)
                if query.matches(record):
                    out.append(record)
                    if query.limit is not None and len(out) >= query.limit:
                        break
            return out

    def ids(self, query: Query) -> list[str]:
        """Ids of the records :meth:`query` returns, from the index alone (no decoding)."""
        with self._guarded():
            return scale.ids(self._fresh(), query)

    def creation_keys(self, query: Query) -> list[tuple[int, str]]:
        """``(created_at, id)`` of the records :meth:`ids` returns, in the same order,
        the creation time as integer microseconds since the epoch, from the index (the
        staging store of :meth:`mallops.Mall.bulk` merges with these, issue 16)."""
        with self._guarded():
            return scale.creation_keys(self._fresh(), query)

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """``(wake_at, id)`` of records due at or before ``until``, earliest first."""
        check_due(until, property, limit)
        cutoff = index.to_micros(until)
        with self._guarded():
            state = self._fresh()
            found: list[tuple[int, str, Any]] = []
            keep: list[tuple[int, str]] = []
            seen: set[str] = set()
            heap = state.heap
            while heap and heap[0][0] <= cutoff:
                wake, rid = heapq.heappop(heap)
                entry = state.records.get(rid)
                if entry is None or entry.wake != wake or rid in seen:
                    continue  # stale: the record has moved on
                seen.add(rid)
                keep.append((wake, rid))
                if property is None or entry.property == property:
                    found.append((wake, rid, entry.wake_iso))
                    if limit is not None and len(found) >= limit:
                        break  # the heap yields (wake, id) in order: the rest come later
            for item in keep:
                heapq.heappush(heap, item)
        found.sort()
        if limit is not None:
            found = found[:limit]
        return [(index.parse_dt(iso), rid) for _, rid, iso in found]

    # -- writing -----------------------------------------------------------------------------

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        """Write all records, counters and feed events or none; see the protocol.
        Returns once the commit is on disk (``durable=True``) or in the operating system
        (``False``)."""
        if self._read_only:
            raise StoreError(f"{self._path} is read-only (opened for reading); nothing was written")
        wanted = counters_as_mapping(counters)
        feed = encode_events(events)
        seen: set[str] = set()
        for w in writes:
            rid = check_id(w.record.id)
            if rid in seen:
                raise ConflictError(f"record {rid!r} appears twice in one commit", record_id=rid)
            seen.add(rid)
        try:
            encoded = [
                (fmt.dump(fmt.index_of(w.record)), fmt.dump(encode(w.record))) for w in writes
            ]
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"a record holds a value JSON cannot store ({exc}); record fields must be "
                "JSON-compatible (str, int, float, bool, None, lists and dicts of them)",
                field="fields",
            ) from None
        with self._guarded(), self._locked(exclusive=True) as state:
            for w in writes:
                current = state.records.get(w.record.id)
                actual = current.version if current is not None else 0
                if actual != w.expected_version:
                    raise stale_write(w.record.id, w.expected_version, actual)
            for c in wanted.values():
                actual = state.counters.get(c.name, 0)
                if actual != c.expected:
                    raise ConflictError(
                        f"counter {c.name!r} is at {actual}, expected {c.expected}",
                        expected=c.expected,
                        actual=actual,
                    )
            if not writes and not wanted and not feed:
                return
            n = state.seq + 1
            moved = {c.name: c.new for c in wanted.values()}
            if feed:  # the feed's positions follow on; its counter moves in this commit
                head = state.feed.head
                moved[FEED_HEAD] = head + len(feed)
            of = len(writes) + (1 if feed else 0) + (1 if moved else 0)
            lines = [
                fmt.record_line_raw(n, k, of, ix, text)
                for k, (ix, text) in enumerate(encoded, start=1)
            ]
            if feed:
                pairs = [[head + i, e] for i, e in enumerate(feed, start=1)]
                lines.append(fmt.events_line(n, len(lines) + 1, of, pairs))
            if moved:
                lines.append(fmt.counters_line(n, of, of, moved))
            self._append(state, b"".join(lines))
            group: list[index.Part] = []
            offset = state.end
            for line in lines:
                _, _, _, payload, start = fmt.read_line(line, 0, len(line) - 1)
                group.append(index.parse_part(payload, start, offset, len(line)))
                offset += len(line)
            index.apply_group(state, n, group)
            state.end = state.seen = offset
            state.lines += len(lines)
            for w in writes:
                self._remember(w.record)
            if state.end - state.header_len - state.live > max(state.live, _COMPACT_MIN):
                try:
                    self._compact(state)
                except StoreError as exc:  # the commit itself is done; compact next time
                    log.warning("%s: compaction failed: %s", self._path, exc)

    def _append(self, state: State, data: bytes) -> None:
        """Append at ``state.end`` and sync; on failure cut the file back (nothing written)."""
        start = state.end
        try:
            if self._fault_hook is not None:
                half = len(data) // 2
                files.write_all(state.fd, data[:half], start)
                self._fault("append:partial")
                files.write_all(state.fd, data[half:], start + half)
            else:
                files.write_all(state.fd, data, start)
            self._fault("append:before-sync")
            if self._durable:
                files.datasync(state.fd)
            self._fault("append:after-sync")
        except OSError as exc:
            try:
                os.ftruncate(state.fd, start)
                os.fsync(state.fd)
            except OSError:
                self._closed = True
                raise StoreError(
                    f"{self._path}: writing a commit failed ({exc}) and it could not be "
                    "undone; the commit may or may not be there: reopen the store to see"
                ) from exc
            raise StoreError(
                f"{self._path}: writing a commit failed ({exc}); nothing was written"
            ) from exc

    # -- compaction --------------------------------------------------------------------------

    def compact(self) -> None:
        """Rewrite the file with only the current records and counters (temp file, sync,
        rename, directory sync).  Commits do this on their own when most lines are dead."""
        if self._read_only:
            raise StoreError(f"{self._path} is read-only (opened for reading); not compacted")
        with self._guarded(), self._locked(exclusive=True) as state:
            self._compact(state)

    def _compact(self, state: State) -> None:
        new = compact_file(self._path, state, self._fault, self._corrupt)
        cache = OrderedDict(self._cache)
        self._replace_state(new)  # closes the old file, releasing its lock
        self._cache = cache

    # -- the event feed ----------------------------------------------------------------------

    def events_since(
        self, position: int, *, property: str | None = None, limit: int | None = None
    ) -> list[FeedEvent]:
        """Feed events after ``position``, oldest first; see the protocol."""
        with self._guarded():
            return self._fresh().feed.since(position, property, limit)

    def feed_head(self) -> int:
        """The position of the last event written (0 if none)."""
        with self._guarded():
            return self._fresh().feed.head

    def prune_events(self, upto: int) -> int:
        """Remove the feed events at or before ``upto`` (by compacting the file);
        returns how many."""
        if self._read_only:
            raise StoreError(f"{self._path} is read-only (opened for reading); nothing was pruned")
        with self._guarded(), self._locked(exclusive=True) as state:
            removed = state.feed.prune(upto)
            if removed:
                try:
                    self._compact(state)
                except BaseException:
                    self._replace_state(self._load())  # the file still has them
                    raise
            return removed

    def __enter__(self) -> JsonStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"JsonStore({str(self._path)!r})"
