"""Business-time arithmetic: the 2026 PRC schedule, peers' worked examples, backward
arithmetic (O4), weekday hours and 24:00, trading hours (R10), DST (G9, G10)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from mallops import CalendarError, Duration, Policy
from mallops.calendar import BusinessCalendar, YearSchedule
from mallops.engine import timers as T
from mallops.errors import PolicyError, ValidationError

from .conftest import at

CAL = BusinessCalendar()

# The State Council's 2026 schedule (国办发明电〔2025〕 notice): every holiday and every
# adjusted working day (调休).
HOLIDAYS_2026 = [
    "2026-01-01", "2026-01-02", "2026-01-03",
    *[f"2026-02-{d}" for d in range(15, 24)],
    "2026-04-04", "2026-04-05", "2026-04-06",
    *[f"2026-05-0{d}" for d in range(1, 6)],
    "2026-06-19", "2026-06-20", "2026-06-21",
    "2026-09-25", "2026-09-26", "2026-09-27",
    *[f"2026-10-0{d}" for d in range(1, 8)],
]  # fmt: skip
WORKDAYS_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def _days(texts: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(t) for t in texts]


class TestPRC2026:
    @pytest.mark.parametrize("day", _days(HOLIDAYS_2026), ids=HOLIDAYS_2026)
    def test_g9_every_2026_holiday_is_a_rest_day(self, day: dt.date) -> None:
        assert not CAL.is_working_day(day)

    @pytest.mark.parametrize("day", _days(WORKDAYS_2026), ids=WORKDAYS_2026)
    def test_g9_every_2026_adjusted_working_day_is_a_working_day(self, day: dt.date) -> None:
        assert day.isoweekday() in (6, 7)  # each is a weekend day made a working day
        assert CAL.is_working_day(day)

    def test_g9_the_2026_schedule_as_policy_data_matches_the_package(self) -> None:
        """The same schedule given in the policy (the worked example of docs/calendar.md)
        answers every day of 2026 like chinese-calendar."""
        own = BusinessCalendar(
            builtin=False,
            years={2026: YearSchedule(tuple(_days(HOLIDAYS_2026)), tuple(_days(WORKDAYS_2026)))},
        )
        day = dt.date(2026, 1, 1)
        while day.year == 2026:
            assert own.is_working_day(day) == CAL.is_working_day(day), day
            day += dt.timedelta(days=1)


class TestPeers:
    """Worked examples from the peers' documented behaviour (see FINDINGS.md)."""

    def test_g10_businesstimedelta_difference_addition_and_subtraction(self) -> None:
        """businesstimedelta's README: Mon-Fri 09:00-18:00 with lunch 12:00-13:00; from
        Mon 2016-01-18 09:00 to Fri 2016-01-22 18:00 is 40 business hours; start + 40 h
        is Fri 18:00 (closing time) and end - 40 h is Mon 09:00 (opening time)."""
        cal = BusinessCalendar(
            intervals=("09:00-12:00", "13:00-18:00"), builtin=False, region="NONE"
        )
        start, end = at(2016, 1, 18, 9), at(2016, 1, 22, 18)
        assert cal.working_seconds_between(start, end) == 40 * 3600
        assert cal.add(start, Duration.parse("40 working hours")) == end
        assert cal.subtract(end, Duration.parse("40 working hours")) == start

    def test_g10_frappe_helpdesk_hold_time_counts_only_working_time(self) -> None:
        """Frappe Helpdesk pauses the resolution clock while a ticket is on hold and
        measures the hold in working time: a hold from Fri 17:00 to Mon 10:00 moves an
        8-working-hour deadline by the 2 working hours of the hold, not by 65 h."""
        plan = T.plan_for(Duration.parse("8 working hours"), CAL)
        timer = T.start("resolution", plan, at(2026, 9, 11, 9), CAL)  # Friday
        assert timer.due_at == at(2026, 9, 11, 18)  # Fri 09-12 and 13-18: exactly 8 h
        paused = T.pause(timer, at(2026, 9, 11, 17), None, CAL)
        assert paused.consumed == 7 * 3600
        resumed = T.resume(paused, at(2026, 9, 14, 10), CAL)
        assert resumed.due_at == at(2026, 9, 14, 11)  # 1 h left from Mon 10:00
        assert CAL.add(timer.due_at, Duration.parse("2 wh")) == resumed.due_at

    def test_g10_zammad_holiday_skipped_whole_and_24h_days(self) -> None:
        """Zammad skips a holiday whole and treats an interval ending 23:59 as ending at
        midnight; mallops writes that ``24:00``.  A 24-hour desk (00:00-24:00 every day)
        with the 2026 National Day holidays: 10 h from 2026-09-30 20:00 is 10-08 06:00."""
        desk = BusinessCalendar(intervals=("00:00-24:00",), weekend=())
        assert desk.add(at(2026, 9, 30, 20), Duration.parse("10 working hours")) == at(
            2026, 10, 8, 6
        )
        # Saturday 2026-10-10 (adjusted working day) and Sunday 10-11 both count 24 h
        assert desk.working_seconds_between(at(2026, 10, 10), at(2026, 10, 12)) == 48 * 3600


class TestBackward:
    def test_o4_n_working_days_before_a_cut(self) -> None:
        """An outage notice 2 working days before a cut on Mon 2026-10-12 10:00 must go
        out by Fri 10-09 10:00 (the adjusted Saturday 10-10 counts as a working day)."""
        cut = at(2026, 10, 12, 10)
        assert CAL.subtract(cut, Duration.parse("2 working days")) == at(2026, 10, 9, 10)

    def test_g10_backward_exact_fill_lands_at_the_opening(self) -> None:
        """Mirror of G10: Mon 10:00 minus 1 working hour is Mon 09:00, not the previous
        closing; Mon 09:00 minus 1 working hour is the previous working day 17:00."""
        assert CAL.subtract_working_seconds(at(2026, 9, 14, 10), 3600) == at(2026, 9, 14, 9)
        assert CAL.subtract_working_seconds(at(2026, 9, 14, 9), 3600) == at(2026, 9, 11, 17)

    def test_g10_working_time_between_is_signed(self) -> None:
        a, b = at(2026, 9, 21, 9), at(2026, 9, 21, 14)
        assert CAL.working_time_between(a, b) == 4 * 3600
        assert CAL.working_time_between(b, a) == -4 * 3600

    def test_g9_backward_into_a_year_without_data_names_it(self) -> None:
        with pytest.raises(CalendarError, match="2003"):
            CAL.subtract(at(2004, 1, 2, 10), Duration.parse("3 working days"))

    def test_g10_wall_subtraction(self) -> None:
        assert CAL.subtract(at(2026, 10, 4, 23), Duration.parse("72h")) == at(2026, 10, 1, 23)


class TestWeekdayHours:
    def test_g10_a_mall_open_late_on_friday_and_saturday(self) -> None:
        """Weekday-specific intervals ending at 24:00 (Friday, Saturday late hours)."""
        mall = BusinessCalendar(
            intervals=("10:00-22:00",),
            weekly={5: ("10:00-24:00",), 6: ("10:00-24:00",)},
            weekend=(),
            region="NONE",
        )
        assert mall.is_working_time(at(2026, 9, 18, 23, 30))  # Friday
        assert not mall.is_working_time(at(2026, 9, 17, 23, 30))  # Thursday
        # Fri 23:00 + 2 h: 1 h to midnight, then Saturday from 10:00
        assert mall.add(at(2026, 9, 18, 23), Duration.parse("2 wh")) == at(2026, 9, 19, 11)
        # an exact fill of Friday's interval lands at midnight (24:00 = next day 00:00)
        assert mall.add(at(2026, 9, 18, 23), Duration.parse("1 wh")) == at(2026, 9, 19, 0)

    def test_g10_an_office_tower_with_a_saturday_half_day(self) -> None:
        """Mon-Fri full days, Saturday 09:00-12:00, Sunday none (weekend only Sunday):
        Fri 17:00 + 5 wh = 1 h Friday, 3 h Saturday, 1 h Monday = Mon 10:00."""
        tower = BusinessCalendar(weekly={6: ("09:00-12:00",), 7: ()}, weekend=(7,), region="NONE")
        assert tower.add(at(2026, 9, 18, 17), Duration.parse("5 wh")) == at(2026, 9, 21, 10)
        assert tower.working_seconds_between(at(2026, 9, 19), at(2026, 9, 20)) == 3 * 3600

    def test_g10_bad_weekday_hours_are_refused(self) -> None:
        with pytest.raises(PolicyError, match="weekly_hours"):
            Policy.from_dict({"calendar": {"weekly_hours": {"8": ["09:00-12:00"]}}})
        with pytest.raises(PolicyError, match="weekly_hours"):
            Policy.from_dict({"calendar": {"weekly_hours": {"5": ["22:00-10:00"]}}})
        with pytest.raises(ValidationError, match="24:00"):
            BusinessCalendar(intervals=("09:00-24:30",))


class TestTrading:
    def test_r10_trading_hours_are_a_separate_basis(self) -> None:
        """Trading hours (seed 10:00-22:00 every day, holidays included) are a timer
        basis of their own: 3 trading hours from National Day 21:00 end 10-02 12:00."""
        cal = Policy.seed().build_calendar()
        plan = T.plan_for(Duration.parse("3 working hours"), cal, basis="trading")
        timer = T.start("works", plan, at(2026, 10, 1, 21), cal)
        assert (timer.basis, timer.due_at) == ("trading", at(2026, 10, 2, 12))
        assert cal.elapsed(at(2026, 10, 1, 21), at(2026, 10, 2, 12), "trading") == 3 * 3600

    def test_r10_trading_weekly_hours_from_policy(self) -> None:
        policy = Policy.from_dict(
            {"calendar": {"trading_weekly_hours": {"5": ["10:00-23:00"], "6": ["10:00-23:00"]}}}
        )
        trading = policy.build_calendar().trading
        assert trading is not None
        assert trading.is_working_time(at(2026, 9, 18, 22, 30))
        assert not trading.is_working_time(at(2026, 9, 17, 22, 30))

    def test_r10_trading_basis_needs_a_working_duration(self) -> None:
        with pytest.raises(ValidationError, match="working-time duration"):
            T.plan_for(Duration.parse("3h"), CAL, basis="trading")


class TestDST:
    """G10: exact across DST changes; "72 h" is 72 real hours."""

    def test_g10_72h_across_spring_forward_in_new_york(self) -> None:
        tz = "America/New_York"
        cal = BusinessCalendar(tz=tz, region="NONE")
        start = pendulum.datetime(2026, 3, 7, 12, tz=tz)  # the change is 03-08 02:00
        due = cal.add(start, Duration.parse("72h"))
        assert due == pendulum.datetime(2026, 3, 10, 13, tz=tz)
        assert cal.elapsed(start, due, "wall") == 72 * 3600

    def test_g10_47_real_hours_are_47_across_spring_forward_in_berlin(self) -> None:
        tz = "Europe/Berlin"
        cal = BusinessCalendar(tz=tz, region="NONE")
        start = pendulum.datetime(2026, 3, 28, 12, tz=tz)  # the change is 03-29 02:00
        end = pendulum.datetime(2026, 3, 30, 12, tz=tz)
        assert cal.elapsed(start, end, "wall") == 47 * 3600

    def test_g10_fall_back_day_of_a_24h_desk_has_25_working_hours(self) -> None:
        tz = "America/New_York"
        desk = BusinessCalendar(tz=tz, intervals=("00:00-24:00",), weekend=(), region="NONE")
        day = pendulum.datetime(2026, 11, 1, tz=tz)
        assert desk.working_seconds_between(day, day.add(days=1)) == 25 * 3600
        # 2 h from 00:30 on the fall-back night is 01:30 EST (the second 01:30)
        due = desk.add(day.add(minutes=30), Duration.parse("2 wh"))
        assert due.utcoffset() == dt.timedelta(hours=-5)
        assert due.in_timezone("UTC") == pendulum.datetime(2026, 11, 1, 6, 30, tz="UTC")

    def test_g10_working_hours_around_a_change_stay_local(self) -> None:
        """Working hours are local clock times: Monday 09:00 after the change is 09:00."""
        tz = "Europe/Berlin"
        cal = BusinessCalendar(tz=tz, region="NONE")
        friday = pendulum.datetime(2026, 3, 27, 17, tz=tz)
        assert cal.add(friday, Duration.parse("2 wh")) == pendulum.datetime(2026, 3, 30, 10, tz=tz)


def test_g9_plans_are_shared_per_calendar() -> None:
    """Issue 16: the same timer asked of one calendar is one immutable plan (records
    share its numbers); another calendar, or other arguments, get their own."""
    eight = Duration.parse("8 working hours")
    plan = T.plan_for(eight, CAL, warn_at=0.5)
    assert T.plan_for(eight, CAL, warn_at=0.5) is plan
    assert T.plan_for(Duration.parse("8 working hours"), CAL, warn_at=0.5) is plan
    assert T.plan_for(eight, CAL) is not plan
    assert T.plan_for(eight, CAL, steps=[Duration.parse("1h")]).marks[-1][0] == "escalate"
    short = BusinessCalendar(intervals=("09:00-12:00",))
    other = T.plan_for(Duration.parse("1 working day"), short)
    assert other.allowance == 3 * 3600
    assert T.plan_for(Duration.parse("1 working day"), CAL).allowance == 8 * 3600
