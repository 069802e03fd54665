"""Drills 应急演练 (rule E2): held per plan and recorded, the next one scheduled from
the plan's frequency, an overdue drill escalating."""

from __future__ import annotations

import pytest

from mallops import (
    Actor,
    ConflictError,
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
from mallops.operations.drill_spec import DrillPolicy
from mallops.report import build_report, month_period

from .conftest import DESK, GM, PROPERTY_MANAGER, STAFF, at

SEC = Actor("sec-mgr", "department_manager", "security")


def _fire_drill(mall: Mall, due: tuple[int, ...] = (2026, 10, 20, 18)) -> Record:
    return mall.drills.start(actor=SEC, plan="fire_evacuation", due_at=at(*due))


def test_E2_a_drill_not_held_by_its_due_time_falls_overdue_and_escalates(
    mall: Mall, clock: ManualClock
) -> None:
    """The due timer's breach fires the system event ``overdue`` (on_mark + follow) and
    tells level 1 of the drill ladder; the next level comes ``drills.steps`` later."""
    d = _fire_drill(mall)
    clock.set(at(2026, 10, 20, 17))
    mall.tick()
    assert mall.get(d.id).state == "scheduled"
    clock.set(at(2026, 10, 21, 9))
    types = [e.type for e in mall.tick()]
    assert types == ["timer_breached", "escalated", "transitioned"]
    d = mall.get(d.id)
    assert (d.state, d.escalated_to) == ("overdue", "property_manager")
    assert d.history[-1].event == "overdue"
    assert d.history[-1].at == at(2026, 10, 20, 18)
    clock.set(at(2026, 10, 28, 9))
    mall.tick()
    assert mall.get(d.id).escalated_to == "general_manager"
    assert mall.drills.overdue() == [mall.get(d.id)]


def test_E2_G10_a_drill_ticked_exactly_at_its_due_time_is_not_yet_overdue(
    mall: Mall, clock: ManualClock
) -> None:
    """G10: a breach happens only after the deadline, not at it. Found by the randomized
    operations machine (start, reschedule 200 h ahead, 200 h pass, tick)."""
    d = _fire_drill(mall, due=(2026, 10, 20, 18))
    clock.set(at(2026, 10, 12, 10))
    d = mall.drills.reschedule(d.id, actor=SEC, due_at=clock.now().add(hours=200), reason="改期")
    clock.set(clock.now().add(hours=200))
    mall.tick()
    assert mall.get(d.id).state == "scheduled"
    clock.set(clock.now().add(seconds=1))
    mall.tick()
    assert mall.get(d.id).state == "overdue"


def test_E2_holding_a_drill_records_it_and_schedules_the_next_in_the_same_batch(
    mall: Mall, clock: ManualClock
) -> None:
    """Date, participants and findings are recorded; the reaction schedules the plan's
    next drill one plan frequency after the day it was held, linked to this one."""
    d = _fire_drill(mall)
    clock.set(at(2026, 10, 16, 15))
    before = mall.store.counter("id:drill")
    held = mall.drills.hold(
        d.id,
        actor=STAFF,
        participants=120,
        findings="B1 疏散通道堆物",
        held_at=at(2026, 10, 16, 14),
        departments=["security", "engineering"],
    )
    assert held.state == "held"
    assert (held.fields["participants"], held.fields["findings"]) == (120, "B1 疏散通道堆物")
    assert held.fields["held_at"] == at(2026, 10, 16, 14).isoformat()
    assert held.fields["late"] is False
    assert mall.store.counter("id:drill") == before + 1
    (nxt,) = mall.drills.query(is_open=True)
    assert nxt.fields["due_at"] == at(2027, 4, 16, 14).isoformat()
    assert nxt.fields["previous"] == held.id
    assert nxt.links[0].record_id == held.id
    assert nxt.history[0].actor.id == "system"
    assert mall.replay(held.id) == held
    assert mall.replay(nxt.id) == nxt


def test_E2_a_drill_held_is_never_held_twice_nor_followed_twice(clock: ManualClock) -> None:
    """Two clerks on one store holding the same drill: one wins, the other gets a mallops
    error, and exactly one next drill exists."""
    store = MemoryStore()
    a = Mall(store=store, clock=clock)
    b = Mall(store=store, clock=clock)
    d = _fire_drill(a)
    a.drills.hold(d.id, actor=STAFF, participants=10, findings="ok")
    with pytest.raises((InvalidTransition, ConflictError)):
        b.drills.hold(d.id, actor=STAFF, participants=10, findings="ok")
    assert len(a.drills.query(is_open=True)) == 1
    for _ in range(3):
        a.tick()
        b.tick()
    assert len(a.drills.query()) == 2


def test_E2_one_open_drill_per_plan(mall: Mall) -> None:
    """A plan's schedule has one open drill: starting it again is refused."""
    _fire_drill(mall)
    with pytest.raises(ValidationError) as exc:
        _fire_drill(mall)
    assert exc.value.field == "plan"
    started = mall.drills.start_all(actor=GM)
    assert sorted(r.category for r in started) == ["flood", "lift_entrapment", "power_failure"]
    assert mall.drills.start_all(actor=GM) == []


def test_E2_bad_input_is_refused_and_changes_nothing(mall: Mall, clock: ManualClock) -> None:
    """A due time in the past, a drill held in the future, no participants, a clerk
    scheduling: mallops errors naming the field or role, nothing stored."""
    with pytest.raises(ValidationError) as exc:
        _fire_drill(mall, due=(2026, 9, 1, 9))
    assert exc.value.field == "due_at"
    with pytest.raises(PermissionDenied):
        mall.drills.start(actor=DESK, plan="flood", due_at=at(2026, 11, 1, 9))
    d = _fire_drill(mall)
    with pytest.raises(ValidationError) as exc:
        mall.drills.hold(d.id, actor=STAFF, participants=5, findings="x", held_at=at(2026, 12, 1))
    assert exc.value.field == "held_at"
    with pytest.raises(ValidationError) as exc:
        mall.drills.hold(d.id, actor=STAFF, participants=0, findings="x")
    assert exc.value.field == "participants"
    assert mall.get(d.id) == d
    assert len(mall.drills.query()) == 1


def test_E2_reschedule_needs_a_reason_and_restarts_the_clock(
    mall: Mall, clock: ManualClock
) -> None:
    """An overdue drill moved to a new date is scheduled again with a fresh due timer."""
    d = _fire_drill(mall, due=(2026, 10, 1, 9))
    clock.set(at(2026, 10, 2, 9))
    mall.tick()
    with pytest.raises(ValidationError, match="reason"):
        mall.drills.fire(d.id, "reschedule", actor=SEC, due_at=at(2026, 10, 30, 9))
    d = mall.drills.reschedule(d.id, actor=SEC, due_at=at(2026, 10, 30, 9), reason="国庆客流")
    assert d.state == "scheduled"
    assert d.timers[0].due_at == at(2026, 10, 30, 9)


def test_E2_the_frequency_is_policy_data(clock: ManualClock) -> None:
    """A plan of the user's own, held every 3 months, schedules its next one 3 months on;
    a working-time frequency is refused naming the key."""
    policy = Policy.from_dict(
        {"drills": {"plans": {"evac": {"zh": "疏散", "en": "evacuation", "every": "3 months"}}}},
        sections={"drills": DrillPolicy},
    )
    mall = Mall(store=MemoryStore(), clock=clock, policy=policy)
    d = mall.drills.start(actor=SEC, plan="evac", due_at=at(2026, 10, 9, 10))
    mall.drills.hold(d.id, actor=STAFF, participants=30, findings="ok")
    (nxt,) = mall.drills.query(is_open=True)
    assert nxt.fields["due_at"] == at(2026, 12, 30, 10).isoformat()
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict(
            {"drills": {"plans": {"evac": {"every": "5 working days"}}}},
            sections={"drills": DrillPolicy},
        )
    assert exc.value.key == "drills.plans.evac.every"


def test_E2_report_shows_drills_held_and_overdue(mall: Mall, clock: ManualClock) -> None:
    """Per plan: drills held in the period with participants, overdue at its end, the
    next due date; a plan without a drill scheduled is named."""
    fire = _fire_drill(mall, due=(2026, 10, 10, 9))
    lift = mall.drills.start(actor=SEC, plan="lift_entrapment", due_at=at(2026, 10, 20, 9))
    clock.set(at(2026, 10, 12, 10))
    mall.drills.hold(fire.id, actor=STAFF, participants=80, findings="广播不清")
    clock.set(at(2026, 11, 1, 10))
    mall.tick()
    assert mall.get(lift.id).state == "overdue"
    report = build_report(mall, *month_period("2026-10", mall), lang="en")
    table = report.table("drills_by_plan")
    assert table is not None
    rows = dict(zip(table.keys, table.rows, strict=True))
    assert rows["fire_evacuation"][1:] == (1, 80, 1, 0, "2027-04-12")
    assert rows["lift_entrapment"][1:] == (0, 0, 0, 1, None)
    section = report.section("drills")
    assert section is not None
    assert any("lift-rescue drill: due by 2026-10-20, overdue" in n for n in section.notes)
    assert any("flood and typhoon drill: no drill scheduled" in n for n in section.notes)
    kpi = next(k for k in report.kpis if k.key == "drills_overdue")
    assert kpi.value == 1
    assert kpi.met is False
    zh = build_report(mall, *month_period("2026-10", mall), lang="zh")
    assert zh.table("drills_by_plan").rows[0][0] == "消防疏散演练"


def test_E2_G5_who_may_fire_each_event(mall: Mall) -> None:
    """Role x event: anyone records a drill held; managers schedule, move and cancel."""
    d = _fire_drill(mall)
    assert "hold" in mall.drills.allowed_events(d, DESK)
    assert "reschedule" not in mall.drills.allowed_events(d, STAFF)
    assert {"hold", "reschedule", "cancel"} <= set(mall.drills.allowed_events(d, PROPERTY_MANAGER))
    assert "overdue" not in mall.drills.allowed_events(d, GM)
