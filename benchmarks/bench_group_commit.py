"""Group commit (issue 16): threads sharing one ``SqlStore`` commit one new record each
time, with group commit on and off, alternating in small rounds.

Run from the repository root::

    python benchmarks/bench_group_commit.py               # SQLite, 4 and 8 threads
    python benchmarks/bench_group_commit.py --postgres    # also a throwaway PostgreSQL
    python benchmarks/bench_group_commit.py --tiny        # the smoke-test size

The figure is commits per second of **wall** time from a common start to the last
finish: what group commit saves is waiting for the disk (SQLite runs with
``synchronous=FULL``; the PostgreSQL cluster here keeps ``fsync`` on), which thread CPU
time does not see.  Each cell is the median of the rounds with the 25th-75th percentile;
the ratio is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mallops import SqlStore
from mallops.stores.protocol import Write
from mallops.testing import sample_record


def commits_per_second(url: str, *, group: bool, threads: int, per: int, tag: str) -> float:
    """``threads`` threads commit ``per`` new records each on one store at ``url``."""
    store = SqlStore(url, group_commit=group)
    barrier = threading.Barrier(threads + 1)

    def work(k: int) -> None:
        barrier.wait()
        for i in range(per):
            store.commit([Write(sample_record(f"C-{tag}{k:02d}{i:05d}"), 0)])

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return threads * per / (time.perf_counter() - start)


def _q(values: list[float]) -> str:
    qs = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return f"{statistics.median(values):,.0f} ({qs[0]:,.0f}-{qs[2]:,.0f})"


def run(urls: dict[str, Callable[[str], str]], threads: list[int], per: int, rounds: int) -> str:
    lines = [f"{'backend':<10} {'threads':>7}  {'group commit/s':>22}  {'one by one/s':>22}  ratio"]
    for name, fresh in urls.items():
        for n in threads:
            on: list[float] = []
            off: list[float] = []
            for r in range(rounds):
                order = (True, False) if r % 2 == 0 else (False, True)
                for group in order:
                    url = fresh(f"{n}-{r}-{int(group)}")
                    rate = commits_per_second(url, group=group, threads=n, per=per, tag="x")
                    (on if group else off).append(rate)
            ratio = statistics.median(a / b for a, b in zip(on, off, strict=True))
            lines.append(f"{name:<10} {n:>7}  {_q(on):>22}  {_q(off):>22}  {ratio:.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="smoke-test sizes")
    parser.add_argument("--postgres", action="store_true", help="also a temporary PostgreSQL")
    args = parser.parse_args(argv)
    per, rounds, threads = (5, 2, [2]) if args.tiny else (150, 6, [4, 8])
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        urls: dict[str, Callable[[str], str]] = {
            "sqlite": lambda tag: f"sqlite:///{Path(tmp) / f'g-{tag}.db'}",
        }
        if args.postgres:
            from mallops.testing import TemporaryPostgres

            durable = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
            pg = stack.enter_context(TemporaryPostgres(settings=durable))
            urls["postgres"] = lambda tag: pg.create_database("g_" + tag.replace("-", "_"))
        out = run(urls, threads, per, rounds)
    print(out)
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
