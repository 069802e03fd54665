"""The engine rows of issue 16's table, each measured exactly as the goal states it."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from _build import (
    DESK,
    LIFECYCLE,
    actor_for,
    event_params,
    new_mall,
    open_one,
    survey_policy,
)
from _paired import Pair, cpu, paired
from transitions import Machine

from mallops import Mall, ManualClock, MemoryStore
from mallops.domain.records import Record, evolve
from mallops.stores.protocol import Write

STATES = ("registered", "assigned", "contacted", "in_progress", "resolved", "closed")


def lifecycle_machine() -> Machine:
    """One shared ``transitions`` machine with the complaint lifecycle, no auto events."""
    return Machine(
        model=[],
        states=list(STATES),
        initial="registered",
        transitions=[
            {"trigger": e, "source": STATES[i], "dest": STATES[i + 1]}
            for i, e in enumerate(LIFECYCLE)
        ],
        auto_transitions=False,
    )


class _Model:
    """A plain model object (not slotted, identity equality), as transitions expects."""

    def __init__(self) -> None:
        self.state = "registered"


def fire_per_event(chunk: int, rounds: int) -> dict[str, Pair]:
    """``fire`` one event on an open complaint (history, timers, commit to the memory
    store) against a bare ``machine.events[e].trigger(model)``, per event.

    Each round opens ``chunk`` complaints (not timed) and then, event by event, fires
    it on those complaints and triggers it on ``chunk`` bare models, alternating which
    goes first."""
    mall = Mall(MemoryStore(), ManualClock(new_mall().clock.now()), survey_policy())
    machine = lifecycle_machine()
    events = {e: machine.events[e] for e in LIFECYCLE}
    mine: dict[str, list[float]] = {e: [] for e in LIFECYCLE}
    base: dict[str, list[float]] = {e: [] for e in LIFECYCLE}
    n = 0
    for r in range(rounds):
        ids = [open_one(mall, n + i).id for i in range(chunk)]
        n += chunk
        models = [_Model() for _ in range(chunk)]
        for e in LIFECYCLE:
            actor, params = actor_for(e), event_params(e, mall.now())

            def run_mine(
                ev: str = e, a: Any = actor, p: Any = params, ids: list[str] = ids
            ) -> None:
                for rid in ids:
                    mall.complaints.fire(rid, ev, actor=a, **p)

            def run_base(ev: str = e, models: list[_Model] = models) -> None:
                trigger = events[ev].trigger
                for m in models:
                    trigger(m)

            if r % 2 == 0:
                mine[e].append(cpu(run_mine, chunk))
                base[e].append(cpu(run_base, chunk))
            else:
                base[e].append(cpu(run_base, chunk))
                mine[e].append(cpu(run_mine, chunk))
    return {e: Pair(mine[e], base[e]) for e in LIFECYCLE}


def open_vs_add_model(models: int, chunk: int, rounds: int) -> Pair:
    """``complaints.open()`` on a store holding ``models`` complaints against one
    ``add_model`` on a shared machine holding ``models`` models."""
    mall = new_mall()
    with mall.bulk():
        for i in range(models):
            open_one(mall, i)
    machine = lifecycle_machine()
    for _ in range(models):
        machine.add_model(_Model())
    counter = [models]

    def run_mine() -> float:
        first = counter[0]
        counter[0] += chunk

        def go() -> None:
            for i in range(first, first + chunk):
                open_one(mall, i)

        return cpu(go, chunk)

    def run_base() -> float:
        fresh = [_Model() for _ in range(chunk)]

        def go() -> None:
            for m in fresh:
                machine.add_model(m)

        t = cpu(go, chunk)
        machine.remove_model(fresh)  # back to ``models`` models (not timed)
        return t

    return paired(run_mine, run_base, rounds)


def memory_per_open(n: int) -> float:
    """Bytes per open complaint: tracemalloc over ``n`` real ``open()`` calls on a memory
    store (the records, their indexes and due-heap entries, the counters)."""
    mall = new_mall()
    open_one(mall, -1)  # policy, calendar and caches warmed before tracing
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        open_one(mall, i)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / n


def due_query(n: int, due: int, rounds: int) -> Pair:
    """``store.due(now)`` finding ``due`` due records among ``n`` against a plain scan
    of every record's next wake time (then sorting the few found, as ``due`` returns
    them sorted).  Between rounds a ticker's work is simulated: the due records move to
    a later wake time (leaving stale due-heap entries behind) and ``due`` others fall due.
    """
    mall = new_mall()
    templates = [open_one(mall, i) for i in range(min(n, 500))]
    now = mall.now().add(days=1)
    soon, later = now.subtract(minutes=5), now.add(days=400)
    table: dict[str, Record] = {}
    for i in range(n):
        t = templates[i % len(templates)]
        table[f"C-{i:07d}"] = evolve(t, id=f"C-{i:07d}", wake_at=soon if i < due else later)
    store = MemoryStore()
    store.commit([Write(r, 0) for r in table.values()])
    step = max(1, n // due)
    state = {"next": 0}

    def churn() -> None:
        moved = [rid for _, rid in store.due(now)]
        start = state["next"] = (state["next"] + 1) % step
        fresh = [f"C-{i:07d}" for i in range(start, n, step)][:due]
        writes = {rid: evolve(table[rid], version=table[rid].version + 1) for rid in moved}
        for rid in moved:
            writes[rid] = evolve(writes[rid], wake_at=later)
        for rid in fresh:
            r = writes.get(rid, table[rid])
            writes[rid] = evolve(r, version=table[rid].version + 1, wake_at=soon)
        store.commit([Write(r, table[rid].version) for rid, r in writes.items()])
        table.update(writes)

    def run_mine() -> float:
        return cpu(lambda: store.due(now))

    def run_base() -> float:
        def scan() -> list[tuple[Any, str]]:
            found = [
                (r.wake_at, r.id)
                for r in table.values()
                if r.wake_at is not None and r.wake_at <= now
            ]
            found.sort()
            return found

        return cpu(scan)

    ms: list[float] = []
    bs: list[float] = []
    for r in range(rounds):
        pair = paired(run_mine, run_base, 2)
        ms.extend(pair.mine.samples)
        bs.extend(pair.base.samples)
        expected = sum(1 for x in table.values() if x.wake_at == soon)
        if len(store.due(now)) != expected:
            raise RuntimeError(f"set-up: due() found {len(store.due(now))}, scan {expected}")
        if r < rounds - 1:
            churn()
    return Pair(ms, bs)


__all__ = ["DESK", "due_query", "fire_per_event", "memory_per_open", "open_vs_add_model"]
