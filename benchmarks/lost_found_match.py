"""Benchmark: suggesting matches for a lost report with many found items in store.

    python benchmarks/lost_found_match.py [ITEMS]      (default 50,000)

Registers ITEMS found items through ``mall.lost_found.intake`` (one every 10 minutes,
so 50,000 items span about a year), then times ``suggest_matches`` for reports at
several points of the year: fastest, median and worst of 7 runs each, and how much of
the fastest run is the store's window query.  The first call for a window tokenises
its candidates (the worst run); later calls reuse the cached words.
"""

from __future__ import annotations

import statistics
import sys
import time

import pendulum

from mallops import Actor, Mall, ManualClock, MemoryStore

CATEGORIES = ("phone", "bag", "keys", "umbrella", "clothing", "wallet", "toy", "other")
PLACES = ("B1 east restroom", "L1 atrium", "L2 food court", "L3 cinema", "car park P2")
WORDS = ("black", "red", "blue", "leather", "黑色", "红色", "钥匙扣", "手机壳", "small", "large")


def build(items: int) -> tuple[Mall, ManualClock]:
    """A mall with ``items`` found items registered over time."""
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 10, tz="Asia/Shanghai"))
    mall = Mall(store=MemoryStore(), clock=clock)
    desk = Actor("desk-1", "front_desk", "customer_service")
    for n in range(items):
        mall.lost_found.intake(
            actor=desk,
            found_at=clock.now(),
            place_found=PLACES[n % len(PLACES)],
            description=f"{WORDS[n % 10]} {WORDS[(n // 10) % 10]} {CATEGORIES[n % 8]} #{n}",
            features=f"{WORDS[(n // 7) % 10]} mark",
            finder_type="customer",
            category=CATEGORIES[n % len(CATEGORIES)],
        )
        clock.advance(minutes=10)
    return mall, clock


def measure(mall: Mall, runs: int = 7) -> list[tuple[str, float, float, float, float, int]]:
    """(report date, fastest, median, worst, query ms, candidates) across the year."""
    desk = Actor("desk-1", "front_desk", "customer_service")
    out = []
    first = mall.lost_found.query(limit=1)[0].created_at
    span = mall.now() - first
    for part in (0.2, 0.4, 0.6, 0.8):
        lost = first + span * part
        report = mall.lost_found.report_lost(
            actor=desk,
            reporter="王五",
            contact="13900000000",
            description="黑色手机壳 black phone",
            category="phone",
            place="L2 food court",
            lost_from=lost,
            lost_to=lost.add(hours=3),
        )
        times, queries = [], []
        candidates = 0
        for _ in range(runs):
            start = time.perf_counter()
            assert mall.lost_found.suggest_matches(report.id)
            times.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            candidates = len(mall.lost_found.reports.candidates(mall.get(report.id)))
            queries.append((time.perf_counter() - start) * 1000)
        out.append(
            (
                lost.to_date_string(),
                min(times),
                statistics.median(times),
                max(times),
                min(queries),
                candidates,
            )
        )
    return out


def main(argv: list[str] | None = None) -> None:
    """Build the store and print the timings."""
    args = sys.argv[1:] if argv is None else argv
    items = int(args[0]) if args else 50_000
    start = time.perf_counter()
    mall, _ = build(items)
    built = time.perf_counter() - start
    print(f"{items} items registered in {built:.1f} s ({built / items * 1e6:.0f} µs each)")
    for day, fastest, median, worst, query, candidates in measure(mall):
        print(
            f"report lost {day}: fastest {fastest:.1f} ms, median {median:.1f} ms, "
            f"worst {worst:.1f} ms; window query {query:.1f} ms, {candidates} candidates"
        )


if __name__ == "__main__":
    main()
