"""Every query the engine and the reports make is answered from an index (issue 16).

Each query shape below is one the code makes (file named next to it).  On SQLite the
plan (``EXPLAIN QUERY PLAN``) must search an index and never scan the table; on
PostgreSQL, with sequential scans disabled so that a small table does not hide a
missing index, the plan must name one of mallops' indexes and hold no ``Seq Scan``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

from mallops.stores.protocol import Query
from mallops.stores.sql_store import SqlStore
from mallops.testing import TemporaryPostgres, postgres_unavailable

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
P = "default"
OPEN_ITEM = ("registered", "stored", "claimed")

# (where the code makes it, the query, which index should answer it)
QUERIES: list[tuple[str, Query, str]] = [
    (
        "complaints C9 by tenant",
        Query(kind="complaint", property=P, tenant="T1", category="noise", created_from=T0),
        "recur_tenant",
    ),
    (
        "complaints C9 by location",
        Query(kind="complaint", property=P, location="B1", category="noise", created_from=T0),
        "recur_location",
    ),
    ("visits by tenant", Query(kind="visit", property=P, tenant="T1"), "kind_tenant"),
    (
        "visits / return visits open by tenant",
        Query(kind="return_visit", property=P, tenant="T1", is_open=True),
        "kind_tenant_open",
    ),
    ("every record of a kind", Query(kind="tenant", property=P), "kind"),
    ("lost items by state", Query(kind="lost_item", property=P, state="registered"), "kind_state"),
    (
        "lost items in a window",
        Query(kind="lost_item", property=P, created_from=T0, created_to=T0.add(days=7)),
        "kind",
    ),
    (
        "lost reports: open items in a window",
        Query(
            kind="lost_item",
            property=P,
            state=OPEN_ITEM,
            created_from=T0,
            created_to=T0.add(days=3),
        ),
        "kind",
    ),
    ("repairs open", Query(kind="repair", property=P, is_open=True), "kind_open"),
    ("repairs waiting for parts", Query(kind="repair", property=P, state="waiting_parts"), "kind"),
    (
        "repairs of a technician",
        Query(kind="repair", property=P, owner="tech-1", is_open=True),
        "kind_owner_open",
    ),
    (
        "return visits of a source",
        Query(kind="return_visit", property=P, linked_to="C-000001", is_open=True),
        "links_target",
    ),
    (
        "suggestions open in a window",
        Query(
            kind="suggestion",
            property=P,
            is_open=True,
            created_from=T0,
            created_to=T0.add(days=30),
        ),
        "kind_open",
    ),
    (
        "monthly report: a property's month",
        Query(property=P, created_from=T0, created_to=T0.add(months=1)),
        "created",
    ),
    ("history of a tenant (G4)", Query(property=P, tenant="T1"), "tenant"),
    (
        "demo: last week's complaints",
        Query(kind="complaint", property=P, created_from=T0, created_to=T0.add(days=7)),
        "kind",
    ),
    ("CLI list by location", Query(property=P, location="B1"), "location"),
    ("CLI list by department", Query(property=P, department="cleaning"), "department"),
]


def _sqlite(tmp_path: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{tmp_path / 'plans.db'}")


@pytest.fixture(scope="module")
def pg() -> Iterator[TemporaryPostgres]:
    reason = postgres_unavailable()
    if reason is not None:
        pytest.skip(f"PostgreSQL plans not checked: {reason}")
    server = TemporaryPostgres().start()
    try:
        yield server
    finally:
        server.stop()


_KIND = ("kind_state", "kind_created", "kind_open")


def _sqlite_ok(plan: str, index: str) -> bool:
    """The records table is never scanned and is searched with the expected index
    (``"kind"``: any index led by the kind)."""
    used = set(re.findall(r"USING (?:COVERING )?INDEX (mallops_\w+)", plan))
    wanted = {f"mallops_records_{i}" for i in (_KIND if index == "kind" else (index,))}
    if index == "links_target":
        wanted = {"mallops_links_target"}
    return "SCAN mallops_" not in plan and bool(used & wanted)


@pytest.mark.parametrize(("where", "query", "index"), QUERIES, ids=[q[0] for q in QUERIES])
def test_sqlite_plans_use_an_index(tmp_path: Path, where: str, query: Query, index: str) -> None:
    """On SQLite each engine and report query (records and ids alike) searches an index."""
    store = _sqlite(tmp_path)
    try:
        for ids_only in (False, True):
            plan = store.explain_query(query, ids_only=ids_only)
            assert _sqlite_ok(plan, index), f"{where}: {plan}"
    finally:
        store.close()


def test_sqlite_due_and_get_use_an_index(tmp_path: Path) -> None:
    """The ticker's due query (with and without a property) and get() use an index."""
    store = _sqlite(tmp_path)
    try:
        assert "mallops_records_due" in store.explain_due(T0)
        assert "mallops_records_due_property" in store.explain_due(T0, property=P)
        assert "SCAN" not in store.explain_due(T0, property=P, limit=10)
    finally:
        store.close()


def test_the_plan_check_can_fail(tmp_path: Path) -> None:
    """A query no index serves (by severity, which is not a column) is reported as a
    scan, so the checks above would catch a missing index."""
    store = _sqlite(tmp_path)
    try:
        assert not _sqlite_ok(store.explain_query(Query()), "created")
        assert not _sqlite_ok(store.explain_query(Query(is_open=True)), "kind_open")
    finally:
        store.close()


def _pg_url(server: TemporaryPostgres, name: str) -> str:
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {name}")
    return f"{server.url()}&options=-csearch_path%3D{name}%20-cenable_seqscan%3Doff"


def test_postgres_plans_use_an_index(pg: TemporaryPostgres) -> None:
    """On PostgreSQL each query's plan names a mallops index and holds no Seq Scan."""
    store = SqlStore(_pg_url(pg, "plans"))
    try:
        for where, query, _ in QUERIES:
            for ids_only in (False, True):
                plan = store.explain_query(query, ids_only=ids_only)
                assert "Seq Scan" not in plan, f"{where}: {plan}"
                assert re.search(r"mallops_(records|links)_\w+", plan), f"{where}: {plan}"
        assert "mallops_records_due" in store.explain_due(T0, property=P)
    finally:
        store.close()
