"""Repair orders 报修: one test (or more) per rule R1-R8 and G8, each stating a behaviour."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from mallops import (
    DomainEvent,
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

from .conftest import CS_HEAD, DEPT_MANAGER, DESK, GM, STAFF, at
from .tenant_helpers import registered_tenant


def report(mall: Mall, **over: Any) -> Record:
    params: dict[str, Any] = {
        "actor": DESK,
        "source": "tenant",
        "tenant": registered_tenant(mall),
        "fault_type": "lighting",
        "location": "L2 shop 201",
        "description": "shop sign light is out",
        "reporter": "王芳",
        "contact": "13900000000",
    }
    params.update(over)
    return mall.repairs.report(**params)


def to_completed(mall: Mall, rid: str) -> Record:
    mall.repairs.fire(rid, "dispatch", actor=DESK, technician=STAFF.id)
    mall.repairs.fire(rid, "arrive", actor=STAFF)
    mall.repairs.fire(rid, "start", actor=STAFF)
    return mall.repairs.fire(rid, "complete", actor=STAFF, work_done="replaced the ballast")


def collect(mall: Mall) -> list[DomainEvent]:
    events: list[DomainEvent] = []
    mall.subscribe(events.append)
    return events


# -- R1 ------------------------------------------------------------------------------------------


def test_r1_fault_type_and_location_are_mandatory(mall: Mall) -> None:
    """A report without fault type or location is refused and nothing is stored."""
    with pytest.raises(ValidationError) as err:
        mall.repairs.open(
            actor=DESK, source="tenant", location="L1", description="x", fault_type=None
        )
    assert err.value.field == "fault_type"
    with pytest.raises(ValidationError) as err:
        mall.repairs.open(actor=DESK, source="tenant", fault_type="water", description="x")
    assert err.value.field == "location"
    assert mall.repairs.query() == []


def test_r1_sources_are_tenant_customer_staff_or_inspection(mall: Mall) -> None:
    """The source must be one the policy lists; the message names them."""
    for source in ("tenant", "customer", "staff", "inspection"):
        assert report(mall, source=source).fields["source"] == source
    with pytest.raises(ValidationError, match="tenant, customer, staff, inspection"):
        report(mall, source="passer-by")


def test_r1_a_fault_that_occurs_in_the_future_is_refused(mall: Mall) -> None:
    """occurred_at after now is refused naming the field; nothing is stored."""
    with pytest.raises(ValidationError, match="in the future") as err:
        report(mall, occurred_at=mall.now().add(days=3), major=True, plan="cut the power")
    assert err.value.field == "occurred_at"
    assert mall.repairs.query() == []
    earlier = report(mall, occurred_at=mall.now().subtract(hours=1))
    assert earlier.fields["occurred_at"] == mall.now().subtract(hours=1).isoformat()


def test_r1_unknown_fault_type_is_refused_with_the_list(mall: Mall) -> None:
    """An unknown fault type names the allowed ones."""
    with pytest.raises(ValidationError, match="water"):
        report(mall, fault_type="plumbing-ish")


# -- R2 ------------------------------------------------------------------------------------------


def test_r2_urgency_defaults_from_the_fault_type(mall: Mall) -> None:
    """Water and electricity are urgent by default; lighting is normal; an explicit urgency wins."""
    assert report(mall, fault_type="water").severity == "urgent"
    assert report(mall, fault_type="electricity").severity == "urgent"
    assert report(mall, fault_type="lighting").severity == "normal"
    assert report(mall, fault_type="lighting", urgency="urgent").severity == "urgent"


def test_r2_dispatch_names_a_technician_and_department(mall: Mall) -> None:
    """Dispatch hands the order to the technician (owner) in the fault type's department."""
    r = report(mall, fault_type="hvac")
    r = mall.repairs.fire(r.id, "dispatch", actor=DESK, technician="tech-9")
    assert (r.state, r.owner, r.department) == ("dispatched", "tech-9", "engineering")
    with pytest.raises(ValidationError, match="technician is required"):
        mall.repairs.fire(report(mall).id, "dispatch", actor=DESK)


def test_r2_dispatcher_queries_order_by_urgency_then_age(mall: Mall, clock: ManualClock) -> None:
    """Open orders come most urgent first, oldest first within an urgency; a technician's
    queue, waiting-for-parts and overdue lists are available."""
    a = report(mall, fault_type="lighting")
    clock.advance(minutes=1)
    b = report(mall, fault_type="water")
    clock.advance(minutes=1)
    c = report(mall, fault_type="civil")
    assert [r.id for r in mall.repairs.open_orders()] == [b.id, a.id, c.id]
    assert [r.id for r in mall.repairs.by_urgency()["normal"]] == [a.id, c.id]
    mall.repairs.fire(c.id, "dispatch", actor=DESK, technician="tech-7")
    mall.repairs.fire(a.id, "dispatch", actor=DESK, technician="tech-7")
    assert [r.id for r in mall.repairs.queue("tech-7")] == [a.id, c.id]
    tech7 = attrs.evolve(STAFF, id="tech-7")  # rule R2: the dispatched technician arrives
    mall.repairs.fire(a.id, "arrive", actor=tech7)
    mall.repairs.fire(a.id, "wait_parts", actor=tech7, note="ballast on order")
    assert [r.id for r in mall.repairs.waiting_for_parts()] == [a.id]
    clock.advance(minutes=20)  # b: urgent, 15 min; c: normal, 30 min, not yet
    assert [r.id for r in mall.repairs.overdue()] == [b.id]
    assert mall.repairs.age(b) == 21 * 60


def test_r2_dispatcher_queries_refuse_bad_arguments(mall: Mall) -> None:
    """A queue of no technician or an age of something that is no order raises a
    ValidationError (not TypeError or AttributeError); age also takes an order's id."""
    b = report(mall, fault_type="water")
    for bad in (None, 5, "  "):
        with pytest.raises(ValidationError) as err:
            mall.repairs.queue(bad)  # type: ignore[arg-type]
        assert err.value.field == "technician"
    with pytest.raises(ValidationError):
        mall.repairs.age(None)  # type: ignore[arg-type]
    assert mall.repairs.age(b.id) == mall.repairs.age(b) == 0


# -- R3 ------------------------------------------------------------------------------------------


def test_r3_urgent_response_is_15_minutes_others_30_on_the_wall_clock(mall: Mall) -> None:
    """The response deadline counts 24/7: 15 minutes for urgent, 30 for the others."""
    urgent = report(mall, fault_type="water")
    normal = report(mall, fault_type="lighting")
    now = mall.now()
    assert urgent.timer("response").due_at == now.add(minutes=15)
    assert normal.timer("response").due_at == now.add(minutes=30)


def test_r3_response_runs_at_night_and_on_holidays() -> None:
    """At 02:00 on National Day the urgent deadline is still 15 minutes later."""
    clock = ManualClock(at(2026, 10, 1, 2))
    mall = Mall(MemoryStore(), clock)
    r = report(mall, fault_type="electricity")
    assert r.timer("response").due_at == at(2026, 10, 1, 2, 15)


def test_r3_breach_escalates_along_the_repair_ladder(mall: Mall, clock: ManualClock) -> None:
    """Nobody on site: breach -> department manager, then property manager, general manager."""
    events = collect(mall)
    r = report(mall, fault_type="water")
    clock.advance(minutes=16)
    mall.tick()
    assert mall.get(r.id).escalated_to == "department_manager"
    clock.advance(hours=4)
    mall.tick()
    r = mall.get(r.id)
    assert [e.role for e in r.escalations] == [
        "department_manager",
        "property_manager",
        "general_manager",
    ]
    assert "timer_breached" in [e.type for e in events]


def test_r3_arrival_stops_the_response_timer(mall: Mall, clock: ManualClock) -> None:
    """On site in time: the response timer is met and nothing escalates later."""
    r = report(mall, fault_type="water")
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    clock.advance(minutes=10)
    r = mall.repairs.fire(r.id, "arrive", actor=STAFF)
    assert r.timer("response").status == "met"
    clock.advance(hours=5)
    mall.tick()
    assert mall.get(r.id).escalation_level == 0
    assert mall.repairs.overdue() == []


def test_r3_late_arrival_leaves_the_overdue_list(mall: Mall, clock: ManualClock) -> None:
    """A breached order is overdue until the technician arrives; the breach stays recorded."""
    r = report(mall, fault_type="water")
    clock.advance(minutes=20)
    mall.tick()
    assert [o.id for o in mall.repairs.overdue()] == [r.id]
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    r = mall.repairs.fire(r.id, "arrive", actor=STAFF)
    assert r.timer("response").status == "breached"
    assert mall.repairs.overdue() == []


def test_r3_urgency_change_recomputes_the_response_deadline(mall: Mall, clock: ManualClock) -> None:
    """Raising a normal order to urgent after 5 minutes leaves 10 minutes (recompute)."""
    r = report(mall, fault_type="lighting")
    clock.advance(minutes=5)
    r = mall.repairs.fire(r.id, "set_urgency", actor=DESK, urgency="urgent", reason="sparks")
    assert r.timer("response").due_at == clock.now().add(minutes=10)


# -- R4 ------------------------------------------------------------------------------------------


def test_r4_waiting_for_access_pauses_nothing_by_default(mall: Mall, clock: ManualClock) -> None:
    """With the seed policy the response timer keeps running while waiting for access."""
    r = report(mall, fault_type="lighting")
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    r = mall.repairs.fire(r.id, "wait_access", actor=STAFF, note="shop shutter closed")
    assert r.state == "waiting_access"
    assert r.timer("response").status == "running"


def test_r4_policy_can_pause_the_response_timer_while_waiting_for_access(
    clock: ManualClock,
) -> None:
    """A policy marking waiting_access as a pause moves the deadline by the waiting time."""
    policy = Policy.from_dict({"repairs": {"pauses": {"response": ["waiting_access"]}}})
    mall = Mall(MemoryStore(), clock, policy)
    r = report(mall, fault_type="lighting")
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    clock.advance(minutes=10)
    r = mall.repairs.fire(r.id, "wait_access", actor=STAFF, note="closed")
    assert r.timer("response").status == "paused"
    clock.advance(hours=2)
    mall.tick()
    assert mall.get(r.id).escalation_level == 0
    r = mall.repairs.fire(r.id, "arrive", actor=STAFF)
    assert r.timer("response").status == "met"


def test_r4_policy_pauses_only_waiting_states() -> None:
    """A pause in a non-waiting state is a policy error naming the key."""
    with pytest.raises(PolicyError) as err:
        Policy.from_dict({"repairs": {"pauses": {"response": ["in_progress"]}}})
    assert err.value.key == "repairs.pauses.response"


def test_r4_waiting_for_parts_and_resume(mall: Mall) -> None:
    """Waiting for parts is a state of its own; resume returns to the work."""
    r = report(mall)
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    mall.repairs.fire(r.id, "arrive", actor=STAFF)
    mall.repairs.fire(r.id, "start", actor=STAFF)
    r = mall.repairs.fire(r.id, "wait_parts", actor=STAFF, note="ballast ordered")
    assert r.state == "waiting_parts"
    assert mall.repairs.fire(r.id, "resume", actor=STAFF).state == "in_progress"


# -- G8 ------------------------------------------------------------------------------------------


def test_g8_committed_completion_time_is_a_timer_and_explained(
    mall: Mall, clock: ManualClock
) -> None:
    """A completion promised for tomorrow starts a commitment timer and tells the front desk
    to explain; missing it is a breach and the order is overdue."""
    events = collect(mall)
    r = report(mall)
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    mall.repairs.fire(r.id, "arrive", actor=STAFF)
    promised = at(2026, 10, 1, 12)
    r = mall.repairs.fire(r.id, "wait_parts", actor=STAFF, note="part", promised_by=promised)
    assert r.timer("commitment").due_at == promised
    notes = [e for e in events if e.type == "notify"]
    assert notes[-1].data["role"] == "front_desk"
    assert notes[-1].data["reason"] == "same_day:committed"
    clock.set(at(2026, 10, 1, 13))
    mall.tick()
    assert mall.get(r.id).timer("commitment").breached
    assert r.id in [o.id for o in mall.repairs.overdue()]


def test_g8_promised_time_must_be_in_the_future(mall: Mall) -> None:
    """A commitment in the past is refused and nothing changes."""
    r = report(mall)
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    r = mall.repairs.fire(r.id, "arrive", actor=STAFF)
    with pytest.raises(InvalidTransition, match="not in the future"):
        mall.repairs.fire(r.id, "commit_time", actor=STAFF, promised_by=at(2026, 9, 1, 10))
    assert mall.get(r.id) == r


# -- R5 ------------------------------------------------------------------------------------------


def test_r5_failed_inspection_goes_to_rework_until_it_passes(mall: Mall) -> None:
    """Every inspection round is kept; rework then re-inspection as often as needed."""
    r = report(mall, source="staff", tenant=None)
    to_completed(mall, r.id)
    for _ in range(3):
        r = mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=False, findings="dim")
        assert r.state == "rework"
        mall.repairs.fire(r.id, "complete", actor=STAFF, work_done="again")
    r = mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)
    assert r.state == "closed"  # internal work: no return visit (R6)
    assert [i["passed"] for i in r.fields["inspections"]] == [False, False, False, True]
    assert [h.event for h in r.history].count("inspect") == 4


def test_r5_rework_cap_escalates(mall: Mall) -> None:
    """The second failed inspection (seed cap) escalates to level 1."""
    r = report(mall)
    to_completed(mall, r.id)
    r = mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=False)
    assert r.escalation_level == 0
    mall.repairs.fire(r.id, "complete", actor=STAFF, work_done="again")
    r = mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=False)
    assert (r.escalation_level, r.escalations[-1].cause) == (1, "rework")


def test_r5_only_managers_inspect(mall: Mall) -> None:
    """The technician cannot accept their own work."""
    r = report(mall)
    to_completed(mall, r.id)
    with pytest.raises(PermissionDenied):
        mall.repairs.fire(r.id, "inspect", actor=STAFF, passed=True)


def test_r5_cannot_complete_and_cancel_need_a_reason(mall: Mall) -> None:
    """Both endings require a reason, which is kept."""
    r = report(mall)
    with pytest.raises(ValidationError, match="reason"):
        mall.repairs.fire(r.id, "cancel", actor=DESK)
    r = mall.repairs.fire(r.id, "cancel", actor=DESK, reason="duplicate of R-000002")
    assert (r.state, r.fields["end_reason"], r.is_open) == (
        "cancelled",
        "duplicate of R-000002",
        False,
    )
    r2 = report(mall)
    mall.repairs.fire(r2.id, "dispatch", actor=DESK, technician=STAFF.id)
    mall.repairs.fire(r2.id, "arrive", actor=STAFF)
    r2 = mall.repairs.fire(r2.id, "cannot_complete", actor=STAFF, reason="needs the landlord")
    assert r2.state == "cannot_complete"
    assert all(not t.active for t in r2.timers)


# -- R6 ------------------------------------------------------------------------------------------


def test_r6_external_repair_gets_a_return_visit_due_in_48_hours(mall: Mall) -> None:
    """Accepting a tenant's repair opens a return visit in the same commit, due in 48 h."""
    r = report(mall)
    to_completed(mall, r.id)
    r = mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)
    assert r.state == "accepted"
    (rv,) = mall.return_visits.of(r.id)
    assert rv.timer("due").due_at == mall.now().add(hours=48)
    assert rv.linked("return_visit_of") == (r.id,)


def test_r6_internal_work_needs_no_return_visit(mall: Mall) -> None:
    """Staff-reported work with no tenant closes on acceptance and has no return visit."""
    r = report(mall, source="staff", tenant=None)
    assert r.fields["external"] is False
    to_completed(mall, r.id)
    r = mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)
    assert r.state == "closed"
    assert mall.return_visits.of(r.id) == []


def test_r6_staff_report_for_a_tenant_is_external(mall: Mall) -> None:
    """A staff member reporting a tenant's fault makes it external (a tenant is behind it)."""
    assert (
        report(mall, source="staff", tenant=registered_tenant(mall, "L9-9")).fields["external"]
        is True
    )


def test_r6_external_order_closes_only_after_a_satisfied_return_visit(mall: Mall) -> None:
    """Accepted is not closed; the satisfied return visit closes it."""
    r = report(mall)
    to_completed(mall, r.id)
    mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)
    assert mall.get(r.id).is_open
    (rv,) = mall.return_visits.of(r.id)
    mall.return_visits.fire(
        rv.id, "visit", actor=DESK, method="phone", speed=5, result=5, attitude=5
    )
    assert mall.get(r.id).state == "closed"


# -- R7 ------------------------------------------------------------------------------------------


def test_r7_major_fault_reports_time_place_symptom_and_plan_at_once(mall: Mall) -> None:
    """A major fault emits one event to the managers in charge with the four facts."""
    events = collect(mall)
    r = report(
        mall,
        fault_type="electricity",
        location="B2 switch room",
        description="main breaker tripped, L1-L3 dark",
        major=True,
        plan="switch to backup feed, call the utility",
        occurred_at=at(2026, 9, 30, 9, 55),
    )
    (ev,) = [e for e in events if e.type == "major_fault"]
    assert ev.record_id == r.id
    assert ev.data["roles"] == ["department_manager", "property_manager"]
    assert ev.data["time"] == at(2026, 9, 30, 9, 55).isoformat()
    assert ev.data["place"] == "B2 switch room"
    assert ev.data["symptom"] == "main breaker tripped, L1-L3 dark"
    assert ev.data["plan"] == "switch to backup feed, call the utility"


def test_r7_major_fault_needs_a_plan(mall: Mall) -> None:
    """Without a plan a major report is refused and nothing is stored."""
    with pytest.raises(ValidationError, match="plan"):
        report(mall, major=True)
    assert mall.repairs.query() == []


def test_r7_an_order_can_be_declared_major_later(mall: Mall) -> None:
    """declare_major on an open order reports it with its plan."""
    events = collect(mall)
    r = report(mall)
    r = mall.repairs.fire(r.id, "declare_major", actor=GM, plan="close the floor")
    assert r.fields["major"] is True
    assert [e.data["plan"] for e in events if e.type == "major_fault"] == ["close the floor"]


# -- R8 ------------------------------------------------------------------------------------------


def test_r8_inspection_finding_opens_an_internal_order(mall: Mall) -> None:
    """A defect found on a planned inspection becomes an order that names the inspection."""
    r = mall.repairs.from_inspection(
        actor=CS_HEAD,
        inspection="PATROL-2026-09-30-B1",
        fault_type="fire_safety",
        location="B1 stair 3",
        description="extinguisher pressure low",
    )
    assert (r.fields["source"], r.fields["inspection"], r.severity) == (
        "inspection",
        "PATROL-2026-09-30-B1",
        "urgent",
    )
    assert r.fields["external"] is False


# -- G6 and errors ------------------------------------------------------------------------------


def test_replay_reproduces_a_repair_with_rework_and_reopen(mall: Mall, clock: ManualClock) -> None:
    """The whole lifecycle replays from history alone (G6)."""
    r = report(mall, fault_type="water")
    clock.advance(minutes=20)
    mall.tick()
    to_completed(mall, r.id)
    mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=False)
    mall.repairs.fire(r.id, "complete", actor=STAFF, work_done="again")
    mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)
    (rv,) = mall.return_visits.of(r.id)
    mall.return_visits.fire(
        rv.id, "visit", actor=DESK, method="phone", speed=2, result=2, attitude=2
    )
    assert mall.get(r.id).state == "rework"
    for rid in (r.id, rv.id):
        assert mall.replay(rid) == mall.get(rid)


def test_wrong_state_names_the_allowed_events(mall: Mall) -> None:
    """Completing a reported order is refused with what is possible instead."""
    r = report(mall)
    with pytest.raises(InvalidTransition) as err:
        mall.repairs.fire(r.id, "complete", actor=STAFF, work_done="x")
    assert "dispatch" in err.value.allowed
    assert mall.get(r.id) == r


def test_policy_errors_name_the_key() -> None:
    """Repair policy mistakes name the dotted key."""
    with pytest.raises(PolicyError) as err:
        Policy.from_dict({"repairs": {"fault_types": {"water": {"urgency": "asap"}}}})
    assert err.value.key == "repairs.fault_types.water.urgency"
    with pytest.raises(PolicyError) as err:
        Policy.from_dict({"repairs": {"major_report_to": ["boss"]}})
    assert err.value.key == "repairs.major_report_to[0]"
    with pytest.raises(PolicyError) as err:
        Policy.from_dict(
            {"repairs": {"ladder": ["general_manager", "department_manager", "cs_head"]}}
        )
    assert err.value.key == "repairs.ladder[1]"


def test_r2_fault_type_without_urgency_takes_the_default(clock: ManualClock) -> None:
    """A fault type with no urgency of its own gets the policy's default urgency."""
    policy = Policy.from_dict({"repairs": {"default_urgency": "urgent"}})
    mall = Mall(MemoryStore(), clock, policy)
    assert report(mall, fault_type="lighting").severity == "urgent"
    assert report(mall, fault_type="water").severity == "urgent"
