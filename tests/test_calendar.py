"""Business calendar: PRC holidays, adjusted working days, working-time arithmetic (G9, G10)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallops import CalendarError, Duration, Policy
from mallops.calendar import BusinessCalendar, YearSchedule
from mallops.errors import ValidationError

from .conftest import at

CAL = BusinessCalendar()


class TestG9WorkingDays:
    def test_g9_four_working_days_skip_national_day_and_count_adjusted_saturday(self) -> None:
        """Wed 2026-09-30 10:00 + 4 working days is Mon 2026-10-12 10:00 (Thu 8, Fri 9,
        the adjusted working Saturday 10, Mon 12), not Sunday 2026-10-04."""
        due = CAL.add(at(2026, 9, 30, 10), Duration.parse("4 working days"))
        assert due == at(2026, 10, 12, 10)

    def test_g9_adjusted_working_day_is_working(self) -> None:
        """Saturday 2026-10-10 is an adjusted working day (调休); 10-05 is a holiday."""
        assert CAL.is_working_day(dt.date(2026, 10, 10))
        assert not CAL.is_working_day(dt.date(2026, 10, 5))
        assert not CAL.is_working_day(dt.date(2026, 10, 11))

    def test_g9_year_without_data_raises_naming_the_year(self) -> None:
        """A deadline needing 2027, which no data covers, fails clearly (never a wrong date)."""
        with pytest.raises(CalendarError, match="2027") as info:
            CAL.add(at(2026, 12, 30, 10), Duration.parse("4 working days"))
        assert info.value.year == 2027

    def test_g9_policy_years_extend_and_override_builtin_data(self) -> None:
        """Holiday data for a year can come from the policy (announced late the year before)."""
        policy = Policy.from_dict(
            {"calendar": {"years": {"2027": {"holidays": ["2027-01-01"], "workdays": []}}}}
        )
        cal = policy.build_calendar()
        assert not cal.is_working_day(dt.date(2027, 1, 1))
        assert cal.is_working_day(dt.date(2027, 1, 4))
        assert not cal.is_working_day(dt.date(2027, 1, 2))  # weekend
        assert cal.add(at(2026, 12, 31, 17), Duration.parse("2 working hours")) == at(
            2027, 1, 4, 10
        )

    def test_g9_wall_clock_hours_run_24_7(self) -> None:
        """Hour limits run on the wall clock, through nights and holidays."""
        assert CAL.add(at(2026, 10, 1, 23), Duration.parse("72h")) == at(2026, 10, 4, 23)


class TestG10Arithmetic:
    def test_g10_start_outside_working_time_counts_from_next_opening(self) -> None:
        """A clock started at 20:00 starts counting at 09:00 next working day."""
        assert CAL.add(at(2026, 9, 29, 20), Duration.parse("1 working hours")) == at(
            2026, 9, 30, 10
        )

    def test_g10_lunch_break_is_not_working_time(self) -> None:
        """Several intervals a day: 11:30 + 1 working hour is 13:30."""
        assert CAL.add(at(2026, 9, 29, 11, 30), Duration.parse("1 wh")) == at(2026, 9, 29, 13, 30)

    def test_g10_exact_fill_lands_at_closing_time(self) -> None:
        """A deadline that uses up a period exactly falls at its closing time."""
        assert CAL.add(at(2026, 9, 29, 9), Duration.parse("1 working day")) == at(2026, 9, 29, 18)

    def test_g10_holiday_skipped_whole(self) -> None:
        """A start on a holiday counts from the next working day's opening."""
        assert CAL.next_working_time(at(2026, 10, 3, 12)) == at(2026, 10, 8, 9)

    @given(
        start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 11, 30)),
        hours=st.integers(min_value=1, max_value=80),
    )
    def test_g10_add_and_elapsed_agree(self, start: dt.datetime, hours: int) -> None:
        """Adding N working seconds and measuring them back gives N; the deadline is
        always working time or a closing time."""
        s = pendulum.instance(start, tz="Asia/Shanghai")
        due = CAL.add_working_seconds(s, hours * 3600)
        assert CAL.working_seconds_between(s, due) == hours * 3600
        assert CAL.is_working_time(due) or (due.minute == 0 and due.hour in (12, 18))


class TestCalendarErrors:
    def test_bad_interval_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="HH:MM"):
            BusinessCalendar(intervals=("nine to five",))

    def test_overlapping_intervals_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="overlap"):
            BusinessCalendar(intervals=("09:00-13:00", "12:00-18:00"))

    def test_policy_only_calendar_without_builtin(self) -> None:
        cal = BusinessCalendar(builtin=False, years={2026: YearSchedule()})
        assert cal.covered_years() == (2026,)
        with pytest.raises(CalendarError, match="2025"):
            cal.is_working_day(dt.date(2025, 5, 1))
