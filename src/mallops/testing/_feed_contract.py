"""The event feed's part of the storage contract (G6); mixed into ``StoreContract``."""

from __future__ import annotations

from pathlib import Path

import attrs
import pendulum
import pytest

from ..domain.events import DomainEvent
from ..domain.records import Actor, HistoryEntry, Record
from ..errors import ConflictError, EventsPruned, ValidationError
from ..stores.protocol import CounterWrite, Store, Write

__all__ = ["FeedContract", "sample_event"]

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
_ACTOR = Actor("desk-1", "front_desk", "customer_service")


def sample_event(
    record_id: str, type: str = "created", *, property: str = "default", n: int = 0
) -> DomainEvent:
    """A domain event for storage tests (``n`` goes into its data)."""
    return DomainEvent(type, record_id, "complaint", property, T0.add(minutes=n), {"n": n})


def _record(record_id: str, *, property: str = "default", version: int = 1) -> Record:
    history = tuple(
        HistoryEntry(i + 1, T0, _ACTOR, "open" if i == 0 else "touch", None, "registered", {})
        for i in range(version)
    )
    return Record(
        id=record_id,
        kind="complaint",
        property=property,
        state="registered",
        version=version,
        created_at=T0,
        updated_at=T0,
        is_open=True,
        fields={},
        history=history,
    )


def _bump(record: Record) -> Record:
    return attrs.evolve(
        record,
        version=record.version + 1,
        history=_record(record.id, version=record.version + 1).history,
    )


class FeedContract:
    """The feed tests of the storage contract (see ``StoreContract``)."""

    def reopen(self, store: Store, tmp_path: Path) -> Store:
        """A second handle on the same data; persistent backends override this."""
        return store

    # -- the event feed (G6) -------------------------------------------------------------------

    def test_events_are_committed_with_their_records_at_gap_free_positions(
        self, store: Store
    ) -> None:
        """A commit's events take the next positions 1, 2, 3 ...; the feed reads from a
        cursor, per property, with a limit."""
        assert store.feed_head() == 0
        assert store.events_since(0) == []
        a = _record("C-1")
        store.commit([Write(a, 0)], [], [sample_event("C-1", n=1), sample_event("C-1", n=2)])
        b = _record("C-2", property="other")
        store.commit([Write(b, 0)], [], [sample_event("C-2", property="other", n=3)])
        store.commit([Write(_bump(a), 1)], [], [sample_event("C-1", "transitioned", n=4)])
        got = store.events_since(0)
        assert [e.position for e in got] == [1, 2, 3, 4]
        assert [e.event.data["n"] for e in got] == [1, 2, 3, 4]
        assert got[0].event == sample_event("C-1", n=1)
        assert store.feed_head() == 4
        assert [e.position for e in store.events_since(1, property="default")] == [2, 4]
        assert [e.position for e in store.events_since(0, limit=2)] == [1, 2]
        assert store.events_since(4) == []

    def test_a_failed_commit_writes_none_of_its_events(self, store: Store) -> None:
        """A stale write or counter leaves the feed as it was; an events-only commit works."""
        a = _record("C-1")
        store.commit([Write(a, 0)], [], [sample_event("C-1")])
        with pytest.raises(ConflictError):
            store.commit([Write(_bump(a), 7)], [], [sample_event("C-1", "x")])
        with pytest.raises(ConflictError):
            store.commit([], [CounterWrite("n", 3, 4)], [sample_event("C-1", "y")])
        assert store.feed_head() == 1
        store.commit([], [], [sample_event("C-1", "tick")])
        assert [e.event.type for e in store.events_since(0)] == ["created", "tick"]

    def test_bad_feed_arguments_are_refused(self, store: Store) -> None:
        """Non-events, bad cursors and the feed's own counter raise ValidationError."""
        with pytest.raises(ValidationError):
            store.commit([], [], ["not an event"])  # type: ignore[list-item]
        with pytest.raises(ValidationError):
            store.commit([], [CounterWrite("feed:position", 0, 5)])
        for bad in (-1, "3", 1.5, None):
            with pytest.raises(ValidationError):
                store.events_since(bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            store.events_since(0, limit=-1)
        assert store.feed_head() == 0

    def test_pruned_events_are_gone_and_positions_never_reused(
        self, store: Store, tmp_path: Path
    ) -> None:
        """Retention removes the oldest events; a cursor before them raises EventsPruned;
        later events continue the numbering, also for a second handle."""
        store.commit([], [], [sample_event("C-1", n=i) for i in range(5)])
        assert store.prune_events(3) == 3
        assert [e.position for e in store.events_since(3)] == [4, 5]
        with pytest.raises(EventsPruned) as caught:
            store.events_since(2)
        assert caught.value.first == 4
        assert store.prune_events(9) == 2  # never past the head
        assert store.events_since(5) == []
        store.commit([], [], [sample_event("C-1", n=9)])
        other = self.reopen(store, tmp_path)
        try:
            other.refresh()
            assert other.feed_head() == 6
            assert [e.position for e in other.events_since(5)] == [6]
            with pytest.raises(EventsPruned):
                other.events_since(0)
        finally:
            if other is not store:
                other.close()

    def test_events_survive_reopen(self, store: Store, tmp_path: Path) -> None:
        """The feed is durable: a second handle reads the same positions and events."""
        store.commit([Write(_record("C-1"), 0)], [], [sample_event("C-1", n=1)])
        other = self.reopen(store, tmp_path)
        try:
            other.refresh()
            assert other.events_since(0) == store.events_since(0)
            other.commit([], [], [sample_event("C-1", "x")])
            store.refresh()
            assert [e.position for e in store.events_since(0)] == [1, 2]
        finally:
            if other is not store:
                other.close()
