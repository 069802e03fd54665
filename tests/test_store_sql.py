"""The SQL store passes the storage contract on SQLite and on a real PostgreSQL server,
migrates its schema, uses its indexes, maps driver errors, and lets several tickers run.

The PostgreSQL tests start a throwaway server (``mallops.testing.TemporaryPostgres``:
``initdb`` + ``pg_ctl`` on a unix socket in a temp directory, run as the ``postgres``
user when the tests run as root) once per session and stop it afterwards.  Without the
server binaries or psycopg they are skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from mallops import (
    ConflictError,
    CorruptStoreError,
    Mall,
    ManualClock,
    Query,
    SqlStore,
    StoreError,
    ValidationError,
)
from mallops.domain import Link
from mallops.stores import CounterWrite, Write, open_store
from mallops.stores._sql_db import Database, open_database
from mallops.stores._sql_schema import SCHEMA_VERSION, ensure_schema
from mallops.stores.codec import encode
from mallops.testing import StoreContract, TemporaryPostgres, postgres_unavailable, sample_record

from .conftest import DESK

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
_SCHEMAS = itertools.count(1)
_NO_PG = postgres_unavailable()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TemporaryPostgres]:
    """One throwaway PostgreSQL server for the whole session (skipped if unavailable)."""
    if _NO_PG is not None:
        pytest.skip(f"PostgreSQL tests skipped: {_NO_PG}")
    server = TemporaryPostgres().start()
    try:
        yield server
    finally:
        server.stop()


def pg_schema_url(server: TemporaryPostgres) -> str:
    """A URL whose search_path is a fresh, empty schema: an empty store per call."""
    import psycopg

    name = f"t{next(_SCHEMAS)}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return f"{server.url()}&options=-csearch_path%3D{name}"


@contextlib.contextmanager
def raw(url: str) -> Iterator[Database]:
    """A bare connection to the store's database, for setting up and inspecting it."""
    db = open_database(url)
    try:
        yield db
    finally:
        db.close()


def sqlite_url(tmp_path: Path) -> str:
    """A URL of a new SQLite file in ``tmp_path``."""
    return f"sqlite:///{tmp_path / 'ops.db'}"


# -- the contract -------------------------------------------------------------------------


class TestSqliteStore(StoreContract):
    def make_store(self, tmp_path: Path) -> SqlStore:
        return SqlStore(sqlite_url(tmp_path))

    def reopen(self, store: Any, tmp_path: Path) -> SqlStore:
        return SqlStore(store.url)


class TestPostgresStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _server(self, pg_server: TemporaryPostgres) -> None:
        self.server = pg_server

    def make_store(self, tmp_path: Path) -> SqlStore:
        return SqlStore(pg_schema_url(self.server))

    def reopen(self, store: Any, tmp_path: Path) -> SqlStore:
        return SqlStore(store.url)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database of each dialect."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return pg_schema_url(request.getfixturevalue("pg_server"))


# -- opening ------------------------------------------------------------------------------


class TestOpening:
    def test_open_store_serves_sql_urls(self, url: str) -> None:
        """open_store() returns a SqlStore of the URL's dialect."""
        store = open_store(url)
        try:
            assert isinstance(store, SqlStore)
            assert store.dialect == url.split(":", maxsplit=1)[0]
        finally:
            store.close()

    def test_unknown_or_malformed_urls_are_refused(self, tmp_path: Path) -> None:
        """A URL that names no SQL database raises ValidationError saying what is allowed."""
        for bad in ("mysql://x/y", "sqlite://relative.db", "sqlite:///", "sqlite:///a.db?mode=ro"):
            with pytest.raises(ValidationError, match="sqlite:///"):
                SqlStore(bad)

    def test_a_malformed_postgres_url_is_refused(self) -> None:
        """A PostgreSQL URL that cannot be parsed raises ValidationError, not a ValueError
        of the URL parser."""
        for bad in ("postgres://[::1", "postgresql://u@h:99999/db"):
            with pytest.raises(ValidationError, match="postgresql://user:password@host"):
                SqlStore(bad)

    def test_a_closed_store_refuses_work(self, url: str) -> None:
        """After close(), every operation raises StoreError instead of reconnecting."""
        store = SqlStore(url)
        store.close()
        with pytest.raises(StoreError):
            store.get("C-1")
        with pytest.raises(StoreError):
            store.commit([Write(sample_record("C-1"), 0)])

    def test_missing_directory_is_a_store_error(self, tmp_path: Path) -> None:
        """A SQLite file in a directory that does not exist raises StoreError."""
        with pytest.raises(StoreError, match="does not exist"):
            SqlStore(f"sqlite:///{tmp_path}/nowhere/ops.db")

    def test_a_file_that_is_not_a_database_is_corrupt(self, tmp_path: Path) -> None:
        """A file that is not SQLite raises CorruptStoreError and stays as it was."""
        path = tmp_path / "ops.db"
        path.write_bytes(b"this is a text file, not a database\n" * 100)
        with pytest.raises(CorruptStoreError, match="not a readable database"):
            SqlStore(f"sqlite:///{path}")
        assert path.read_bytes().startswith(b"this is a text file")

    def test_unreachable_postgres_is_a_store_error(self, tmp_path: Path) -> None:
        """A PostgreSQL server that does not answer raises StoreError, not a driver error."""
        if _NO_PG is not None:
            pytest.skip(f"needs psycopg and the server binaries: {_NO_PG}")
        with pytest.raises(StoreError, match="PostgreSQL database"):
            SqlStore(f"postgresql://nobody:secret@/db?host={tmp_path}&port=1")

    def test_passwords_are_not_repeated_in_messages(self, tmp_path: Path) -> None:
        """The password of a PostgreSQL URL never appears in an error message."""
        if _NO_PG is not None:
            pytest.skip(f"needs psycopg and the server binaries: {_NO_PG}")
        with pytest.raises(StoreError) as info:
            SqlStore(f"postgresql://nobody:s3cr3t@/db?host={tmp_path}&port=1")
        assert "s3cr3t" not in str(info.value)


def test_a_lost_postgres_connection_is_reopened(pg_server: TemporaryPostgres) -> None:
    """When the server drops the connection, the operation that meets it raises
    StoreError and the next one reconnects."""
    import psycopg

    url = pg_schema_url(pg_server)
    store = SqlStore(url)
    try:
        r = sample_record("C-1")
        store.commit([Write(r, 0)])
        pid = store._db._conn.info.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreError):
            store.get("C-1")
        assert store.get("C-1") == r
    finally:
        store.close()


# -- schema and migrations -----------------------------------------------------------------


def _v1_row(record: Any) -> tuple[Any, ...]:
    from mallops.stores.codec import micros

    wake = None if record.wake_at is None else micros(record.wake_at)
    data = json.dumps(encode(record), ensure_ascii=False)
    return (
        record.id,
        record.kind,
        record.state,
        record.property,
        record.version,
        micros(record.created_at),
        wake,
        data,
    )


class TestSchema:
    def test_a_new_database_gets_the_current_schema(self, url: str) -> None:
        """Opening an empty database creates every table and records each migration."""
        SqlStore(url).close()
        with raw(url) as db:
            rows = db.rows("SELECT version FROM mallops_migrations ORDER BY version")
            assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))
            assert {"mallops_records", "mallops_counters", "mallops_links"} <= db.tables()

    def test_processes_opening_a_new_database_at_once_migrate_it_once(self, url: str) -> None:
        """Four connections opening the same empty database together all succeed, and
        each migration is applied once."""
        errors: list[BaseException] = []

        def open_it() -> None:
            try:
                SqlStore(url).close()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with raw(url) as db:
            rows = db.rows("SELECT version FROM mallops_migrations ORDER BY version")
            assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))

    def test_migrates_from_v1_keeping_every_record(self, url: str) -> None:
        """A v1 database with records is migrated to the current schema; queries on the
        new columns and links then find the old records."""
        old = [
            sample_record("C-1", tenant="T1", owner="amy", wake_at=T0.add(hours=1)),
            sample_record(
                "R-1", kind="repair", is_open=False, links=(Link("source", "C-1"),), version=3
            ),
        ]
        with raw(url) as db:
            assert ensure_schema(db, upto=1) == 0
            assert db.tables() >= {"mallops_records", "mallops_counters"}
            assert "mallops_links" not in db.tables()  # v1 had no links table
            with db.transaction():
                for r in old:
                    db.run(
                        "INSERT INTO mallops_records (id, kind, state, property, version, "
                        "created_at, wake_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        _v1_row(r),
                    )
                db.run("INSERT INTO mallops_counters (name, value) VALUES ('id:complaint', 1)")
        store = SqlStore(url)
        try:
            assert store.get_many(["C-1", "R-1"]) == {"C-1": old[0], "R-1": old[1]}
            assert [r.id for r in store.query(Query(tenant="T1", owner="amy"))] == ["C-1"]
            assert [r.id for r in store.query(Query(linked_to="C-1"))] == ["R-1"]
            assert [r.id for r in store.query(Query(is_open=False))] == ["R-1"]
            assert store.due(T0.add(hours=2)) == [(T0.add(hours=1), "C-1")]
            assert store.counter("id:complaint") == 1
            store.commit([Write(sample_record("C-2"), 0)])
            assert len(store) == 3
        finally:
            store.close()

    def test_a_future_schema_is_refused_untouched(self, url: str) -> None:
        """A database migrated by a newer mallops raises CorruptStoreError naming both
        versions, and nothing is changed."""
        SqlStore(url).close()
        with raw(url) as db:
            db.run(
                "INSERT INTO mallops_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (SCHEMA_VERSION + 1, "from the future", "2030-01-01"),
            )
        with pytest.raises(CorruptStoreError, match=f"version {SCHEMA_VERSION + 1}, newer"):
            SqlStore(url)
        with raw(url) as db:
            assert len(db.rows("SELECT version FROM mallops_migrations")) == SCHEMA_VERSION + 1

    def test_foreign_tables_are_refused(self, url: str) -> None:
        """mallops tables without the migrations table (a foreign schema) raise
        CorruptStoreError and are left alone."""
        with raw(url) as db:
            db.run("CREATE TABLE mallops_records (id TEXT, something_else TEXT)")
        with pytest.raises(CorruptStoreError, match="no mallops_migrations table"):
            SqlStore(url)

    def test_a_foreign_migration_history_is_refused(self, url: str) -> None:
        """A migrations table whose rows are not mallops' migrations raises
        CorruptStoreError."""
        SqlStore(url).close()
        with raw(url) as db:
            db.run("UPDATE mallops_migrations SET name = 'other app' WHERE version = 1")
        with pytest.raises(CorruptStoreError, match="foreign or damaged"):
            SqlStore(url)

    def test_corrupt_record_json_is_reported_by_id(self, url: str) -> None:
        """A row whose JSON is damaged raises CorruptStoreError naming the record."""
        store = SqlStore(url)
        try:
            store.commit([Write(sample_record("C-1"), 0)])
            with raw(url) as db:
                db.run("UPDATE mallops_records SET data = '{\"id\": ' WHERE id = 'C-1'")
            with pytest.raises(CorruptStoreError, match="'C-1'"):
                store.get("C-1")
        finally:
            store.close()


# -- indexes ------------------------------------------------------------------------------


class TestIndexes:
    def test_due_timer_query_uses_its_index(self, url: str) -> None:
        """EXPLAIN (QUERY PLAN) of the due query, with and without a property, names the
        due-timer index rather than scanning the table."""
        store = SqlStore(url)
        try:
            records = [
                sample_record(
                    f"C-{i}",
                    property=f"mall{i % 5}",
                    wake_at=T0.add(minutes=i) if i % 3 else None,
                    version=1,
                )
                for i in range(3000)
            ]
            for start in range(0, len(records), 500):
                store.commit([Write(r, 0) for r in records[start : start + 500]])
            with raw(url) as db:
                db.run("ANALYZE")
            until = T0.add(minutes=30)
            for plan in (
                store.explain_due(until),
                store.explain_due(until, property="mall1", limit=100),
            ):
                assert "mallops_records_due" in plan, plan
                assert "SCAN mallops_records\n" not in plan + "\n", plan
                assert "Seq Scan" not in plan, plan
            assert [rid for _, rid in store.due(until, property="mall1")] == [
                "C-1",
                "C-11",
                "C-16",
                "C-26",
            ]
        finally:
            store.close()


def test_a_row_read_again_is_decoded_again_only_when_it_changed(url: str) -> None:
    """The decoded-row memo (issue 16) returns the very record for the same row text and
    never a stale one after another connection wrote a new version."""
    a, b = SqlStore(url), SqlStore(url)
    try:
        a.commit([Write(sample_record("C-1", version=1), 0)])
        first = a.get("C-1")
        assert a.get("C-1") is first
        assert a.get_many(["C-1"])["C-1"] is first
        b.commit([Write(sample_record("C-1", version=2, state="assigned"), 1)])
        again = a.get("C-1")
        assert (again.version, again.state) == (2, "assigned")
    finally:
        a.close()
        b.close()


def test_creation_keys_are_the_query_order_in_microseconds(url: str) -> None:
    """``creation_keys`` answers like ``query`` from the indexes: (created_at as integer
    microseconds since the epoch, id), in creation order (issue 16)."""
    store = SqlStore(url)
    try:
        times = [T0.add(seconds=s, microseconds=7) for s in (30, -5, 30, 0)]
        records = [
            sample_record(f"C-{i}", created_at=t, location="L" if i != 2 else "M")
            for i, t in enumerate(times)
        ]
        store.commit([Write(r, 0) for r in records])
        for q in (Query(), Query(location="L"), Query(location="L", limit=2)):
            keys = store.creation_keys(q)
            assert [rid for _, rid in keys] == [r.id for r in store.query(q)], q
            by_id = {r.id: r.created_at for r in records}
            for at, rid in keys:
                assert at == int(by_id[rid].timestamp()) * 1_000_000 + 7, (at, rid)
    finally:
        store.close()


# -- concurrency --------------------------------------------------------------------------


class TestConcurrency:
    def test_counters_are_unique_across_connections(self, url: str) -> None:
        """Four connections advancing one counter by compare-and-set never hand out the
        same number twice, and none is skipped."""
        taken: list[int] = []
        guard = threading.Lock()

        def worker() -> None:
            store = SqlStore(url)
            try:
                got = 0
                while got < 15:
                    current = store.counter("id:complaint")
                    record = sample_record(f"X-{threading.get_ident()}-{got}")
                    try:
                        store.commit(
                            [Write(record, 0)],
                            [CounterWrite("id:complaint", current, current + 1)],
                        )
                    except ConflictError:
                        # back off like mallops' own services do, so the four
                        # connections do not starve each other of SQLite's write lock
                        time.sleep(random.uniform(0, 0.003))
                        continue
                    with guard:
                        taken.append(current + 1)
                    got += 1
            finally:
                store.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(taken) == list(range(1, 61))
        store = SqlStore(url)
        try:
            assert store.counter("id:complaint") == 60
            assert len(store) == 60
        finally:
            store.close()

    def test_stale_write_from_another_connection_conflicts(self, url: str) -> None:
        """Two handles writing the same version: the second gets ConflictError with both
        versions, and the first one's record stays."""
        a, b = SqlStore(url), SqlStore(url)
        try:
            r = sample_record("C-1")
            a.commit([Write(r, 0)])
            mine = sample_record("C-1", version=2, state="assigned")
            theirs = sample_record("C-1", version=2, state="closed")
            a.commit([Write(mine, 1)])
            with pytest.raises(ConflictError) as info:
                b.commit([Write(theirs, 1)])
            assert (info.value.record_id, info.value.expected, info.value.actual) == ("C-1", 1, 2)
            assert b.get("C-1") == mine
        finally:
            a.close()
            b.close()


# -- a mall on SQL ---------------------------------------------------------------------------


def test_a_mall_runs_unchanged_on_sqlite(tmp_path: Path) -> None:
    """The README's complaint example raises the same events on SQLite, and a second
    handle (another process) reads and replays the same record."""
    url = sqlite_url(tmp_path)
    clock = ManualClock(T0)
    mall = Mall(store=SqlStore(url), clock=clock)
    c = mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="李雷",
        contact="13800000000",
        location="B1 east restroom",
        description="洗手间很脏，有异味",
        demand="尽快清洁",
    )
    mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="wang")
    clock.advance(hours=4)
    assert [e.type for e in mall.tick()] == ["timer_warning", "timer_breached"]
    assert mall.tick() == []
    other = Mall(store=SqlStore(url), clock=clock)
    assert other.get(c.id) == mall.get(c.id)
    assert other.replay(c.id) == mall.get(c.id)
    mall.store.close()
    other.store.close()


def test_sqlite_file_is_a_plain_sqlite_database(tmp_path: Path) -> None:
    """The SQLite file can be read with the sqlite3 command-line tools (for backups)."""
    store = SqlStore(sqlite_url(tmp_path))
    store.commit([Write(sample_record("C-1"), 0)])
    store.close()
    conn = sqlite3.connect(tmp_path / "ops.db")
    try:
        assert conn.execute("SELECT id, kind FROM mallops_records").fetchall() == [
            ("C-1", "complaint")
        ]
    finally:
        conn.close()


# -- several tickers and writers in separate processes -----------------------------------------


def _run_processes(targets: list[tuple[Any, tuple[Any, ...]]]) -> list[tuple[str, Any, int]]:
    """Start every ``(function, args)`` in its own process, released together by
    a barrier; return what each put on the result queue."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")  # children fork from a clean server
    ctx.set_forkserver_preload(["mallops", "tests._sql_workers"])
    barrier = ctx.Barrier(len(targets))
    results = ctx.Queue()
    procs = [ctx.Process(target=f, args=(*args, barrier, results)) for f, args in targets]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def _story(record: Any) -> list[tuple[Any, ...]]:
    """A record's history without the complaint's location (unique per complaint)."""
    return [
        (h.seq, h.at, h.actor, h.event, h.from_state, h.to_state, dict(h.data, location=None))
        for h in record.history
    ]


def test_four_tickers_and_writers_fire_every_deadline_exactly_once(url: str) -> None:
    """Three writer processes open complaints concurrently (unique numbers); then four
    ticker processes and two assigning writers run at the same moment, 20 days later:
    every timer mark and escalation is in each record's history exactly once, none is
    missed, and no writer's change is lost."""
    from mallops import MemoryStore

    from . import _sql_workers as w

    SqlStore(url).close()  # create the schema once, before the processes race to open it
    t0, t1 = T0.subtract(days=1), T0.add(days=19)
    per_writer = 20
    opened = _run_processes(
        [(w.open_complaints, (url, t0.isoformat(), per_writer)) for _ in range(3)]
    )
    ids = sorted(rid for _, got, _ in opened for rid in got)
    assert ids == [f"C-{n:06d}" for n in range(1, 3 * per_writer + 1)]  # unique, none skipped

    to_assign = [rid for rid in ids if int(rid[2:]) % 2 == 0]
    work = [(w.tick, (url, t1.isoformat())) for _ in range(4)]
    work += [(w.assign, (url, t1.isoformat(), to_assign[k::2])) for k in range(2)]
    ran = _run_processes(work)

    # The reference: the same two histories, computed alone in memory.
    clock = ManualClock(t0)
    ref = Mall(store=MemoryStore(), clock=clock)
    plain = ref.complaints.open(actor=w.DESK, **w.COMPLAINT).id
    assigned = ref.complaints.open(actor=w.DESK, **w.COMPLAINT).id
    clock.set(t1)
    ref.complaints.fire(assigned, "assign", actor=w.DESK, department="cleaning", assignee="wang")
    per_record = sum(1 for e in ref.tick() if e.record_id == plain)  # events of 6 marks

    store = SqlStore(url)
    try:
        records = store.get_many(ids)
        for rid in ids:
            got = records[rid]
            fired = [(h.data["timer"], h.data["mark"]) for h in got.history if h.event == "_timer"]
            assert len(fired) == len(set(fired)) == 6, (rid, fired)
            assert [e.level for e in got.escalations] == [1, 2], rid
            assert got.version == len(got.history)
            assigns = [h for h in got.history if h.event == "assign"]
            assert len(assigns) == (1 if rid in to_assign else 0), rid
            want = ref.get(assigned if rid in to_assign else plain)
            assert _story(got) == _story(want), rid
            assert (got.state, got.timers, got.escalations) == (
                want.state,
                want.timers,
                want.escalations,
            )
        assert Mall(store=store, clock=ManualClock(t1)).tick() == []  # nothing left to fire
    finally:
        store.close()
    fired_by_tickers = sum(
        n for role, counts, _ in ran if role == "ticker" for n in counts.values()
    )
    assert 0 < fired_by_tickers <= per_record * len(ids)  # the assigners' catch-up: the rest
