"""The business calendar's fast paths give the instants of the plain computation (G10,
issue 16): a working-time deadline remembered and slid with its start, whole days
skipped by their working total, and the C9 window start without pendulum's month
subtraction."""

from __future__ import annotations

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.calendar import BusinessCalendar, months_before

ZONES = ("Asia/Shanghai", "UTC")
SHAPES = (
    {},
    {"intervals": ("00:00-24:00",)},
    {"intervals": ("08:00-12:00", "13:00-17:30"), "weekly": {3: ["22:00-24:00"], 7: []}},
)
STEPS = st.sampled_from((0, 1, 7, 60, 299, 1800, 3599, 3600, 7200, 86_400))
MICROS = st.sampled_from((0, 0, 1, 500_000))
SECONDS = st.sampled_from((1, 60, 1800, 3 * 3600, 4 * 3600, 8 * 3600, 16 * 3600, 40 * 3600))


def _same(a: pendulum.DateTime, b: pendulum.DateTime) -> bool:
    return a == b and a.isoformat() == b.isoformat() and a.tzinfo is b.tzinfo


@settings(max_examples=40, deadline=None)
@given(
    shape=st.sampled_from(SHAPES),
    zone=st.sampled_from(ZONES),
    first=st.integers(0, 700 * 86_400),
    steps=st.lists(st.tuples(STEPS, MICROS), min_size=1, max_size=25),
    counts=st.lists(SECONDS, min_size=1, max_size=3),
)
def test_remembered_deadlines_are_the_computed_ones(
    shape: dict[str, object],
    zone: str,
    first: int,
    steps: list[tuple[int, int]],
    counts: list[int],
) -> None:
    """G10: starts that move forward through a day (the clock between opens) get, from
    the calendar that remembers deadlines, the instants a fresh calendar computes."""
    warm = BusinessCalendar(**shape)  # type: ignore[arg-type]
    start = pendulum.datetime(2024, 1, 1, tz=zone).add(seconds=first)
    for step, micro in steps:
        start = start.add(seconds=step, microseconds=micro)
        for seconds in counts:
            fresh = BusinessCalendar(**shape)  # type: ignore[arg-type]
            assert _same(
                warm.add_working_seconds(start, seconds),
                fresh.add_working_seconds(start, seconds),
            )


def test_exact_fill_still_ends_at_closing_time() -> None:
    """G10: a start that slides the deadline past its interval's close is computed
    again: the deadline moves to the next opening, never past the close."""
    cal = BusinessCalendar()  # 09:00-12:00, 13:00-18:00
    tz = "Asia/Shanghai"
    assert cal.add_working_seconds(pendulum.datetime(2026, 3, 3, 9, tz=tz), 3 * 3600) == (
        pendulum.datetime(2026, 3, 3, 12, tz=tz)
    )
    assert cal.add_working_seconds(pendulum.datetime(2026, 3, 3, 9, 0, 1, tz=tz), 3 * 3600) == (
        pendulum.datetime(2026, 3, 3, 13, 0, 1, tz=tz)
    )
    assert cal.add_working_seconds(pendulum.datetime(2026, 3, 3, 9, 30, tz=tz), 9 * 3600) == (
        pendulum.datetime(2026, 3, 4, 10, 30, tz=tz)
    )
    assert cal.add_working_seconds(pendulum.datetime(2026, 3, 3, 11, 59, tz=tz), 9 * 3600) == (
        pendulum.datetime(2026, 3, 4, 13, 59, tz=tz)  # 12:00-13:00 is not working time
    )


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(("Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York")),
    moment=st.integers(0, 40 * 365 * 86_400),
    micro=st.integers(0, 999_999),
    months=st.sampled_from((0, 1, 2, 3, 6, 11, 12, 13, 25, 120)),
)
def test_months_before_is_pendulums_subtraction(
    zone: str, moment: int, micro: int, months: int
) -> None:
    """C9's window start: the same instant and local time as ``subtract(months=...)``,
    month ends clamped (31 March minus one month is 28 or 29 February)."""
    at = pendulum.datetime(1995, 1, 1, tz=zone).add(seconds=moment, microseconds=micro)
    assert _same(months_before(at, months), at.subtract(months=months))
    end = pendulum.datetime(2024, 3, 31, 23, 59, 59, tz="Asia/Shanghai")
    assert months_before(end, 1) == pendulum.datetime(2024, 2, 29, 23, 59, 59, tz="Asia/Shanghai")
