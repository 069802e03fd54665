"""Numbering under concurrency (L3): several threads, each with its own ``Mall`` on one
shared in-memory store, register and number items at the same time.

A two-process variant runs on the JSON store; the guarantee is the same: the
month's counter advances in the same commit as the items it numbers.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter

import pytest

from mallops import Actor, Mall, MemoryStore, Record

from .lost_found_helpers import at, found, make_mall

THREADS = 4
ITEMS_PER_ROUND = 5
ROUNDS = 4


@pytest.mark.parametrize("shared_desk", [False, True], ids=["own-desk", "every-desk"])
def test_l3_threads_numbering_at_once_get_unique_gap_free_numbers(shared_desk: bool) -> None:
    """Threads closing their own desk (or every desk) at once never share or skip a number."""
    first, clock = make_mall(at(2026, 11, 20, 10))
    store = first.store
    assert isinstance(store, MemoryStore)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        mall = Mall(store=store, clock=clock, policy=first.policy)
        desk = f"desk-{n}"
        actor = Actor(f"clerk-{n}", "front_desk", "customer_service")
        try:
            for _ in range(ROUNDS):
                for _ in range(ITEMS_PER_ROUND):
                    found(mall, actor=actor, desk=desk)
                barrier.wait()
                mall.lost_found.close_day(actor=actor, desk=None if shared_desk else desk)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(2e-4)  # switch threads often, so commits really interleave
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    items: list[Record] = first.lost_found.query()
    assert len(items) == THREADS * ITEMS_PER_ROUND * ROUNDS
    assert all(r.state == "stored" for r in items)
    numbers = Counter(r.fields["number"] for r in items)
    assert max(numbers.values()) == 1
    seqs = sorted(r.fields["seq"] for r in items)
    assert seqs == list(range(1, len(items) + 1))
    assert store.counter(first.lost_found.counter_name(2026, 11)) == len(items)


PROCESSES = 3


def test_l3_two_processes_numbering_on_one_json_store(tmp_path: pytest.TempPathFactory) -> None:
    """Separate processes, each with its own JsonStore handle on one file, register and
    number items at the same time: every number is unique and the month has no gap."""
    import os

    from mallops import JsonStore, ManualClock

    from ._json_workers import fork

    path = tmp_path / "lost.json"  # type: ignore[operator]
    start = at(2026, 11, 20, 10)
    JsonStore(path).close()

    def work(n: int) -> None:
        store = JsonStore(path)
        mall = Mall(store=store, clock=ManualClock(start))
        actor = Actor(f"clerk-{n}", "front_desk", "customer_service")
        for _ in range(ROUNDS):
            for _ in range(ITEMS_PER_ROUND):
                found(mall, actor=actor, desk=f"desk-{n}")
            mall.lost_found.close_day(actor=actor, desk=f"desk-{n}")
        store.close()

    pids = [fork(lambda n=n: work(n)) for n in range(PROCESSES)]  # type: ignore[misc]
    codes = [os.waitpid(pid, 0)[1] for pid in pids]
    assert codes == [0] * PROCESSES
    store = JsonStore(path)
    mall = Mall(store=store, clock=ManualClock(start))
    items = mall.lost_found.query()
    assert len(items) == PROCESSES * ROUNDS * ITEMS_PER_ROUND
    assert all(r.state == "stored" for r in items)
    numbers = Counter(r.fields["number"] for r in items)
    assert max(numbers.values()) == 1
    assert sorted(r.fields["seq"] for r in items) == list(range(1, len(items) + 1))
    assert store.counter(mall.lost_found.counter_name(2026, 11)) == len(items)
    store.close()
