"""`mallops store copy SRC DST` and `copy_store()` (issue 16): any backend to any backend,
counters first, resumable after an interruption, verified at the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mallops import JsonStore, Mall, ManualClock, MemoryStore, SqlStore, Store
from mallops.cli import main
from mallops.errors import ConflictError, ValidationError
from mallops.stores.codec import encode
from mallops.stores.copy import copy_store, store_counters
from mallops.stores.protocol import Query, Write
from mallops.testing import TemporaryPostgres, postgres_unavailable

from .test_bulk import DESK, START, _open


def _filled(store: Store, n: int = 12) -> Store:
    mall = Mall(store, ManualClock(START))
    for i in range(n):
        cid = _open(mall, i % 4)
        if i % 3 == 0:
            mall.complaints.fire(cid, "assign", actor=DESK, department="cleaning", assignee="a")
    return store


def _same(a: Store, b: Store) -> None:
    assert [encode(r) for r in a.query(Query())] == [encode(r) for r in b.query(Query())]
    assert store_counters(a) == store_counters(b)


def test_memory_to_json_to_sqlite_keeps_everything(tmp_path: Path) -> None:
    """Records (field for field, with their return visits) and counters arrive intact,
    and the destination carries on numbering where the source stopped."""
    src = _filled(MemoryStore())
    json_store = JsonStore(tmp_path / "a.json")
    result = copy_store(src, json_store, batch=5)
    assert result.records == result.copied == len(src.query(Query()))
    assert result.kinds["complaint"] == 12
    _same(src, json_store)
    sqlite = SqlStore(f"sqlite:///{tmp_path / 'b.db'}")
    copy_store(json_store, sqlite, batch=7)
    _same(src, sqlite)
    mall = Mall(sqlite, ManualClock(START))
    assert _open(mall, 99) == "C-000013"
    sqlite.close()
    json_store.close()


def test_copy_to_postgres(tmp_path: Path) -> None:
    """PostgreSQL is a destination and a source like the others."""
    reason = postgres_unavailable()
    if reason is not None:
        pytest.skip(f"PostgreSQL not available: {reason}")
    server = TemporaryPostgres().start()
    try:
        src = _filled(MemoryStore())
        pg = SqlStore(server.url())
        copy_store(src, pg)
        back = JsonStore(tmp_path / "back.json")
        copy_store(pg, back)
        _same(src, back)
        pg.close()
        back.close()
    finally:
        server.stop()


class _Interrupted(Exception):
    pass


def test_an_interrupted_copy_resumes(tmp_path: Path) -> None:
    """After an interruption the destination already has the counters (no number can be
    reused); running again copies only the rest, and brings forward a record the source
    changed meanwhile."""
    src = _filled(JsonStore(tmp_path / "src.json"))
    dst = SqlStore(f"sqlite:///{tmp_path / 'dst.db'}")

    def stop(done: int, total: int) -> None:
        if done >= 4:
            raise _Interrupted

    with pytest.raises(_Interrupted):
        copy_store(src, dst, batch=4, progress=stop)
    assert len(dst.query(Query())) == 4
    assert store_counters(dst) == store_counters(src)
    mall = Mall(src, ManualClock(START))
    second = dst.query(Query())[1].id  # not assigned yet
    mall.complaints.fire(second, "assign", actor=DESK, department="cleaning", assignee="b")
    seen: list[tuple[int, int]] = []
    result = copy_store(src, dst, batch=4, progress=lambda d, t: seen.append((d, t)))
    assert result.copied == result.records - 4 + 1
    assert seen[-1] == (result.records, result.records)
    _same(src, dst)


def test_diverged_or_foreign_destinations_are_refused(tmp_path: Path) -> None:
    """A destination record ahead of the source, or records the source lacks, stop the
    copy with ConflictError before anything is written."""
    src = _filled(MemoryStore(), 3)
    dst = MemoryStore()
    copy_store(src, dst)
    mall = Mall(dst, ManualClock(START))
    mall.complaints.fire("C-000002", "assign", actor=DESK, department="security", assignee="y")
    before = [encode(r) for r in dst.query(Query())]
    with pytest.raises(ConflictError, match="diverged"):
        copy_store(src, dst)
    assert [encode(r) for r in dst.query(Query())] == before
    other = MemoryStore()
    other.commit([Write(src.get("C-000001"), 0)])
    foreign = _filled(MemoryStore(), 1)
    with pytest.raises(ConflictError, match="not in the source"):
        copy_store(foreign, _filled(MemoryStore(), 2))
    with pytest.raises(ValidationError):
        copy_store(src, src)
    with pytest.raises(ValidationError):
        copy_store(src, other, batch=0)


def test_cli_store_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mallops store copy` copies, reports what it verified (text and JSON), refuses a
    missing source and the same store twice with one-line errors in either language."""
    monkeypatch.chdir(tmp_path)
    src = _filled(JsonStore(tmp_path / "a.json"))
    src.close()
    assert main(["store", "copy", "a.json", "sqlite:///b.db", "--lang=en"]) == 0
    got = capsys.readouterr()
    assert "verified: sqlite:///b.db holds all" in got.out
    assert "copied" in got.err  # the progress (one line per quarter when not a terminal)
    assert main(["store", "copy", "a.json", "sqlite:///b.db", "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["copied"] == 0
    assert data["verified"] is True
    assert data["kinds"]["complaint"] == 12
    assert main(["store", "copy", "nothere.json", "c.json", "--lang=en"]) == 1
    assert "nothere.json does not exist" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()
    assert main(["store", "copy", "a.json", "a.json", "--lang=zh"]) == 1
    assert "同一个存储" in capsys.readouterr().err
