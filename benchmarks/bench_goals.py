"""Issue 16's goals, each measured exactly as it is stated, in one run.

Run from the repository root::

    nice python benchmarks/bench_goals.py --json goals.json        # every row (long: 1M)
    python benchmarks/bench_goals.py --only fire,open,memory        # some rows
    python benchmarks/bench_goals.py --medium                       # smaller stores
    python benchmarks/bench_goals.py --tiny                         # smoke-test sizes
    python benchmarks/bench_goals.py --only sql_open --postgres     # SQLite and PostgreSQL

Every in-process cost is CPU time of the measuring thread (``time.thread_time``), with
mallops and its baseline alternating in small chunks (see ``_paired.py``); each figure
is ``median (25th-75th percentile)`` over the chunks and each ratio the median of the
per-round ratios.  Two goals are stated in wall time (the demo, the JSON store opening)
and one as a rate (imports): those are printed in wall time as well.  Nothing here is
asserted; the last column says whether the goal is met.

Rows (``--only`` names): ``fire``, ``open``, ``memory``, ``due``, ``sql_open``,
``recurrence``, ``json_1m``, ``demo``, ``report``, ``import``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _rows_engine as eng
import _rows_store as sto

ROWS = ("fire", "open", "memory", "due", "sql_open", "recurrence", "json_1m", "demo")
ROWS += ("report", "import")

FULL: dict[str, Any] = {
    "fire": (50, 20),  # chunk, rounds
    "open": (10_000, 50, 20),  # models, chunk, rounds
    "memory": 100_000,
    "due": (1_000_000, 1_000, 10),  # records, due, rounds
    "sql_open": ([1_000, 10_000, 100_000], 20, 10),
    "recurrence": ((50, 800), 10),
    "json_1m": (1_000_000, 2),
    "demo": (30, 3),
    "report": ([10_000, 100_000], 5),
    "import": (100_000, 10_000),
}
MEDIUM: dict[str, Any] = {
    **FULL,  # the sizes of the goals where a loaded 2-core machine can build them
    "memory": 20_000,
    "sql_open": ([1_000, 10_000], 20, 10),
    "recurrence": ((50, 800), 5),
    "demo": (10, 2),
    "report": ([2_000, 20_000], 5),
    "import": (20_000, 5_000),
}
TINY: dict[str, Any] = {
    "fire": (3, 2),
    "open": (50, 3, 2),
    "memory": 30,
    "due": (2_000, 20, 2),
    "sql_open": ([20, 60], 2, 2),
    "recurrence": ((2, 6), 2),
    "json_1m": (300, 1),
    "demo": (1, 1),
    "report": ([20, 60], 1),
    "import": (40, 20),
}


class Table:
    """The printed table and its JSON twin."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, bool | None]] = []
        self.data: dict[str, Any] = {}

    def add(
        self, goal: str, mine: str, base: str, ratio: str, target: str, ok: bool | None
    ) -> None:
        self.rows.append((goal, mine, base, ratio, target, ok))
        mark = "" if ok is None else ("met" if ok else "MISSED")
        print(f"{goal:44s} {mine:>28s}  {base:>30s}  {ratio:>22s}  {target} {mark}", flush=True)


def run_row(
    name: str,
    sizes: dict[str, Any],
    table: Table,
    work: Path,
    postgres: sto.Factory | None = None,
) -> None:
    """Measure one row of the issue's table and add it to ``table``; ``postgres`` (a
    store factory) adds PostgreSQL to the ``sql_open`` row."""
    s = sizes[name]
    us = 1e6
    if name == "fire":
        pairs = eng.fire_per_event(*s)
        for event, p in pairs.items():
            table.add(
                f"fire {event}",
                p.mine.show(us, " us"),
                p.base.show(us, " us trigger"),
                p.ratio.show(1, "x"),
                "<= 2x",
                p.ratio.median <= 2,
            )
        table.data["fire"] = {e: p.as_dict(us) for e, p in pairs.items()}
    elif name == "open":
        p = eng.open_vs_add_model(*s)
        table.add(
            f"open() vs add_model at {s[0]:,} models",
            p.mine.show(us, " us"),
            p.base.show(us, " us add_model"),
            p.ratio.show(1, "x", 2),
            "<= 0.25x",
            p.ratio.median <= 0.25,
        )
        table.data["open"] = p.as_dict(us)
    elif name == "memory":
        b = eng.memory_per_open(s)
        goal = f"memory per open complaint ({s:,} opens)"
        table.add(goal, f"{b:,.0f} B", "", "", "<= 2,048 B", b <= 2048)
        table.data["memory"] = {"bytes": b, "opens": s}
    elif name == "due":
        p = eng.due_query(*s)
        faster = 1 / p.ratio.median
        table.add(
            f"due: {s[1]:,} due among {s[0]:,}",
            p.mine.show(1e3, " ms", 2),
            p.base.show(1e3, " ms scan", 1),
            f"{faster:,.0f}x faster",
            ">= 100x",
            faster >= 100,
        )
        table.data["due"] = p.as_dict(1e3)
    elif name == "sql_open":
        for backend in ("sqlite", "postgres") if postgres is not None else ("sqlite",):
            make = None if backend == "sqlite" else postgres
            timer = sto.cpu if backend == "sqlite" else sto.WALL
            unit = " us" if backend == "sqlite" else " us wall"
            growth = sto.open_growth(work, backend, *s, make=make, timer=timer)
            smallest = s[0][0]
            table.data[f"{backend}_open"] = {str(n): p.as_dict(us) for n, p in growth.items()}
            for n, p in growth.items():
                if n == smallest:
                    continue
                table.add(
                    f"{backend} open() at {n:,} vs {smallest:,}",
                    p.mine.show(us, unit),
                    p.base.show(us, f"{unit} at {smallest:,}"),
                    p.ratio.show(1, "x", 2),
                    "<= 1.5x",
                    p.ratio.median <= 1.5,
                )
    elif name == "recurrence":
        for backend in ("memory", "sqlite", "json"):
            p = sto.recurrence(work, backend, *s)
            table.add(
                f"{backend} open() after {s[0][1]} vs {s[0][0]} at a location",
                p.mine.show(us, " us"),
                p.base.show(us, f" us after {s[0][0]}"),
                p.ratio.show(1, "x", 2),
                "flat (~1x)",
                p.ratio.median <= 1.5,
            )
            table.data[f"recurrence_{backend}"] = p.as_dict(us)
    elif name == "json_1m":
        modes = sto.json_scale(work, *s)
        for mode, runs in modes.items():
            worst = {k: max(r[k] for r in runs) for k in runs[0]}
            how = "index snapshot" if mode == "snapshot" else "every line read"
            table.add(
                f"JSON store open at {s[0]:,} records ({how})",
                f"{worst['wall_s']:,.1f} s wall, {worst['cpu_s']:,.1f} s CPU "
                f"({worst['process_cpu_s']:,.1f} s all threads)",
                f"{worst['file_mb']:,.0f} MB file",
                "",
                "<= 15 s",
                worst["wall_s"] <= 15,
            )
            table.add(
                f"JSON store peak RSS at {s[0]:,} records ({how})",
                f"{worst['peak_rss_mb']:,.0f} MB",
                "",
                "",
                "<= 2,048 MB",
                worst["peak_rss_mb"] <= 2048,
            )
        table.data["json_1m"] = modes
    elif name == "demo":
        pairs = sto.demo(work, *s)
        for kind, p in pairs.items():
            table.add(
                f"demo ({s[0]} days) on JSON vs memory, {kind}",
                p.mine.show(1, " s", 2),
                p.base.show(1, " s memory", 2),
                p.ratio.show(1, "x", 2),
                "<= 1.5x" if kind == "wall" else "",
                p.ratio.median <= 1.5 if kind == "wall" else None,
            )
            table.data[f"demo_{kind}"] = p.as_dict()
    elif name == "report":
        pairs = sto.monthly_report(*s)
        smallest, largest = s[0][0], s[0][-1]
        p = pairs[largest]
        table.add(
            f"monthly report at {largest:,} records",
            p.mine.show(1, " s", 3),
            p.base.show(1, f" s at {smallest:,}", 3),
            f"{p.ratio.median:.1f}x for {largest / smallest:.0f}x",
            "<= 0.5 s, linear",
            p.mine.median <= 0.5 and p.ratio.median <= largest / smallest * 1.1,
        )
        table.data["report"] = {str(n): p.as_dict() for n, p in pairs.items()}
    elif name == "import":
        rates = sto.import_rate(work, ["json", "sqlite", "memory"], *s)
        for b, r in rates.items():
            table.add(
                f"import {r['records']:,} complaints, {b}",
                r["cpu_rate"].show(1, "/s CPU", 0),
                r["wall_rate"].show(1, "/s wall", 0),
                "",
                ">= 5,000/s" if b != "memory" else "(floor)",
                None if b == "memory" else r["wall_rate"].median >= 5000,
            )
            table.data[f"import_{b}"] = {k: v.as_dict() for k, v in r.items() if k != "records"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the selected rows, print the table, return (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="smoke-test sizes (seconds)")
    parser.add_argument(
        "--medium", action="store_true", help="goal sizes, except where building takes hours"
    )
    parser.add_argument("--only", help=f"comma-separated rows of: {', '.join(ROWS)}")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument(
        "--postgres", action="store_true", help="sql_open also on a temporary PostgreSQL"
    )
    parser.add_argument("--workdir", help="where the stores are built (default: a temp dir)")
    args = parser.parse_args(argv)
    rows = args.only.split(",") if args.only else list(ROWS)
    unknown = set(rows) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows {sorted(unknown)}; rows: {', '.join(ROWS)}")
    sizes = TINY if args.tiny else MEDIUM if args.medium else FULL
    table = Table()
    print(f"mallops goals (Python {sys.version.split()[0]}): median (p25-p75), CPU thread time")
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(dir=args.workdir))
        postgres = None
        if args.postgres and "sql_open" in rows:
            from mallops import SqlStore
            from mallops.testing import TemporaryPostgres

            durable = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
            pg = stack.enter_context(TemporaryPostgres(settings=durable))

            def postgres(tag: str) -> Any:
                return SqlStore(pg.create_database("o_" + tag.replace("-", "_")))

        for name in rows:
            run_row(name, sizes, table, Path(tmp), postgres)
    table.data["python"] = sys.version.split()[0]
    table.data["sizes"] = {k: sizes[k] for k in rows}
    if args.json:
        Path(args.json).write_text(json.dumps(table.data, indent=2), encoding="utf-8")
    return table.data


if __name__ == "__main__":
    main()
