"""The JSON store at scale: its documented ceiling, opening a large file in chunks,
id-only queries, and the migration of an older file.

**Ceiling.**  Opening checks and indexes every line (about 16 µs of CPU per record of
5 KB on a loaded 2-core machine) and keeps about 1 KB per record in memory.  Just
after a compaction the index snapshot (:mod:`._json_snapshot`) replaces most of that:
a million records (a 4.9 GB file) opened in 9–10 s of wall time (6.6 s of CPU in the
opening thread, 9.2 s in all threads; 16–18 s reading every line; issue 16, jsn
round).  Commits appended since the compaction are still read line by line, so a store
whose commits since then approach its live data (the next commit compacts it) takes
longer: 4.6 s of CPU (5.3 s in all threads) at 250,000 records with 235,000 rewritten
since the compaction, so about 20 s at a million.  The store is meant for
up to :data:`CEILING` records; beyond it, ``mallops store copy`` moves it to SQLite or
PostgreSQL.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from ..errors import CorruptStoreError
from . import _json_files as files
from . import _json_format as fmt
from ._json_index import Bounds, Pending, State, candidates, may_match, rebuild
from ._json_keyed import KEYS
from .protocol import Query

__all__ = [
    "CEILING",
    "CEILING_WARNING",
    "HEAD_READ",
    "LOAD_CHUNK",
    "WARN_AT",
    "ids",
    "load_chunks",
    "migrate_file",
]

log = logging.getLogger("mallops.stores.json")

CEILING = 1_000_000
"""Records a JSON store is meant to hold (about 10 s to open just after a compaction,
about 20 s when its commits since then approach its live data); beyond it, use SQL."""
WARN_AT = CEILING * 4 // 5
"""Opening a store holding more records than this logs a warning (80 % of the ceiling)."""
CEILING_WARNING = (
    "%s holds %d records, near or above the JSON store's ceiling of %d (slow to open, "
    "memory grows with it); move it to SQLite or PostgreSQL with: mallops store copy "
    "SRC sqlite:///mall.db | JSON 存储记录数已接近或超过上限，打开变慢、内存随之增长；"
    "请用 mallops store copy 迁移到 SQLite 或 PostgreSQL"
)
HEAD_READ = 64 << 10
"""Bytes read to find the header line (it is well under this)."""
LOAD_CHUNK = 32 << 20
"""Opening reads the file in pieces of this size."""

Apply = Callable[..., None]


def load_chunks(state: State, size: int, apply: Apply) -> None:
    """Index the file after its header a chunk at a time, so opening never holds the
    whole file in memory (issue 16: a 1M-record file is gigabytes).  A chunk that cuts
    a commit group hands its checked lines on to the next chunk (a
    :class:`~._json_index.Pending`), so no line is read or checked twice; a chunk grows
    if one line is larger.  ``apply`` is the store's
    ``(state, data, start, snapshot=, final=, pending=)`` indexer."""
    chunk = LOAD_CHUNK
    pending = Pending(state)
    state.indexed = False  # index once, at the end (rebuild)
    _read_pieces(state, size, apply, pending, chunk)
    rebuild(state)


def _read_pieces(state: State, size: int, apply: Apply, pending: Pending, chunk: int) -> None:
    buffer = bytearray(min(chunk, size - pending.next))
    while pending.next < size:
        upto = min(size, pending.next + chunk)
        before = pending.next
        if len(buffer) != upto - before:
            buffer = bytearray(upto - before)
        data = files.read_into(state.fd, buffer, before)
        apply(state, data, 0, snapshot=True, final=upto == size, pending=pending)
        if upto == size:
            return
        if pending.next == before:
            chunk *= 2  # one line larger than the chunk: read more at once


def ids(state: State, query: Query) -> list[str]:
    """Ids of the records ``query`` matches, oldest first, from the index alone.

    A query by tenant or location and category (the C9 recurrence check) walks that
    key's creation-ordered list from its ``created_from`` and stops at its limit
    (:mod:`._json_keyed`): its cost does not grow with the location's history."""
    return [rid for _, rid in creation_keys(state, query)]


def creation_keys(state: State, query: Query) -> list[tuple[int, str]]:
    """``(created_us, id)`` of the records :func:`ids` returns, in the same order."""
    keyed = _keyed_keys(state, query)
    if keyed is not None:
        return keyed
    found = sorted(candidates(state, query), key=lambda e: (e.created, e.id))
    if query.limit is not None:
        found = found[: max(0, query.limit)]
    return [(e.created, e.id) for e in found]


def _keyed_keys(state: State, query: Query) -> list[tuple[int, str]] | None:
    """:func:`creation_keys` from the smallest ``(tenant | location, category)`` list that
    holds every match (the same keys in the same order); ``None`` if the query names no
    key."""
    if query.category is None:
        return None
    bounds = Bounds(query)
    best: tuple[list[tuple[int, str]], int, int] | None = None
    for name in KEYS:
        value = getattr(query, name)
        if value is None:
            continue
        bucket = state.by[name].get(value)
        span = state.keyed.span(
            (name, value, query.category),
            bucket,
            state.records,
            bounds.created_from,
            bounds.created_to,
        )
        if best is None or span[2] - span[1] < best[2] - best[1]:
            best = span
    if best is None:
        return None
    items, lo, hi = best
    limit = query.limit
    out: list[tuple[int, str]] = []
    if limit is not None and limit <= 0:
        return out
    records = state.records
    for at in range(lo, hi):  # no slice: a copy would cost the rest of the history
        item = items[at]
        if may_match(records[item[1]], query, bounds):
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
    return out


def migrate_file(
    path: Path,
    fd: int,
    migrations: Mapping[int, Callable[[bytes], bytes]],
    corrupt: Callable[[str, str], CorruptStoreError],
) -> None:
    """Bring the file at ``path`` (open on ``fd``, locked exclusively) to the current
    format with ``migrations``, keeping the original as ``<name>.v<old>.bak``."""
    data = files.read_all(fd, 0, os.fstat(fd).st_size)
    head_end = data.find(b"\n")
    try:
        current = fmt.parse_header(data[:head_end])["version"]
    except fmt.BadLine as exc:
        raise corrupt("line 1, offset 0", exc.reason) from None
    if current >= fmt.VERSION:
        return  # another process migrated it meanwhile
    for v in range(current, fmt.VERSION):
        step = migrations.get(v)
        if step is None:
            raise corrupt(
                "line 1",
                f"format version {v} is no longer supported by this mallops "
                f"(no migration from {v} to {v + 1})",
            )
        data = step(data)
    backup = path.with_name(f"{path.name}.v{current}.bak")
    files.replace(path, data, backup=backup)
    log.warning("%s: migrated from format %d (kept %s)", path, current, backup)
