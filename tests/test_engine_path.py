"""One engine path (#14): one catch-up step for fire and tick, one way to create a
record as the system, one retry policy; a conflict caused only by a timer firing
between a user's read and write is retried inside the operation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from mallops import ConflictError, DomainEvent, Mall, ManualClock, MemoryStore
from mallops.domain.records import SYSTEM
from mallops.engine.engine import TIMER_EVENT
from mallops.engine.retry import RETRY
from mallops.stores import CounterWrite, Write

from .conftest import CS_HEAD, DESK, at
from .test_complaints import register

START = at(2026, 9, 30, 10)


class Between(MemoryStore):
    """A memory store that runs ``between`` once, just before the next commit (another
    process acting between an operation's read and its write)."""

    def __init__(self) -> None:
        super().__init__()
        self.between: Callable[[], object] | None = None

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        act, self.between = self.between, None
        if act is not None:
            act()
        super().commit(writes, counters, events)


def test_a_timer_fired_by_another_ticker_between_read_and_write_is_retried() -> None:
    """Two tickers: while the user's assign is being written, the other ticker fires the
    complaint's due marks.  The assign is retried on top, not refused (#14)."""
    store = Between()
    clock = ManualClock(START)
    mall = Mall(store=store, clock=clock)
    ticker = Mall(store=store, clock=clock)
    c = register(mall)
    clock.advance(hours=4)  # the first-contact warning and breach fell due
    store.between = ticker.tick
    done = mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
    events = [h.event for h in done.history]
    assert events[0] == "open"
    assert events[-1] == "assign"
    assert events.count(TIMER_EVENT) >= 2  # fired once each, by the other ticker
    assert all(h.actor == SYSTEM for h in done.history if h.event == TIMER_EVENT)
    assert mall.replay(c.id) == done
    assert mall.tick() == []  # nothing left to fire twice


def test_a_change_by_a_person_between_read_and_write_still_conflicts() -> None:
    """A real concurrent decision is never overwritten: ConflictError, nothing written."""
    store = Between()
    clock = ManualClock(START)
    mall = Mall(store=store, clock=clock)
    other = Mall(store=store, clock=clock)
    c = register(mall)
    store.between = lambda: other.complaints.fire(
        c.id, "set_severity", actor=CS_HEAD, severity="important", reason="repeat"
    )
    with pytest.raises(ConflictError):
        mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
    assert mall.get(c.id).state == "registered"
    assert mall.get(c.id).history[-1].event == "set_severity"


def test_two_tickers_fire_each_mark_once() -> None:
    """A ticker whose commit meets the other ticker's looks again and fires nothing twice."""
    store = Between()
    clock = ManualClock(START)
    first = Mall(store=store, clock=clock)
    second = Mall(store=store, clock=clock)
    ids = [register(first).id for _ in range(3)]
    clock.advance(days=5)
    store.between = second.tick
    events = first.tick()
    fired = [
        (r, h.data["timer"], h.data["mark"])
        for r in ids
        for h in first.get(r).history
        if h.event == TIMER_EVENT
    ]
    assert len(fired) == len(set(fired))
    assert all(e.type != "tick_failed" for e in events)
    assert first.tick() == []


def test_retry_policy_is_bounded_and_jittered() -> None:
    """The one policy: 16 attempts, back-off capped (no timing assertion: only bounds)."""
    assert RETRY.attempts == 16
    assert RETRY.backoff * 2**6 < 0.05
