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
is decoded from its line when first read, then cached.

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

import contextlib
import datetime as _dt
import errno
import gc
import heapq
import json
import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
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
from ._json_index import State
from .codec import decode, encode
from .eventlog import encode_events, event_chunks
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

if sys.platform != "win32":
    import fcntl

log = logging.getLogger("mallops.stores.json")


MIGRATIONS: dict[int, Callable[[bytes], bytes]] = {1: fmt.outcomes_added}
"""``MIGRATIONS[v]`` turns the whole text of a version-``v`` file into version ``v+1``.
Opening an older file applies them in turn and writes the result (temp file + rename),
keeping the original next to it as ``<name>.v<v>.bak``."""

_CACHE_SIZE = 4096
_COMPACT_MIN = 4 << 20  # never compact for less than 4 MiB of dead lines
_CHUNK = 1 << 20


class JsonStore:
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

    def __init__(
        self, path: str | os.PathLike[str], *, durable: bool = True, warn_at: int = scale.WARN_AT
    ) -> None:
        self._path = Path(os.path.abspath(os.fspath(path)))
        self._durable = bool(durable)
        self._mutex = threading.RLock()
        self._cache: OrderedDict[str, Record] = OrderedDict()
        self._fault_hook: Callable[[str], None] | None = None
        self._closed = False
        self._read_only = False  # set when the file can only be opened for reading
        if sys.platform == "win32":
            raise StoreError("JsonStore needs POSIX file locking (Linux, macOS)")
        if self._path.is_dir():
            raise StoreError(f"{self._path} is a directory; a JSON store is a file")
        if not self._path.parent.is_dir():
            raise StoreError(
                f"cannot create {self._path}: directory {self._path.parent} is missing"
            )
        if not self._path.exists():
            now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
            try:
                files.create_exclusive(self._path, fmt.header_line(base=0, created_at=now))
            except OSError as exc:
                raise StoreError(f"cannot create {self._path}: {exc}") from exc
        with self._guarded():
            self._state = self._load()
            if self._state.seq < 0:
                os.close(self._state.fd)
                self._migrate()
                self._state = self._load()
        if len(self._state.records) > warn_at:
            log.warning(scale.CEILING_WARNING, self._path, len(self._state.records), scale.CEILING)

    # -- opening ----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The store file."""
        return self._path

    @property
    def durable(self) -> bool:
        """Whether each commit is synced to disk before it returns."""
        return self._durable

    def _fault(self, point: str) -> None:
        if self._fault_hook is not None:
            self._fault_hook(point)

    def _corrupt(self, where: str, what: str) -> CorruptStoreError:
        return CorruptStoreError(
            f"{self._path}: {where}: {what}. mallops does not repair store files; restore "
            "a backup or fix the file by hand (docs/storage.md, 'Bad files')"
        )

    @contextlib.contextmanager
    def _guarded(self) -> Iterator[None]:
        """One operation at a time in this process; any other OS error becomes a
        ``StoreError`` naming the file (reads change nothing; commits undo their write)."""
        with self._mutex:
            try:
                yield
            except StoreError:
                raise
            except OSError as exc:
                raise StoreError(f"{self._path}: {exc}") from exc

    def _apply(self, state: State, data: bytes, start: int, **flags: bool) -> None:
        try:
            changed = index.apply(state, data, start, **flags)  # snapshot=, final=
        except index.Damaged as exc:
            raise self._corrupt(exc.where, exc.reason) from None
        for rid in changed:
            self._cache.pop(rid, None)

    def _open_file(self) -> int:
        """The file opened for reading and writing, or for reading only when it (or its
        directory) is read-only: the store then reads and refuses commits."""
        if not self._read_only:
            try:
                return os.open(self._path, os.O_RDWR | os.O_CLOEXEC)
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise
                self._read_only = True
        return os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)

    @property
    def read_only(self) -> bool:
        """Whether the file could only be opened for reading (commits are refused)."""
        return self._read_only

    def _open_fd(self) -> tuple[int, tuple[int, int]]:
        """A descriptor on the current file, shared-locked, and its identity."""
        while True:
            try:
                fd = self._open_file()
            except FileNotFoundError:
                raise StoreError(f"{self._path} no longer exists") from None
            except OSError as exc:
                raise StoreError(f"cannot open {self._path}: {exc}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
                st = os.fstat(fd)
                with contextlib.suppress(FileNotFoundError):
                    now = os.stat(self._path)
                    if (now.st_ino, now.st_dev) == (st.st_ino, st.st_dev):
                        return fd, (st.st_ino, st.st_dev)
            except OSError as exc:
                os.close(fd)
                raise StoreError(f"cannot lock {self._path}: {exc}") from exc
            os.close(fd)  # replaced between open and lock: try the new file

    def _load(self) -> State:
        """Read the whole current file into a fresh state (shared lock held meanwhile)."""
        fd, ident = self._open_fd()
        try:
            state = State(fd, ident)
            size = os.fstat(fd).st_size
            data = files.read_all(fd, 0, min(size, scale.HEAD_READ))
            first = data.find(b"\n")
            if first < 0:
                raise self._corrupt(
                    "line 1, offset 0",
                    "no complete header line (the file is empty, truncated or not a mallops store)",
                )
            try:
                head = fmt.parse_header(data[:first])
            except fmt.BadLine as exc:
                raise self._corrupt(
                    "line 1, offset 0", f"not a mallops JSON store ({exc.reason})"
                ) from None
            version = head["version"]
            if version > fmt.VERSION:
                raise self._corrupt(
                    "line 1",
                    f"written by a newer mallops (format version {version}; this one reads "
                    f"versions up to {fmt.VERSION}); upgrade mallops to open it",
                )
            if version < fmt.VERSION:
                state.seq = -1  # migrate first (below, with the file closed)
                return state
            state.base = state.seq = head["base"]
            state.header_len = state.end = state.seen = first + 1
            state.lines = 1
            gc_was_enabled = gc.isenabled()
            gc.disable()  # a bulk load allocates millions of objects that all survive
            try:
                scale.load_chunks(state, size, self._apply)
            finally:
                if gc_was_enabled:
                    gc.enable()
            state.seen = size
            if state.end < size:
                log.warning(
                    "%s: ignoring a torn last commit (%d bytes at offset %d): it was never "
                    "acknowledged; the next commit truncates it",
                    self._path,
                    size - state.end,
                    state.end,
                )
        except BaseException:
            os.close(fd)
            raise
        fcntl.flock(fd, fcntl.LOCK_UN)
        return state

    def _migrate(self) -> None:
        """Bring an older file to the current version (exclusive lock, backup kept)."""
        fd, _ = self._open_fd()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            scale.migrate_file(self._path, fd, MIGRATIONS, self._corrupt)
        except StoreError:
            raise
        except OSError as exc:
            raise StoreError(f"cannot migrate {self._path}: {exc}") from exc
        finally:
            os.close(fd)

    # -- staying current ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, exclusive: bool) -> Iterator[State]:
        """Lock the current file, catch up with it, and yield the state."""
        if self._closed:
            raise StoreError(f"{self._path}: the store is closed")
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        while True:
            state = self._state
            fcntl.flock(state.fd, mode)
            try:
                now = os.stat(self._path)
            except FileNotFoundError:
                fcntl.flock(state.fd, fcntl.LOCK_UN)
                raise StoreError(f"{self._path} was deleted while open") from None
            if (now.st_ino, now.st_dev) == state.ident:
                break
            fcntl.flock(state.fd, fcntl.LOCK_UN)
            self._replace_state(self._load())  # compacted by another process: reload
        try:
            self._catch_up(state, exclusive)
            yield state
        finally:
            fcntl.flock(self._state.fd, fcntl.LOCK_UN)

    def _replace_state(self, new: State) -> None:
        old = self._state
        self._state = new
        self._cache.clear()
        with contextlib.suppress(OSError):
            os.close(old.fd)

    def _catch_up(self, state: State, exclusive: bool) -> None:
        size = os.fstat(state.fd).st_size
        if size < state.end:
            raise self._corrupt(
                f"offset {size}",
                f"the file shrank below its last complete commit (offset {state.end}); "
                "something outside mallops truncated it",
            )
        if size > state.end:
            data = files.read_all(state.fd, state.end, size)
            self._apply(state, data, 0)
        state.seen = size
        if exclusive and state.end < size:
            log.warning(
                "%s: truncating a torn last commit (%d bytes at offset %d): a writer died "
                "while appending it, before it was acknowledged",
                self._path,
                size - state.end,
                state.end,
            )
            os.ftruncate(state.fd, state.end)
            os.fsync(state.fd)
            state.seen = state.end

    def _fresh(self) -> State:
        """The state, caught up first if the file changed since it was last examined."""
        if self._closed:
            raise StoreError(f"{self._path}: the store is closed")
        state = self._state
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            raise StoreError(f"{self._path} was deleted while open") from None
        if (st.st_ino, st.st_dev) != state.ident or st.st_size != state.seen:
            with self._locked(exclusive=False) as state:
                pass
        return state

    def refresh(self) -> None:
        """Catch up with what other processes committed."""
        with self._guarded():
            self._fresh()

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
        for stale in self._path.parent.glob(f".{self._path.name}.*.compact"):
            with contextlib.suppress(OSError):
                stale.unlink()  # left by a compaction that crashed (we hold the lock)
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.compact")
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        entries = sorted(state.records.values(), key=lambda e: e.offset)
        chunks = event_chunks(state.feed.events)
        of = len(entries) + len(chunks) + (1 if state.counters else 0)
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise StoreError(f"cannot compact {self._path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            new = State(fd, (0, 0))
            new.base = new.seq = state.seq
            header = fmt.header_line(base=state.seq, created_at=now)
            buffer = [header]
            pos = buffered = new.header_len = len(header)
            for k, entry in enumerate(entries, start=1):
                old = os.pread(state.fd, entry.length, entry.offset)
                try:
                    fmt.check_line(old[:-1])
                    line = fmt.reframe(old, state.seq, k, of)
                except fmt.BadLine as exc:
                    raise self._corrupt(f"offset {entry.offset}", exc.reason) from None
                new.records[entry.id] = entry.moved(pos, len(line))
                pos += len(line)
                buffer.append(line)
                buffered += len(line)
                if buffered >= _CHUNK:
                    files.write_all(fd, b"".join(buffer), pos - buffered)
                    buffer, buffered = [], 0
                if k == len(entries) // 2:
                    self._fault("compact:partial")
            index.rebuild(new)  # the entries were moved in directly: index them
            for k, chunk in enumerate(chunks, start=len(entries) + 1):
                line = fmt.events_line(state.seq, k, of, chunk)
                buffer.append(line)
                pos += len(line)
                buffered += len(line)
                new.live += len(line)
            if state.counters:
                line = fmt.counters_line(state.seq, of, of, dict(state.counters))
                buffer.append(line)
                pos += len(line)
                buffered += len(line)
            files.write_all(fd, b"".join(buffer), pos - buffered)
            os.fsync(fd)
            self._fault("compact:before-rename")
            os.replace(tmp, self._path)
            self._fault("compact:after-rename")
            files.fsync_dir(self._path)
        except BaseException as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError) and not isinstance(exc, StoreError):
                raise StoreError(f"cannot compact {self._path}: {exc}") from exc
            raise
        st = os.fstat(fd)
        new.ident = (st.st_ino, st.st_dev)
        new.counters = dict(state.counters)
        new.live += sum(e.length for e in new.records.values())
        new.feed = state.feed
        new.end = new.seen = pos
        new.lines = 1 + of
        new.heap = [(e.wake, rid) for rid, e in new.records.items() if e.wake is not None]
        heapq.heapify(new.heap)
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

    # -- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (idempotent)."""
        with self._mutex:
            if not self._closed:
                self._closed = True
                with contextlib.suppress(OSError):
                    os.close(self._state.fd)

    def __enter__(self) -> JsonStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"JsonStore({str(self._path)!r})"
