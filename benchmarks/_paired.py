"""Paired measurement on a shared machine: CPU time of the thread, alternating chunks.

Wall-clock time on a machine shared with other jobs swings by an order of magnitude
between two runs of the same code; the CPU time of the measuring thread
(``time.thread_time``) does not count the time other processes hold the CPU.  Each
comparison runs mallops and its baseline in small chunks, alternating which goes first,
so that both see the same cache, memory and frequency conditions; every figure is the
median over the chunks with its spread (25th-75th percentile) and the ratio is the
median of the per-round ratios.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Figure", "Pair", "cpu", "figure", "paired", "wall"]

Chunk = Callable[[], float]
"""Runs one chunk and returns the seconds per operation it measured."""


def cpu(run: Callable[[], Any], ops: int = 1) -> float:
    """CPU seconds of this thread per operation for one call of ``run``."""
    gc.collect()
    t0 = time.thread_time()
    run()
    return (time.thread_time() - t0) / ops


def wall(run: Callable[[], Any], ops: int = 1) -> float:
    """Wall seconds per operation for one call of ``run`` (only where the goal is stated
    in wall time: it includes waiting for the disk and for other processes)."""
    gc.collect()
    t0 = time.perf_counter()
    run()
    return (time.perf_counter() - t0) / ops


class Figure:
    """A median and its spread over chunks."""

    def __init__(self, samples: Sequence[float]) -> None:
        self.samples = list(samples)
        ordered = sorted(self.samples)
        self.median = statistics.median(ordered)
        if len(ordered) >= 4:
            q = statistics.quantiles(ordered, n=4)
            self.low, self.high = q[0], q[2]
        else:
            self.low, self.high = ordered[0], ordered[-1]

    def show(self, scale: float = 1.0, unit: str = "", digits: int = 1) -> str:
        """``median (low-high) unit`` after multiplying by ``scale``."""
        m, lo, hi = (v * scale for v in (self.median, self.low, self.high))
        return f"{m:,.{digits}f} ({lo:,.{digits}f}-{hi:,.{digits}f}){unit}"

    def as_dict(self, scale: float = 1.0) -> dict[str, float]:
        """The figure for the JSON output."""
        return {
            "median": self.median * scale,
            "p25": self.low * scale,
            "p75": self.high * scale,
            "n": len(self.samples),
        }


def figure(samples: Sequence[float]) -> Figure:
    """A :class:`Figure` of ``samples``."""
    return Figure(samples)


class Pair:
    """mallops against its baseline, chunk by chunk."""

    def __init__(self, mine: Sequence[float], base: Sequence[float]) -> None:
        self.mine = Figure(mine)
        self.base = Figure(base)
        self.ratio = Figure([m / b for m, b in zip(mine, base, strict=True) if b > 0])

    def as_dict(self, scale: float = 1.0) -> dict[str, Any]:
        """The pair for the JSON output."""
        return {
            "mallops": self.mine.as_dict(scale),
            "baseline": self.base.as_dict(scale),
            "ratio": self.ratio.as_dict(),
        }


def paired(mine: Chunk, base: Chunk, rounds: int) -> Pair:
    """Run ``rounds`` rounds of one chunk each, alternating which runs first."""
    ms: list[float] = []
    bs: list[float] = []
    for r in range(rounds):
        if r % 2 == 0:
            ms.append(mine())
            bs.append(base())
        else:
            bs.append(base())
            ms.append(mine())
    return Pair(ms, bs)
