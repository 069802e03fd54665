"""Where the bytes of an open complaint go: the memory row of ``bench_goals.py`` taken
apart (issue 16).

The same measurement as ``bench_goals.py --only memory`` (tracemalloc over real
``complaints.open()`` calls on a memory store, indexes and in-memory feed included),
with a tracemalloc snapshot before and after, compared by the source line that
allocated what is still held, and summed by module::

    python benchmarks/mem_breakdown.py            # 20,000 opens, the top 25 lines
    python benchmarks/mem_breakdown.py -n 5000 --top 40

Figures are bytes per open complaint.  A line is where an object was made, not who
holds it: a pendulum datetime made by the calendar is held by a timer's mark.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tracemalloc
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _build import new_mall, open_one


def breakdown(n: int) -> tuple[float, list[tuple[str, float, float]], dict[str, float]]:
    """Bytes per open over ``n`` opens; per source line (bytes, objects per open), largest
    first; and per module."""
    mall = new_mall()
    open_one(mall, -1)  # policy, calendar and caches warmed before tracing
    gc.collect()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    used = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        open_one(mall, i)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - used
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    skip = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = after.filter_traces(skip).compare_to(before.filter_traces(skip), "lineno")
    lines = []
    modules: dict[str, float] = defaultdict(float)
    for st in stats:
        frame = st.traceback[0]
        name = frame.filename
        if "site-packages" in name:
            name = name.split("site-packages" + os.sep, 1)[1]
        elif os.sep + "src" + os.sep in name:
            name = name.split(os.sep + "src" + os.sep, 1)[1]
        else:
            name = os.path.basename(name)
        lines.append((f"{name}:{frame.lineno}", st.size_diff / n, st.count_diff / n))
        modules[name] += st.size_diff / n
    return used / n, lines, dict(modules)


def main(argv: list[str] | None = None) -> None:
    """Print the breakdown."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20_000, help="opens measured")
    ap.add_argument("--top", type=int, default=25, help="lines shown")
    args = ap.parse_args(argv)
    total, lines, modules = breakdown(args.n)
    print(f"{total:,.0f} B per open complaint ({args.n:,} opens)")
    print("by source line (bytes, objects per open):")
    for where, size, count in lines[: args.top]:
        print(f"  {size:8.1f} B {count:6.2f}  {where}")
    print("by module:")
    for name, size in sorted(modules.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {size:8.1f} B  {name}")


if __name__ == "__main__":
    main()
