"""Visiting hours and meal peaks as a calculation (rule V2): when on a working day a
visit of a given trade may start.  Derived from :class:`~mallops.policy.VisitPolicy`
alone, so the policy checks it (every trade can be visited) and the visit workflow
plans with it."""

from __future__ import annotations

import datetime as _dt
import itertools
from typing import TYPE_CHECKING

import attrs

from ..calendar import parse_interval
from ..errors import PolicyError, ValidationError

if TYPE_CHECKING:
    from .visits import VisitPolicy

__all__ = ["VisitHours", "parse_intervals"]


def parse_intervals(texts: tuple[str, ...], key: str) -> tuple[tuple[_dt.time, _dt.time], ...]:
    """``"HH:MM-HH:MM"`` strings as ordered, non-overlapping pairs (``PolicyError`` at ``key``)."""
    try:
        parsed = tuple(parse_interval(t) for t in texts)
    except ValidationError as exc:
        raise PolicyError(str(exc), key=key) from None
    for (_, end), (start, _) in itertools.pairwise(parsed):
        if start < end:
            raise PolicyError("intervals must be in order and must not overlap", key=key)
    return parsed


_Interval = tuple[_dt.time, _dt.time]


def _sec(t: _dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _fmt(intervals: tuple[_Interval, ...]) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in intervals)


@attrs.frozen
class VisitHours:
    """When on a working day a visit of a given trade may start (V2)."""

    visiting: tuple[_Interval, ...]
    peaks: tuple[_Interval, ...]
    length: int
    peak_trades: frozenset[str]
    labels: dict[str, str] = attrs.field(eq=False)

    @classmethod
    def of(cls, policy: VisitPolicy) -> VisitHours:
        """The visiting hours, meal peaks and slot length of ``policy``."""
        return cls(
            parse_intervals(policy.visiting_hours, "visiting_hours"),
            parse_intervals(policy.meal_peaks, "meal_peaks"),
            policy.visit_length.seconds(),
            frozenset(n for n, t in policy.trades.items() if t.meal_peaks),
            {n: t.en for n, t in policy.trades.items()},
        )

    def problem(self, trade: str, when: _dt.time) -> str | None:
        """Why a visit of ``trade`` may not start at ``when`` (``None`` if it may)."""
        start = _sec(when)
        end = start + self.length
        if trade in self.peak_trades:  # rule V2: never during meal peaks
            for a, b in self.peaks:
                if start < _sec(b) and _sec(a) < end:
                    return (
                        f"{self.labels.get(trade, trade)} tenants are never visited during meal "
                        f"peaks (V2): a {self.length // 60}-minute visit at {when:%H:%M} meets "
                        f"the peak {a:%H:%M}-{b:%H:%M}; choose a time outside {_fmt(self.peaks)}"
                    )
        if not any(_sec(a) <= start and end <= _sec(b) for a, b in self.visiting):
            return (
                f"a {self.length // 60}-minute visit at {when:%H:%M} is outside the visiting "
                f"hours {_fmt(self.visiting)} (V2)"
            )
        return None

    def starts(self, trade: str) -> tuple[_dt.time, ...]:
        """Non-overlapping start times a day offers ``trade``, earliest first."""
        candidates: set[int] = set()
        for a, b in self.visiting:
            for origin in (_sec(a), *(_sec(pb) for _, pb in self.peaks)):
                t = origin
                while _sec(a) <= t and t + self.length <= _sec(b):
                    candidates.add(t)
                    t += self.length
        chosen: list[int] = []
        for t in sorted(candidates):
            at = _dt.time(t // 3600, t // 60 % 60, t % 60)
            if self.problem(trade, at) is None and (not chosen or t >= chosen[-1] + self.length):
                chosen.append(t)
        return tuple(_dt.time(t // 3600, t // 60 % 60, t % 60) for t in chosen)
