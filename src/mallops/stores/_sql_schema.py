"""The SQL store's schema and its versioned migrations.

The schema is created and upgraded by the library: ``mallops_migrations`` holds one row
per applied migration (its version, name and time).  Opening a store applies the missing
migrations in order, in one transaction, under a lock (SQLite's write lock, a PostgreSQL
advisory lock), so several processes opening the same database at once migrate it once.
A database whose schema is newer than this mallops, or that holds mallops tables without
the migrations table, is refused with ``CorruptStoreError`` and left untouched.

Times are stored as integer microseconds since the epoch (UTC), so ordering and range
filters are plain integer comparisons in both dialects; the record itself is the codec's
JSON text in ``data``, the other columns are copies kept for the indexes.

* **v1** — records (id, kind, state, property, version, created_at, wake_at, data),
  counters, and the due-timer index.
* **v2** — the query columns (updated_at, is_open, tenant, owner, department, location,
  category) filled from each record's JSON, the links table for ``linked_to``, and the
  indexes for due timers per property, kind/state, tenant, owner and time ranges.
* **v3** — an index for every query the engine and the reports make (issue 16): the C9
  recurrence count by (tenant, category, time) and (location, category, time), open
  records per kind, records of a kind in a time range, and location and department
  lookups (a property's month, for the report, uses v2's ``created`` index).
  ``tests/test_sql_plans.py`` checks each query's plan.
* **v4** — the event feed (G6): ``mallops_events`` holds each domain event at its
  position, written in the commit of the records that raised it; the position comes
  from the ``feed:position`` counter row, moved in the same transaction.
* **v5** — history entries in ``data`` may carry their outcome (G6 exact replay); no
  table changes, but a mallops that knows only v4 refuses the database instead of
  dropping the outcomes when it rewrites a record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pendulum

from ..errors import CorruptStoreError
from .codec import decode, micros

if TYPE_CHECKING:
    from ._sql_db import Database

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "ensure_schema"]


def _v1(db: Database) -> None:
    text_id = db.text_id
    db.run(
        f"""CREATE TABLE mallops_records (
            id {text_id} PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            property TEXT NOT NULL,
            version BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            wake_at BIGINT,
            data TEXT NOT NULL
        )"""
    )
    db.run(
        "CREATE INDEX mallops_records_due ON mallops_records (wake_at) WHERE wake_at IS NOT NULL"
    )
    db.run(f"CREATE TABLE mallops_counters (name {text_id} PRIMARY KEY, value BIGINT NOT NULL)")


_V2_COLUMNS = (
    ("updated_at", "BIGINT"),
    ("is_open", "SMALLINT"),
    ("tenant", "TEXT"),
    ("owner", "TEXT"),
    ("department", "TEXT"),
    ("location", "TEXT"),
    ("category", "TEXT"),
)


def _v2(db: Database) -> None:
    for name, sql_type in _V2_COLUMNS:
        db.run(f"ALTER TABLE mallops_records ADD COLUMN {name} {sql_type}")
    db.run(
        f"""CREATE TABLE mallops_links (
            record_id {db.text_id} NOT NULL,
            relation TEXT NOT NULL,
            target_id {db.text_id} NOT NULL
        )"""
    )
    for rid, data in db.rows("SELECT id, data FROM mallops_records ORDER BY id"):
        try:
            r = decode(json.loads(data))
        except ValueError as exc:
            raise CorruptStoreError(
                f"record {rid!r} holds no readable JSON ({exc}); migration to v2 stopped, "
                "nothing was changed"
            ) from None
        db.run(
            "UPDATE mallops_records SET updated_at = ?, is_open = ?, tenant = ?, owner = ?, "
            "department = ?, location = ?, category = ? WHERE id = ?",
            (
                micros(r.updated_at),
                int(r.is_open),
                r.tenant,
                r.owner,
                r.department,
                r.location,
                r.category,
                rid,
            ),
        )
        for link in r.links:
            db.run(
                "INSERT INTO mallops_links (record_id, relation, target_id) VALUES (?, ?, ?)",
                (rid, link.relation, link.record_id),
            )
    db.run("DROP INDEX mallops_records_due")
    for ddl in (
        "CREATE INDEX mallops_records_due ON mallops_records (wake_at, id) "
        "WHERE wake_at IS NOT NULL",
        "CREATE INDEX mallops_records_due_property ON mallops_records (property, wake_at, id) "
        "WHERE wake_at IS NOT NULL",
        "CREATE INDEX mallops_records_kind_state ON mallops_records (kind, state, created_at)",
        "CREATE INDEX mallops_records_tenant ON mallops_records (tenant, created_at)",
        "CREATE INDEX mallops_records_owner ON mallops_records (owner, created_at)",
        "CREATE INDEX mallops_records_created ON mallops_records (created_at, id)",
        "CREATE INDEX mallops_records_updated ON mallops_records (updated_at)",
        "CREATE INDEX mallops_links_target ON mallops_links (target_id)",
        "CREATE INDEX mallops_links_record ON mallops_links (record_id)",
    ):
        db.run(ddl)


def _v4(db: Database) -> None:
    db.run(
        """CREATE TABLE mallops_events (
            position BIGINT PRIMARY KEY,
            property TEXT NOT NULL,
            data TEXT NOT NULL
        )"""
    )
    db.run("CREATE INDEX mallops_events_property ON mallops_events (property, position)")


_V3_INDEXES = (
    # C9: the Nth complaint of a category for one tenant or location within a window.
    # The kind leads each index so SQLite prefers it to an index that only saves the sort.
    "CREATE INDEX mallops_records_recur_tenant ON mallops_records "
    "(kind, tenant, category, created_at)",
    "CREATE INDEX mallops_records_recur_location ON mallops_records "
    "(kind, location, category, created_at)",
    # a tenant's visits and return visits (open or all); a technician's open repairs
    "CREATE INDEX mallops_records_kind_tenant ON mallops_records (kind, tenant, created_at)",
    "CREATE INDEX mallops_records_kind_tenant_open ON mallops_records "
    "(kind, tenant, is_open, created_at)",
    "CREATE INDEX mallops_records_kind_owner_open ON mallops_records "
    "(kind, owner, is_open, created_at)",
    # open records of a kind (worklists, overdue lists), also within a time range
    "CREATE INDEX mallops_records_kind_open ON mallops_records (kind, is_open, created_at)",
    # a kind in a time range (lost-and-found windows, weekly demo figures)
    "CREATE INDEX mallops_records_kind_created ON mallops_records (kind, created_at)",
    "CREATE INDEX mallops_records_location ON mallops_records (location, created_at)",
    "CREATE INDEX mallops_records_department ON mallops_records (department, created_at)",
)


def _v3(db: Database) -> None:
    for ddl in _V3_INDEXES:
        db.run(ddl)


def _v5(db: Database) -> None:
    """Outcomes in history entries: the JSON text gains optional keys, nothing to move."""


MIGRATIONS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("records, counters and due index", _v1),
    ("query columns, links and indexes", _v2),
    ("indexes for every engine and report query", _v3),
    ("event feed", _v4),
    ("history outcomes", _v5),
)
"""``(name, apply)`` per schema version, in order: version ``i + 1`` is ``MIGRATIONS[i]``."""

SCHEMA_VERSION = len(MIGRATIONS)


def _applied(db: Database) -> list[tuple[int, str]]:
    tables = db.tables()
    if "mallops_migrations" not in tables:
        if tables & {"mallops_records", "mallops_counters", "mallops_links"}:
            raise CorruptStoreError(
                f"{db.where} holds mallops tables but no mallops_migrations table: it was "
                "not created by mallops or was damaged; refusing to use or change it"
            )
        return []
    return [(int(v), str(n)) for v, n in db.rows("SELECT version, name FROM mallops_migrations")]


def _check(db: Database, applied: list[tuple[int, str]], upto: int) -> int:
    """The current version after checking the applied rows are ours, in order."""
    applied.sort()
    for i, (version, name) in enumerate(applied):
        if version > upto:
            raise CorruptStoreError(
                f"{db.where} has schema version {max(v for v, _ in applied)}, newer than "
                f"this mallops understands (up to {upto}); upgrade mallops to open it"
            )
        if version != i + 1 or name != MIGRATIONS[i][0]:
            raise CorruptStoreError(
                f"{db.where}: mallops_migrations row ({version}, {name!r}) is not migration "
                f"{i + 1} ({MIGRATIONS[i][0]!r}): a foreign or damaged schema; refusing it"
            )
    return len(applied)


def ensure_schema(db: Database, *, upto: int = SCHEMA_VERSION) -> int:
    """Bring the database to schema version ``upto`` (default: the newest) and return
    the version it had before.  ``upto`` below the newest exists for migration tests."""
    before = _check(db, _applied(db), upto)
    if before == upto:
        return before
    with db.transaction(schema_lock=True):
        current = _check(db, _applied(db), upto)  # another process may have migrated
        if current == 0:
            db.run(
                "CREATE TABLE mallops_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        for version in range(current + 1, upto + 1):
            name, apply = MIGRATIONS[version - 1]
            apply(db)
            db.run(
                "INSERT INTO mallops_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, pendulum.now("UTC").isoformat()),
            )
    return before
