"""Durations as policy data: ``"72h"``, ``"15 minutes"``, ``"4 working days"``, ``"3 months"``.

A :class:`Duration` has an amount and a unit.  The unit decides the *basis* the time is
counted in (rule G9):

* ``wall`` — seconds, minutes, hours, days, weeks: the wall clock, 24/7;
* ``working`` — working hours and working days: the mall's business calendar
  (PRC holidays, adjusted working days, working hours from the policy);
* ``calendar`` — months: calendar months, for retention periods (L6).
"""

from __future__ import annotations

import re
from typing import Literal

import attrs

from .errors import ValidationError

__all__ = ["Basis", "Duration"]

Basis = Literal["wall", "working", "calendar"]

_UNITS: dict[str, tuple[str, Basis, int]] = {
    # alias -> (canonical unit, basis, seconds per unit; working days are resolved by the calendar)
    "s": ("seconds", "wall", 1),
    "sec": ("seconds", "wall", 1),
    "second": ("seconds", "wall", 1),
    "seconds": ("seconds", "wall", 1),
    "m": ("minutes", "wall", 60),
    "min": ("minutes", "wall", 60),
    "minute": ("minutes", "wall", 60),
    "minutes": ("minutes", "wall", 60),
    "h": ("hours", "wall", 3600),
    "hour": ("hours", "wall", 3600),
    "hours": ("hours", "wall", 3600),
    "d": ("days", "wall", 86400),
    "day": ("days", "wall", 86400),
    "days": ("days", "wall", 86400),
    "w": ("weeks", "wall", 7 * 86400),
    "week": ("weeks", "wall", 7 * 86400),
    "weeks": ("weeks", "wall", 7 * 86400),
    "wh": ("working hours", "working", 3600),
    "working hour": ("working hours", "working", 3600),
    "working hours": ("working hours", "working", 3600),
    "wd": ("working days", "working", 0),
    "working day": ("working days", "working", 0),
    "working days": ("working days", "working", 0),
    "month": ("months", "calendar", 0),
    "months": ("months", "calendar", 0),
}

_PATTERN = re.compile(r"^\s*(\d+)\s*([a-z][a-z ]*?)\s*$")


@attrs.frozen
class Duration:
    """An amount of time in one unit; see the module docstring for the bases.

    >>> Duration.parse("4 working days")
    Duration('4 working days')
    >>> Duration.parse("72h").seconds()
    259200
    """

    amount: int
    unit: str

    def __attrs_post_init__(self) -> None:
        if self.unit not in {u for u, _, _ in _UNITS.values()}:
            raise ValidationError(f"unknown duration unit {self.unit!r}", field="unit")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValidationError(
                f"duration amount must be a whole number >= 0, got {self.amount!r}",
                field="amount",
            )

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``"<whole number> <unit>"``; units: s, m, h, d, w, wh, wd, months and their
        long forms (``"15 minutes"``, ``"4 working days"``)."""
        if not isinstance(text, str):
            raise ValidationError(
                f"a duration is written as a string like '72h' or '4 working days', "
                f"got {type(text).__name__}"
            )
        m = _PATTERN.match(text.lower())
        if not m or m.group(2) not in _UNITS:
            allowed = "s, m, h, d, w, working hours (wh), working days (wd), months"
            raise ValidationError(
                f"{text!r} is not a duration; write a whole number and a unit ({allowed}), "
                "e.g. '72h', '15 minutes', '4 working days', '3 months'"
            )
        unit = _UNITS[m.group(2)][0]
        return cls(int(m.group(1)), unit)

    @property
    def basis(self) -> Basis:
        """``wall``, ``working`` or ``calendar``."""
        for canonical, basis, _ in _UNITS.values():
            if canonical == self.unit:
                return basis
        raise AssertionError(self.unit)  # pragma: no cover - guarded by __attrs_post_init__

    def seconds(self, working_day_seconds: int | None = None) -> int:
        """The length in seconds of its basis.  Working days need the calendar's working-day
        length; months have no fixed length and raise ``ValidationError``."""
        if self.unit == "months":
            raise ValidationError(f"{self} has no fixed length in seconds")
        if self.unit == "working days":
            if working_day_seconds is None:
                raise ValidationError(f"{self} needs the calendar's working-day length")
            return self.amount * working_day_seconds
        for canonical, _, factor in _UNITS.values():
            if canonical == self.unit:
                return self.amount * factor
        raise AssertionError(self.unit)  # pragma: no cover

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"

    def __repr__(self) -> str:
        return f"Duration('{self}')"
