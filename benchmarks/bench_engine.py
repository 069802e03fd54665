"""Engine benchmarks: mallops against a bare ``transitions`` machine and a dict table.

Run: ``python benchmarks/bench_engine.py`` (add ``--full`` for the 1M-record sizes,
``--json out.json`` to keep the figures for comparison across commits).

Each comparison is made side by side in the same run; every figure is the median of
``--repeat`` runs.  Nothing here asserts a time: the script reports ratios against the
targets of the performance issue and says where a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pendulum
from transitions import Machine

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy
from mallops.domain.records import Mark, Record, Timer
from mallops.stores.protocol import Query, Write

TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 9, 30, 10, tz=TZ)
DESK = Actor("desk-1", "front_desk", "customer_service")
STAFF = Actor("clean-1", "staff", "cleaning")
LIFECYCLE = ("assign", "contact", "reply", "resolve", "survey")
STATES = ("registered", "assigned", "contacted", "in_progress", "resolved", "closed")


def median_of(repeat: int, run: Callable[[], float]) -> float:
    """Median of ``repeat`` runs of ``run`` (each returns seconds per operation)."""
    return statistics.median(run() for _ in range(repeat))


# -- 1. a full lifecycle, per event ------------------------------------------------------------


def mallops_lifecycle(n: int) -> float:
    """Seconds per event: open + 5 events per complaint through the public API."""
    clock = ManualClock(START)
    mall = Mall(MemoryStore(), clock, Policy.from_dict({"complaints": {"survey_by": "survey"}}))
    params: dict[str, dict[str, Any]] = {
        "assign": {"department": "cleaning", "assignee": "clean-1"},
        "contact": {},
        "reply": {"message": "m", "promised_by": START.add(days=1)},
        "resolve": {"resolution": "r"},
        "survey": {"speed": 5, "result": 5, "attitude": 5},
    }
    actors = {"assign": DESK, "survey": DESK}
    gc.collect()
    t0 = time.perf_counter()
    for i in range(n):
        c = mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="a",
            contact="b",
            location=f"L{i}",
            description="dirty",
            demand="clean",
        )
        for event in LIFECYCLE:
            mall.complaints.fire(c.id, event, actor=actors.get(event, STAFF), **params[event])
    return (time.perf_counter() - t0) / (n * (1 + len(LIFECYCLE)))


class _Slot:
    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = "registered"


def transitions_lifecycle(n: int) -> float:
    """Seconds per event: the same state changes on one shared machine, records unbound."""
    machine = Machine(
        model=[],
        states=list(STATES),
        initial="registered",
        transitions=[
            {"trigger": e, "source": STATES[i], "dest": STATES[i + 1]}
            for i, e in enumerate(LIFECYCLE)
        ],
        auto_transitions=False,
    )
    events = [machine.events[e] for e in LIFECYCLE]
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(n):
        r = _Slot()
        for ev in events:
            ev.trigger(r)
    return (time.perf_counter() - t0) / (n * (1 + len(LIFECYCLE)))


def dict_lifecycle(n: int) -> float:
    """Seconds per event: a raw dict table, the floor."""
    table = {(STATES[i], e): STATES[i + 1] for i, e in enumerate(LIFECYCLE)}
    store: dict[int, dict[str, str]] = {}
    gc.collect()
    t0 = time.perf_counter()
    for i in range(n):
        store[i] = {"state": "registered"}
        for e in LIFECYCLE:
            rec = store[i]
            rec["state"] = table[(rec["state"], e)]
    return (time.perf_counter() - t0) / (n * (1 + len(LIFECYCLE)))


def add_model_cost(n: int) -> float:
    """Seconds per ``add_model`` call on a shared machine holding n models already."""
    machine = Machine(model=[], states=list(STATES), initial="registered", auto_transitions=False)
    models = [_Slot.__new__(type("M", (), {})) for _ in range(n)]
    for m in models[:-100]:
        machine.add_model(m)
    t0 = time.perf_counter()
    for m in models[-100:]:
        machine.add_model(m)
    return (time.perf_counter() - t0) / 100


# -- 2. records in memory ----------------------------------------------------------------------


def synthetic_record(i: int, wake_hours: int | None) -> Record:
    """An open complaint as the engine would store it after registration (3 timers)."""
    mall_record = _TEMPLATE[0]
    due = None if wake_hours is None else START.add(hours=wake_hours)
    timers = tuple(
        Timer(
            name=t.name,
            basis=t.basis,
            allowance=t.allowance,
            status=t.status,
            started_at=t.started_at,
            anchor=t.anchor,
            marks=tuple(Mark(m.kind, m.offset, m.level, due or m.due_at) for m in t.marks),
        )
        for t in mall_record.timers
    )
    return Record(
        id=f"C-{i:07d}",
        kind="complaint",
        property="default",
        state="registered",
        version=1,
        created_at=START,
        updated_at=START,
        fields=dict(mall_record.fields),
        timers=timers,
        history=mall_record.history,
        wake_at=due,
        location=f"L{i % 500}",
        category="environment",
        severity="general",
    )


_TEMPLATE: list[Record] = []


def _template() -> None:
    mall = Mall(MemoryStore(), ManualClock(START))
    _TEMPLATE.append(
        mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="张三",
            contact="13900000000",
            location="B1",
            description="洗手间很脏",
            demand="清洁",
        )
    )


def load_per_record(n: int) -> float:
    """Seconds per open record built and committed to a MemoryStore (no tracing)."""
    store = MemoryStore()
    gc.collect()
    t0 = time.perf_counter()
    store.commit([Write(synthetic_record(i, 10_000 + i % 1000), 0) for i in range(n)])
    return (time.perf_counter() - t0) / n


def memory_per_record(n: int) -> float:
    """Bytes per open record held by a MemoryStore (tracemalloc)."""
    store = MemoryStore()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    batch = [Write(synthetic_record(i, 10_000 + i % 1000), 0) for i in range(n)]
    store.commit(batch)
    del batch
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return used / n


# -- 3. tick with k due among n -----------------------------------------------------------------


def tick_vs_scan(n: int, due: int) -> tuple[float, float, float]:
    """(tick() seconds, due-query seconds, full-scan seconds) with ``due`` of ``n`` due.

    The full scan is what a ticker without the due index would do to find the same
    records: look at every record's timers.
    """
    store = MemoryStore()
    store.commit(
        [Write(synthetic_record(i, 1 if i % (n // due) == 0 else 10_000), 0) for i in range(n)]
    )
    clock = ManualClock(START.add(hours=2))
    mall = Mall(store, clock)
    engine = mall.complaints.engine
    now = clock.now()
    gc.collect()
    t0 = time.perf_counter()
    found = sum(1 for r in store.query(Query()) if engine.due_marks(r, now))
    scan = time.perf_counter() - t0
    t0 = time.perf_counter()
    indexed = len(store.due(now))
    query = time.perf_counter() - t0
    t0 = time.perf_counter()
    events = mall.tick()
    tick = time.perf_counter() - t0
    if not (found == indexed >= due and events):
        raise RuntimeError(f"benchmark set-up: {found} due by scan, {indexed} by index")
    return tick, query, scan


# -- report ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmarks, print the table, return the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="1M-record sizes (minutes, GBs)")
    parser.add_argument("--tiny", action="store_true", help="smoke-test sizes")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if args.tiny:
        n_life, n_mem, n_tick, k_due, repeat = 20, 200, 2_000, 20, 1
    elif args.full:
        n_life, n_mem, n_tick, k_due, repeat = 2_000, 1_000_000, 1_000_000, 1_000, args.repeat
    else:
        n_life, n_mem, n_tick, k_due, repeat = 1_000, 100_000, 100_000, 1_000, args.repeat
    _template()
    out: dict[str, Any] = {
        "python": sys.version.split()[0],
        "sizes": {"lifecycle": n_life, "memory": n_mem, "tick": n_tick, "due": k_due},
    }

    m = median_of(repeat, lambda: mallops_lifecycle(n_life))
    t = median_of(repeat, lambda: transitions_lifecycle(n_life * 10))
    d = median_of(repeat, lambda: dict_lifecycle(n_life * 10))
    a = median_of(max(1, repeat // 2), lambda: add_model_cost(min(n_mem, 10_000)))
    load_s = median_of(repeat, lambda: load_per_record(min(n_mem, 20_000)))
    mem_b = memory_per_record(n_mem)
    tick, query, scan = tick_vs_scan(n_tick, k_due)
    out["lifecycle_us_per_event"] = {
        "mallops": m * 1e6,
        "transitions_shared": t * 1e6,
        "dict": d * 1e6,
    }
    out["add_model_us"] = a * 1e6
    out["record"] = {"load_us": load_s * 1e6, "bytes": mem_b}
    out["tick_ms"] = {"tick": tick * 1e3, "due_query": query * 1e3, "full_scan": scan * 1e3}

    rows = [
        (
            "fire one event (lifecycle)",
            f"{m * 1e6:9.1f} us",
            f"{t * 1e6:7.1f} us transitions",
            f"{m / t:5.1f}x",
            "<= 2x",
            m / t <= 2,
        ),
        (
            "  ... against the dict floor",
            f"{m * 1e6:9.1f} us",
            f"{d * 1e6:7.2f} us dict",
            f"{m / d:5.0f}x",
            "",
            None,
        ),
        (
            "load one record into the store",
            f"{load_s * 1e6:9.1f} us",
            f"{a * 1e6:7.1f} us add_model",
            f"{load_s / a:5.2f}x",
            "<= 0.25x",
            load_s / a <= 0.25,
        ),
        ("memory per open record", f"{mem_b:9.0f} B", "", "", "<= 2048 B", mem_b <= 2048),
        (
            f"find {k_due} due of {n_tick}",
            f"{query * 1e3:9.2f} ms",
            f"{scan * 1e3:7.1f} ms scan",
            f"{scan / query:5.0f}x faster",
            ">= 100x",
            scan / query >= 100,
        ),
        (
            f"tick(): fire {k_due} due of {n_tick}",
            f"{tick * 1e3:9.1f} ms",
            f"{(scan + tick - query) * 1e3:7.1f} ms scan+fire",
            f"{(scan + tick - query) / tick:5.1f}x faster",
            "",
            None,
        ),
    ]
    print(f"mallops engine benchmarks (Python {out['python']}, medians of {repeat})")
    print(f"{'measure':34s} {'mallops':>12s}  {'baseline':>22s} {'ratio':>13s}  target")
    for name, mine, base, ratio, target, ok in rows:
        mark = "" if ok is None else ("met" if ok else "MISSED")
        print(f"{name:34s} {mine:>12s}  {base:>22s} {ratio:>13s}  {target} {mark}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)
    return out


if __name__ == "__main__":
    main()
