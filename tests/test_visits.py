"""Tenant visits and suggestions, one test or more per rule (V1-V7)."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from mallops import (
    CalendarError,
    DomainEvent,
    InvalidTransition,
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    PolicyError,
    Record,
    RecordNotFound,
    ValidationError,
)
from mallops.workflows import Tenant
from mallops.workflows.visits import VISIT

from .visit_helpers import DM, GM, OPS, YEARS_2027, at, clock_of, new_mall, tenant, visit_done

# -- V1 the annual plan ----------------------------------------------------------------------


def test_v1_anchor_stores_get_three_visits_others_one() -> None:
    """A whole-year anchor store gets 3 planned visits, a regular store 1."""
    mall = new_mall()
    anchor = tenant(mall, unit="A", tier="anchor")
    regular = tenant(mall, unit="R")
    result = mall.visits.plan_year(2026, actor=OPS)
    assert len(result.created) == 4
    assert len(mall.visits.plan(2026, tenant=anchor.id)) == 3
    assert len(mall.visits.plan(2026, tenant=regular.id)) == 1
    months = [v.fields["planned_at"][5:7] for v in mall.visits.plan(2026, tenant=anchor.id)]
    assert len(set(months)) == 3


def test_v1_numbers_are_policy_data() -> None:
    """Changing a tier's visits per year changes the plan."""
    policy = Policy.from_dict({"visits": {"tiers": {"regular": {"visits_per_year": 4}}}})
    mall = new_mall(policy=policy)
    t = tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    assert len(mall.visits.plan(2026, tenant=t.id)) == 4


def test_v1_mid_year_joiner_is_pro_rated_by_the_policy_rule() -> None:
    """An anchor store from July gets ceil(3 x 6 / 12) = 2 visits; with 'full', 3."""
    mall = new_mall()
    t = tenant(mall, tier="anchor", lease_start="2026-07-01")
    mall.visits.plan_year(2026, actor=OPS)
    plan = mall.visits.plan(2026, tenant=t.id)
    assert len(plan) == 2
    assert all(v.fields["planned_at"] >= "2026-07-01" for v in plan)
    full = new_mall(policy=Policy.from_dict({"visits": {"proration": "full"}}))
    t2 = tenant(full, tier="anchor", lease_start="2026-07-01")
    full.visits.plan_year(2026, actor=OPS)
    assert len(full.visits.plan(2026, tenant=t2.id)) == 3


def test_v1_replanning_never_duplicates() -> None:
    """Planning the same year again creates nothing and keeps every visit."""
    mall = new_mall()
    tenant(mall, tier="anchor")
    first = mall.visits.plan_year(2026, actor=OPS)
    again = mall.visits.plan_year(2026, actor=OPS)
    assert (again.created, again.dropped, again.kept) == ((), (), len(first.created))
    keys = [v.fields["plan_key"] for v in mall.visits.plan(2026)]
    assert len(keys) == len(set(keys)) == 3


def test_v1_a_new_tenant_is_added_by_replanning() -> None:
    """Re-planning after a tenant joins plans only the new tenant."""
    mall = new_mall()
    tenant(mall, unit="A")
    mall.visits.plan_year(2026, actor=OPS)
    clock_of(mall).set(at(2026, 3, 2, 9))
    late = tenant(mall, unit="B", lease_start="2026-03-15")
    result = mall.visits.plan_year(2026, actor=OPS)
    assert [mall.get(v).tenant for v in result.created] == [late.id]


def test_v1_tenant_leaving_cancels_remaining_visits_with_a_reason() -> None:
    """When a tenant leaves, its open visits are withdrawn, the reason recorded."""
    mall = new_mall()
    t = tenant(mall, tier="anchor")
    mall.visits.plan_year(2026, actor=OPS)
    first = mall.visits.plan(2026, tenant=t.id)[0]
    clock_of(mall).set(at(2026, 1, 5, 9))
    visit_done(mall, first.id, first.fields["planned_at"])
    mall.tenants.leave(t.id, actor=GM, left_on="2026-05-31", reason="lease terminated early")
    states = [v.state for v in mall.visits.plan(2026, tenant=t.id)]
    assert states == ["done", "withdrawn", "withdrawn"]
    dropped = mall.visits.plan(2026, tenant=t.id)[1]
    assert "lease terminated early" in dropped.fields["withdrawn_because"]
    assert dropped.timer("due") is not None
    assert dropped.timer("due").status == "cancelled"  # type: ignore[union-attr]
    assert mall.visits.plan_year(2026, actor=OPS).created == ()


def test_v1_a_lower_tier_drops_surplus_visits() -> None:
    """An anchor store becoming regular keeps one planned visit; the rest are dropped."""
    mall = new_mall()
    t = tenant(mall, tier="anchor")
    mall.visits.plan_year(2026, actor=OPS)
    mall.tenants.update(t.id, actor=OPS, tier="regular")
    result = mall.visits.plan_year(2026, actor=OPS)
    assert len(result.dropped) == 2
    assert [v.state for v in mall.visits.plan(2026, tenant=t.id)].count("planned") == 1


def test_v1_an_overdue_visit_climbs_the_visit_ladder() -> None:
    """Undone at the end of its month a visit is overdue (level 1); 7 days on, level 2."""
    mall = new_mall()
    t = tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026, tenant=t.id)
    due = v.timer("due").due_at  # type: ignore[union-attr]
    assert due is not None
    assert due.day == 1
    assert due.hour == 0
    clock_of(mall).set(due.add(hours=1))
    events = mall.tick()
    assert [e.type for e in events] == ["timer_breached", "escalated"]
    assert events[1].data["role"] == "department_manager"
    clock_of(mall).set(due.add(days=8))
    assert [e.data.get("role") for e in mall.tick()] == ["general_manager"]
    assert mall.get(v.id).escalation_level == 2


def test_v1_g9_planning_a_year_without_holiday_data_is_provisional_then_replanned() -> None:
    """Rules V1, G9: on 2026-12-30 (data only to 2026) the 2027 plan is laid out by the
    fallback rule (weekends off, no holidays), never refused; each visit's timer is
    provisional.  When the 2027 data arrives a visit whose slot became a holiday moves
    to the next working day (same time, ``moved_from`` kept), recorded as a re-plan."""
    store = MemoryStore()
    clock = ManualClock(at(2026, 12, 30, 10))
    mall = Mall(store=store, clock=clock, policy=Policy.seed())
    tenant(mall, tier="anchor")
    seen: list[DomainEvent] = []
    mall.subscribe(seen.append)
    created = mall.visits.plan_year(2027, actor=OPS).created
    assert len(created) == 3
    visits = [mall.get(v) for v in created]
    assert {v.timer("due").provisional_year for v in visits} == {2027}  # type: ignore[union-attr]
    assert sorted(e.record_id for e in seen if e.type == "timer_provisional") == sorted(created)
    first = visits[0]
    assert first.fields["planned_at"] == "2027-03-25T14:30:00+08:00"
    # TEST DATA, not the official schedule: 25 March 2027 made a holiday
    data = {"calendar": {"years": {"2027": {"holidays": ["2027-03-25"], "workdays": []}}}}
    later = Mall(store=store, clock=clock, policy=Policy.from_dict(data))
    changes = later.replan_provisional()
    assert sorted(c.record_id for c in changes) == sorted(created)
    moved = later.get(first.id)
    assert moved.fields["planned_at"] == "2027-03-26T14:30:00+08:00"
    assert moved.fields["moved_from"] == "2027-03-25T14:30:00+08:00"
    assert moved.timer("due").provisional_year is None  # type: ignore[union-attr]
    assert [v.fields.get("moved_from") for v in map(later.get, created[1:])] == [None, None]
    assert later.replay(first.id) == moved
    with_data = new_mall(at(2026, 12, 30, 10), Policy.from_dict(YEARS_2027))
    tenant(with_data, tier="anchor")
    planned = with_data.visits.plan_year(2027, actor=OPS).created
    assert [with_data.get(v).timer("due").provisional_year for v in planned] == [None] * 3  # type: ignore[union-attr]


def test_v1_g9_refuse_mode_refuses_the_plan_naming_the_year() -> None:
    """Rule G9 under ``calendar.missing_year = "refuse"``: nothing is planned."""
    mall = new_mall(
        at(2026, 12, 30, 10), Policy.from_dict({"calendar": {"missing_year": "refuse"}})
    )
    tenant(mall)
    with pytest.raises(CalendarError, match="2027") as info:
        mall.visits.plan_year(2027, actor=OPS)
    assert info.value.year == 2027
    assert mall.visits.query() == []


def test_v1_visit_records_replay() -> None:
    """Plan visits rebuilt from their history equal the stored records (G6)."""
    mall = new_mall()
    tenant(mall, tier="anchor", trade="restaurant")
    mall.visits.plan_year(2026, actor=OPS)
    for r in mall.query():
        assert mall.replay(r.id) == r


# -- V2 preparation and appointment -------------------------------------------------------------


def test_v2_the_time_is_agreed_by_phone_first() -> None:
    """An appointment not agreed by phone is refused."""
    mall = new_mall()
    tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026)
    with pytest.raises(InvalidTransition, match="by phone"):
        mall.visits.appoint(v.id, actor=OPS, at=at(2026, 3, 3, 10), phoned=False)
    r = mall.visits.appoint(v.id, actor=OPS, at=at(2026, 3, 3, 10), phoned=True, visitor="op-2")
    assert (r.state, r.owner) == ("appointed", "op-2")


def test_v2_restaurants_are_never_visited_during_meal_peaks() -> None:
    """A restaurant appointment in a meal peak is refused, naming the peak; a shop may."""
    mall = new_mall()
    food = tenant(mall, unit="F", trade="restaurant")
    shop = tenant(mall, unit="S")
    mall.visits.plan_year(2026, actor=OPS)
    (fv,) = mall.visits.plan(2026, tenant=food.id)
    (sv,) = mall.visits.plan(2026, tenant=shop.id)
    with pytest.raises(InvalidTransition, match="11:00-13:30") as info:
        mall.visits.appoint(fv.id, actor=OPS, at=at(2026, 3, 3, 11), phoned=True)
    assert "meal peak" in str(info.value)
    assert mall.get(fv.id).state == "planned"
    with pytest.raises(InvalidTransition, match="17:00-19:30"):
        mall.visits.appoint(fv.id, actor=OPS, at=at(2026, 3, 3, 16, 45), phoned=True)
    assert mall.visits.appoint(sv.id, actor=OPS, at=at(2026, 3, 3, 11), phoned=True).state == (
        "appointed"
    )
    assert mall.visits.appoint(fv.id, actor=OPS, at=at(2026, 3, 3, 14), phoned=True).state == (
        "appointed"
    )


def test_v2_visits_are_on_working_days_in_visiting_hours() -> None:
    """A holiday or a time outside visiting hours is refused with what is allowed."""
    mall = new_mall()
    tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026)
    with pytest.raises(InvalidTransition, match="not a working day"):
        mall.visits.appoint(v.id, actor=OPS, at=at(2026, 10, 1, 10), phoned=True)
    with pytest.raises(InvalidTransition, match="visiting hours 09:30-11:30, 14:00-17:30"):
        mall.visits.appoint(v.id, actor=OPS, at=at(2026, 3, 3, 8), phoned=True)
    assert mall.visits.appoint(v.id, actor=OPS, at=at(2026, 10, 10, 10), phoned=True)  # 调休


def test_v2_meal_peaks_and_visiting_hours_are_policy_data() -> None:
    """The policy moves the peaks; a policy leaving a trade no slot is refused."""
    policy = Policy.from_dict({"visits": {"meal_peaks": ["10:00-14:00"]}})
    mall = new_mall(policy=policy)
    food = tenant(mall, trade="restaurant")
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026, tenant=food.id)
    with pytest.raises(InvalidTransition, match="10:00-14:00"):
        mall.visits.appoint(v.id, actor=OPS, at=at(2026, 3, 3, 10), phoned=True)
    with pytest.raises(PolicyError) as info:
        Policy.from_dict({"visits": {"meal_peaks": ["09:00-18:00"]}})
    assert info.value.key == "visits.visiting_hours"


# -- V3 forms and V4 topics ------------------------------------------------------------------


def _appointed(trade: str = "retail") -> tuple[Mall, str]:
    mall = new_mall()
    tenant(mall, trade=trade)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026)
    day = pendulum.parse(v.fields["planned_at"]).date()  # within the visit's own month
    when = at(day.year, day.month, day.day, 10)
    mall.visits.appoint(v.id, actor=OPS, at=when, phoned=True)
    clock_of(mall).set(when)
    return mall, v.id


def test_v3_done_needs_the_visit_form() -> None:
    """Completing without the tenant's signed confirmation is refused and changes nothing."""
    mall, vid = _appointed()
    before = mall.get(vid)
    with pytest.raises(ValidationError, match="confirmed_by"):
        mall.visits.fire(
            vid, "complete", actor=OPS, form="meeting", topics=["security"], notes="n",
            satisfaction="satisfied",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="choose one of: meeting, inspection, phone"):
        mall.visits.complete(
            vid, actor=OPS, form="lunch", topics=["security"], notes="n",
            satisfaction="satisfied", confirmed_by="T",
        )  # fmt: skip
    assert mall.get(vid) == before
    done = mall.visits.complete(
        vid, actor=OPS, form="inspection", topics=["security"], notes="checked the exits",
        satisfaction="fair", confirmed_by="王五",
    )  # fmt: skip
    assert done.state == "done"
    assert done.fields["form"] == "inspection"
    assert done.fields["confirmed_by"] == "王五"
    assert done.timer("due").status == "met"


def test_v4_topics_come_from_the_policy() -> None:
    """An unknown or missing topic is refused, listing the policy's topics."""
    mall, vid = _appointed()
    args = {"form": "phone", "notes": "n", "satisfaction": "satisfied", "confirmed_by": "T"}
    with pytest.raises(InvalidTransition, match="property_service, engineering"):
        mall.visits.complete(vid, actor=OPS, topics=["weather"], **args)
    with pytest.raises(InvalidTransition, match="at least one topic"):
        mall.visits.complete(vid, actor=OPS, topics=[], **args)
    assert set(Policy.seed().visits.topics) == {
        "property_service",
        "engineering",
        "security",
        "environment",
        "publicity",
        "promotion",
        "planning",
    }


def test_missed_and_cancelled_visits_are_rescheduled_and_stay_due() -> None:
    """Missed → rescheduled → appointed; cancelled → rescheduled; the due time stays."""
    mall, vid = _appointed()
    due = mall.get(vid).timer("due").due_at
    mall.visits.fire(vid, "miss", actor=OPS, reason="shop manager out")
    r = mall.visits.fire(vid, "reschedule", actor=OPS, planned_at=at(2026, 3, 5, 15))
    assert r.state == "planned"
    mall.visits.fire(vid, "cancel", actor=OPS, reason="tenant asked")
    with pytest.raises(InvalidTransition, match="not a working day"):
        mall.visits.fire(vid, "reschedule", actor=OPS, planned_at=at(2026, 3, 7, 15))
    r = mall.visits.fire(vid, "reschedule", actor=OPS, planned_at=at(2026, 3, 9, 15))
    assert r.fields["reschedules"] == 2
    assert r.timer("due").due_at == due
    with pytest.raises(PermissionDenied):
        mall.visits.fire(vid, "withdraw", actor=OPS, reason="x")
    assert mall.visits.fire(vid, "withdraw", actor=DM, reason="x").state == "withdrawn"
    assert mall.replay(vid) == mall.get(vid)


# -- F7 periodic account visits, and the policy's own checks ------------------------------------

F7 = Policy.from_dict({"visits": {"frequency": "account_age"}})


def test_f7_new_accounts_are_visited_monthly_older_ones_quarterly() -> None:
    """Under frequency=account_age a first-year account gets a visit a month, an older one
    a visit a quarter, and an account turning one changes pace at its anniversary."""
    mall = new_mall(policy=F7)
    old = tenant(mall, unit="O", lease_start="2019-01-01")
    new = tenant(mall, unit="N", lease_start="2026-03-10")
    turning = tenant(mall, unit="T", lease_start="2025-07-01")
    mall.visits.plan_year(2026, actor=OPS)

    def months(t: Record) -> list[int]:
        return [int(v.fields["planned_at"][5:7]) for v in mall.visits.plan(2026, tenant=t.id)]

    assert months(old) == [2, 5, 8, 11]  # one per quarter
    assert months(new) == list(range(3, 13))  # monthly from March
    assert months(turning)[:6] == [1, 2, 3, 4, 5, 6]  # monthly until 2026-07-01
    assert len(months(turning)) == 8  # then 2 in the 6 months left
    assert mall.visits.required(mall.tenants.tenant(turning.id), 2026) == 8
    assert mall.visits.plan_year(2026, actor=OPS).created == ()


def test_f7_intervals_are_policy_data() -> None:
    """The seed follows V1 (frequency=tier); F7's intervals are policy keys."""
    seed = Policy.seed().visits
    assert (seed.frequency, seed.new_account_months) == ("tier", 12)
    assert (seed.new_account_every, seed.established_every) == (1, 3)
    half = Policy.from_dict({"visits": {"frequency": "account_age", "established_every": 6}})
    mall = new_mall(policy=half)
    t = tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    assert len(mall.visits.plan(2026, tenant=t.id)) == 2


@pytest.mark.parametrize(
    ("data", "key", "reason"),
    [
        (
            {"tiers": {"anchor": {"visits_per_year": 0}}},
            "visits.tiers.anchor.visits_per_year",
            "1..52",
        ),
        ({"proration": "weeks"}, "visits.proration", "not one of months, full"),
        ({"frequency": "daily"}, "visits.frequency", "not one of tier, account_age"),
        ({"established_every": 0}, "visits.established_every", "1..12"),
        ({"default_tier": "vip"}, "visits.default_tier", "not a tier"),
        ({"visiting_hours": ["18:00-09:00"]}, "visits.visiting_hours", "end after"),
        ({"meal_peaks": ["13:00-14:00", "11:00-12:00"]}, "visits.meal_peaks", "in order"),
        ({"visit_length": "2 working days"}, "visits.visit_length", "wall-clock"),
        ({"answer_within": "0 days"}, "visits.answer_within", "positive"),
        (
            {"topics": {"security": {"department": "bakery"}}},
            "visits.topics.security.department",
            "unknown department",
        ),
        (
            {"overdue": {"ladder": ["general_manager", "department_manager"]}},
            "visits.overdue.ladder[1]",
            "does not outrank",
        ),
        (
            {"answer_escalation": {"steps": ["1 day", "2 days"]}},
            "visits.answer_escalation.steps",
            "2 steps",
        ),
        ({"copy_to": "boss"}, "visits.copy_to", "unknown role"),
        ({"complaint_channel": "fax"}, "visits.complaint_channel", "unknown channel"),
        ({"visit_rate_target": 1.5}, "visits.visit_rate_target", "between 0 and 1"),
    ],
)
def test_bad_visit_policy_names_the_key(data: dict[str, object], key: str, reason: str) -> None:
    """A mistake in the visits policy fails at load, naming the dotted key and why."""
    with pytest.raises(PolicyError) as info:
        Policy.from_dict({"visits": data})
    assert info.value.key == key
    assert reason in str(info.value)


def test_visits_policy_round_trips() -> None:
    """The visits policy survives to_dict / from_dict."""
    policy = Policy.from_dict({"visits": {"frequency": "account_age"}, **YEARS_2027})
    assert Policy.from_dict(policy.to_dict()) == policy


def test_v2_a_tenant_turning_restaurant_gets_the_meal_peak_rule() -> None:
    """Open visits follow the tenant's new trade, so the meal peaks apply at once."""
    mall = new_mall()
    t = tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026)
    mall.tenants.update(t.id, actor=OPS, trade="restaurant", unit="F-9")
    synced = mall.get(v.id)
    assert (synced.fields["trade"], synced.location) == ("restaurant", "F-9")
    with pytest.raises(InvalidTransition, match="meal peaks"):
        mall.visits.appoint(v.id, actor=OPS, at=at(2026, 3, 3, 11), phoned=True)
    assert mall.replay(v.id) == synced


def test_v1_late_planning_packs_the_year_into_the_months_left() -> None:
    """Planned in November, an anchor store's 3 visits fall in November and December;
    a year already over cannot be planned and says which tenants it left out."""
    mall = new_mall(at(2026, 11, 2, 9))
    t = tenant(mall, tier="anchor")
    mall.visits.plan_year(2026, actor=OPS)
    months = [v.fields["planned_at"][5:7] for v in mall.visits.plan(2026, tenant=t.id)]
    assert len(months) == 3
    assert set(months) <= {"11", "12"}
    clock_of(mall).set(at(2026, 12, 31, 20))
    late = tenant(mall, unit="Z")
    assert mall.visits.plan_year(2026, actor=OPS).unplannable == (late.id,)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda m, v: m.visits.coverage("2026"), "year"),
        (lambda m, v: m.visits.plan_year(True, actor=OPS), "year"),
        (lambda m, v: m.visits.complete(v, actor=OPS, form="phone", topics="security",
                                        notes="n", satisfaction="fair", confirmed_by="x"),
         "topics"),
        (lambda m, v: m.visits.complete(v, actor=OPS, form="phone", topics=["security"],
                                        notes="n", satisfaction="fair", confirmed_by="x",
                                        suggestions=[{"topic": "security", "text": object()}]),
         "suggestions"),
        (lambda m, v: m.visits.appoint(v, actor=OPS, at="tomorrow", phoned=True), "at"),
        (lambda m, v: m.suggestions.summary(start="yesterday"), "start"),
    ],
)  # fmt: skip
def test_bad_input_raises_mallops_errors_and_changes_nothing(call: Any, field: str) -> None:
    """Wrong arguments raise ValidationError naming the field; no record changes."""
    mall, vid = _appointed()
    before = mall.query()
    with pytest.raises(ValidationError) as info:
        call(mall, vid)
    assert info.value.field == field
    assert mall.query() == before


def test_v3_an_extra_visit_outside_the_plan_counts_as_done() -> None:
    """schedule() adds a visit outside the plan; done, it counts in coverage (V7)."""
    mall = new_mall()
    t = tenant(mall)
    extra = mall.visits.schedule(t.id, actor=OPS, planned_at=at(2026, 1, 20, 10))
    assert extra.fields.get("plan_key") is None
    assert extra.timer("due").due_at == at(2026, 2, 1)  # type: ignore[union-attr]
    assert mall.visits.plan(2026) == []
    with pytest.raises(ValidationError, match="not a working day"):
        mall.visits.schedule(t.id, actor=OPS, planned_at=at(2026, 1, 24, 10))
    visit_done(mall, extra.id, at(2026, 1, 21, 10))
    cov = mall.visits.coverage(2026)
    assert (cov.tiers[1].required, cov.tiers[1].done, cov.rate) == (1, 1, 1.0)


def test_v1_no_extra_visit_after_the_tenant_left() -> None:
    """schedule() refuses a visit after the tenant's last day (left or lease ended)."""
    mall = new_mall()
    t = tenant(mall, lease_end="2026-06-30")
    with pytest.raises(ValidationError, match="last day") as info:
        mall.visits.schedule(t.id, actor=OPS, planned_at=at(2026, 7, 6, 10))
    assert info.value.field == "planned_at"
    mall.tenants.leave(t.id, actor=GM, left_on="2026-01-30", reason="moved out")
    with pytest.raises(ValidationError, match="last day"):
        mall.visits.schedule(t.id, actor=OPS, planned_at=at(2026, 2, 2, 10))
    assert mall.visits.query() == []
    assert mall.visits.schedule(t.id, actor=OPS, planned_at=at(2026, 1, 20, 10)).state == "planned"


def test_v1_a_tenant_leaving_later_keeps_its_visits_before_the_last_day() -> None:
    """Leaving at a later date withdraws only the visits after the last day, also on
    re-planning; a visit before it stays planned and can be done."""
    mall = new_mall()
    t = tenant(mall, tier="anchor")
    mall.visits.plan_year(2026, actor=OPS)
    clock_of(mall).set(at(2026, 1, 5, 9))
    mall.tenants.leave(t.id, actor=GM, left_on="2026-05-31", reason="lease terminated early")
    assert [v.state for v in mall.visits.plan(2026, tenant=t.id)] == [
        "planned",
        "withdrawn",
        "withdrawn",
    ]
    assert mall.visits.plan_year(2026, actor=OPS).dropped == ()
    first = mall.visits.plan(2026, tenant=t.id)[0]
    assert visit_done(mall, first.id, first.fields["planned_at"]).state == "done"
    assert mall.replay(first.id) == mall.get(first.id)


def test_v1_a_tenant_that_already_left_has_every_open_visit_withdrawn() -> None:
    """Once the last day is past, every open visit is withdrawn, also those before it."""
    mall = new_mall()
    t = tenant(mall, tier="anchor")
    mall.visits.plan_year(2026, actor=OPS)
    clock_of(mall).set(at(2026, 8, 3, 9))
    mall.tenants.leave(t.id, actor=GM, left_on="2026-07-31", reason="left without notice")
    assert [v.state for v in mall.visits.plan(2026, tenant=t.id)] == ["withdrawn"] * 3


def test_v1_no_visit_event_parameter_shadows_the_reason_of_fire() -> None:
    """No event of the visit workflow declares a parameter that fire() already takes
    (reason, actor), so every event can be fired with its parameters and a reason."""
    taken = {"reason", "actor", "record_id", "event"}
    for ev in (VISIT.create, *VISIT.events):
        assert not taken & {p.name for p in ev.params}, ev.name


def test_v1_plan_queries_refuse_bad_arguments() -> None:
    """plan() with a non-text tenant and required() with something that is no tenant
    raise a ValidationError naming the field; required() also takes a tenant's id."""
    mall = new_mall()
    t = tenant(mall, tier="anchor")
    with pytest.raises(ValidationError) as err:
        mall.visits.plan(2026, tenant=5)  # type: ignore[arg-type]
    assert err.value.field == "tenant"
    with pytest.raises(ValidationError) as err:
        mall.visits.required(None, 2026)  # type: ignore[arg-type]
    assert err.value.field == "tenant"
    with pytest.raises(ValidationError) as err:
        mall.visits.required(t.id, "2026")  # type: ignore[arg-type]
    assert err.value.field == "year"
    assert mall.visits.required(t.id, 2026) == mall.visits.required(Tenant.of(t), 2026) == 3


def test_v2_a_tenant_becoming_a_restaurant_has_its_visits_moved_out_of_meal_peaks() -> None:
    """A trade change to one with meal peaks moves planned visits inside a peak to the
    nearest allowed start of the same day; other visits stay where they were."""
    from mallops.workflows.visit_plan import VisitHours
    from mallops.workflows.visit_spec import slot_problem

    mall = new_mall()
    shops = [tenant(mall, unit=f"L1-{i:02d}", tier="anchor") for i in range(12)]
    mall.visits.plan_year(2026, actor=OPS)
    hours = VisitHours.of(mall.policy.visits)
    before = {v.id: v.fields["planned_at"] for v in mall.visits.query()}
    for t in shops:
        mall.tenants.update(t.id, actor=OPS, trade="restaurant")
    moved = 0
    for v in mall.visits.query():
        planned = pendulum.parse(v.fields["planned_at"])
        assert slot_problem(hours, mall.calendar, "restaurant", planned) is None, v.id
        assert planned.date().isoformat() == before[v.id][:10]
        moved += v.fields["planned_at"] != before[v.id]
        assert mall.replay(v.id) == v
    assert moved > 0
    assert mall.visits.plan_year(2026, actor=OPS).created == ()


def test_v1_a_shortened_lease_withdraws_the_visits_after_its_end() -> None:
    """Moving the lease end earlier withdraws the planned visits after it, with the
    reason; the visits before it stay planned."""
    mall = new_mall()
    t = tenant(mall, tier="anchor")
    mall.visits.plan_year(2026, actor=OPS)
    mall.tenants.update(t.id, actor=OPS, lease_end="2026-06-30")
    plan = mall.visits.plan(2026, tenant=t.id)
    assert [v.state for v in plan] == ["planned", "withdrawn", "withdrawn"]
    assert "2026-06-30" in plan[1].fields["withdrawn_because"]
    assert mall.visits.plan_year(2026, actor=OPS).created == ()


def test_v1_g11_a_plan_visit_for_an_id_that_is_no_tenant_is_refused() -> None:
    """Rule G11: a plan visit opened by hand for an id that names no tenant record is
    refused (RecordNotFound naming the parameter), and nothing is stored."""
    mall = new_mall()
    tenant(mall)
    with pytest.raises(RecordNotFound, match="tenant"):
        mall.visits.open(
            actor=OPS, tenant="T-999999", unit="X-1", trade="retail", tier="regular",
            year=2026, slot=1, plan_key="T-999999/2026/1", planned_at=at(2026, 3, 2, 10),
            due_at=at(2026, 4, 1),
        )  # fmt: skip
    assert mall.visits.query() == []
