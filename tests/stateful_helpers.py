"""Steps shared by the front desk's stateful tests (letters, outage notices): an
operation that may fail must leave every record as before, and time passes in steps
that cross every duration of the policy."""

from __future__ import annotations

from collections.abc import Callable

import pendulum
from hypothesis import strategies as st

from mallops import Mall, ManualClock
from mallops.errors import MallopsError
from mallops.testing import clock_steps

CALENDAR_END = (2026, 12, 1)
"""The clock stays before this day: the calendar's holiday data ends with 2026 (G9;
later years are tested in test_outages.py / test_letters.py)."""


def attempt(mall: Mall, operation: Callable[[], object]) -> None:
    """Run ``operation``; when it fails with a mallops error, no record has changed
    (atomicity)."""
    before = {r.id: r for r in mall.query()}
    try:
        operation()
    except MallopsError:
        assert {r.id: r for r in mall.query()} == before, "a failure changed records"


def pass_time(mall: Mall, clock: ManualClock, data: st.DataObject) -> None:
    """Move ``clock`` on by a drawn :func:`mallops.testing.clock_steps` step (not past
    :data:`CALENDAR_END`), then tick the mall."""
    step = data.draw(clock_steps(mall.policy))
    limit = pendulum.datetime(*CALENDAR_END, tz=mall.calendar.tz)
    target = min(clock.now() + step, limit)
    if target > clock.now():
        clock.set(target)
    mall.tick()
