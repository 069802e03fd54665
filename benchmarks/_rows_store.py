"""The storage rows of issue 16's table, each measured exactly as the goal states it."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _build import fill, new_mall, open_one
from _paired import Figure, Pair, cpu, paired, wall

from mallops import JsonStore, Mall, MemoryStore, SqlStore, Store
from mallops.domain.records import evolve
from mallops.stores.protocol import Write

Factory = Callable[[str], Store]


def _factories(workdir: Path) -> dict[str, Factory]:
    return {
        "memory": lambda name: MemoryStore(),
        "json": lambda name: JsonStore(workdir / f"{name}.json"),
        "sqlite": lambda name: SqlStore(f"sqlite:///{workdir / name}.db"),
    }


WALL = wall  # re-exported for bench_goals' PostgreSQL row


def open_growth(
    workdir: Path,
    backend: str,
    sizes: list[int],
    chunk: int,
    rounds: int,
    make: Factory | None = None,
    timer: Callable[..., float] = cpu,
) -> Any:
    """``complaints.open()`` on stores holding each of ``sizes`` complaints, paired with
    the smallest: CPU per open (or ``timer``'s seconds), and the ratio to the smallest
    size.  ``make`` builds a store by name for a backend ``_factories`` does not know
    (PostgreSQL, timed in wall time: its queries run in the server's process)."""
    make = make if make is not None else _factories(workdir)[backend]
    malls: list[Mall] = []
    for n in sizes:
        mall = new_mall(make(f"{backend}-grow-{n}"))
        fill(mall, n)
        malls.append(mall)
    serial = [10_000_000]

    def chunk_on(mall: Mall) -> Callable[[], float]:
        def run() -> float:
            first = serial[0]
            serial[0] += chunk

            def go() -> None:
                for i in range(first, first + chunk):
                    mall.clock.advance(seconds=60)  # type: ignore[attr-defined]
                    open_one(mall, i, locations=400)

            return timer(go, chunk)

        return run

    pairs = zip(sizes, malls, strict=True)
    out = {n: paired(chunk_on(m), chunk_on(malls[0]), rounds) for n, m in pairs}
    for m in malls:
        m.store.close()
    return out


def recurrence(workdir: Path, backend: str, histories: tuple[int, int], rounds: int) -> Pair:
    """``open()`` at a location holding ``histories[1]`` complaints of the same category
    in the C9 window, paired with one holding ``histories[0]``: each round opens at a
    location of its own, so each open meets exactly the stated history."""
    make = _factories(workdir)[backend]
    malls = []
    for h in histories:
        mall = new_mall(make(f"{backend}-recur-{h}"))
        fill(mall, h * rounds, step_s=60, locations=rounds, lifecycle_every=0)
        malls.append(mall)
    serial = [20_000_000]
    turn = {id(m): 0 for m in malls}

    def at(mall: Mall) -> Callable[[], float]:
        def run() -> float:
            r = turn[id(mall)]
            turn[id(mall)] += 1
            serial[0] += rounds
            i = serial[0] + r  # i mod rounds == r: location L<r> with its own history
            return cpu(lambda: open_one(mall, i, locations=rounds))

        return run

    pair = paired(at(malls[1]), at(malls[0]), rounds)
    for m in malls:
        m.store.close()
    return pair


def import_rate(workdir: Path, backends: list[str], n: int, chunk: int) -> dict[str, Any]:
    """Importing ``n`` complaints through ``open()`` inside ``Mall.bulk()`` (one commit
    per ``chunk``), backends alternating chunk by chunk: records per second of CPU and
    of wall time (the wall includes the commit's disk sync)."""
    malls = {b: new_mall(_factories(workdir)[b](f"import-{b}")) for b in backends}
    cpus: dict[str, list[float]] = {b: [] for b in backends}
    walls: dict[str, list[float]] = {b: [] for b in backends}
    for r, first in enumerate(range(0, n, chunk)):
        order = backends if r % 2 == 0 else backends[::-1]
        for b in order:
            mall = malls[b]
            t0 = time.perf_counter()
            c = cpu(
                lambda m=mall, f=first: fill(
                    m, min(chunk, n - f), first=f, chunk=chunk, lifecycle_every=0
                )
            )
            walls[b].append(time.perf_counter() - t0)
            cpus[b].append(c)
    out: dict[str, Any] = {}
    for b in backends:
        per = [min(chunk, n - f) for f in range(0, n, chunk)]
        out[b] = {
            "cpu_rate": Figure([k / c for k, c in zip(per, cpus[b], strict=True)]),
            "wall_rate": Figure([k / w for k, w in zip(per, walls[b], strict=True)]),
            "records": n,
        }
        malls[b].store.close()
    return out


# -- the JSON store at 1M records: built here, opened in a fresh process ---------------------


def build_json(path: Path, n: int, templates: int = 2_000, compact: bool = True) -> None:
    """A JSON store of ``n`` real-sized complaints: ``templates`` opened through the API,
    the rest copies of them under new ids (same sizes, histories and timers); with
    ``compact`` compacted at the end, as a store in use is from time to time (which
    writes its index snapshot, ``<file>.index``)."""
    mall = new_mall()
    fill(mall, templates, locations=400)
    base = mall.complaints.query()
    with JsonStore(path, durable=False) as store:
        batch = 20_000
        for first in range(0, n, batch):
            writes = []
            for i in range(first, min(n, first + batch)):
                t = base[i % len(base)]
                writes.append(Write(evolve(t, id=f"C-{i:07d}", location=f"L{i % 4000:04d}"), 0))
            store.commit(writes)
        if compact:
            store.compact()


def measure_open(path: Path) -> dict[str, float]:
    """Open the store at ``path`` in this process: wall seconds, CPU seconds of this
    thread and of the process (every thread), peak RSS (``VmHWM``: Linux's
    ``ru_maxrss`` keeps the parent's peak across ``exec``)."""
    t0, c0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
    store = JsonStore(path)
    first = store.get(f"C-{0:07d}")
    out = {
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.thread_time() - c0,
        "process_cpu_s": time.process_time() - p0,
        "records": float(len(store)),
        "peak_rss_mb": _peak_rss_mb(),
        "file_mb": path.stat().st_size / 2**20,
    }
    assert first.kind == "complaint"
    store.close()
    return out


def open_in_process(path: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """:func:`measure_open` in a fresh process (``env``: its environment, e.g. a
    ``PYTHONPATH`` of other code to compare with)."""
    here = Path(__file__).resolve().parent
    code = (
        f"import sys, json; sys.path.insert(0, {str(here)!r}); import _rows_store as r; "
        f"print(json.dumps(r.measure_open(__import__('pathlib').Path({str(path)!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    out: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def json_scale(workdir: Path, n: int, opens: int) -> dict[str, list[dict[str, float]]]:
    """Build the store once (compacted, so with its index snapshot), then open it
    ``opens`` times with the snapshot and as many without it (every line read and
    checked: a store appended to since its last compaction is in between), alternating,
    each in a fresh process."""
    path = workdir / f"scale-{n}.json"
    build_json(path, n)
    snap = path.with_name(path.name + ".index")
    aside = path.with_name(path.name + ".index-aside")
    runs: dict[str, list[dict[str, float]]] = {"snapshot": [], "lines": []}
    for _ in range(opens):
        runs["snapshot"].append(open_in_process(path))
        snap.rename(aside)
        runs["lines"].append(open_in_process(path))
        aside.rename(snap)
    path.unlink()
    snap.unlink()
    return runs


def demo(workdir: Path, days: int, rounds: int) -> dict[str, Pair]:
    """``run_demo`` on a JSON store against the in-memory demo, alternating: wall time
    (as the goal states it) and CPU time."""
    from mallops.demo import DemoConfig, run_demo

    config = DemoConfig(days=days)
    walls: dict[str, list[float]] = {"json": [], "memory": []}
    cpus: dict[str, list[float]] = {"json": [], "memory": []}
    for r in range(rounds):
        for kind in ("json", "memory") if r % 2 == 0 else ("memory", "json"):
            path = workdir / f"demo-{r}.json"
            store: Store = JsonStore(path) if kind == "json" else MemoryStore()
            t0, c0 = time.perf_counter(), time.thread_time()
            run_demo(store, config)
            cpus[kind].append(time.thread_time() - c0)
            walls[kind].append(time.perf_counter() - t0)
            store.close()
            path.unlink(missing_ok=True)
    return {
        "wall": Pair(walls["json"], walls["memory"]),
        "cpu": Pair(cpus["json"], cpus["memory"]),
    }


def monthly_report(sizes: list[int], rounds: int) -> dict[int, Pair]:
    """``build_report`` for a month holding each of ``sizes`` complaints (memory store),
    paired with the smallest: CPU seconds, and the growth against the size ratio."""
    from mallops.report import build_report, month_period

    malls = []
    for n in sizes:
        mall = new_mall()
        fill(mall, n, step_s=25 * 86_400 / n, locations=max(400, n // 20))
        malls.append(mall)

    def report(mall: Mall) -> Callable[[], float]:
        start, end = month_period("2024-01", mall)
        return lambda: cpu(lambda: build_report(mall, start, end))

    pairs = zip(sizes, malls, strict=True)
    return {n: paired(report(m), report(malls[0]), rounds) for n, m in pairs}
