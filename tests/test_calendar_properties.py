"""Hypothesis properties of business-time arithmetic (G10) and the regional calendars."""

from __future__ import annotations

import datetime as dt
import sys

import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mallops import Policy
from mallops.calendar import BusinessCalendar, plus_seconds
from mallops.errors import PolicyError

SEED = BusinessCalendar()
LATE_MALL = BusinessCalendar(
    intervals=("10:00-22:00",),
    weekly={5: ("10:00-24:00",), 6: ("00:00-02:00", "10:00-24:00"), 7: ("00:00-02:00",)},
    weekend=(),
)
NEW_YORK = BusinessCalendar(
    tz="America/New_York",
    intervals=("00:00-01:30", "08:00-12:00", "13:00-24:00"),
    weekly={7: ()},
    weekend=(),
    region="NONE",
)
CALENDARS = {"seed": SEED, "late_mall": LATE_MALL, "new_york": NEW_YORK}


@st.composite
def _case(draw: st.DrawFn) -> tuple[BusinessCalendar, pendulum.DateTime, int]:
    name = draw(st.sampled_from(sorted(CALENDARS)))
    cal = CALENDARS[name]
    naive = draw(
        st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 11, 30))
    )
    start = pendulum.instance(naive.replace(microsecond=0), tz=cal.tz)  # G10: to the second
    seconds = draw(st.integers(min_value=1, max_value=60 * 3600))
    return cal, start, seconds


def _ny(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="America/New_York")


@given(case=_case())
@example(case=(SEED, pendulum.datetime(2026, 9, 30, 18, tz="Asia/Shanghai"), 3600))
@example(case=(NEW_YORK, _ny(2026, 3, 7, 23, 30), 3 * 3600))  # across spring-forward
@example(case=(NEW_YORK, _ny(2026, 10, 31, 23), 2 * 3600))  # across fall-back
@example(case=(LATE_MALL, pendulum.datetime(2026, 9, 18, 23, tz="Asia/Shanghai"), 3600))
def test_g10_add_then_subtract_returns_to_the_start(
    case: tuple[BusinessCalendar, pendulum.DateTime, int],
) -> None:
    """Boundary rule (docs/calendar.md): forward fills end at a closing time, backward
    fills at an opening time, so ``subtract(add(s, d), d)`` is ``s`` moved to the next
    working time (``s`` itself when it is working time)."""
    cal, start, seconds = case
    due = cal.add_working_seconds(start, seconds)
    assert cal.subtract_working_seconds(due, seconds) == cal.next_working_time(start)


@given(case=_case())
@example(case=(NEW_YORK, _ny(2026, 3, 8, 0, 30), 3600))
def test_g10_deadlines_fall_in_working_time(
    case: tuple[BusinessCalendar, pendulum.DateTime, int],
) -> None:
    """A working-time deadline is the end of working time: the second before it is
    working time (it may itself be the closing instant, G10)."""
    cal, start, seconds = case
    due = cal.add_working_seconds(start, seconds)
    assert cal.is_working_time(plus_seconds(due, -1))
    assert due > start


@given(case=_case())
@example(case=(NEW_YORK, _ny(2026, 11, 1, 0, 30), 2 * 3600))
def test_g10_elapsed_of_an_added_duration_is_that_duration(
    case: tuple[BusinessCalendar, pendulum.DateTime, int],
) -> None:
    cal, start, seconds = case
    due = cal.add_working_seconds(start, seconds)
    assert cal.elapsed(start, due, "working") == seconds
    assert cal.working_time_between(due, start) == -seconds


@given(
    naive=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 1)),
    seconds=st.integers(min_value=0, max_value=400 * 3600),
)
def test_g10_wall_time_is_real_time_across_dst(naive: dt.datetime, seconds: int) -> None:
    """``72h`` is 72 real hours in any zone: the UTC difference equals the duration."""
    for tz in ("America/New_York", "Europe/Berlin"):
        start = pendulum.instance(naive, tz=tz)
        due = BusinessCalendar(tz=tz, region="NONE").shift(start, seconds, "wall")
        assert due.timestamp() - start.timestamp() == seconds
        assert due.tzinfo is not None


class TestRegions:
    def test_g9_hong_kong_takes_its_holidays_from_the_holidays_package(self) -> None:
        """1 July (HKSAR Establishment Day) is a rest day in Hong Kong, a working day on
        the mainland; mainland National Day adjustments do not apply in Hong Kong."""
        hk = Policy.from_dict({"calendar": {"region": "HK"}}).build_calendar()
        assert not hk.is_working_day(dt.date(2026, 7, 1))
        assert SEED.is_working_day(dt.date(2026, 7, 1))
        assert not hk.is_working_day(dt.date(2026, 10, 10))  # a plain Saturday in HK
        assert hk.is_working_day(dt.date(2026, 10, 5))  # a mainland holiday only
        assert hk.covers(2027)  # computed by the package's rules

    @pytest.mark.parametrize(
        ("region", "day"),
        [("MO", "2026-12-20"), ("TW", "2026-10-10"), ("SG", "2026-08-10")],
    )
    def test_g9_macau_taiwan_singapore_national_days(self, region: str, day: str) -> None:
        cal = BusinessCalendar(region=region)
        assert not cal.is_working_day(dt.date.fromisoformat(day))

    def test_g9_a_policy_year_overrides_the_regional_package(self) -> None:
        policy = Policy.from_dict(
            {"calendar": {"region": "HK", "years": {"2026": {"holidays": ["2026-07-02"]}}}}
        )
        hk = policy.build_calendar()
        assert hk.is_working_day(dt.date(2026, 7, 1))
        assert not hk.is_working_day(dt.date(2026, 7, 2))

    def test_g9_missing_holidays_package_names_the_extra(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "holidays", None)
        with pytest.raises(PolicyError, match=r"mallops\[regions\]"):
            Policy.from_dict({"calendar": {"region": "SG"}})

    def test_g9_unknown_region_is_refused(self) -> None:
        with pytest.raises(PolicyError, match="regions: CN, HK"):
            Policy.from_dict({"calendar": {"region": "XX"}})

    def test_g9_a_24x7_mainland_desk_rests_only_on_statutory_holidays(self) -> None:
        desk = BusinessCalendar(intervals=("00:00-24:00",), weekend=())
        assert desk.is_working_day(dt.date(2026, 10, 11))  # a Sunday
        assert not desk.is_working_day(dt.date(2026, 10, 3))  # National Day (a Saturday)
