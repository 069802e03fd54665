"""Group commit of the SQL stores (issue 16): writers of one store that wait at once are
committed in one transaction, each in its own savepoint; a writer only ever gets its own
batch's error, and what is written is what serial commits would write."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pendulum
import pytest

from mallops import ConflictError, SqlStore, StoreError
from mallops.domain.records import evolve
from mallops.stores._sql_group import GroupCommit
from mallops.stores.protocol import Write
from mallops.testing import sample_record


class _FakeDb:
    """Statements as a list, a transaction that can be held open by the test."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.hold = threading.Event()
        self.entered = threading.Event()
        self.fail_commit = False

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.log.append("BEGIN")
        self.entered.set()
        self.hold.wait(10)
        try:
            yield
        except BaseException:
            self.log.append("ROLLBACK")
            raise
        if self.fail_commit:
            self.fail_commit = False
            self.log.append("ROLLBACK")
            raise StoreError("disk full")
        self.log.append("COMMIT")

    def run(self, sql: str) -> int:
        self.log.append(sql)
        return 1


def _writer(group: GroupCommit, db: _FakeDb, name: str, fail: bool = False) -> Callable[[], None]:
    def apply() -> None:
        db.log.append(f"write {name}")
        if fail:
            raise ConflictError(f"{name} is stale")

    return lambda: group.commit(apply)


def _run_group(db: _FakeDb, group: GroupCommit, names: list[str], failing: set[str]) -> dict:
    """The first writer holds its transaction open until the others wait; then they are
    written as one group.  Each writer's outcome (None or its error) by name."""
    results: dict[str, BaseException | None] = {}

    def go(name: str) -> None:
        try:
            _writer(group, db, name, name in failing)()
            results[name] = None
        except BaseException as exc:
            results[name] = exc

    first = threading.Thread(target=go, args=(names[0],))
    first.start()
    assert db.entered.wait(10)
    others = [threading.Thread(target=go, args=(n,)) for n in names[1:]]
    for t in others:
        t.start()
    deadline = pendulum.now().add(seconds=10)
    while len(group._waiting) < len(others) and pendulum.now() < deadline:
        threading.Event().wait(0.005)
    db.hold.set()
    for t in [first, *others]:
        t.join(10)
    return results


def test_waiting_writers_share_one_transaction_and_only_the_stale_one_fails() -> None:
    db = _FakeDb()
    group = GroupCommit(db.transaction, db.run, threading.RLock())
    results = _run_group(db, group, ["a", "b", "c", "d"], failing={"c"})
    assert (results["a"], results["b"], results["d"]) == (None, None, None)
    assert isinstance(results["c"], ConflictError)
    assert db.log.count("BEGIN") == 2, db.log  # a alone, then b, c, d together
    assert db.log.count("COMMIT") == 2
    second = db.log[db.log.index("COMMIT") + 1 :]
    i = second.index("write c")
    assert second[i + 1].startswith("ROLLBACK TO SAVEPOINT"), second
    assert group.grouped == 3


def test_a_group_whose_transaction_fails_is_committed_again_batch_by_batch() -> None:
    """A whole-transaction failure (a deadlock between processes, a full disk) writes
    nothing; each batch is then committed on its own, so one failure is one error."""
    db = _FakeDb()
    group = GroupCommit(db.transaction, db.run, threading.RLock())
    db.fail_commit = False
    results: dict[str, BaseException | None] = {}

    def go(name: str) -> None:
        try:
            _writer(group, db, name)()
            results[name] = None
        except BaseException as exc:
            results[name] = exc

    first = threading.Thread(target=go, args=("a",))
    first.start()
    assert db.entered.wait(10)
    others = [threading.Thread(target=go, args=(n,)) for n in ("b", "c")]
    for t in others:
        t.start()
    while len(group._waiting) < 2:
        threading.Event().wait(0.005)
    db.fail_commit = False
    # the first transaction (a) commits; the group's (b, c) fails at COMMIT once
    original = db.transaction
    calls = {"n": 0}

    @contextlib.contextmanager
    def flaky() -> Iterator[None]:
        calls["n"] += 1
        db.fail_commit = calls["n"] == 1
        with original():
            yield

    group._transaction = flaky
    db.hold.set()
    for t in [first, *others]:
        t.join(10)
    assert results == {"a": None, "b": None, "c": None}
    assert (db.log.count("write b"), db.log.count("write c")) == (2, 2)
    assert db.log.count("COMMIT") == 3  # a; then b and c on their own after the failure


def test_disabled_group_commit_commits_each_batch_alone() -> None:
    db = _FakeDb()
    db.hold.set()
    group = GroupCommit(db.transaction, db.run, threading.RLock(), enabled=False)
    _writer(group, db, "a")()
    with pytest.raises(ConflictError):
        _writer(group, db, "b", fail=True)()
    assert db.log == ["BEGIN", "write a", "COMMIT", "BEGIN", "write b", "ROLLBACK"]


# -- on a real SQLite store -------------------------------------------------------------------


def test_threads_on_one_sqlite_store_write_everything_once(tmp_path: Path) -> None:
    """Eight threads commit 25 new records each and race on one shared record with the
    same expected version: every new record is written, the shared one exactly once per
    round, and nothing else."""
    store = SqlStore(f"sqlite:///{tmp_path / 'g.db'}")
    store.commit([Write(sample_record("C-SHARED"), 0)])
    wins: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(w: int) -> None:
        start.wait()
        for i in range(25):
            store.commit([Write(sample_record(f"C-{w:02d}{i:03d}"), 0)])
            current = store.get("C-SHARED")
            try:
                store.commit([Write(evolve(current, version=current.version + 1), current.version)])
            except ConflictError:
                continue
            with lock:
                wins.append(current.version)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(store) == 1 + 8 * 25
    assert sorted(wins) == list(range(1, len(wins) + 1)), "a version was taken twice"
    assert store.get("C-SHARED").version == 1 + len(wins)


def test_group_commit_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/bench_group_commit.py runs at its smoke size and prints its table."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_group_commit.py"
    spec = importlib.util.spec_from_file_location("bench_group_commit", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(["--tiny"])
    assert "group commit/s" in out
    assert "sqlite" in capsys.readouterr().out
