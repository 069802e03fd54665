"""The SQL store's event feed (G6): numbering, writing and reading ``mallops_events``.

Private to :mod:`mallops.stores.sql_store`; both dialects run the same statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..domain.events import FeedEvent
from ..errors import CorruptStoreError
from ._sql_db import Database
from .eventlog import decode_event
from .protocol import FEED_HEAD

__all__ = ["append_events", "decode_rows", "first_position", "select_events"]


def append_events(db: Database, feed: list[tuple[str, str]]) -> None:
    """Number and insert a commit's events (inside its transaction).  The feed's
    counter row is taken last by every commit, and held to the end of the
    transaction, so positions are gap-free and become visible in order."""
    db.run(
        "INSERT INTO mallops_counters (name, value) VALUES (?, ?) ON CONFLICT (name) "
        "DO UPDATE SET value = mallops_counters.value + excluded.value",
        (FEED_HEAD, len(feed)),
    )
    head = int(db.rows("SELECT value FROM mallops_counters WHERE name = ?", (FEED_HEAD,))[0][0])
    first = head - len(feed) + 1
    for i, (prop, data) in enumerate(feed):
        db.run(
            "INSERT INTO mallops_events (position, property, data) VALUES (?, ?, ?)",
            (first + i, prop, data),
        )


def select_events(
    db: Database, position: int, property: str | None, limit: int | None
) -> Sequence[Sequence[Any]]:
    """The raw ``(position, data)`` rows after ``position``, oldest first."""
    sql = "SELECT position, data FROM mallops_events WHERE position > ?"
    params: list[Any] = [position]
    if property is not None:
        sql += " AND property = ?"
        params.append(property)
    sql += " ORDER BY position"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return db.rows(sql, params)


def decode_rows(rows: Sequence[Sequence[Any]], where: str) -> list[FeedEvent]:
    """Feed events from raw rows; an unreadable row is a :class:`CorruptStoreError`."""
    out = []
    for pos, data in rows:
        at = f"{where}: event {pos}"
        try:
            loaded = json.loads(data)
        except ValueError as exc:
            raise CorruptStoreError(f"{at} holds no readable JSON ({exc})") from None
        out.append(FeedEvent(int(pos), decode_event(loaded, at)))
    return out


def first_position(db: Database) -> int | None:
    """The oldest position still in the feed, or ``None`` when it is empty."""
    rows = db.rows("SELECT MIN(position) FROM mallops_events")
    return int(rows[0][0]) if rows[0][0] is not None else None
