"""The statements of one commit of a SQL store, run inside its (group's) transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConflictError
from ._sql_db import Database
from ._sql_feed import append_events
from .protocol import CounterWrite, Write, stale_write

__all__ = ["apply_commit"]

_COLUMNS = (
    "id, kind, state, property, version, created_at, updated_at, wake_at, is_open, "
    "tenant, owner, department, location, category, data"
)
_INSERT = (
    f"INSERT INTO mallops_records ({_COLUMNS}) VALUES ({', '.join('?' * 15)}) "
    "ON CONFLICT (id) DO NOTHING"
)
_UPDATE = (
    "UPDATE mallops_records SET kind = ?, state = ?, property = ?, version = ?, "
    "created_at = ?, updated_at = ?, wake_at = ?, is_open = ?, tenant = ?, owner = ?, "
    "department = ?, location = ?, category = ?, data = ? WHERE id = ? AND version = ?"
)


def _counter(db: Database, name: str) -> int:
    rows = db.rows("SELECT value FROM mallops_counters WHERE name = ?", (name,))
    return int(rows[0][0]) if rows else 0


def _stale(db: Database, rid: str, expected: int) -> ConflictError:
    rows = db.rows("SELECT version FROM mallops_records WHERE id = ?", (rid,))
    actual = int(rows[0][0]) if rows else 0
    return stale_write(rid, expected, actual)


def apply_commit(
    db: Database,
    staged: Mapping[str, tuple[Write, tuple[Any, ...]]],
    wanted: Mapping[str, CounterWrite],
    feed: list[tuple[str, str]],
) -> None:
    """Write the staged records (with their links), the counters and the feed events;
    ``ConflictError`` on a stale version or a counter taken (the caller rolls back)."""
    for rid in sorted(staged):  # one lock order for every commit: no deadlocks
        w, row = staged[rid]
        if w.expected_version == 0:
            changed = db.run(_INSERT, (rid, *row))
        else:
            changed = db.run(_UPDATE, (*row, rid, w.expected_version))
            if changed == 1:
                db.run("DELETE FROM mallops_links WHERE record_id = ?", (rid,))
        if changed != 1:
            raise _stale(db, rid, w.expected_version)
        for link in w.record.links:
            db.run(
                "INSERT INTO mallops_links (record_id, relation, target_id) VALUES (?, ?, ?)",
                (rid, link.relation, link.record_id),
            )
    for name in sorted(wanted):
        c = wanted[name]
        if c.expected == 0:
            changed = db.run(
                "INSERT INTO mallops_counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                (name, c.new),
            )
        else:
            changed = db.run(
                "UPDATE mallops_counters SET value = ? WHERE name = ? AND value = ?",
                (c.new, name, c.expected),
            )
        if changed != 1:
            actual = _counter(db, name)
            raise ConflictError(
                f"counter {name!r} is at {actual}, expected {c.expected}",
                expected=c.expected,
                actual=actual,
            )
    if feed:
        append_events(db, feed)
