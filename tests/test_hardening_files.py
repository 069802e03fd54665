"""Hardening: bad arguments of the reading and writing API, and files that are not
mallops stores (issue 15).  Every backend refuses the same way with mallops errors."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from mallops import (
    CorruptStoreError,
    JsonStore,
    Mall,
    ManualClock,
    MemoryStore,
    SqlStore,
    Store,
    StoreError,
    ValidationError,
)

from .conftest import DESK, at
from .tenant_helpers import registered_tenant

BACKENDS = ("memory", "json", "sqlite")


def make_store(kind: str, tmp_path: Path) -> Store:
    if kind == "memory":
        return MemoryStore()
    if kind == "json":
        return JsonStore(tmp_path / "store.jsonl")
    return SqlStore(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.fixture(params=BACKENDS)
def mall(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mall]:
    store = make_store(request.param, tmp_path)
    m = Mall(store, ManualClock(at(2026, 9, 30, 10)))
    m.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="王五",
        contact="13900001111",
        location="3F",
        description="地面湿滑",
        demand="清洁",
        tenant=registered_tenant(m, "3F-1"),
    )
    yield m
    store.close()


BAD_FILTERS: list[dict[str, Any]] = [
    {"tenant": 73},
    {"state": 0.95},
    {"state": ["registered", 1]},
    {"kind": 1},
    {"created_from": "yesterday"},
    {"created_to": pendulum.naive(2026, 1, 1)},
    {"is_open": "yes"},
    {"limit": "x"},
    {"limit": -1},
    {"linked_to": ["C-000001"]},
    {"bogus": 1},
]


class TestQueries:
    @pytest.mark.parametrize("filters", BAD_FILTERS, ids=lambda f: next(iter(f)))
    def test_a_bad_filter_is_a_validation_error_on_every_backend(
        self, mall: Mall, filters: dict[str, Any]
    ) -> None:
        """A filter of the wrong type, or an unknown one, raises ValidationError on the
        memory, JSON and SQLite stores alike (never TypeError, never silent results)."""
        with pytest.raises(ValidationError):
            mall.query(**filters)
        with pytest.raises(ValidationError):
            mall.complaints.query(**filters)

    def test_a_service_reads_its_own_kind_and_property_only(self, mall: Mall) -> None:
        """Rule G11: `complaints.query(property=...)` of another property, or of another
        kind, is refused; naming its own is allowed."""
        with pytest.raises(ValidationError, match="G11"):
            mall.complaints.query(property="B")
        with pytest.raises(ValidationError, match="G11"):
            mall.complaints.query(kind="repair")
        with pytest.raises(ValidationError, match="G11"):
            mall.query(property="B")
        assert len(mall.complaints.query(property="default", kind="complaint")) == 1
        assert len(mall.query(tenant=registered_tenant(mall, "3F-1"), kind="complaint")) == 1


class TestWriting:
    @pytest.mark.parametrize("bad_id", [[1], {}, 5, None, "../x"])
    def test_fire_with_a_non_id_is_a_validation_error(self, mall: Mall, bad_id: Any) -> None:
        """`fire` with a list, dict or number as id raises ValidationError."""
        with pytest.raises(ValidationError):
            mall.complaints.fire(bad_id, "assign", actor=DESK)
        with pytest.raises(ValidationError):
            mall.fire(bad_id, "assign", actor=DESK)

    def test_unknown_keywords_of_open_are_validation_errors(self, mall: Mall) -> None:
        """`complaints.open(..., bogus=1)` raises ValidationError like `repairs.open`;
        a missing mandatory field too (G2), and nothing is stored."""
        before = mall.query()
        good = {
            "channel": "phone",
            "complainant": "a",
            "contact": "1",
            "location": "l",
            "description": "d",
            "demand": "x",
        }
        with pytest.raises(ValidationError, match="bogus"):
            mall.complaints.open(actor=DESK, **good, bogus=1)
        with pytest.raises(ValidationError, match="bogus"):
            mall.repairs.open(
                actor=DESK, source="tenant", fault_type="water", location="l", description="d",
                bogus=1,
            )  # fmt: skip
        with pytest.raises(ValidationError, match="complainant"):
            mall.complaints.open(actor=DESK, **{**good, "complainant": None})
        assert mall.query() == before


def sqlite_bytes(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir())}


class TestFiles:
    def test_a_foreign_sqlite_database_is_refused_and_left_untouched(self, tmp_path: Path) -> None:
        """A SQLite database that is not a mallops database (a table `invoices`) raises
        CorruptStoreError and is not changed at all (docs/deploy.md)."""
        path = tmp_path / "accounts.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
            conn.execute("INSERT INTO invoices VALUES (1, 99.5)")
        conn.close()
        before = sqlite_bytes(path)
        with pytest.raises(CorruptStoreError, match="not a mallops database"):
            SqlStore(f"sqlite:///{path}")
        assert sqlite_bytes(path) == before

    def test_a_read_only_json_store_opens_for_reading(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A JSON store file without write permission opens read-only: reads work,
        commits raise StoreError and the file stays as it was."""
        path = tmp_path / "store.jsonl"
        store = JsonStore(path)
        mall = Mall(store, ManualClock(at(2026, 9, 30, 10)))
        r = mall.repairs.open(
            actor=DESK, source="tenant", fault_type="water", location="l", description="d"
        )
        store.close()
        path.chmod(0o444)
        if os.geteuid() == 0:  # root ignores file modes: refuse writing opens by hand
            real_open = os.open

            def no_write(p: Any, flags: int, *args: Any) -> int:
                if Path(p) == path and flags & (os.O_RDWR | os.O_WRONLY):
                    raise PermissionError(13, "Permission denied", str(p))
                return real_open(p, flags, *args)

            monkeypatch.setattr(os, "open", no_write)
        before = path.read_bytes()
        ro = JsonStore(path)
        assert ro.read_only
        mall = Mall(ro, ManualClock(at(2026, 9, 30, 11)))
        assert mall.get(r.id) == r
        with pytest.raises(StoreError, match="read-only"):
            mall.repairs.fire(r.id, "dispatch", actor=DESK, technician="tech-1")
        ro.close()
        assert path.read_bytes() == before
