"""The SQL store: SQLite embedded, PostgreSQL for many processes and machines.

>>> store = SqlStore("sqlite:///ops.db")                         # doctest: +SKIP
>>> store = SqlStore("postgresql://mallops@db.internal/mallops")  # doctest: +SKIP

One implementation over two dialects (``_sql_db``), with the schema created and
migrated by the library (``_sql_schema``).  Each record is one row: the codec's JSON in
``data`` plus copies of the fields the queries filter on, each indexed.

* **Optimistic concurrency**: a new record is ``INSERT ... ON CONFLICT DO NOTHING``, a
  change is ``UPDATE ... WHERE id = ? AND version = ?``; a write that changes no row is
  stale and raises ``ConflictError``.  All writes and counter moves of a commit run in
  one transaction (SQLite ``BEGIN IMMEDIATE``), rows taken in id order so two commits
  never deadlock, and are rolled back together when one is stale.
* **Counters** move by compare-and-set in the same transaction, so a number is unique
  across every process and machine using the database.
* **Several tickers**: ``Mall.tick`` fires each mark with the version it read; two
  tickers firing the same mark race on the same conditional ``UPDATE`` and exactly one
  wins, the other gets ``ConflictError`` and re-reads.  Exactly-once firing therefore
  follows from the version column alone, on both dialects.
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import pendulum

from ..domain.events import DomainEvent, FeedEvent
from ..domain.records import Record
from ..errors import ConflictError, CorruptStoreError, RecordNotFound, ValidationError
from ._sql_db import Database, open_database
from ._sql_feed import decode_rows, first_position, select_events
from ._sql_group import GroupCommit
from ._sql_schema import SCHEMA_VERSION, ensure_schema
from ._sql_write import apply_commit
from .codec import decode, encode, micros
from .eventlog import check_limit, check_since, encode_events
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
)

__all__ = ["SqlStore"]

_UTC = _dt.UTC
_CHUNK = 500
_DECODED = 1_024  # rows whose decoded record is kept, by id and row text (issue 16)
_EQUAL_FILTERS = ("property", "tenant", "owner", "department", "location", "category")


def _from_micros(value: int) -> pendulum.DateTime:
    seconds, micro = divmod(int(value), 1_000_000)
    plain = _dt.datetime.fromtimestamp(seconds, _UTC).replace(microsecond=micro)
    return pendulum.instance(plain, tz="UTC")


def _opt_micros(value: pendulum.DateTime | None) -> int | None:
    return None if value is None else micros(value)


class SqlStore:
    """A durable store in a SQL database, shared safely by many processes.

    ``url`` selects the dialect: ``sqlite:///relative.db`` or ``sqlite:////abs/path.db``
    (standard library, one machine), ``postgresql://user:password@host:port/dbname``
    (psycopg 3, install ``mallops[postgres]``; libpq parameters such as ``?host=/socket``
    or ``?options=-csearch_path%3Dmall_a`` pass through).  Opening creates or migrates
    the schema; a schema newer than this mallops raises ``CorruptStoreError``.
    Thread-safe: one connection per store, used under a lock.  Commits of several
    threads that wait for it at once are written in one transaction, each in its own
    savepoint, and flushed once (group commit; ``group_commit=False`` commits each in
    a transaction of its own): a commit returns only when it is durable, and fails
    only with its own error.
    """

    def __init__(self, url: str, *, group_commit: bool = True) -> None:
        self.url = url
        self._lock = threading.RLock()
        # records are immutable: a row read again with the same text is not decoded again
        self._decoded: dict[str, tuple[str, Record]] = {}
        self._db: Database = open_database(url)
        # writers of this store waiting at once share one transaction (issue 16)
        self._group = GroupCommit(
            self._db.transaction, self._db.run, self._lock, enabled=group_commit
        )
        try:
            ensure_schema(self._db)
        except BaseException:
            self._db.close()
            raise

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._db.dialect

    @property
    def schema_version(self) -> int:
        """The schema version this mallops writes (the database is at it once opened)."""
        return SCHEMA_VERSION

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.rows("SELECT COUNT(*) FROM mallops_records")[0][0])

    # -- reads ----------------------------------------------------------------------------

    def _decode(self, rid: str, data: str) -> Record:
        seen = self._decoded.get(rid)
        if seen is not None and seen[0] == data:  # the same row text: the same record
            return seen[1]
        try:
            record = decode(json.loads(data))
        except ValueError as exc:
            raise CorruptStoreError(
                f"{self._db.where}: record {rid!r} holds no readable JSON ({exc})"
            ) from None
        if record.id != rid:
            raise CorruptStoreError(
                f"{self._db.where}: row {rid!r} holds the data of record {record.id!r}"
            )
        if len(self._decoded) >= _DECODED:
            self._decoded.clear()  # a bound, not an LRU: what is read again comes back
        self._decoded[rid] = (data, record)
        return record

    def get(self, record_id: str) -> Record:
        """The record with this id; ``RecordNotFound`` if there is none."""
        check_id(record_id)
        with self._lock:
            rows = self._db.rows("SELECT data FROM mallops_records WHERE id = ?", (record_id,))
        if not rows:
            raise RecordNotFound(f"no record {record_id!r}", record_id=record_id)
        return self._decode(record_id, rows[0][0])

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records among ``record_ids`` that exist (missing ids are left out)."""
        ids = list(dict.fromkeys(check_ids(record_ids)))
        found: dict[str, Record] = {}
        with self._lock:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                for rid, data in self._db.rows(
                    f"SELECT id, data FROM mallops_records WHERE id IN ({marks})", chunk
                ):
                    found[rid] = self._decode(rid, data)
        return {rid: found[rid] for rid in ids if rid in found}

    def counter(self, name: str) -> int:
        """The current value of a counter (0 if it was never advanced)."""
        check_counter(name)
        with self._lock:
            rows = self._db.rows("SELECT value FROM mallops_counters WHERE name = ?", (name,))
        return int(rows[0][0]) if rows else 0

    def counters(self) -> dict[str, int]:
        """Every counter by name (for copying a store)."""
        with self._lock:
            rows = self._db.rows("SELECT name, value FROM mallops_counters ORDER BY name")
        return {str(name): int(value) for name, value in rows}

    def _where(self, query: Query) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for name in ("kind", "state"):
            want = getattr(query, name)
            if want is None:
                continue
            values = (want,) if isinstance(want, str) else tuple(want)
            if not values:
                clauses.append("1 = 0")
                continue
            clauses.append(f"{name} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        for name in _EQUAL_FILTERS:
            want = getattr(query, name)
            if want is not None:
                clauses.append(f"{name} = ?")
                params.append(want)
        if query.is_open is not None:
            clauses.append("is_open = ?")
            params.append(int(query.is_open))
        for column, low, high in (
            ("created_at", query.created_from, query.created_to),
            ("updated_at", query.updated_from, query.updated_to),
        ):
            if low is not None:
                clauses.append(f"{column} >= ?")
                params.append(micros(low))
            if high is not None:
                clauses.append(f"{column} < ?")
                params.append(micros(high))
        if query.linked_to is not None:
            clauses.append("id IN (SELECT record_id FROM mallops_links WHERE target_id = ?)")
            params.append(query.linked_to)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def query(self, query: Query) -> list[Record]:
        """Records matching ``query``, ordered by creation time then id."""
        sql, params = self._query_sql(query, "id, data")
        with self._lock:
            rows = self._db.rows(sql, params)
        return [self._decode(rid, data) for rid, data in rows]

    def _query_sql(self, query: Query, columns: str) -> tuple[str, list[Any]]:
        where, params = self._where(query)
        sql = f"SELECT {columns} FROM mallops_records{where} ORDER BY created_at, id"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(query.limit)))
        return sql, params

    def ids(self, query: Query) -> list[str]:
        """Ids of the records :meth:`query` returns, from the indexes (no record's JSON
        is read or decoded)."""
        sql, params = self._query_sql(query, "id")
        with self._lock:
            return [str(row[0]) for row in self._db.rows(sql, params)]

    def creation_keys(self, query: Query) -> list[tuple[int, str]]:
        """``(created_at, id)`` of the records :meth:`query` returns, in the same order,
        from the indexes: the creation time as integer microseconds since the epoch.
        :class:`~mallops.stores.buffered.BufferedStore` merges its staged records with
        these without decoding the store's (issue 16)."""
        sql, params = self._query_sql(query, "created_at, id")
        with self._lock:
            return [(int(at), str(rid)) for at, rid in self._db.rows(sql, params)]

    def explain_query(self, query: Query, *, ids_only: bool = False) -> str:
        """The database's plan for :meth:`query` (or :meth:`ids`): check which index it
        uses (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL)."""
        sql, params = self._query_sql(query, "id" if ids_only else "id, data")
        with self._lock:
            return self._db.explain(sql, params)

    def _due_sql(
        self, until: pendulum.DateTime, property: str | None, limit: int | None
    ) -> tuple[str, list[Any]]:
        sql = "SELECT wake_at, id FROM mallops_records WHERE wake_at IS NOT NULL AND wake_at <= ?"
        params: list[Any] = [micros(until)]
        if property is not None:
            sql += " AND property = ?"
            params.append(property)
        sql += " ORDER BY wake_at, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        return sql, params

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """``(wake_at, id)`` of records whose ``wake_at <= until``, earliest first (times
        in UTC), from the due-timer index."""
        check_due(until, property, limit)
        sql, params = self._due_sql(until, property, limit)
        with self._lock:
            rows = self._db.rows(sql, params)
        return [(_from_micros(at), rid) for at, rid in rows]

    def explain_due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> str:
        """The database's plan for :meth:`due` (``EXPLAIN QUERY PLAN`` on SQLite,
        ``EXPLAIN`` on PostgreSQL): check that it names a ``mallops_records_due`` index."""
        sql, params = self._due_sql(until, property, limit)
        with self._lock:
            return self._db.explain(sql, params)

    # -- writes ---------------------------------------------------------------------------

    @staticmethod
    def _row(r: Record) -> tuple[Any, ...]:
        data = json.dumps(encode(r), ensure_ascii=False, separators=(",", ":"))
        return (
            r.kind,
            r.state,
            r.property,
            r.version,
            micros(r.created_at),
            micros(r.updated_at),
            _opt_micros(r.wake_at),
            int(r.is_open),
            r.tenant,
            r.owner,
            r.department,
            r.location,
            r.category,
            data,
        )

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        """Write all records, counters and feed events in one transaction, or none
        (``ConflictError`` on a stale version or counter)."""
        wanted = counters_as_mapping(counters)
        feed = [
            (e["property"], json.dumps(e, ensure_ascii=False, separators=(",", ":")))
            for e in encode_events(events)
        ]
        staged: dict[str, tuple[Write, tuple[Any, ...]]] = {}
        for w in writes:
            rid = check_id(w.record.id)
            if rid in staged:
                raise ConflictError(f"record {rid!r} appears twice in one commit", record_id=rid)
            staged[rid] = (w, self._row(w.record))
        self._group.commit(lambda: apply_commit(self._db, staged, wanted, feed))

    # -- the event feed --------------------------------------------------------------------

    def events_since(
        self, position: int, *, property: str | None = None, limit: int | None = None
    ) -> list[FeedEvent]:
        """Feed events after ``position``, oldest first; see the protocol."""
        check_since(position, 1)
        check_limit(limit)
        with self._lock:
            rows = select_events(self._db, position, property, limit)
            # checked after reading: pruning only moves forward, so nothing after
            # ``position`` was removed before the read if it still starts before it
            check_since(position, self._first())
        return decode_rows(rows, self._db.where)

    def _first(self) -> int:
        first = first_position(self._db)
        return first if first is not None else self.feed_head() + 1

    def feed_head(self) -> int:
        """The position of the last event written (0 if none)."""
        return self.counter(FEED_HEAD)

    def prune_events(self, upto: int) -> int:
        """Remove the feed events at or before ``upto``; returns how many."""
        if type(upto) is not int or upto < 0:
            raise ValidationError(
                f"upto: expected a non-negative integer, got {upto!r}", field="upto"
            )
        with self._lock, self._db.transaction():
            return self._db.run("DELETE FROM mallops_events WHERE position <= ?", (upto,))

    def refresh(self) -> None:
        """Nothing to catch up with: every read sees what other processes committed."""

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SqlStore({self._db.where})"
