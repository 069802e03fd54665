"""A storage backend of your own, over sqlite3, checked by mallops' contract suite.

A host system that keeps its data in its own database implements the methods of
``mallops.Store`` (see docs/storage.md), the event feed included, and runs
``mallops.testing.StoreContract`` against it.  In a pytest module that is three lines::

    class TestMyStore(StoreContract):
        def make_store(self, tmp_path):
            return SqliteStore(tmp_path / "ops.db")

``main()`` below runs the same tests without pytest's collection, so the example is
self-contained.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pendulum

from mallops import ConflictError, Query, Record, RecordNotFound
from mallops.domain.events import DomainEvent, FeedEvent
from mallops.stores import CounterWrite, Write
from mallops.stores.codec import decode, encode
from mallops.stores.eventlog import check_limit, check_since, decode_event, encode_events
from mallops.stores.protocol import check_id, counters_as_mapping
from mallops.testing import StoreContract


def _key(at: pendulum.DateTime) -> str:
    """A time as fixed-width UTC text, so that SQL compares and sorts it exactly."""
    return at.in_timezone("UTC").strftime("%Y%m%d%H%M%S%f")


class SqliteStore:
    """Records as JSON text in one table; versions checked inside one transaction."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, version INT,"
            " wake TEXT, property TEXT, body TEXT);"
            "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INT);"
            "CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, property TEXT,"
            " body TEXT);"
            "CREATE TABLE IF NOT EXISTS feed (head INT);"
        )

    def get(self, record_id: str) -> Record:
        row = self.db.execute("SELECT body FROM records WHERE id=?", (check_id(record_id),))
        found = row.fetchone()
        if found is None:
            raise RecordNotFound(f"no record {record_id!r}", record_id=record_id)
        return decode(json.loads(found[0]))

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        out = {}
        for rid in record_ids:
            with contextlib.suppress(RecordNotFound):
                out[rid] = self.get(rid)
        return out

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        wanted = counters_as_mapping(counters)
        feed = encode_events(events)  # checked before anything is written
        if len({check_id(w.record.id) for w in writes}) != len(writes):
            raise ConflictError("a record appears twice in one commit")
        self.db.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
        try:
            for w in writes:
                row = self.db.execute("SELECT version FROM records WHERE id=?", (w.record.id,))
                actual = (row.fetchone() or (0,))[0]
                if actual != w.expected_version:
                    raise ConflictError(
                        f"record {w.record.id!r} is at version {actual}",
                        record_id=w.record.id,
                        expected=w.expected_version,
                        actual=actual,
                    )
                wake = _key(w.record.wake_at) if w.record.wake_at else None
                self.db.execute(
                    "INSERT OR REPLACE INTO records VALUES (?,?,?,?,?)",
                    (w.record.id, w.record.version, wake, w.record.property,
                     json.dumps(encode(w.record))),
                )  # fmt: skip
            for c in wanted.values():
                if self.counter(c.name) != c.expected:
                    raise ConflictError(f"counter {c.name!r} moved", expected=c.expected)
                self.db.execute("INSERT OR REPLACE INTO counters VALUES (?,?)", (c.name, c.new))
            head = self.feed_head()  # under the write lock: the positions follow on
            for i, e in enumerate(feed, start=head + 1):
                self.db.execute(
                    "INSERT INTO events VALUES (?,?,?)", (i, e["property"], json.dumps(e))
                )
            self.db.execute("DELETE FROM feed")
            self.db.execute("INSERT INTO feed VALUES (?)", (head + len(feed),))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def counter(self, name: str) -> int:
        row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def query(self, query: Query) -> list[Record]:
        rows = self.db.execute("SELECT body FROM records")  # a real backend filters in SQL
        found = [r for r in (decode(json.loads(b)) for (b,) in rows) if query.matches(r)]
        found.sort(key=lambda r: (r.created_at, r.id))
        return found[: query.limit] if query.limit is not None else found

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        rows = self.db.execute(
            "SELECT id FROM records WHERE wake <= ? AND (? IS NULL OR property = ?)"
            " ORDER BY wake, id LIMIT ?",
            (_key(until), property, property, -1 if limit is None else limit),
        )
        found = self.get_many([rid for (rid,) in rows])  # in the order of the query
        return [(r.wake_at, r.id) for r in found.values() if r.wake_at is not None]

    def events_since(
        self, position: int, *, property: str | None = None, limit: int | None = None
    ) -> list[FeedEvent]:
        check_limit(limit)
        rows = self.db.execute(
            "SELECT position, body FROM events WHERE position > ?"
            " AND (? IS NULL OR property = ?) ORDER BY position LIMIT ?",
            (check_since(position, 1), property, property, -1 if limit is None else limit),
        ).fetchall()
        first = self.db.execute("SELECT MIN(position) FROM events").fetchone()[0]
        check_since(position, first if first is not None else self.feed_head() + 1)
        return [FeedEvent(p, decode_event(json.loads(b), f"event {p}")) for p, b in rows]

    def feed_head(self) -> int:
        row = self.db.execute("SELECT head FROM feed").fetchone()
        return int(row[0]) if row else 0

    def prune_events(self, upto: int) -> int:
        return self.db.execute("DELETE FROM events WHERE position <= ?", (upto,)).rowcount

    def refresh(self) -> None:
        """sqlite reads the latest committed data on every query."""

    def close(self) -> None:
        self.db.close()


class SqliteContract(StoreContract):
    def make_store(self, tmp_path: Path) -> SqliteStore:
        return SqliteStore(tmp_path / "ops.db")

    def reopen(self, store: object, tmp_path: Path) -> SqliteStore:
        return SqliteStore(tmp_path / "ops.db")


def run_contract(contract: type[StoreContract]) -> list[str]:
    """Run every test of ``contract`` (each with a fresh directory and store); return
    the names of those that passed.  Any failure raises."""
    passed = []
    for name in sorted(n for n in dir(contract) if n.startswith("test_")):
        suite = contract()
        test = getattr(suite, name)
        with tempfile.TemporaryDirectory() as tmp:
            args: dict[str, object] = {"tmp_path": Path(tmp)}
            if "store" in inspect.signature(test).parameters:
                args["store"] = suite.make_store(Path(tmp))
            wanted = {k: v for k, v in args.items() if k in inspect.signature(test).parameters}
            try:
                test(**wanted)
            finally:
                if "store" in args:
                    args["store"].close()  # type: ignore[attr-defined]
        passed.append(name)
    return passed


def main() -> None:
    """Run the storage contract against the sqlite3 backend above."""
    passed = run_contract(SqliteContract)
    assert len(passed) >= 12, passed
    print(f"SqliteStore passes all {len(passed)} tests of the storage contract")


if __name__ == "__main__":
    main()
