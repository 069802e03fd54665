"""The demo is deterministic per simulated day (issue 17): interrupted at any point and
continued, it ends with exactly the records and counters of an uninterrupted run."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mallops.demo import DayStore, DemoConfig, run_demo
from mallops.stores.codec import encode
from mallops.stores.memory import MemoryStore
from mallops.stores.protocol import Query, Store

CONFIG = DemoConfig(days=4, tenants=15)
KINDS = ("complaint", "repair", "return_visit", "lost_item", "lost_report", "tenant", "visit",
         "suggestion")  # fmt: skip


def _snapshot(store: Store) -> tuple[str, dict[str, int]]:
    records = sorted((encode(r) for r in store.query(Query())), key=lambda d: d["id"])
    counters = {f"id:{k}": store.counter(f"id:{k}") for k in KINDS}
    counters |= {n: store.counter(n) for n in ("demo:day", "demo:target", "demo:seed")}
    return json.dumps(records, sort_keys=True, default=str), counters


@pytest.fixture(scope="module")
def uninterrupted() -> tuple[str, dict[str, int]]:
    store = MemoryStore()
    run_demo(store, CONFIG)
    return _snapshot(store)


class _Stop(BaseException):
    """Stands for Ctrl-C (KeyboardInterrupt) at a chosen write."""


@settings(max_examples=8, deadline=None)
@given(stop_at=st.integers(min_value=1, max_value=480))
@example(stop_at=1)  # the first write of the first day
@example(stop_at=120)  # in the middle of a day
def test_interrupted_and_continued_equals_uninterrupted(
    stop_at: int,
    uninterrupted: tuple[str, dict[str, int]],
) -> None:
    """Stop the demo at its ``stop_at``-th record write, run it again on the same store:
    the records and counters equal an uninterrupted run's."""
    store = MemoryStore()
    writes = {"n": 0}
    real_commit = DayStore.commit

    def commit(self: DayStore, *args: Any, **kwargs: Any) -> None:
        writes["n"] += 1
        if writes["n"] == stop_at:
            raise _Stop
        real_commit(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as m, contextlib.suppress(_Stop):
        m.setattr(DayStore, "commit", commit)
        run_demo(store, CONFIG)
    result = run_demo(store, CONFIG)
    assert _snapshot(store) == uninterrupted
    assert result.end == result.start.add(days=4)


def test_an_interruption_leaves_whole_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped in the middle of day 2, the store holds day 1 whole and nothing of day 2."""
    store = MemoryStore()
    writes = {"n": 0}
    real_commit = DayStore.commit

    def commit(self: DayStore, *args: Any, **kwargs: Any) -> None:
        if store.counter("demo:day") >= 1:  # in the middle of day 2 (after 50 of its writes)
            writes["n"] += 1
            if writes["n"] == 50:
                raise _Stop
        real_commit(self, *args, **kwargs)

    monkeypatch.setattr(DayStore, "commit", commit)
    with pytest.raises(_Stop):
        run_demo(store, CONFIG)
    done = store.counter("demo:day")
    assert 0 < done < 4
    start = store.query(Query())[0].created_at.start_of("day")
    assert all(r.updated_at <= start.add(days=done) for r in store.query(Query()))


def test_two_months_run_through_items_handed_over_by_other_workflows() -> None:
    """Past day 60 unclaimed deposits reach lost and found with only system entries in
    their history; the demo's lost-and-found generator plans their next step instead of
    failing on an empty list (IndexError before)."""
    store = MemoryStore()
    run_demo(store, DemoConfig(days=61, tenants=15))
    assert store.counter("demo:day") == 61
    items = store.query(Query(kind="lost_item"))
    assert items
    assert {r.state for r in items} - {"registered", "stored"}  # the run moved items on
