"""Benchmark the SQL stores beside the memory store.

Run from the repository root (PostgreSQL needs the server binaries and psycopg; without
them its column says why it was skipped)::

    python benchmarks/bench_sql_store.py                    # full size (a few minutes)
    python benchmarks/bench_sql_store.py --records 100000   # smaller due-query table
    python benchmarks/bench_sql_store.py --tiny --json out.json

It prints one table of medians (``--repeat`` runs each, default 3) and ratios:

* **writes/s** — commits of one new record each, by 1 and by 4 writer processes at once
  (aggregate rate over the wall time from a common start to the last finish);
* **due query** — ``store.due(until, property=...)`` returning 100 due records out of
  ``--records`` records (default 1,000,000), each with a wake time;
* **ticker marks/s** — ``Mall.tick()`` firing every timer mark of ``--complaints``
  complaints (6 marks each), by 1 and by 4 ticker processes ticking at the same moment.

The memory store is private to one process: its 4-process rows are ``n/a``.  The
PostgreSQL server is a throwaway cluster (``mallops.testing.TemporaryPostgres``) with
durable settings (fsync on), as SQLite runs with ``synchronous=FULL``.

Other backends plug in through :data:`BACKENDS` (name -> factory of a fresh store URL or
store).  The JSON-file store is measured by ``bench_json_store.py`` against TinyDB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum

from mallops import Actor, Mall, ManualClock, MemoryStore, SqlStore, Store
from mallops.stores import Write
from mallops.stores.codec import encode, micros
from mallops.stores.sql_store import SqlStore as _SqlStore
from mallops.testing import TemporaryPostgres, postgres_unavailable, sample_record

T0 = pendulum.datetime(2026, 9, 29, 10, tz="Asia/Shanghai")
T1 = T0.add(days=20)
DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")
COMPLAINT = {
    "channel": "phone",
    "complainant": "Li Lei",
    "contact": "13800000000",
    "description": "restroom is dirty",
    "demand": "clean it",
}


# -- backends ------------------------------------------------------------------------------


class Backend:
    """A store kind under test: ``fresh()`` returns the location of a new, empty store
    (a URL for shared stores) and ``open(location)`` a handle on it."""

    shared = True  # several processes can use one store

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.workdir = workdir
        self._n = 0

    def fresh(self) -> str:
        raise NotImplementedError

    def open(self, location: str) -> Store:
        return SqlStore(location)

    def close(self) -> None:
        """Release what the backend started."""


class MemoryBackend(Backend):
    shared = False

    def fresh(self) -> str:
        return ":memory:"

    def open(self, location: str) -> Store:
        return MemoryStore()


class SqliteBackend(Backend):
    def fresh(self) -> str:
        self._n += 1
        url = f"sqlite:///{self.workdir / f'bench{self._n}.db'}"
        SqlStore(url).close()
        return url


class PostgresBackend(Backend):
    durable = True  # --tiny turns this off: a smoke test needs no fsync

    def __init__(self, name: str, workdir: Path) -> None:
        super().__init__(name, workdir)
        durable = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
        self.server = TemporaryPostgres(settings=durable if self.durable else None).start()

    def fresh(self) -> str:
        self._n += 1
        url = self.server.create_database(f"bench{self._n}")
        SqlStore(url).close()
        return url

    def close(self) -> None:
        self.server.stop()


BACKENDS: dict[str, Callable[[str, Path], Backend]] = {
    "memory": MemoryBackend,
    "sqlite": SqliteBackend,
    "postgresql": PostgresBackend,
}


# -- process bodies ----------------------------------------------------------------------


def _writer(location: str, worker: int, count: int, barrier: Any, out: Any) -> None:
    store = SqlStore(location)
    records = [sample_record(f"W{worker}-{i}", wake_at=T0.add(minutes=i)) for i in range(count)]
    barrier.wait()
    start = time.perf_counter()
    for r in records:
        store.commit([Write(r, 0)])
    out.put((start, time.perf_counter()))
    store.close()


def _ticker(location: str, barrier: Any, out: Any) -> None:
    mall = Mall(store=SqlStore(location), clock=ManualClock(T1))
    barrier.wait()
    start = time.perf_counter()
    fired = len(mall.tick())
    out.put((start, time.perf_counter(), fired))
    mall.store.close()


def _together(target: Callable[..., None], args_list: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``target(*args, barrier, queue)`` in one process per args, released
    together; the results they put."""
    ctx = multiprocessing.get_context("forkserver")  # children fork from a clean server
    ctx.set_forkserver_preload(["mallops", "psycopg"])
    barrier = ctx.Barrier(len(args_list))
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, out)) for a in args_list]
    for p in procs:
        p.start()
    results = [out.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join()
    return results


# -- measurements ----------------------------------------------------------------------------


def writes_per_second(backend: Backend, processes: int, count: int) -> float | None:
    if not backend.shared:
        if processes > 1:
            return None
        store = MemoryStore()
        records = [sample_record(f"W-{i}", wake_at=T0.add(minutes=i)) for i in range(count)]
        start = time.perf_counter()
        for r in records:
            store.commit([Write(r, 0)])
        return count / (time.perf_counter() - start)
    location = backend.fresh()
    spans = _together(_writer, [(location, w, count) for w in range(processes)])
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return processes * count / wall


def _bulk_load(backend: Backend, store: Store, records: int, properties: int) -> None:
    """``records`` records, one wake time each (one per second from T0), spread over
    ``properties`` properties.  SQL stores are filled with bulk SQL (rows built by the
    store's own row encoder) — the load is setup, not what is measured."""
    base = sample_record("X")
    if isinstance(store, _SqlStore):
        template = json.dumps(encode(base), ensure_ascii=False, separators=(",", ":"))
        row = list(_SqlStore._row(base))
        t0_micros = micros(T0)

        def rows(lo: int, hi: int) -> list[tuple[Any, ...]]:
            out = []
            for i in range(lo, hi):
                rid, prop, wake = f"C-{i:07d}", f"mall{i % properties}", T0.add(seconds=i)
                row[2] = prop
                row[6] = t0_micros + i * 1_000_000
                row[13] = (
                    template.replace('"id":"X"', f'"id":"{rid}"', 1)
                    .replace('"property":"default"', f'"property":"{prop}"', 1)
                    .replace('"wake_at":null', f'"wake_at":"{wake.isoformat()}"', 1)
                )
                out.append((rid, *row))
            return out

        _load_sql(store, rows, records)
        return
    import attrs

    mem = store
    chunk: list[Write] = []
    for i in range(records):
        r = attrs.evolve(
            base, id=f"C-{i:07d}", property=f"mall{i % properties}", wake_at=T0.add(seconds=i)
        )
        chunk.append(Write(r, 0))
        if len(chunk) == 10_000:
            mem.commit(chunk)
            chunk = []
    mem.commit(chunk)


def _load_sql(store: _SqlStore, rows: Callable[[int, int], list[tuple[Any, ...]]], n: int) -> None:
    from mallops.stores._sql_write import _COLUMNS

    db = store._db
    step = 20_000
    if db.dialect == "postgresql":
        conn = db._live()  # type: ignore[attr-defined]
        with conn.cursor() as cur:
            for lo in range(0, n, step):
                with cur.copy(f"COPY mallops_records ({_COLUMNS}) FROM STDIN") as copy:
                    for r in rows(lo, min(n, lo + step)):
                        copy.write_row(r)
        conn.execute("ANALYZE mallops_records")
        return
    conn = db._conn  # type: ignore[attr-defined]
    marks = ", ".join("?" * 15)
    for lo in range(0, n, step):
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO mallops_records ({_COLUMNS}) VALUES ({marks})",
            rows(lo, min(n, lo + step)),
        )
        conn.execute("COMMIT")
    conn.execute("ANALYZE")


def due_query_ms(backend: Backend, records: int, repeat: int) -> float:
    properties = 10
    location = backend.fresh()
    store = backend.open(location)
    try:
        _bulk_load(backend, store, records, properties)
        until = T0.add(seconds=100 * properties - 1)  # 100 due records in mall0
        assert len(store.due(until, property="mall0")) == 100
        times = []
        for _ in range(max(5, repeat)):
            start = time.perf_counter()
            store.due(until, property="mall0")
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000
    finally:
        store.close()


def _open_complaints(store: Store, complaints: int) -> None:
    mall = Mall(store=store, clock=ManualClock(T0))
    for i in range(complaints):
        mall.complaints.open(actor=DESK, location=f"shop {i}", **COMPLAINT)


def ticker_marks_per_second(backend: Backend, processes: int, complaints: int) -> float | None:
    if not backend.shared:
        if processes > 1:
            return None
        store = MemoryStore()
        _open_complaints(store, complaints)
        mall = Mall(store=store, clock=ManualClock(T1))
        start = time.perf_counter()
        fired = len(mall.tick())
        return fired / (time.perf_counter() - start)
    location = backend.fresh()
    store = backend.open(location)
    _open_complaints(store, complaints)
    store.close()
    spans = _together(_ticker, [(location,) for _ in range(processes)])
    wall = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    marks = 6 * complaints  # every mark fired once in all, whichever ticker fired it
    return marks / wall


# -- driver ---------------------------------------------------------------------------------


def measure(backend: Backend, args: argparse.Namespace) -> dict[str, float | str | None]:
    """Every measurement of one backend: its column of the table."""
    column: dict[str, float | str | None] = {}
    for procs in (1, 4):
        column[f"writes/s, {procs} writer(s)"] = _median(
            args.repeat, writes_per_second, backend, procs, args.writes
        )
    column["due query, ms"] = due_query_ms(backend, args.records, args.repeat)
    for procs in (1, 4):
        column[f"ticker marks/s, {procs} ticker(s)"] = _median(
            args.repeat, ticker_marks_per_second, backend, procs, args.complaints
        )
    return column


def run(args: argparse.Namespace) -> dict[str, dict[str, float | str | None]]:
    results: dict[str, dict[str, float | str | None]] = {}
    with tempfile.TemporaryDirectory(prefix="mallops-bench-") as tmp:
        for name in args.backends:
            reason = postgres_unavailable() if name == "postgresql" else None
            if reason is not None:
                results[name] = {"skipped": reason}
                continue
            started = time.perf_counter()
            backend = BACKENDS[name](name, Path(tmp))
            try:
                results[name] = measure(backend, args)
            finally:
                backend.close()
            took = time.perf_counter() - started
            print(f"  {name} measured in {took:.0f} s", file=sys.stderr, flush=True)
    return results


def _median(repeat: int, measure: Callable[..., float | None], *args: Any) -> float | None:
    values = [measure(*args) for _ in range(repeat)]
    if any(v is None for v in values):
        return None
    return statistics.median(v for v in values if v is not None)


def _cell(value: float | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    return f"{value:,.3f}" if value < 10 else f"{value:,.0f}"


def table(results: dict[str, dict[str, float | str | None]], args: argparse.Namespace) -> str:
    names = list(results)
    rows = [
        "writes/s, 1 writer(s)",
        "writes/s, 4 writer(s)",
        "due query, ms",
        "ticker marks/s, 1 ticker(s)",
        "ticker marks/s, 4 ticker(s)",
    ]
    width = 50
    lines = [
        f"mallops store benchmark: medians of {args.repeat}; due query over "
        f"{args.records:,} records; ticker over {args.complaints} complaints "
        f"({6 * args.complaints} marks); {args.writes} writes per writer",
        "".ljust(width) + "".join(n.rjust(14) for n in names),
    ]
    for row in rows:
        lines.append(
            row.ljust(width) + "".join(_cell(results[n].get(row)).rjust(14) for n in names)
        )
    lines.append("ratios")
    for label, top, bottom in (
        ("  writes 4 / 1 writer", rows[1], rows[0]),
        ("  ticker 4 / 1 ticker", rows[4], rows[3]),
    ):
        lines.append(label.ljust(width) + "".join(_ratio(results[n], top, bottom) for n in names))
    if "memory" in results and len(names) > 1:
        lines.append("vs memory (for the due query a ratio of times: below 1 is faster)")
    for n in names:
        if n != "memory" and "memory" in results:
            for row in (rows[0], rows[2], rows[3]):
                label = f"  {n} / memory, {row}"
                lines.append(label.ljust(width) + _ratio2(results[n], results["memory"], row))
    for n in names:
        if "skipped" in results[n]:
            lines.append(f"{n}: skipped — {results[n]['skipped']}")
    return "\n".join(lines)


def _ratio(column: dict[str, Any], top: str, bottom: str) -> str:
    a, b = column.get(top), column.get(bottom)
    if not isinstance(a, float) or not isinstance(b, float) or b == 0:
        return "n/a".rjust(14)
    return f"{a / b:.2f}x".rjust(14)


def _ratio2(column: dict[str, Any], memory: dict[str, Any], row: str) -> str:
    a, b = column.get(row), memory.get(row)
    if not isinstance(a, float) or not isinstance(b, float) or b == 0:
        return "n/a".rjust(14)
    return f"{a / b:.3f}x".rjust(14)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="due-query table size")
    parser.add_argument("--writes", type=int, default=500, help="commits per writer process")
    parser.add_argument("--complaints", type=int, default=200, help="complaints to tick")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--tiny", action="store_true", help="smoke-test sizes (seconds)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.records, args.writes, args.complaints, args.repeat = 2_000, 10, 3, 1
        PostgresBackend.durable = False
    results = run(args)
    print(table(results, args))
    if args.json:
        args.json.write_text(
            json.dumps({"settings": vars(args) | {"json": str(args.json)}, "results": results})
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
