"""Timer plans: what a workflow asks for when it starts a timer (durations in seconds
of a basis, the marks' offsets), built once per calendar and shared by every record
that asks for the same (issue 16).  Re-exported by :mod:`mallops.engine.timers`.
"""

from __future__ import annotations

import weakref

import attrs
import pendulum

from ..calendar import BusinessCalendar, wall_seconds
from ..duration import Duration
from ..errors import ValidationError

__all__ = ["TimerPlan", "plan_for", "plan_until"]


@attrs.frozen
class TimerPlan:
    """What a workflow asks for when it starts a timer."""

    basis: str
    allowance: int
    marks: tuple[tuple[str, int, int], ...]  # (kind, offset seconds, escalation level)
    quiet: bool = False
    provisional_year: int | None = None  # a wall plan whose due time needed fallback (G9)


def plan_for(
    duration: Duration,
    calendar: BusinessCalendar,
    *,
    warn_at: float | None = None,
    quiet: bool = False,
    breach_level: int = 0,
    steps: tuple[Duration, ...] = (),
    basis: str | None = None,
) -> TimerPlan:
    """A plan whose breach fires after ``duration``; optional warning at a fraction of it
    and further escalation ``steps`` after the breach (levels ``breach_level + 1`` ...).

    ``basis`` overrides the duration's own: ``"trading"`` counts working-time durations
    in the calendar's trading hours (R10: works outside trading hours).

    Plans are immutable and remembered per calendar (issue 16): the records whose policy
    asks for the same timer share one plan, and the numbers their timers and marks hold
    (allowance, offsets) are the plan's own objects, not fresh ones per record."""
    steps = tuple(steps)  # a list would not do as a key
    key = (duration, warn_at, quiet, breach_level, steps, basis)
    plans = _PLANS.get(calendar)
    if plans is None:
        plans = _PLANS[calendar] = {}
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= _PLANS_KEPT:
            plans.clear()
        plan = plans[key] = _plan_for(
            duration, calendar, warn_at, quiet, breach_level, steps, basis
        )
    return plan


_PLANS: weakref.WeakKeyDictionary[BusinessCalendar, dict[tuple[object, ...], TimerPlan]] = (
    weakref.WeakKeyDictionary()
)
_PLANS_KEPT = 256  # plans remembered per calendar: a policy asks for a handful


def _plan_for(
    duration: Duration,
    calendar: BusinessCalendar,
    warn_at: float | None,
    quiet: bool,
    breach_level: int,
    steps: tuple[Duration, ...],
    basis: str | None,
) -> TimerPlan:
    if basis is not None and basis != duration.basis:
        if basis != "trading" or duration.basis != "working":
            raise ValidationError(
                f"basis {basis!r} needs a working-time duration such as '2 working hours', "
                f"got {duration}"
            )
        if calendar.trading is None:
            raise ValidationError("basis 'trading' needs calendar.trading_hours in the policy")
        calendar = calendar.trading
    allowance = calendar.to_seconds(duration)
    marks: list[tuple[str, int, int]] = []
    if warn_at is not None:
        marks.append(("warning", max(1, int(allowance * warn_at)), 0))
    marks.append(("breach", allowance, breach_level))
    offset = allowance
    for i, step in enumerate(steps):
        offset += calendar.to_seconds(step)
        marks.append(("escalate", offset, breach_level + i + 1))
    return TimerPlan(basis or duration.basis, allowance, tuple(marks), quiet)


def plan_until(
    start: pendulum.DateTime,
    due: pendulum.DateTime,
    *,
    warn_at: float | None = None,
    provisional_year: int | None = None,
    clamp: bool = False,
) -> TimerPlan:
    """A wall-clock plan that falls due at an absolute time (a committed time, G8).

    ``provisional_year`` marks a due time the workflow computed under the calendar's
    fallback rule (:meth:`~mallops.calendar.BusinessCalendar.planned`, G9): the timer is
    provisional and its :class:`~mallops.engine.spec.TimerSpec` ``replan`` computes it
    again once the data arrives.  ``clamp`` lets a due time not after ``start`` fall due
    at ``start`` (a re-plan never fires back in time) instead of refusing it."""
    allowance = wall_seconds(start, due)
    if clamp:
        allowance = max(0, allowance)
    elif allowance <= 0:
        raise ValidationError(
            f"the committed time {due.isoformat()} is not after {start.isoformat()}"
        )
    marks: list[tuple[str, int, int]] = []
    if warn_at is not None:
        marks.append(("warning", max(1, int(allowance * warn_at)), 0))
    marks.append(("breach", allowance, 0))
    return TimerPlan("wall", allowance, tuple(marks), provisional_year=provisional_year)
