"""The storage contract: one test suite every backend passes unchanged.

Subclass :class:`StoreContract` in a pytest module and implement ``make_store``::

    class TestMyStore(StoreContract):
        def make_store(self, tmp_path):
            return MyStore(tmp_path / "data")

Every test gets a fresh, empty store.  ``reopen`` (optional) returns a second handle on
the same data (a new process's view) for backends that persist; the default returns the
same object.  The suite includes a Hypothesis state machine that drives the store and a
reference model with the same random operations and checks they agree after every step.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ..domain.events import DomainEvent
from ..domain.records import Actor, HistoryEntry, Link, Record
from ..errors import ConflictError, EventsPruned, RecordNotFound, ValidationError
from ..stores.codec import decode, encode
from ..stores.protocol import CounterWrite, Query, Store, Write
from ._feed_contract import FeedContract, sample_event

__all__ = ["StoreContract", "sample_event", "sample_record"]

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
_ACTOR = Actor("desk-1", "front_desk", "customer_service")


def sample_record(
    record_id: str,
    *,
    version: int = 1,
    kind: str = "complaint",
    state: str = "registered",
    property: str = "default",
    created_at: pendulum.DateTime = T0,
    wake_at: pendulum.DateTime | None = None,
    tenant: str | None = None,
    owner: str | None = None,
    location: str | None = None,
    category: str | None = None,
    is_open: bool = True,
    links: tuple[Link, ...] = (),
    fields: dict[str, Any] | None = None,
) -> Record:
    """A well-formed record for storage tests (``version`` history entries)."""
    history = tuple(
        HistoryEntry(i + 1, created_at, _ACTOR, "open" if i == 0 else "touch", None, state, {})
        for i in range(version)
    )
    return Record(
        id=record_id,
        kind=kind,
        property=property,
        state=state,
        version=version,
        created_at=created_at,
        updated_at=created_at,
        is_open=is_open,
        owner=owner,
        tenant=tenant,
        location=location,
        category=category,
        fields=fields if fields is not None else {"note": "文本 text"},
        links=links,
        history=history,
        wake_at=wake_at,
    )


def _bump(record: Record, **changes: Any) -> Record:
    entry = HistoryEntry(
        record.version + 1, record.updated_at, _ACTOR, "touch", record.state, record.state, {}
    )
    return attrs.evolve(
        record, version=record.version + 1, history=(*record.history, entry), **changes
    )


class StoreContract(FeedContract):
    """Abstract contract tests; see the module docstring."""

    def make_store(self, tmp_path: Path) -> Store:
        """A fresh, empty store (implement in the subclass)."""
        raise NotImplementedError("subclass StoreContract and implement make_store")

    def reopen(self, store: Store, tmp_path: Path) -> Store:
        """A second handle on the same data; persistent backends override this."""
        return store

    @pytest.fixture
    def store(self, tmp_path: Path) -> Any:
        s = self.make_store(tmp_path)
        yield s
        s.close()

    # -- basic reads and writes ----------------------------------------------------------------

    def test_get_missing_raises_record_not_found(self, store: Store) -> None:
        """Reading an id that was never written raises RecordNotFound."""
        with pytest.raises(RecordNotFound):
            store.get("C-000001")

    def test_commit_then_get_returns_equal_record(self, store: Store) -> None:
        """A committed record reads back equal, field for field."""
        r = sample_record("C-000001", wake_at=T0.add(hours=3), tenant="T1")
        store.commit([Write(r, 0)])
        assert store.get("C-000001") == r
        assert store.get_many(["C-000001", "C-000404"]) == {"C-000001": r}

    def test_stale_write_conflicts_and_writes_nothing(self, store: Store) -> None:
        """A write based on an old version raises ConflictError; the stored record stays."""
        r1 = sample_record("C-000001")
        store.commit([Write(r1, 0)])
        r2 = _bump(r1)
        store.commit([Write(r2, 1)])
        with pytest.raises(ConflictError):
            store.commit([Write(_bump(r1, state="x"), 1)])
        assert store.get("C-000001") == r2

    def test_new_record_with_existing_id_conflicts(self, store: Store) -> None:
        """Creating (expected version 0) an id that exists raises ConflictError."""
        store.commit([Write(sample_record("C-000001"), 0)])
        with pytest.raises(ConflictError):
            store.commit([Write(sample_record("C-000001", state="other"), 0)])

    def test_multi_record_commit_is_atomic(self, store: Store) -> None:
        """If one write of a commit conflicts, none of its writes or counters happen."""
        a = sample_record("C-000001")
        store.commit([Write(a, 0)])
        b = sample_record("R-000001", kind="return_visit")
        with pytest.raises(ConflictError):
            store.commit([Write(b, 0), Write(_bump(a), 5)], [CounterWrite("n", 0, 1)])
        with pytest.raises(RecordNotFound):
            store.get("R-000001")
        assert store.counter("n") == 0
        store.commit([Write(b, 0), Write(_bump(a), 1)], [CounterWrite("n", 0, 1)])
        assert store.get("R-000001") == b
        assert store.get("C-000001").version == 2
        assert store.counter("n") == 1

    def test_counters_start_at_zero_and_refuse_stale_moves(self, store: Store) -> None:
        """Counters advance only from their current value."""
        assert store.counter("lost:default:2026/11") == 0
        store.commit([], [CounterWrite("lost:default:2026/11", 0, 3)])
        assert store.counter("lost:default:2026/11") == 3
        with pytest.raises(ConflictError):
            store.commit([], [CounterWrite("lost:default:2026/11", 0, 1)])
        assert store.counter("lost:default:2026/11") == 3

    def test_bad_ids_are_refused(self, store: Store) -> None:
        """Ids that could escape the store (paths, empty, huge) raise ValidationError."""
        for bad in ("../etc/passwd", "", "a" * 200, "x\x00y", "/abs", "a/../b"):
            with pytest.raises(ValidationError):
                store.get(bad)
            with pytest.raises(ValidationError):
                store.commit([Write(attrs.evolve(sample_record("C-1"), id=bad), 0)])

    # -- queries ---------------------------------------------------------------------------------

    def test_query_filters(self, store: Store) -> None:
        """Every filter of Query selects exactly the matching records, oldest first."""
        recs = [
            sample_record("C-1", tenant="T1", owner="a", category="security", created_at=T0),
            sample_record("C-2", tenant="T2", owner="b", location="B1", created_at=T0.add(days=1)),
            sample_record(
                "R-1",
                kind="repair",
                state="closed",
                is_open=False,
                created_at=T0.add(days=2),
                links=(Link("source", "C-1"),),
                property="other",
            ),
        ]
        store.commit([Write(r, 0) for r in recs])

        def ids(q: Query) -> list[str]:
            return [r.id for r in store.query(q)]

        assert ids(Query()) == ["C-1", "C-2", "R-1"]
        assert ids(Query(kind="complaint")) == ["C-1", "C-2"]
        assert ids(Query(kind=("complaint", "repair"), state="closed")) == ["R-1"]
        assert ids(Query(tenant="T1")) == ["C-1"]
        assert ids(Query(owner="b")) == ["C-2"]
        assert ids(Query(location="B1")) == ["C-2"]
        assert ids(Query(category="security")) == ["C-1"]
        assert ids(Query(is_open=False)) == ["R-1"]
        assert ids(Query(property="other")) == ["R-1"]
        assert ids(Query(created_from=T0.add(days=1))) == ["C-2", "R-1"]
        assert ids(Query(created_to=T0.add(days=1))) == ["C-1"]
        assert ids(Query(linked_to="C-1")) == ["R-1"]
        assert ids(Query(limit=2)) == ["C-1", "C-2"]

    def test_due_returns_only_due_records_in_time_order(self, store: Store) -> None:
        """due(until) lists (wake_at, id) with wake_at <= until, earliest first, and follows
        records whose wake time moved or vanished."""
        a = sample_record("A", wake_at=T0.add(hours=5))
        b = sample_record("B", wake_at=T0.add(hours=1))
        c = sample_record("C", wake_at=None)
        d = sample_record("D", wake_at=T0.add(hours=9), property="other")
        store.commit([Write(x, 0) for x in (a, b, c, d)])
        assert store.due(T0.add(hours=6)) == [(T0.add(hours=1), "B"), (T0.add(hours=5), "A")]
        assert store.due(T0.add(hours=6), limit=1) == [(T0.add(hours=1), "B")]
        assert store.due(T0) == []
        store.commit(
            [Write(_bump(b, wake_at=T0.add(hours=8)), 1), Write(_bump(a, wake_at=None), 1)]
        )
        assert store.due(T0.add(hours=6)) == []
        assert store.due(T0.add(hours=10), property="default") == [(T0.add(hours=8), "B")]
        assert [rid for _, rid in store.due(T0.add(hours=10))] == ["B", "D"]

    def test_codec_round_trip_is_exact(self, store: Store) -> None:
        """encode/decode reproduce a record exactly (the text form every backend may use)."""
        r = sample_record("C-9", wake_at=T0.add(minutes=15), fields={"a": [1, "二", None]})
        assert decode(encode(r)) == r

    def test_data_survives_reopen(self, store: Store, tmp_path: Path) -> None:
        """What was committed is there for a second handle (a second process)."""
        r = sample_record("C-1", wake_at=T0.add(hours=1))
        store.commit([Write(r, 0)], [CounterWrite("id:complaint", 0, 1)])
        other = self.reopen(store, tmp_path)
        try:
            other.refresh()
            assert other.get("C-1") == r
            assert other.counter("id:complaint") == 1
            assert other.due(T0.add(hours=2)) == [(T0.add(hours=1), "C-1")]
        finally:
            if other is not store:
                other.close()

    # -- model-based ---------------------------------------------------------------------------

    def test_agrees_with_a_reference_model(self, tmp_path: Path) -> None:
        """Random commits, conflicts and queries give the same answers as a dict model."""
        contract = self

        class Agreement(RuleBasedStateMachine):
            def __init__(self) -> None:
                super().__init__()
                # a fresh directory per example (ids of collected machines are reused)
                path = Path(tempfile.mkdtemp(prefix="agree-", dir=tmp_path))
                self.store = contract.make_store(path)
                self.model: dict[str, Record] = {}
                self.counter = 0
                self.feed: list[DomainEvent] = []  # every event ever committed, in order
                self.pruned = 0

            @rule(
                n=st.integers(0, 5),
                hours=st.none() | st.integers(0, 48),
                stale=st.booleans(),
                bump_counter=st.booleans(),
                events=st.integers(0, 3),
            )
            def write(
                self, n: int, hours: int | None, stale: bool, bump_counter: bool, events: int
            ) -> None:
                rid = f"C-{n}"
                wake = None if hours is None else T0.add(hours=hours)
                current = self.model.get(rid)
                new = (
                    sample_record(rid, wake_at=wake)
                    if current is None
                    else _bump(current, wake_at=wake)
                )
                expected = (current.version if current else 0) + (1 if stale else 0)
                counters = (
                    [CounterWrite("n", self.counter, self.counter + 1)] if bump_counter else []
                )
                raised = [sample_event(rid, n=len(self.feed) + i) for i in range(events)]
                try:
                    self.store.commit([Write(new, expected)], counters, raised)
                except ConflictError:
                    assert stale
                    return
                assert not stale
                self.model[rid] = new
                self.feed.extend(raised)
                if bump_counter:
                    self.counter += 1

            @rule(hours=st.integers(0, 50))
            def due_agrees(self, hours: int) -> None:
                until = T0.add(hours=hours)
                want = sorted(
                    (r.wake_at, r.id)
                    for r in self.model.values()
                    if r.wake_at is not None and r.wake_at <= until
                )
                assert self.store.due(until) == want

            @rule(cursor=st.integers(0, 40), limit=st.none() | st.integers(0, 5))
            def feed_agrees(self, cursor: int, limit: int | None) -> None:
                if cursor < self.pruned:
                    with pytest.raises(EventsPruned):
                        self.store.events_since(cursor)
                    return
                got = self.store.events_since(cursor, limit=limit)
                want = list(enumerate(self.feed, start=1))[cursor:]
                want = want if limit is None else want[:limit]
                assert [(e.position, e.event) for e in got] == want

            @rule(upto=st.integers(0, 40))
            def prune(self, upto: int) -> None:
                removed = self.store.prune_events(upto)
                new = max(self.pruned, min(upto, len(self.feed)))
                assert removed == new - self.pruned
                self.pruned = new

            @invariant()
            def same_records(self) -> None:
                assert self.store.feed_head() == len(self.feed)
                for rid, r in self.model.items():
                    assert self.store.get(rid) == r
                assert self.store.counter("n") == self.counter
                assert [r.id for r in self.store.query(Query())] == sorted(
                    self.model, key=lambda k: (self.model[k].created_at, k)
                )

            def teardown(self) -> None:
                self.store.close()

        Agreement.TestCase.settings = settings(
            max_examples=max(25, settings().max_examples // 8),  # more when thorough
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        Agreement.TestCase().runTest()
