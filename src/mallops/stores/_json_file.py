"""The file under a :class:`~mallops.stores.json_store.JsonStore`: opening, locking,
migrating and staying current with what other processes append (see the json_store
module docstring for the format and the locking protocol).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import gc
import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

from ..domain.records import Record
from ..errors import (
    CorruptStoreError,
    StoreError,
)
from . import _json_files as files
from . import _json_format as fmt
from . import _json_index as index
from . import _json_scale as scale
from . import _json_snapshot as snapshot
from ._json_index import State

__all__ = ["MIGRATIONS", "JsonFile"]

if sys.platform != "win32":
    import fcntl

log = logging.getLogger("mallops.stores.json")

MIGRATIONS: dict[int, Callable[[bytes], bytes]] = {1: fmt.outcomes_added}
"""``MIGRATIONS[v]`` turns the whole text of a version-``v`` file into version ``v+1``.
Opening an older file applies them in turn and writes the result (temp file + rename),
keeping the original next to it as ``<name>.v<v>.bak``."""


class JsonFile:
    """The open store file of a :class:`~mallops.stores.json_store.JsonStore`, which
    documents the arguments: its in-memory index (a :class:`~._json_index.State`), the
    decoded-record cache, the locks, and catching up with other processes."""

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

    def _apply(
        self,
        state: State,
        data: bytes,
        start: int,
        *,
        snapshot: bool = False,
        final: bool = True,
        pending: index.Pending | None = None,
    ) -> None:
        try:
            changed = index.apply(
                state, data, start, snapshot=snapshot, final=final, pending=pending
            )
        except index.Damaged as exc:
            raise self._corrupt(exc.where, exc.reason) from None
        if self._cache:
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
            state.feed.where = str(self._path)
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
                snap = snapshot.read(self._path, fd, data[: first + 1], state.base, size)
                if snap is not None:  # checked against the file: read only what follows
                    try:
                        snapshot.install(state, snap, fd)
                    except index.Damaged as exc:
                        raise self._corrupt(exc.where, exc.reason) from None
                scale.load_chunks(state, size, self._apply)
            finally:
                if gc_was_enabled:
                    gc.enable()
            if state.base > 0 and state.end == state.header_len:  # always counters at least
                raise self._corrupt(
                    f"offset {size}", "the file ends inside its snapshot (it was truncated or cut)"
                )
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

    # -- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (idempotent)."""
        with self._mutex:
            if not self._closed:
                self._closed = True
                with contextlib.suppress(OSError):
                    os.close(self._state.fd)
