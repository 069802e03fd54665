"""The JSON-file store passes the storage contract (crash, concurrency and bad-file tests
are in test_store_json_faults.py)."""

from __future__ import annotations

from pathlib import Path

from mallops import JsonStore, Mall, ManualClock, MemoryStore, Store
from mallops.testing import StoreContract

from .conftest import DESK, at


class TestJsonStore(StoreContract):
    def make_store(self, tmp_path: Path) -> JsonStore:
        return JsonStore(tmp_path / "store.json")

    def reopen(self, store: Store, tmp_path: Path) -> Store:
        return JsonStore(tmp_path / "store.json")


def test_open_store_opens_json_paths(tmp_path: Path) -> None:
    """open_store gives a JsonStore for a '.json' path and for an existing store file."""
    from mallops.stores import open_store

    store = open_store(tmp_path / "ops.json")
    assert isinstance(store, JsonStore)
    store.close()
    (tmp_path / "ops.json").rename(tmp_path / "ops.data")
    again = open_store(str(tmp_path / "ops.data"))
    assert isinstance(again, JsonStore)
    again.close()


def _open_complaints(mall: Mall) -> list[str]:
    ids = []
    for i, where in enumerate(("B1 east restroom", "L2 escalator", "L3 food court")):
        c = mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant=f"Customer {i}",
            contact="13800000000",
            location=where,
            description="restroom is dirty" if i == 0 else "it is too noisy here",
            demand="fix it",
        )
        ids.append(c.id)
        mall.clock.advance(minutes=20)  # type: ignore[attr-defined]
    return ids


def test_a_reopened_mall_fires_every_missed_deadline_in_order(tmp_path: Path) -> None:
    """A Mall on a JsonStore, closed with open complaints and reopened ten days later,
    fires every missed timer mark in time order on its first tick, exactly as a Mall that
    never closed its in-memory store does."""
    start = at(2026, 9, 30, 10)
    later = start.add(days=10)
    path = tmp_path / "mall.json"
    store = JsonStore(path)
    ids = _open_complaints(Mall(store=store, clock=ManualClock(start)))
    store.close()

    reference = Mall(store=MemoryStore(), clock=ManualClock(start))
    assert _open_complaints(reference) == ids
    reference.clock.set(later)  # type: ignore[attr-defined]
    want = reference.tick()

    reopened = JsonStore(path)
    mall = Mall(store=reopened, clock=ManualClock(later))
    got = mall.tick()
    assert got == want
    assert len(got) >= 9  # warnings, breaches and escalations of three complaints
    assert [e.at for e in got] == sorted(e.at for e in got)
    assert {e.record_id for e in got if e.type == "timer_breached"} == set(ids)
    assert mall.tick() == []
    reopened.close()
    with JsonStore(path) as again:
        assert [again.get(i) for i in ids] == [reference.get(i) for i in ids]
