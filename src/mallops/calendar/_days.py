"""Which days are working days: policy years, chinese-calendar, regional holidays (G9).

Three sources answer "is this day a working day?", the first that knows wins:

1. the policy's :class:`YearSchedule` for the day's year;
2. the region's package: ``chinese-calendar`` for the mainland (``CN``: statutory
   holidays and adjusted working days 调休, 2004-2026 in release 1.11), or the
   ``holidays`` package for Hong Kong (``HK``), Macau (``MO``), Taiwan (``TW``) and
   Singapore (``SG``) (the optional extra ``mallops[regions]``);
   Region ``NONE`` has no holidays at all: every day counts by its weekday (a 24×7
   desk, a mall's trading days); it covers every year;
3. nothing: the year is *missing* and the caller decides (refuse, or fall back to
   "weekends off, no holidays" and mark the result provisional).
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import CalendarError, PolicyError

__all__ = ["REGIONS", "DaySource", "YearSchedule"]

REGIONS: dict[str, tuple[str, str]] = {
    "CN": ("中国内地（chinese-calendar，含调休）", "mainland China (chinese-calendar, with 调休)"),
    "HK": ("中国香港（holidays 包）", "Hong Kong (holidays package)"),
    "MO": ("中国澳门（holidays 包）", "Macau (holidays package)"),
    "TW": ("中国台湾（holidays 包）", "Taiwan (holidays package)"),
    "SG": ("新加坡（holidays 包）", "Singapore (holidays package)"),
    "NONE": (
        "无节假日（每天按星期）",
        "no holidays (every day by its weekday; 24x7, trading hours)",
    ),
}
"""Region codes and their data source, in zh-CN and English."""


@attrs.frozen
class YearSchedule:
    """One year's announced holidays and adjusted working days (调休).

    Days of the year in neither list are working days unless their weekday is a rest
    day of the calendar (``weekend``).
    """

    holidays: tuple[_dt.date, ...] = ()
    workdays: tuple[_dt.date, ...] = ()


@functools.cache
def _chinese_years() -> tuple[int, int]:
    from chinese_calendar import constants

    years = [d.year for d in constants.holidays]
    return min(years), max(years)


def _load_holidays_package() -> Any:
    try:
        import holidays
    except ImportError:
        raise PolicyError(
            "regional public holidays need the holidays package: pip install 'mallops[regions]' "
            "(需要 holidays 包：pip install 'mallops[regions]')",
            key="calendar.region",
        ) from None
    return holidays


class DaySource:
    """Working-day answers from the policy years and the region's package."""

    def __init__(
        self,
        *,
        region: str,
        years: Mapping[int, YearSchedule],
        builtin: bool,
        weekend: frozenset[int],
    ) -> None:
        if region not in REGIONS:
            raise PolicyError(
                f"unknown region {region!r}; regions: {', '.join(REGIONS)}", key="calendar.region"
            )
        self.region = region
        self._years = {y: (frozenset(s.holidays), frozenset(s.workdays)) for y, s in years.items()}
        self._weekend = weekend
        self._regional: dict[int, frozenset[_dt.date]] = {}
        self._package: Any = None
        span: tuple[int, int] | None = None
        if builtin and region == "CN":
            span = _chinese_years()
        elif builtin and region != "NONE":
            self._package = _load_holidays_package()
            probe = self._package.country_holidays(region)
            # the years the package computes for the region (older releases lack the span)
            span = (int(getattr(probe, "start_year", 1950)), int(getattr(probe, "end_year", 2100)))
        self.builtin_span = span
        self.unbounded = region == "NONE"
        covered = set(self._years)
        if span is not None:
            covered.update(range(span[0], span[1] + 1))
        self.covered = frozenset(covered)

    def covers(self, year: int) -> bool:
        """Whether some source has data for ``year``."""
        return self.unbounded or year in self.covered

    def policy_years(self) -> tuple[int, ...]:
        """The years the policy gives itself."""
        return tuple(sorted(self._years))

    def answer(self, day: _dt.date) -> bool | None:
        """Whether ``day`` is a working day, or ``None`` if no source covers its year."""
        given = self._years.get(day.year)
        if given is not None:
            holidays, workdays = given
            if day in workdays:
                return True
            if day in holidays:
                return False
            return day.isoweekday() not in self._weekend
        if self.unbounded:
            return day.isoweekday() not in self._weekend
        if day.year not in self.covered:
            return None
        if self.region == "CN":
            import chinese_calendar

            holiday, name = chinese_calendar.get_holiday_detail(day)
            if not holiday:  # a weekday, or an adjusted working weekend day (调休)
                return day.isoweekday() >= 6 or day.isoweekday() not in self._weekend
            if name is not None:  # a statutory holiday, whatever the calendar's weekend
                return False
            return day.isoweekday() not in self._weekend
        public = self._regional.get(day.year)
        if public is None:
            public = frozenset(self._package.country_holidays(self.region, years=day.year))
            self._regional[day.year] = public
        return day not in public and day.isoweekday() not in self._weekend

    def fallback(self, day: _dt.date) -> bool:
        """The documented fallback rule for a missing year: weekends off, no holidays."""
        return day.isoweekday() not in self._weekend

    def missing(self, day: _dt.date) -> CalendarError:
        """The error for a day whose year no source covers."""
        covered = sorted(self.covered)
        span = f"{covered[0]}-{covered[-1]}" if covered else "none"
        return CalendarError(
            f"no holiday data for {day.year} (needed for {day.isoformat()}); years covered: "
            f"{span}. Add [calendar.years.{day.year}] with its holidays and adjusted "
            f"working days to the policy (缺少 {day.year} 年节假日数据，请在策略中添加)",
            year=day.year,
        )
