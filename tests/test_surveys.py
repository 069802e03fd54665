"""Satisfaction surveys 满意度调查 (rule K5, with C12's questions): campaigns of
customers and tenants at least ``targets.surveys_per_year`` times a year, their rate
against the 70 % target, the trend, and a window without a campaign flagged."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from mallops import (
    InvalidTransition,
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    PolicyError,
    Record,
    ValidationError,
)
from mallops.operations.survey_spec import SurveyPolicy, window_bounds
from mallops.report import build_report, month_period

from .conftest import CS_HEAD, DESK, GM, STAFF, TZ, at


def _campaign(mall: Mall, answers: list[tuple[int, int, int]], **kw: Any) -> Record:
    params: dict[str, Any] = {"audience": "tenants", "year": 2026, "window": 2, "sample": 10}
    svy = mall.surveys.plan(actor=CS_HEAD, **(params | kw))
    mall.surveys.fire(svy.id, "start", actor=CS_HEAD)
    for i, (speed, result, attitude) in enumerate(answers):
        mall.surveys.answer(
            svy.id,
            actor=DESK,
            respondent=f"T-{i:04d}",
            speed=speed,
            result=result,
            attitude=attitude,
        )
    return mall.surveys.fire(svy.id, "close", actor=CS_HEAD)


def _year(mall: Mall, year: int = 2026, lang: str = "en") -> Any:
    return build_report(mall, at(year, 1, 1), at(year + 1, 1, 1), lang=lang)


def test_K5_surveys_per_year_cuts_the_year_into_windows() -> None:
    """``targets.surveys_per_year`` (K5, seed 2) is live: 2 gives the half-years, 4 the
    quarters; a window outside them is refused naming the field."""
    seed = Policy.seed()
    assert window_bounds(seed, 2026, 2, TZ) == (at(2026, 7, 1), at(2027, 1, 1))
    quarterly = Policy.from_dict({"targets": {"surveys_per_year": 4}})
    assert window_bounds(quarterly, 2026, 3, TZ) == (at(2026, 7, 1), at(2026, 10, 1))
    with pytest.raises(ValidationError) as exc:
        window_bounds(seed, 2026, 3, TZ)
    assert exc.value.field == "window"


def test_K5_C12_answers_rate_speed_result_attitude_and_the_policy_questions(
    mall: Mall,
) -> None:
    """Every campaign asks C12's three questions plus the policy's; an answer is
    satisfied when every rating reaches ``complaints.satisfied_min``."""
    svy = mall.surveys.plan(
        actor=CS_HEAD, audience="customers", year=2026, window=2, sample=3, questions=["security"]
    )
    assert svy.fields["questions"] == ["speed", "result", "attitude", "security"]
    mall.surveys.fire(svy.id, "start", actor=CS_HEAD)
    svy = mall.surveys.answer(
        svy.id,
        actor=DESK,
        respondent="张女士",
        speed=5,
        result=4,
        attitude=5,
        answers={"security": 3},
        comment="停车场照明不足",
    )
    answer = svy.fields["answers"][0]
    assert answer["ratings"] == {"speed": 5, "result": 4, "attitude": 5, "security": 3}
    assert answer["satisfied"] is False


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"speed": 6}, "speed must be 1..5"),
        ({"answers": {"environment": 4}}, "'environment' is not asked"),
        ({"answers": {"security": 0}}, "security must be a rating 1..5"),
        ({"respondent": "T-0000"}, "already answered"),
    ],
)
def test_K5_bad_answers_are_refused_and_change_nothing(
    mall: Mall, kw: dict[str, Any], match: str
) -> None:
    """Ratings off the scale, questions the campaign does not ask and a second answer of
    one respondent are refused; the campaign is unchanged."""
    svy = mall.surveys.plan(
        actor=CS_HEAD, audience="tenants", year=2026, window=2, sample=5, questions=["security"]
    )
    mall.surveys.fire(svy.id, "start", actor=CS_HEAD)
    svy = mall.surveys.answer(
        svy.id, actor=DESK, respondent="T-0000", speed=5, result=5, attitude=5
    )
    params: dict[str, Any] = {"respondent": "T-0001", "speed": 5, "result": 5, "attitude": 5}
    with pytest.raises(InvalidTransition, match=match):
        mall.surveys.answer(svy.id, actor=DESK, **(params | kw))
    assert mall.get(svy.id) == svy


def test_K5_closing_gives_the_rate_against_the_70_percent_target(mall: Mall) -> None:
    """3 satisfied of 4 is 75 %: on target; 2 of 4 is below it and the customer-service
    head is notified; the report's KPI is judged against ``surveys.target``."""
    good = _campaign(mall, [(5, 5, 5), (4, 4, 4), (5, 4, 5), (3, 5, 5)])
    assert (good.fields["rate"], good.fields["on_target"]) == (0.75, True)
    assert good.fields["means"]["speed"] == 4.25
    bad = _campaign(mall, [(5, 5, 5), (2, 4, 4), (5, 4, 5), (3, 5, 5)], audience="customers")
    assert (bad.fields["rate"], bad.fields["on_target"]) == (0.5, False)
    told = [f.event for f in mall.store.events_since(0) if f.event.type == "notify"]
    assert [e.data["reason"] for e in told] == ["survey_below_target"]
    report = build_report(mall, *month_period("2026-09", mall), lang="en")
    kpi = next(k for k in report.kpis if k.key == "survey_satisfaction")
    assert (kpi.value, kpi.target, kpi.basis, kpi.met) == (5 / 8, 0.70, "5/8", False)
    section = report.section("surveys")
    assert section is not None
    assert f"{bad.id}: 50.0% satisfied, below the 70.0% target" in section.notes


def test_K5_a_window_without_a_campaign_is_flagged(mall: Mall) -> None:
    """A half-year over without a campaign of an audience is 'not run' and flagged; one
    not over yet is 'not run yet, due by'; the policy's frequency decides the windows."""
    _campaign(mall, [(5, 5, 5)])
    report = _year(mall)
    table = report.table("survey_windows")
    assert table is not None
    rows = dict(zip(table.keys, table.rows, strict=True))
    assert rows["2026:1:customers"][2] == "not run (K5)"
    assert rows["2026:2:tenants"][2:] == ("run in time", 100.0)
    section = report.section("surveys")
    assert "2026 H1: no tenants survey was run (K5: at least 2 a year)" in section.notes
    september = build_report(mall, *month_period("2026-09", mall), lang="zh")
    rows = dict(
        zip(
            september.table("survey_windows").keys,
            september.table("survey_windows").rows,
            strict=False,
        )
    )
    assert rows["2026:2:customers"][2] == "未完成，期限 2026-12-31"
    quarterly = Mall(
        store=mall.store,
        clock=mall.clock,
        policy=Policy.from_dict({"targets": {"surveys_per_year": 4}}),
    )
    assert len(quarterly.surveys.windows(2026)) == 8


def test_K5_a_campaign_closed_after_its_window_counts_as_late() -> None:
    """A campaign of the first half closed in July ran late: the half-year is flagged
    'run late', and the campaign's window timer escalated at the window's end."""
    clock = ManualClock(at(2026, 6, 20, 10))
    mall = Mall(store=MemoryStore(), clock=clock)
    svy = mall.surveys.plan(actor=CS_HEAD, audience="tenants", year=2026, window=1, sample=5)
    mall.surveys.fire(svy.id, "start", actor=CS_HEAD)
    mall.surveys.answer(svy.id, actor=DESK, respondent="T-1", speed=5, result=5, attitude=5)
    clock.set(at(2026, 7, 3, 10))
    mall.tick()
    assert mall.get(svy.id).escalated_to == "cs_head"
    mall.surveys.fire(svy.id, "close", actor=CS_HEAD)
    statuses = {(s.window, s.audience): s.status for s in mall.surveys.windows(2026)}
    assert statuses[(1, "tenants")] == "late"
    assert statuses[(1, "customers")] == "missed"


def test_K5_the_trend_compares_each_campaign_with_the_previous_one(
    mall: Mall, clock: ManualClock
) -> None:
    """The trend lists each audience's last campaigns with the change in points."""
    _campaign(mall, [(5, 5, 5), (2, 2, 2)], window=1, year=2026)
    clock.advance(days=1)
    _campaign(mall, [(5, 5, 5), (5, 5, 5), (5, 5, 5), (2, 2, 2)])
    report = build_report(mall, *month_period("2026-10", mall), lang="en")
    trend = report.table("survey_trend")
    assert trend is not None
    assert trend.rows == (("tenants", "2026 H1", 50.0, None), ("tenants", "2026 H2", 75.0, 25.0))


def test_K5_campaign_lifecycle_permissions_and_errors(mall: Mall) -> None:
    """Clerks record answers, managers plan, start and close (G5); closing without an
    answer, an unknown audience or a question outside the policy is refused."""
    with pytest.raises(PermissionDenied):
        mall.surveys.plan(actor=DESK, audience="tenants", year=2026, window=2, sample=5)
    with pytest.raises(ValidationError) as exc:
        mall.surveys.plan(actor=CS_HEAD, audience="owners", year=2026, window=2, sample=5)
    assert exc.value.field == "audience"
    with pytest.raises(ValidationError) as exc:
        mall.surveys.plan(
            actor=CS_HEAD, audience="tenants", year=2026, window=2, sample=5, questions=["food"]
        )
    assert exc.value.field == "questions"
    svy = mall.surveys.plan(actor=GM, audience="tenants", year=2026, window=2, sample=5)
    assert mall.surveys.allowed_events(svy, DESK) == ()
    mall.surveys.fire(svy.id, "start", actor=CS_HEAD)
    assert mall.surveys.allowed_events(svy.id, STAFF) == ("answer",)
    with pytest.raises(InvalidTransition, match="at least one answer"):
        mall.surveys.fire(svy.id, "close", actor=CS_HEAD)
    assert mall.surveys.query() == [mall.get(svy.id)]
    assert mall.replay(svy.id) == mall.get(svy.id)


def test_K5_policy_mistakes_name_the_key() -> None:
    """A target outside 0..1 or a policy question shadowing C12's is refused."""
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict({"surveys": {"target": 1.5}}, sections={"surveys": SurveyPolicy})
    assert exc.value.key == "surveys.target"
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict(
            {"surveys": {"questions": {"speed": {"zh": "速度", "en": "speed"}}}},
            sections={"surveys": SurveyPolicy},
        )
    assert exc.value.key == "surveys.questions"


def test_K5_no_survey_record_and_nothing_missed_leaves_the_section_out() -> None:
    """An empty mall's September report has no survey section; its December report
    flags both audiences of the second half-year."""
    clock = ManualClock(pendulum.datetime(2027, 1, 5, tz=TZ))
    mall = Mall(store=MemoryStore(), clock=clock)
    assert build_report(mall, *month_period("2026-09", mall), lang="en").section("surveys") is None
    december = build_report(mall, *month_period("2026-12", mall), lang="en").section("surveys")
    assert december is not None
    assert len([n for n in december.notes if "2026 H2: no" in n]) == 2
