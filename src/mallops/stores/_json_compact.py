"""Compaction of a JSON store file: the live lines copied to a temporary file, synced,
renamed over the store and the directory synced (see the json_store module docstring);
then the index snapshot of the new file is written next to it (:mod:`._json_snapshot`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from ..errors import (
    CorruptStoreError,
    StoreError,
)
from . import _json_files as files
from . import _json_format as fmt
from . import _json_index as index
from . import _json_snapshot as snapshot
from ._json_index import State

__all__ = ["compact_file"]

if sys.platform != "win32":
    import fcntl

log = logging.getLogger("mallops.stores.json")

_CHUNK = 1 << 20
_EVENTS_PER_LINE = 256  # as eventlog.event_chunks


def compact_file(
    path: Path,
    state: State,
    fault: Callable[[str], None],
    corrupt: Callable[[str, str], CorruptStoreError],
) -> State:
    """Write ``state``'s live records, feed events and counters to a new file renamed
    over ``path`` (the caller holds the exclusive lock); return the new file's state,
    its descriptor open and locked."""
    for stale in path.parent.glob(f".{path.name}.*.compact"):
        with contextlib.suppress(OSError):
            stale.unlink()  # left by a compaction that crashed (we hold the lock)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.compact")
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    entries = sorted(state.records.values(), key=lambda e: e.offset)
    pairs = state.feed.pairs()
    chunks = [pairs[i : i + _EVENTS_PER_LINE] for i in range(0, len(pairs), _EVENTS_PER_LINE)]
    of = len(entries) + len(chunks) + (1 if state.counters else 0)
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise StoreError(f"cannot compact {path}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        new = State(fd, (0, 0))
        new.base = new.seq = state.seq
        header = fmt.header_line(base=state.seq, created_at=now)
        buffer = [header]
        pos = buffered = new.header_len = len(header)
        crc = 0  # of the whole new file: the index snapshot names it
        for k, entry in enumerate(entries, start=1):
            old = os.pread(state.fd, entry.length, entry.offset)
            try:
                fmt.check_line(old[:-1])
                line = fmt.reframe(old, state.seq, k, of)
            except fmt.BadLine as exc:
                raise corrupt(f"offset {entry.offset}", exc.reason) from None
            new.records[entry.id] = entry.moved(pos, len(line))
            pos += len(line)
            buffer.append(line)
            buffered += len(line)
            if buffered >= _CHUNK:
                block = b"".join(buffer)
                files.write_all(fd, block, pos - buffered)
                crc = zlib.crc32(block, crc)
                buffer, buffered = [], 0
            if k == len(entries) // 2:
                fault("compact:partial")
        index.rebuild(new)  # the entries were moved in directly: index them
        records_end = pos
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
        block = b"".join(buffer)
        files.write_all(fd, block, pos - buffered)
        crc = zlib.crc32(block, crc)
        os.fsync(fd)
        fault("compact:before-rename")
        os.replace(tmp, path)
        fault("compact:after-rename")
        files.fsync_dir(path)
    except BaseException as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, StoreError):
            raise StoreError(f"cannot compact {path}: {exc}") from exc
        raise
    try:
        snapshot.write(
            path,
            header=header,
            base=state.seq,
            data_len=pos,
            data_crc=crc,
            records_end=records_end,
            lines=1 + of,
            entries=[new.records[e.id] for e in entries],
            fault=fault,
        )
    except OSError as exc:  # the compaction is done; the next open reads every line
        log.warning("%s: writing the index snapshot failed: %s", path, exc)
    st = os.fstat(fd)
    new.ident = (st.st_ino, st.st_dev)
    new.counters = dict(state.counters)
    new.live += sum(e.length for e in new.records.values())
    new.feed = state.feed
    new.end = new.seen = pos
    new.lines = 1 + of
    return new
