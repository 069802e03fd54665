"""Opening a large JSON store with and without its index snapshot (issue 16), and with
other code (``--old-src``, e.g. a checkout's ``src`` before the snapshot), each open in
a fresh process, the variants alternating round by round (their order rotating).

    python benchmarks/bench_json_snapshot.py --records 250000 --rounds 3 \\
        --old-src /tmp/before/src --workdir /tmp/bench

The store is built once (``_rows_store.build_json``: real-sized complaints, compacted
at the end, so the snapshot is there) and kept in ``--workdir`` for another run
(``--reuse``).  Prints, per variant, the median (25th-75th percentile) and the range of
the CPU time of the opening thread, the wall time and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _rows_store as sto
from _paired import Figure


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, float]]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=250_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--old-src", help="a src directory of other code to open the store with")
    ap.add_argument("--workdir", default=".")
    ap.add_argument("--reuse", action="store_true", help="open the store built by a last run")
    args = ap.parse_args(argv)
    path = Path(args.workdir) / f"snapshot-{args.records}.json"
    snap = path.with_name(path.name + ".index")
    aside = path.with_name(path.name + ".index-aside")
    if aside.exists():
        aside.rename(snap)
    if not (args.reuse and path.exists() and snap.exists()):
        t0 = time.perf_counter()
        for old in (path, snap):
            old.unlink(missing_ok=True)
        sto.build_json(path, args.records)
        print(f"built {args.records:,} records in {time.perf_counter() - t0:,.0f} s", flush=True)
    variants = ["snapshot", "lines"] + (["old code"] if args.old_src else [])
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for r in range(args.rounds):
        order = variants[r % len(variants) :] + variants[: r % len(variants)]
        for v in order:
            env = None
            if v == "old code":
                env = {**os.environ, "PYTHONPATH": str(Path(args.old_src).resolve())}
            if v != "snapshot":
                snap.rename(aside)
            try:
                got = sto.open_in_process(path, env)
            finally:
                if v != "snapshot":
                    aside.rename(snap)
            runs[v].append(got)
            print(f"round {r + 1} {v}: {json.dumps(got)}", flush=True)
    n = args.records
    if not args.rounds:
        return runs
    print(f"\nopen of {n:,} records, {runs[variants[0]][0]['file_mb']:,.0f} MB file:")
    for v in variants:
        cpu = Figure([x["cpu_s"] for x in runs[v]])
        proc = Figure([x["process_cpu_s"] for x in runs[v]])
        wall = Figure([x["wall_s"] for x in runs[v]])
        rss = Figure([x["peak_rss_mb"] for x in runs[v]])
        lo, hi = min(cpu.samples), max(cpu.samples)
        print(
            f"  {v:9} CPU {cpu.show(1, ' s', 2)} [range {lo:.2f}-{hi:.2f}], "
            f"{cpu.median / n * 1e6:.1f} us/record; process CPU {proc.show(1, ' s', 2)}; "
            f"wall {wall.show(1, ' s', 2)}; "
            f"peak RSS {rss.show(1, ' MB', 0)}"
        )
    return runs


if __name__ == "__main__":
    main()
