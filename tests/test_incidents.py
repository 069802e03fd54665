"""Emergencies 突发事件 (rule E1): incidents run on their policy plan, opening at once,
telling the general manager at registration, steps in order with who and when, progress
notices to the affected tenants on the durable feed, closing with a review."""

from __future__ import annotations

from typing import Any

import pytest

from mallops import (
    InvalidTransition,
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    PolicyError,
    ValidationError,
)
from mallops.operations.incident_policy import IncidentPolicy
from mallops.report import build_report, month_period

from .conftest import CS_HEAD, DEPT_MANAGER, DESK, GM, PROPERTY_MANAGER, STAFF

STEPS = ["comfort", "call_maintainer", "rescue", "stop_lift", "restore"]


def _lift(mall: Mall, **kw: Any) -> Any:
    params: dict[str, Any] = {
        "type": "lift_entrapment",
        "location": "3F 观光电梯",
        "description": "两人被困",
        "tenants": ["T-0301", "T-0302"],
    }
    return mall.incidents.register(actor=DESK, **(params | kw))


def _notices(mall: Mall) -> list[Any]:
    return [f.event for f in mall.store.events_since(0) if f.event.type == "incident_notice"]


def test_E1_incident_opens_at_once_on_its_plan_and_tells_the_general_manager(
    mall: Mall,
) -> None:
    """Registration copies the type's ordered steps, escalates straight to the general
    manager (as C14), notifies the plan's roles and calls out its first department."""
    inc = _lift(mall)
    assert inc.state == "responding"
    assert [s["key"] for s in inc.fields["steps"]] == STEPS
    assert all(s["status"] == "pending" for s in inc.fields["steps"])
    assert inc.escalated_to == "general_manager"
    assert inc.escalations[-1].cause == "registration"
    assert inc.department == "engineering"
    told = [f.event for f in mall.store.events_since(0) if f.event.type == "notify"]
    assert {e.data["role"] for e in told} == {
        "general_manager",
        "property_manager",
        "department_manager",
    }
    assert all(e.data["reason"] == "incident:lift_entrapment" for e in told)


def test_E1_steps_are_taken_in_order_with_who_and_when(mall: Mall, clock: ManualClock) -> None:
    """A step out of order is refused (naming the next one) and changes nothing; each step
    records who took it and when."""
    inc = _lift(mall)
    with pytest.raises(InvalidTransition, match="next step is 'comfort'"):
        mall.incidents.step(inc.id, "rescue", actor=STAFF)
    with pytest.raises(InvalidTransition, match="not in the lift_entrapment plan"):
        mall.incidents.step(inc.id, "evacuate", actor=STAFF)
    assert mall.get(inc.id) == inc
    clock.advance(minutes=4)
    inc = mall.incidents.step(inc.id, "comfort", actor=STAFF, note="对讲安抚")
    first = inc.fields["steps"][0]
    assert (first["status"], first["by"], first["note"]) == ("done", STAFF.id, "对讲安抚")
    assert first["at"] == clock.now().isoformat()
    assert mall.incidents.response_times(inc).first_step == 240


def test_E1_a_skipped_step_needs_a_reason_and_a_manager(mall: Mall) -> None:
    """Skipping a step is a manager's decision with a reason; the reason is kept."""
    inc = _lift(mall)
    mall.incidents.step(inc.id, "comfort", actor=STAFF)
    with pytest.raises(ValidationError, match="reason"):
        mall.incidents.fire(inc.id, "skip_step", actor=DEPT_MANAGER, step="call_maintainer")
    with pytest.raises(PermissionDenied):
        mall.incidents.skip_step(inc.id, "call_maintainer", actor=STAFF, reason="在场")
    inc = mall.incidents.skip_step(inc.id, "call_maintainer", actor=DEPT_MANAGER, reason="在场")
    step = inc.fields["steps"][1]
    assert (step["status"], step["reason"], step["by"]) == ("skipped", "在场", DEPT_MANAGER.id)


def test_E1_progress_notices_reach_the_affected_tenants_on_the_durable_feed(
    mall: Mall,
) -> None:
    """The first notice at registration, each ``notify`` and the stand-down are
    ``incident_notice`` events naming the tenants, kept in the store's feed (G6)."""
    inc = _lift(mall, notice="3F 观光电梯暂停使用")
    mall.incidents.notify(inc.id, "救援进行中", actor=DESK)
    mall.incidents.notify(inc.id, "请 T-0401 暂停卸货", actor=DESK, tenants=["T-0401"])
    for key in STEPS:
        mall.incidents.step(inc.id, key, actor=STAFF)
    inc = mall.incidents.stand_down(inc.id, actor=DEPT_MANAGER)
    notices = _notices(mall)
    assert [n.data["message"] for n in notices][:2] == ["3F 观光电梯暂停使用", "救援进行中"]
    assert [n.data["tenants"] for n in notices] == [
        ["T-0301", "T-0302"],
        ["T-0301", "T-0302"],
        ["T-0401"],
        ["T-0301", "T-0302", "T-0401"],
    ]
    assert all(n.record_id == inc.id for n in notices)
    assert len(inc.fields["notices"]) == 4


def test_E1_stands_down_when_every_step_is_settled_and_closes_with_a_review(
    mall: Mall, clock: ManualClock
) -> None:
    """Stand-down needs the whole plan done or skipped; the review (by a reviewing role)
    closes the incident; replay rebuilds it (G6)."""
    inc = _lift(mall)
    mall.incidents.step(inc.id, "comfort", actor=STAFF)
    with pytest.raises(InvalidTransition, match="call_maintainer"):
        mall.incidents.stand_down(inc.id, actor=DEPT_MANAGER)
    for key in STEPS[1:]:
        mall.incidents.step(inc.id, key, actor=STAFF)
    mall.incidents.stand_down(inc.id, actor=DEPT_MANAGER)
    clock.advance(hours=1)
    with pytest.raises(PermissionDenied, match="review"):
        mall.incidents.review(inc.id, actor=DEPT_MANAGER, summary="ok")
    inc = mall.incidents.review(inc.id, actor=PROPERTY_MANAGER, summary="ok", cause="门锁回路")
    assert inc.state == "closed"
    assert not inc.is_open
    assert inc.fields["review"]["cause"] == "门锁回路"
    assert mall.incidents.response_times(inc).closed == 3600
    assert mall.replay(inc.id) == inc


def test_E1_a_false_alarm_closes_with_a_reason(mall: Mall) -> None:
    """A false alarm closes at once, saying why, and the tenants are told."""
    inc = _lift(mall)
    with pytest.raises(ValidationError, match="reason"):
        mall.incidents.fire(inc.id, "false_alarm", actor=GM)
    inc = mall.incidents.false_alarm(inc.id, actor=GM, reason="传感器误报")
    assert inc.state == "closed"
    assert inc.fields["false_alarm"] is True
    assert "传感器误报" in _notices(mall)[-1].data["message"]


def test_E1_first_step_timer_breaches_when_nobody_acts_in_time(
    mall: Mall, clock: ManualClock
) -> None:
    """No step within ``incidents.first_step_within`` breaches the response timer."""
    inc = _lift(mall)
    clock.advance(minutes=16)
    assert "timer_breached" in [e.type for e in mall.tick()]
    inc = mall.incidents.step(inc.id, "comfort", actor=STAFF)
    assert inc.timers[0].status == "breached"


def test_E1_the_plans_are_policy_data(clock: ManualClock) -> None:
    """A type of the user's own, with its own steps and roles, runs like the seed ones."""
    policy = Policy.from_dict(
        {
            "incidents": {
                "types": {
                    "escalator": {
                        "zh": "扶梯夹伤",
                        "en": "escalator injury",
                        "notify": ["cs_head"],
                        "departments": ["security"],
                        "steps": {
                            "stop": {"zh": "急停", "en": "emergency stop"},
                            "aid": {"zh": "急救", "en": "first aid"},
                        },
                    }
                },
                "first_step_within": "5 minutes",
            }
        },
        sections={"incidents": IncidentPolicy},
    )
    mall = Mall(store=MemoryStore(), clock=clock, policy=policy)
    inc = mall.incidents.register(
        actor=DESK, type="escalator", location="1F 扶梯", description="儿童手指夹伤"
    )
    assert [s["key"] for s in inc.fields["steps"]] == ["stop", "aid"]
    assert inc.department == "security"
    assert inc.timers[0].allowance == 300


def test_E1_bad_input_names_the_field_and_stores_nothing(mall: Mall) -> None:
    """An unknown type or a missing field is a ValidationError naming it; nothing stored."""
    with pytest.raises(ValidationError) as exc:
        _lift(mall, type="earthquake")
    assert exc.value.field == "type"
    assert "fire" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        mall.incidents.register(actor=DESK, type="fire", location="B1", description=" ")
    assert exc.value.field == "description"
    assert mall.incidents.query() == []


def test_E1_policy_mistakes_name_the_key() -> None:
    """A report_to role missing from the ladder or a plan without steps is refused."""
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict(
            {"incidents": {"report_to": "cs_head"}}, sections={"incidents": IncidentPolicy}
        )
    assert exc.value.key == "incidents.report_to"
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict(
            {"incidents": {"types": {"x": {"zh": "x", "en": "x"}}}},
            sections={"incidents": IncidentPolicy},
        )
    assert exc.value.key == "incidents.types.x.steps"


ROLES = {
    "step": {"front_desk", "staff", "department_manager", "cs_head", "property_manager"},
    "skip_step": {"department_manager", "cs_head", "property_manager", "general_manager"},
    "stand_down": {"department_manager", "cs_head", "property_manager", "general_manager"},
    "false_alarm": {"department_manager", "cs_head", "property_manager", "general_manager"},
}


@pytest.mark.parametrize("event", sorted(ROLES))
def test_E1_G5_who_may_fire_each_event(mall: Mall, event: str) -> None:
    """Role x event: only the listed roles may fire each incident event (G5)."""
    inc = _lift(mall)
    for actor in (DESK, STAFF, DEPT_MANAGER, CS_HEAD, PROPERTY_MANAGER, GM):
        allowed = event in mall.incidents.allowed_events(inc, actor)
        assert allowed == (actor.role in ROLES[event] or actor.role == "general_manager"), (
            event,
            actor.role,
        )


def test_E1_report_counts_incidents_by_type_with_response_times(
    mall: Mall, clock: ManualClock
) -> None:
    """The report section lists incidents by type with the median minutes to the first
    step and to closing, and the share whose first step came in time."""
    inc = _lift(mall)
    clock.advance(minutes=10)
    for key in STEPS:
        mall.incidents.step(inc.id, key, actor=STAFF)
    mall.incidents.stand_down(inc.id, actor=GM)
    clock.advance(minutes=50)
    mall.incidents.review(inc.id, actor=GM, summary="ok")
    fire = mall.incidents.register(actor=DESK, type="fire", location="B1", description="烟雾")
    mall.incidents.false_alarm(fire.id, actor=GM, reason="烧烤油烟")
    report = build_report(mall, *month_period("2026-09", mall), lang="en")
    table = report.table("incidents_by_type")
    assert table is not None
    assert table.keys == ("fire", "lift_entrapment")
    assert table.rows[1] == ("lift entrapment", 1, 0, 0, 1, 10.0, 60.0)
    assert table.rows[0][3] == 1  # the false alarm
    kpi = next(k for k in report.kpis if k.key == "incident_first_step_in_time")
    assert (kpi.value, kpi.basis) == (1.0, "1/1")
    zh = build_report(mall, *month_period("2026-09", mall), lang="zh")
    assert zh.table("incidents_by_type").rows[1][0] == "电梯困人"  # type: ignore[union-attr]


def test_E1_a_plan_naming_an_unknown_department_is_refused_at_registration(
    clock: ManualClock,
) -> None:
    """A plan calling out a department the mall does not have cannot run: registration
    says which policy key is wrong and stores nothing."""
    policy = Policy.from_dict(
        {
            "incidents": {
                "types": {"fire": {"departments": ["fire_brigade"], "steps": {"a": {"zh": "甲"}}}}
            }
        },
        sections={"incidents": IncidentPolicy},
    )
    mall = Mall(store=MemoryStore(), clock=clock, policy=policy)
    with pytest.raises(ValidationError, match=r"incidents\.types\.fire\.departments"):
        mall.incidents.register(actor=DESK, type="fire", location="B1", description="烟")
    assert mall.incidents.query() == []
