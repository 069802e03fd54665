"""Stores written before history entries recorded outcomes (JSON format 1, SQL schema 2)
open, migrate, replay and keep working (tests/fixtures/make_mall_v1.py wrote them)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mallops import JsonStore, Mall, ManualClock, Query, SqlStore, Store
from mallops.stores import _json_format as fmt
from mallops.stores._sql_schema import SCHEMA_VERSION

from .conftest import CLEANER, DESK, at

FIXTURES = Path(__file__).parent / "fixtures"
IDS = ["C-000001", "C-000002", "C-000003", "RV-000001"]


@contextmanager
def opened(kind: str, tmp_path: Path) -> Iterator[Store]:
    if kind == "json":
        path = tmp_path / "mall.json"
        shutil.copy(FIXTURES / "mall-v1.json", path)
        with JsonStore(path) as store:
            yield store
    else:
        path = tmp_path / "mall.sqlite"
        shutil.copy(FIXTURES / "mall-v1.sqlite", path)
        sql = SqlStore(f"sqlite:///{path}")
        try:
            yield sql
        finally:
            sql.close()


@pytest.mark.parametrize("kind", ["json", "sqlite"])
def test_g6_old_store_opens_migrates_replays_and_keeps_working(kind: str, tmp_path: Path) -> None:
    """The old records read back, replay to themselves (their entries carry no outcome:
    re-run under the policy they were written with), take new events whose entries do
    carry outcomes, and still replay after that."""
    with opened(kind, tmp_path) as store:
        mall = Mall(store=store, clock=ManualClock(at(2026, 10, 2, 11)))
        records = {r.id: r for r in store.query(Query())}
        assert sorted(records) == sorted(IDS)
        assert all(h.outcome is None for r in records.values() for h in r.history)
        first = records["C-000002"].timer("first_contact")
        assert first is not None
        assert first.due_at == at(2026, 9, 30, 13)
        for rid, record in records.items():
            assert mall.replay(rid) == record, rid
        c = mall.complaints.fire(
            "C-000003", "assign", actor=DESK, department="cleaning", assignee="clean-1"
        )
        c = mall.complaints.fire(c.id, "contact", actor=CLEANER, note="called")
        assert c.history[-1].outcome is not None
        assert c.history[0].outcome is None
        assert mall.replay(c.id) == c
        mall.tick()
        for record in store.query(Query(property="default")):
            assert mall.replay(record.id) == record, record.id
    if kind == "json":
        head = (tmp_path / "mall.json").read_bytes().split(b"\n")[0]
        assert fmt.parse_header(head)["version"] == fmt.VERSION == 2
        assert (tmp_path / "mall.json.v1.bak").read_bytes() == (
            FIXTURES / "mall-v1.json"
        ).read_bytes()
    else:
        with _migrations(tmp_path) as versions:
            assert versions == list(range(1, SCHEMA_VERSION + 1))


@contextmanager
def _migrations(tmp_path: Path) -> Iterator[list[int]]:
    con = sqlite3.connect(tmp_path / "mall.sqlite")
    try:
        yield [row[0] for row in con.execute("SELECT version FROM mallops_migrations ORDER BY 1")]
    finally:
        con.close()


def test_g6_events_lines_only_follow_a_version_2_header(tmp_path: Path) -> None:
    """No format bump for the feed's ``events`` lines (#20): they came in the same release
    as format 2 (0.2.0), a format-1 file has none and is migrated to 2 before its first
    commit writes one, and format 1's only reader (0.1) refuses format 2, so no mallops
    that reads a file with events lines can mistake them for damage."""
    assert b"events" not in (FIXTURES / "mall-v1.json").read_bytes()
    with opened("json", tmp_path) as store:
        mall = Mall(store=store, clock=ManualClock(at(2026, 10, 2, 11)))
        mall.complaints.fire(
            "C-000003", "assign", actor=DESK, department="cleaning", assignee="clean-1"
        )
    lines = (tmp_path / "mall.json").read_bytes().split(b"\n")
    assert fmt.parse_header(lines[0])["version"] == 2
    assert any(b'"events":' in line for line in lines[1:])
