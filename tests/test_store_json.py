"""The JSON-file store passes the storage contract (crash, concurrency and bad-file tests
are in test_store_json_faults.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mallops import ConflictError, JsonStore, Mall, ManualClock, MemoryStore, Record, Store
from mallops.stores import Write, json_store
from mallops.testing import StoreContract, sample_record

from .conftest import DESK, at

T0 = at(2026, 9, 30, 10)


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


def test_two_handles_agree_with_a_model_through_commits_and_compactions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random commits and compactions through two handles on one file (two processes'
    views) always read the same as a dict model, through either handle."""
    monkeypatch.setattr(json_store, "_COMPACT_MIN", 3_000)

    class TwoHandles(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            path = Path(tempfile.mkdtemp(dir=tmp_path)) / "s.json"
            self.handles = [JsonStore(path, durable=False), JsonStore(path, durable=False)]
            self.model: dict[str, Record] = {}

        @rule(h=st.integers(0, 1), n=st.integers(0, 4), hours=st.none() | st.integers(0, 9))
        def write(self, h: int, n: int, hours: int | None) -> None:
            rid = f"C-{n}"
            wake = None if hours is None else T0.add(hours=hours)
            old = self.model.get(rid)
            new = (
                sample_record(rid, wake_at=wake)
                if old is None
                else attrs.evolve(old, version=old.version + 1, wake_at=wake)
            )
            self.handles[h].commit([Write(new, old.version if old else 0)])
            self.model[rid] = new

        @rule(h=st.integers(0, 1), n=st.integers(0, 4))
        def stale_write_conflicts(self, h: int, n: int) -> None:
            old = self.model.get(f"C-{n}")
            if old is not None:
                with pytest.raises(ConflictError):
                    self.handles[h].commit([Write(attrs.evolve(old, state="x"), old.version - 1)])

        @rule(h=st.integers(0, 1))
        def compact(self, h: int) -> None:
            self.handles[h].compact()

        @invariant()
        def both_agree_with_the_model(self) -> None:
            want_due = sorted(
                (r.wake_at, r.id) for r in self.model.values() if r.wake_at is not None
            )
            for store in self.handles:
                assert store.get_many(list(self.model)) == self.model
                assert store.due(T0.add(hours=10)) == want_due

        def teardown(self) -> None:
            for store in self.handles:
                store.close()

    TwoHandles.TestCase.settings = settings(max_examples=20, stateful_step_count=25, deadline=None)
    TwoHandles.TestCase().runTest()


def test_queries_find_every_record_after_a_compaction(tmp_path: Path) -> None:
    """A compaction rewrites the file and moves every entry; queries by kind, tenant and
    location still find every record afterwards (the hash indexes are rebuilt)."""
    from mallops import Query
    from mallops.testing import sample_record

    store = JsonStore(tmp_path / "c.json")
    records = [
        sample_record(f"C-{i}", tenant=f"T{i % 3}", location="B1", wake_at=None) for i in range(12)
    ]
    store.commit([Write(r, 0) for r in records])
    store.compact()
    assert len(store.query(Query(kind="complaint"))) == 12
    assert len(store.query(Query(tenant="T1"))) == 4
    assert len(store.query(Query(location="B1", kind="complaint"))) == 12
    store.commit([Write(sample_record("C-99", tenant="T1"), 0)])
    assert len(store.query(Query(tenant="T1"))) == 5
    store.close()


def test_G6_a_reopened_store_serves_its_feed_read_appended_pruned_and_compacted(
    tmp_path: Path,
) -> None:
    """The feed read from the file (kept undecoded until read, issue 16) is the same
    log as one built by commits: served from 0, followed by new events in order,
    pruned and compacted without loss.  A merge once left a reopened store's feed
    empty to ``events_since`` while its head said otherwise."""
    path = tmp_path / "feed.json"
    mall = Mall(JsonStore(path), ManualClock(T0))
    _open_complaints(mall)
    before = [(e.position, e.event) for e in mall.store.events_since(0)]
    assert before
    assert [p for p, _ in before] == list(range(1, len(before) + 1))
    again = Mall(JsonStore(path), ManualClock(T0.add(hours=1)))
    assert [(e.position, e.event) for e in again.store.events_since(0)] == before
    fresh = Mall(JsonStore(path), ManualClock(T0.add(hours=1)))  # nothing decoded yet
    fresh.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="Customer 9",
        contact="13800000000",
        location="B2 car park",
        description="it is too noisy here",
        demand="fix it",
    )
    served = fresh.store.events_since(0)
    assert [e.position for e in served] == list(range(1, fresh.store.feed_head() + 1))
    assert [(e.position, e.event) for e in served[: len(before)]] == before
    reopened = JsonStore(path)
    assert reopened.prune_events(2) == 2
    assert reopened.events_since(2)[0].position == 3
    reopened.compact()
    last = JsonStore(path)
    assert [e.position for e in last.events_since(2)] == list(range(3, last.feed_head() + 1))
