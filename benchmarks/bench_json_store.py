"""JsonStore against TinyDB doing the same work in the same run.

Run (from the repository root, with the bench extra for the TinyDB column)::

    pip install -e '.[bench]'
    python benchmarks/bench_json_store.py                   # 1k and 100k records
    python benchmarks/bench_json_store.py --json out.json   # also write the results

It measures, for each size: the cost of one write (one record updated; JsonStore syncs
it to disk, TinyDB rewrites its whole file and does not sync), the time to open the
store and read one record, the due-timer query, and the file size.  Every record is a
real complaint as ``Mall`` writes it (about 2.2 kB of JSON).  Prints medians and the
TinyDB/JsonStore ratios.  Without TinyDB installed the TinyDB column says so.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs
import pendulum

from mallops import Actor, JsonStore, Mall, ManualClock, MemoryStore, Record
from mallops.stores import Write
from mallops.stores.codec import encode

try:
    from tinydb import TinyDB
except ImportError:  # pragma: no cover - depends on the environment
    TinyDB = None

START = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")


def template() -> Record:
    """One complaint exactly as the complaint workflow stores it."""
    mall = Mall(store=MemoryStore(), clock=ManualClock(START))
    return mall.complaints.open(
        actor=Actor("desk-1", "front_desk", "customer_service"),
        channel="phone",
        complainant="Li Lei",
        contact="13800000000",
        location="B1 east restroom",
        description="restroom is dirty",
        demand="clean it",
    )


def records(n: int) -> list[Record]:
    """``n`` distinct complaints created a minute apart."""
    base = template()
    return [
        attrs.evolve(
            base,
            id=f"C-{i:07d}",
            created_at=START.add(minutes=i),
            wake_at=START.add(minutes=i, hours=2),
        )
        for i in range(n)
    ]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_json(folder: Path, recs: list[Record], writes: int, opens: int) -> dict[str, float]:
    """Load ``recs`` (fast mode, 1000 per commit), then time durable writes and opens."""
    path = folder / f"json-{len(recs)}.json"
    with JsonStore(path, durable=False) as store:
        for i in range(0, len(recs), 1000):
            store.commit([Write(r, 0) for r in recs[i : i + 1000]])
    samples = []
    with JsonStore(path) as store:
        for i in range(writes):
            r = recs[(i * 7919) % len(recs)]
            current = store.get(r.id)
            change = attrs.evolve(current, version=current.version + 1, state=f"s{i}")
            t0 = time.perf_counter()
            store.commit([Write(change, current.version)])
            samples.append(time.perf_counter() - t0)
    open_samples = []
    due_samples = []
    for _ in range(opens):
        gc.collect()
        t0 = time.perf_counter()
        store = JsonStore(path)
        store.get(recs[-1].id)
        open_samples.append(time.perf_counter() - t0)
        until = START.add(minutes=len(recs) // 2)
        t0 = time.perf_counter()
        store.due(until, limit=100)
        due_samples.append(time.perf_counter() - t0)
        store.close()
    return {
        "write_ms": _median_ms(samples),
        "open_ms": _median_ms(open_samples),
        "due_ms": _median_ms(due_samples),
        "size_mb": path.stat().st_size / 1e6,
    }


def bench_tinydb(folder: Path, recs: list[Record], writes: int, opens: int) -> dict[str, float]:
    """The same work on TinyDB: one document per record, updates by document id."""
    assert TinyDB is not None
    path = folder / f"tinydb-{len(recs)}.json"
    db = TinyDB(path)
    db.insert_multiple(encode(r) for r in recs)
    samples = []
    for i in range(writes):
        doc_id = (i * 7919) % len(recs) + 1
        t0 = time.perf_counter()
        db.update({"state": f"s{i}"}, doc_ids=[doc_id])
        samples.append(time.perf_counter() - t0)
    db.close()
    open_samples = []
    for _ in range(opens):
        gc.collect()
        t0 = time.perf_counter()
        db = TinyDB(path)
        db.get(doc_id=len(recs))
        open_samples.append(time.perf_counter() - t0)
        db.close()
    return {
        "write_ms": _median_ms(samples),
        "open_ms": _median_ms(open_samples),
        "size_mb": path.stat().st_size / 1e6,
    }


def run(sizes: list[int], writes: int, opens: int, tinydb_writes: int) -> dict[str, Any]:
    """Every measurement for every size, as plain data."""
    results: dict[str, Any] = {"sizes": sizes, "tinydb": TinyDB is not None, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            print(f"measuring {n} records ...", file=sys.stderr, flush=True)
            recs = records(n)
            row: dict[str, Any] = {"json": bench_json(Path(tmp), recs, writes, opens)}
            if TinyDB is not None:
                row["tinydb"] = bench_tinydb(Path(tmp), recs, tinydb_writes, opens)
            results["runs"][str(n)] = row
            del recs
            gc.collect()
    return results


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def table(results: dict[str, Any]) -> str:
    """The results as a text table with TinyDB/JsonStore ratios."""
    sizes = results["sizes"]
    runs = results["runs"]
    has_tiny = results["tinydb"]
    lines = [
        f"{'measure':34} {'JsonStore':>10} {'TinyDB':>10} {'TinyDB/Json':>12}",
        "-" * 69,
    ]

    def row(label: str, json_value: float | None, tiny_value: float | None) -> None:
        ratio = (
            _fmt(tiny_value / json_value) + "x" if tiny_value is not None and json_value else "-"
        )
        lines.append(f"{label:34} {_fmt(json_value):>10} {_fmt(tiny_value):>10} {ratio:>12}")

    for n in sizes:
        j = runs[str(n)]["json"]
        t = runs[str(n)].get("tinydb", {})
        row(f"one write, {n} records (ms)", j["write_ms"], t.get("write_ms"))
    if len(sizes) > 1:
        first, last = runs[str(sizes[0])], runs[str(sizes[-1])]
        growth_j = last["json"]["write_ms"] / first["json"]["write_ms"]
        growth_t = last["tinydb"]["write_ms"] / first["tinydb"]["write_ms"] if has_tiny else None
        lines.append(
            f"{f'write cost growth {sizes[-1]}/{sizes[0]}':34} {_fmt(growth_j) + 'x':>10} "
            f"{(_fmt(growth_t) + 'x') if growth_t else '-':>10} {'':>12}"
        )
    for n in sizes:
        j = runs[str(n)]["json"]
        t = runs[str(n)].get("tinydb", {})
        row(f"open + first read, {n} (ms)", j["open_ms"], t.get("open_ms"))
        row(f"due(), {n} records (ms)", j["due_ms"], None)
        row(f"file size, {n} records (MB)", j["size_mb"], t.get("size_mb"))
    notes = [
        "medians; JsonStore writes are fsync'd (durable=True), TinyDB's are not synced.",
    ]
    if not has_tiny:
        notes.append("TinyDB is not installed (pip install -e '.[bench]'): column skipped.")
    return "\n".join([*lines, "", *notes])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run, print the table; returns the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="store sizes, comma-separated")
    parser.add_argument("--writes", type=int, default=50, help="JsonStore writes timed")
    parser.add_argument(
        "--tinydb-writes", type=int, default=3, help="TinyDB writes timed (slow at 100k)"
    )
    parser.add_argument("--opens", type=int, default=3, help="opens timed per store")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = run(sizes, args.writes, args.opens, args.tinydb_writes)
    print(f"mallops JsonStore vs TinyDB, Python {sys.version.split()[0]}")
    print(table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
