"""Bulk work: ``Mall.bulk()`` applies many operations with one durable commit (issue 16).

The staging store (``BufferedStore``) passes the storage contract on its own and when
half of its records have already been written to the base store, so reads, queries and
the due query merge both correctly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
import pytest

from mallops import Actor, Mall, ManualClock, MemoryStore
from mallops.domain.events import DomainEvent
from mallops.errors import ConflictError, ValidationError
from mallops.stores.buffered import BufferedStore
from mallops.stores.json_store import JsonStore
from mallops.stores.protocol import CounterWrite, Query, Store, Write, query_ids
from mallops.stores.sql_store import SqlStore
from mallops.testing import StoreContract

START = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
DESK = Actor("desk-1", "front_desk", "customer_service")


class TestBufferedStore(StoreContract):
    """Everything staged, nothing written to the base yet."""

    def make_store(self, tmp_path: Path) -> Store:
        return BufferedStore(MemoryStore())


class _HalfFlushing(BufferedStore):
    """Writes every second commit through to the base: records live in both places."""

    def __init__(self, base: Store) -> None:
        super().__init__(base)
        self._n = 0

    def commit(self, writes: Any, counters: Any = (), events: Any = ()) -> None:
        super().commit(writes, counters, events)
        self._n += 1
        if self._n % 2 == 0:
            self.flush()


class TestBufferedStoreOverData(StoreContract):
    """Half the commits already in the base store, half staged."""

    def make_store(self, tmp_path: Path) -> Store:
        return _HalfFlushing(MemoryStore())


class TestBufferedStoreOverSql(StoreContract):
    """As above over SQLite, whose ``creation_keys`` the staging store merges with."""

    def make_store(self, tmp_path: Path) -> Store:
        return _HalfFlushing(SqlStore(f"sqlite:///{tmp_path / 'half.db'}"))


def _open(mall: Mall, i: int, **extra: Any) -> str:
    params: dict[str, Any] = {
        "channel": "phone",
        "complainant": "张三",
        "contact": "13900000000",
        "location": f"L{i}",
        "description": "洗手间很脏",
        "demand": "清洁",
        **extra,
    }
    return mall.complaints.open(actor=DESK, **params).id


def test_bulk_writes_once_at_the_end(tmp_path: Path) -> None:
    """Inside bulk() nothing reaches the file; at its end every record and counter does,
    and subscribers hear the events only after that commit."""
    path = tmp_path / "ops.json"
    mall = Mall(JsonStore(path), ManualClock(START))
    heard: list[DomainEvent] = []
    mall.subscribe(heard.append)
    with mall.bulk():
        ids = [_open(mall, i) for i in range(30)]
        mall.complaints.fire(
            ids[0], "assign", actor=DESK, department="cleaning", assignee="clean-1"
        )
        assert mall.get(ids[0]).state == "assigned"  # later operations see earlier ones
        assert len(mall.complaints.query()) == 30
        with JsonStore(path) as other:
            assert len(other) == 0
        assert heard == []
    assert heard
    with JsonStore(path) as other:
        assert len(other) == 31  # 30 complaints and the configuration record (#14)
        assert other.get(ids[0]).state == "assigned"
        assert other.counter("id:complaint") == 30


def test_a_failing_block_writes_nothing(tmp_path: Path) -> None:
    """An exception inside bulk() discards the whole block: store and counters unchanged."""
    path = tmp_path / "ops.json"
    mall = Mall(JsonStore(path), ManualClock(START))
    _open(mall, 0)

    def block() -> None:
        with mall.bulk():
            _open(mall, 1)
            _open(mall, 2, channel="telepathy")

    with pytest.raises(ValidationError):
        block()
    assert isinstance(mall.store, JsonStore)
    assert len(mall.query()) == 1
    assert mall.store.counter("id:complaint") == 1
    assert _open(mall, 2) == "C-000002"


def test_a_conflict_at_the_end_writes_nothing(tmp_path: Path) -> None:
    """If another process changed a record the block changed, the one commit conflicts
    and nothing of the block is written."""
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    mall = Mall(SqlStore(url), ManualClock(START))
    other = Mall(SqlStore(url), ManualClock(START))
    cid = _open(mall, 0)

    def block() -> None:
        with mall.bulk():
            _open(mall, 1)
            mall.complaints.fire(cid, "assign", actor=DESK, department="cleaning", assignee="a")
            other.complaints.fire(cid, "assign", actor=DESK, department="security", assignee="b")

    with pytest.raises(ConflictError):
        block()
    assert mall.get(cid).department == "security"
    assert len(mall.query()) == 1


def test_nested_bulk_joins_the_outer_one() -> None:
    """A bulk() inside a bulk() commits with the outer block."""
    store = MemoryStore()
    mall = Mall(store, ManualClock(START))
    with mall.bulk():
        with mall.bulk():
            _open(mall, 0)
        assert len(store) == 0
    assert len(store) == 2  # the complaint and the property's configuration record (#14)


def test_recurrence_and_tick_see_staged_records() -> None:
    """C9 counts complaints staged earlier in the block; tick() fires staged deadlines."""
    clock = ManualClock(START)
    mall = Mall(MemoryStore(), clock)
    count = mall.policy.complaints.recurrence_count
    with mall.bulk():
        ids = [_open(mall, 0, location="B1") for _ in range(count)]
        assert mall.get(ids[-1]).escalation_level >= mall.policy.complaints.recurrence_level
        assert mall.get(ids[0]).escalation_level == 0
        clock.advance(days=30)
        assert mall.tick()
    fresh = Mall(mall.store, clock)
    assert fresh.tick() == []  # everything due was fired inside the block


def test_query_ids_matches_query_on_every_backend(tmp_path: Path) -> None:
    """query_ids() returns the ids query() would, in order, on each backend (C9 uses it)."""
    stores: list[Store] = [
        MemoryStore(),
        JsonStore(tmp_path / "s.json"),
        SqlStore(f"sqlite:///{tmp_path / 's.db'}"),
        BufferedStore(MemoryStore()),
    ]
    for store in stores:
        mall = Mall(store, ManualClock(START))
        for i in range(6):
            _open(mall, i % 2, location=f"L{i % 3}")
        for q in (
            Query(kind="complaint", location="L1"),
            Query(location="L0", category="environment", created_from=START),
            Query(kind="complaint", limit=2),
            Query(created_to=START),
        ):
            assert query_ids(store, q) == [r.id for r in store.query(q)], (store, q)
        store.close()


@pytest.mark.parametrize("base", ["memory", "sqlite", "json"])
def test_limited_ids_merge_staged_and_stored_records_by_creation(base: str, tmp_path: Path) -> None:
    """C9 asks the staging store for the first few ids of a location: staged records
    created before, between and after the stored ones come in creation order, whether
    the base store gives creation keys (SQLite) or records (issue 16)."""
    stores: dict[str, Any] = {
        "memory": MemoryStore,
        "sqlite": lambda: SqlStore(f"sqlite:///{tmp_path / 'b.db'}"),
        "json": lambda: JsonStore(tmp_path / "b.json"),
    }
    store = stores[base]()
    clock = ManualClock(START)
    mall = Mall(store, clock)
    for _ in range(4):  # stored: START+1h .. START+4h
        clock.advance(hours=1)
        _open(mall, 0, location="L")
    buffered = BufferedStore(store)
    for minutes in (30, 150, 360):  # staged: before, between and after the stored ones
        _open(Mall(buffered, ManualClock(START.add(minutes=minutes))), 0, location="L")
    everything = [r.id for r in buffered.query(Query(location="L"))]
    assert len(everything) == 7
    created = [buffered.get(i).created_at for i in everything]
    assert created == sorted(created)
    for limit in range(9):
        q = Query(kind="complaint", location="L", limit=limit)
        assert buffered.ids(q) == everything[:limit], limit
        late = Query(location="L", created_from=START.add(hours=2), limit=limit)
        assert buffered.ids(late) == [r.id for r in buffered.query(late)], limit
    store.close()


@pytest.mark.parametrize("base", ["sqlite", "json"])
def test_creation_keys_follow_the_query_order(base: str, tmp_path: Path) -> None:
    """``creation_keys`` of the SQL and JSON stores: the ids of ``query`` in its order,
    each with its creation time in integer microseconds (issue 16)."""
    store: Any = (
        SqlStore(f"sqlite:///{tmp_path / 'k.db'}")
        if base == "sqlite"
        else JsonStore(tmp_path / "k.json")
    )
    clock = ManualClock(START)
    mall = Mall(store, clock)
    for i in range(6):
        clock.set(START.add(seconds=i + 1, microseconds=7 * i))
        _open(mall, i % 2, location=f"L{i % 3}")
    for q in (
        Query(kind="complaint", location="L1"),
        Query(location="L0", category="environment", created_from=START, limit=1),
        Query(kind="complaint", limit=4),
        Query(created_to=START),
    ):
        records = store.query(q)
        assert [rid for _, rid in store.creation_keys(q)] == [r.id for r in records], q
        micro = [
            int(r.created_at.timestamp()) * 1_000_000 + r.created_at.microsecond for r in records
        ]
        assert [at for at, _ in store.creation_keys(q)] == micro, q
    store.close()


def test_buffered_store_refuses_stale_work() -> None:
    """The staging store checks versions and counters like a real store."""
    store = BufferedStore(MemoryStore())
    with pytest.raises(ConflictError):
        store.commit([], [CounterWrite("n", 3, 4)])
    mall = Mall(MemoryStore(), ManualClock(START))
    record = mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="a",
        contact="b",
        location="L",
        description="d",
        demand="x",
    )
    with pytest.raises(ConflictError):
        store.commit([Write(record, 1)])
    assert store.pending == 0


def test_hold_events_false_delivers_as_each_step_is_staged() -> None:
    """With hold_events=False a subscriber hears each operation inside the block (the
    demo reacts to them), while the store still gets one commit at the end."""
    store = MemoryStore()
    mall = Mall(store, ManualClock(START))
    heard: list[str] = []
    mall.subscribe(lambda e: heard.append(e.record_id))
    with mall.bulk(hold_events=False):
        cid = _open(mall, 0)
        assert cid in heard
        assert len(store) == 0
    assert len(store) == 2  # the complaint and the property's configuration record (#14)
