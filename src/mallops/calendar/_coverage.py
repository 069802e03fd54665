"""How far a calendar's holiday data reaches, and the horizon warning (G9).

The State Council publishes each year's schedule late in the year before, so every
December a mainland calendar is a few weeks from running out.  :class:`Coverage` says
which years are covered and when the data runs out; from ``warn_days`` before the last
covered day it is *due* a warning (``Mall.tick`` emits one per property per day).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import attrs

__all__ = ["Coverage", "coverage_of", "spans"]


@attrs.frozen
class Coverage:
    """The holiday data of one calendar, seen from ``today``.

    ``years`` are all covered years; ``policy_years`` those the policy gives itself;
    ``last_day`` is the last day of the unbroken run of covered years that contains
    ``today`` (``None`` when today's own year is not covered: the data already ran out);
    ``warn_from`` is ``warn_days`` before ``last_day``.
    """

    region: str
    today: _dt.date
    years: tuple[int, ...]
    policy_years: tuple[int, ...]
    last_day: _dt.date | None
    warn_from: _dt.date | None
    warn_days: int

    @property
    def days_left(self) -> int | None:
        """Days from ``today`` to ``last_day`` (``None`` if today is not covered)."""
        return None if self.last_day is None else (self.last_day - self.today).days

    @property
    def unbounded(self) -> bool:
        """A calendar without holidays (region ``NONE``): it never runs out."""
        return self.last_day == _dt.date.max

    @property
    def warning_due(self) -> bool:
        """Whether the data runs out within ``warn_days`` (or already has)."""
        if self.unbounded:
            return False
        return self.warn_from is None or self.today >= self.warn_from

    def message(self, lang: str = "en") -> str:
        """One line for people, in ``"zh"`` (zh-CN) or ``"en"``."""
        span = spans(self.years)
        if self.last_day is None:
            if lang == "zh":
                return (
                    f"节假日数据已用完：{self.today.year} 年无数据（已覆盖 {span}）。"
                    f"请在策略中添加 calendar.years.{self.today.year}"
                )
            return (
                f"holiday data has run out: no data for {self.today.year} (covered: {span}); "
                f"add calendar.years.{self.today.year} to the policy"
            )
        if self.unbounded:
            if lang == "zh":
                return "无节假日日历（每天按星期计），无需节假日数据"
            return "a calendar without holidays (every day by its weekday): no data needed"
        nxt = self.last_day.year + 1
        if lang == "zh":
            until = self.last_day.isoformat()
            text = f"节假日数据覆盖 {span}，至 {until} 止（剩 {self.days_left} 天）"
            if self.warning_due:
                text += f"；请在策略中添加 calendar.years.{nxt}"
            return text
        text = (
            f"holiday data covers {span}, until {self.last_day.isoformat()} "
            f"({self.days_left} days left)"
        )
        if self.warning_due:
            text += f"; add calendar.years.{nxt} to the policy"
        return text


def spans(years: Iterable[int]) -> str:
    """``2004-2026, 2028`` for a set of years."""
    ordered = sorted(set(years))
    if not ordered:
        return "none"
    parts: list[str] = []
    lo = prev = ordered[0]
    for y in ordered[1:]:
        if y != prev + 1:
            parts.append(f"{lo}-{prev}" if lo != prev else str(lo))
            lo = y
        prev = y
    parts.append(f"{lo}-{prev}" if lo != prev else str(lo))
    return ", ".join(parts)


def coverage_of(
    covered: frozenset[int],
    policy_years: tuple[int, ...],
    region: str,
    today: _dt.date,
    warn_days: int,
    *,
    unbounded: bool = False,
) -> Coverage:
    """The :class:`Coverage` of a set of covered years seen from ``today`` (``unbounded``:
    a calendar without holidays never runs out)."""
    last_day: _dt.date | None = None
    warn_from: _dt.date | None = None
    if unbounded:
        last_day = _dt.date.max
    elif today.year in covered:
        year = today.year
        while year + 1 in covered:
            year += 1
        last_day = _dt.date(year, 12, 31)
        warn_from = last_day - _dt.timedelta(days=warn_days)
    return Coverage(
        region=region,
        today=today,
        years=tuple(sorted(covered)),
        policy_years=policy_years,
        last_day=last_day,
        warn_from=warn_from,
        warn_days=warn_days,
    )
