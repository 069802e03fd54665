"""The shared steps of the front desk's stateful tests (tests/stateful_helpers.py)."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallops import Mall, ManualClock, MemoryStore
from mallops.errors import ValidationError

from .conftest import DESK, at
from .stateful_helpers import CALENDAR_END, attempt, pass_time


def _open(mall: Mall) -> None:
    mall.complaints.open(
        actor=DESK, channel="phone", complainant="Li Lei", contact="13800000000",
        location="B1 east restroom", description="restroom is dirty", demand="clean it",
    )  # fmt: skip


def _refuse() -> None:
    raise ValidationError("refused")


def test_attempt_accepts_a_failure_that_changed_nothing() -> None:
    mall = Mall(MemoryStore(), ManualClock(at(2026, 3, 2, 10)))
    attempt(mall, lambda: _open(mall))
    attempt(mall, _refuse)
    assert len(mall.query()) == 1


def test_attempt_catches_a_failure_that_changed_records() -> None:
    mall = Mall(MemoryStore(), ManualClock(at(2026, 3, 2, 10)))

    def half_done() -> None:
        _open(mall)
        _refuse()

    with pytest.raises(AssertionError, match="a failure changed records"):
        attempt(mall, half_done)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), start=st.sampled_from([(2026, 3, 2, 10), (2026, 11, 30, 22)]))
def test_pass_time_moves_on_within_the_calendar(
    data: st.DataObject, start: tuple[int, int, int, int]
) -> None:
    clock = ManualClock(at(*start))
    mall = Mall(MemoryStore(), clock)
    before = clock.now()
    pass_time(mall, clock, data)
    assert before <= clock.now() <= pendulum.datetime(*CALENDAR_END, tz=mall.calendar.tz)
