"""Outage notices 停电/停水通知 (rule O4, 001 4.10), a shipped plug-in (mall.outages).

Every affected tenant is notified at least N working days before a planned cut
(backward arithmetic on the business calendar, G9/G10); acknowledgements are tracked
per tenant and a missing one escalates; the cut starts by itself and its end is
reported.  A cut planned too late is refused unless it is an emergency cut.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
import pytest

from mallops import (
    Actor,
    CalendarError,
    InvalidTransition,
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    PolicyError,
    ValidationError,
)
from mallops.diagrams import mermaid
from mallops.frontdesk.outage_policy import OutagePolicy
from mallops.frontdesk.outage_spec import OUTAGE
from mallops.frontdesk.outages import OutageService
from mallops.report import build_report, month_period

from .conftest import DESK, GM, STAFF, at

ROOT = Path(__file__).resolve().parent.parent
CUT = at(2026, 10, 12, 10)  # Monday; Saturday 10-10 is an adjusted working day (调休)
TENANTS = ["T-000001", "T-000002", "T-000003"]


def make(now: pendulum.DateTime, policy: Policy | None = None) -> tuple[Mall, ManualClock]:
    clock = ManualClock(now)
    return Mall(MemoryStore(), clock, policy or Policy.seed()), clock


def plan(mall: Mall, **kw: Any) -> Any:
    params: dict[str, Any] = {
        "utility": "power",
        "area": "B1 美食广场",
        "starts_at": CUT,
        "ends_at": CUT.add(hours=4),
        "tenants": TENANTS,
        "description": "配电柜检修",
    }
    params.update(kw)
    svc: OutageService = mall.outages
    return svc.plan(actor=STAFF, **params)


def test_o4_notice_deadline_counts_working_days_backwards() -> None:
    """Rule O4 (G9, G10): the notice is due 2 working days before the cut, counted
    backwards on the calendar: before Monday 10-12 10:00 come the adjusted working
    Saturday 10-10 and Friday 10-09, so the tenants are told by Friday 10:00; the
    acknowledgement is due 1 working day before (Saturday 10:00)."""
    mall, _ = make(at(2026, 10, 8, 10))
    o = plan(mall)
    assert o.state == "planned"
    assert o.fields["notice_due"] == at(2026, 10, 9, 10).isoformat()
    assert o.fields["acknowledge_due"] == at(2026, 10, 10, 10).isoformat()
    assert o.timer("notice").due_at == at(2026, 10, 9, 10)
    assert o.timer("acknowledgement").due_at == at(2026, 10, 10, 10)
    assert o.location == "B1 美食广场"
    assert o.department == "engineering"
    assert o.fields["notices"] == {t: {} for t in TENANTS}
    assert mall.calendar.working_time_between(at(2026, 10, 9, 10), CUT) == 2 * 8 * 3600


def test_o4_a_cut_planned_too_late_is_refused_naming_starts_at() -> None:
    """Rule O4: when the notice deadline has passed at planning time the cut is refused
    with a ValidationError naming ``starts_at``; nothing is stored."""
    mall, _ = make(at(2026, 10, 9, 10, 0, 1))  # one second past Friday's deadline
    with pytest.raises(ValidationError) as err:
        plan(mall)
    assert err.value.field == "starts_at"
    assert "2 working days" in str(err.value)
    assert "emergency" in str(err.value)
    assert mall.query() == []
    mall, _ = make(at(2026, 10, 9, 10))  # exactly at the deadline: still in time
    assert plan(mall).state == "planned"


def test_o4_an_emergency_cut_goes_ahead_and_says_so_in_the_history() -> None:
    """Rule O4: an emergency cut may be announced late; it needs a reason and its
    creating history entry records the short notice (required-by time and policy)."""
    mall, _ = make(at(2026, 10, 12, 8))
    with pytest.raises(ValidationError) as err:
        plan(mall, emergency=True)
    assert err.value.field == "emergency_reason"
    events: list[Any] = []
    mall.subscribe(events.append)
    o = plan(mall, emergency=True, emergency_reason="水泵房漏水，须立即断电抢修")
    created = o.history[0]
    assert created.data["emergency"] is True
    assert created.data["emergency_reason"] == "水泵房漏水，须立即断电抢修"
    assert o.fields["short_notice"] == {
        "required_by": at(2026, 10, 9, 10).isoformat(),
        "notice_before": "2 working days",
    }
    assert "short_notice" in [e.type for e in events]
    # notices and acknowledgements are then due by the start itself
    assert o.timer("notice").due_at == CUT
    assert o.timer("acknowledgement").due_at == CUT
    assert mall.replay(o.id) == o


def test_o4_each_tenant_notified_and_acknowledged() -> None:
    """Rule O4: notices and acknowledgements are kept per tenant (who, when, how, in
    time or not); the outage is notified when every tenant was told and acknowledged
    when every tenant confirmed."""
    mall, clock = make(at(2026, 10, 8, 10))
    svc: OutageService = mall.outages
    o = plan(mall)
    o = svc.notify(o.id, actor=DESK, tenants=["T-000001"], method="phone")
    assert o.state == "planned"
    clock.set(at(2026, 10, 9, 11))  # after the notice deadline
    o = svc.notify(o.id, actor=DESK)
    assert o.state == "notified"
    notices = o.fields["notices"]
    assert notices["T-000001"]["method"] == "phone"
    assert notices["T-000001"]["in_time"] is True
    assert notices["T-000002"]["in_time"] is False
    assert notices["T-000002"]["method"] == "written_notice"
    assert notices["T-000003"]["notified_by"] == DESK.id
    for t in TENANTS[:2]:
        o = svc.acknowledge(o.id, actor=DESK, tenant=t, acknowledged_by="店长")
    assert o.state == "notified"
    assert svc.unacknowledged(o.id) == ["T-000003"]
    o = svc.acknowledge(o.id, actor=DESK, tenant="T-000003")
    assert o.state == "confirmed"
    assert not o.timer("acknowledgement").active
    assert o.fields["notices"]["T-000001"]["acknowledged_by"] == "店长"
    assert mall.replay(o.id) == o


def test_o4_late_notice_and_missing_acknowledgement_escalate() -> None:
    """Rule O4: tenants not notified by the notice deadline escalate the outage one
    level; tenants not acknowledged by the acknowledgement deadline escalate it again,
    and the outage lists them."""
    mall, clock = make(at(2026, 10, 8, 10))
    svc: OutageService = mall.outages
    o = plan(mall)
    svc.notify(o.id, actor=DESK, tenants=["T-000001", "T-000002"])
    svc.acknowledge(o.id, actor=DESK, tenant="T-000001")
    clock.set(at(2026, 10, 10, 11))
    mall.tick()
    o = mall.get(o.id)
    assert o.fields["late_notices"] == ["T-000003"]
    assert o.fields["overdue_acknowledgements"] == ["T-000002", "T-000003"]
    assert [(e.level, e.role, e.cause) for e in o.escalations] == [
        (1, "department_manager", "timer:notice"),
        (2, "property_manager", "timer:acknowledgement"),
    ]


def test_o4_the_cut_starts_by_itself_and_its_end_is_reported() -> None:
    """Rule O4: at its planned start the cut begins by itself (tenants still
    unacknowledged recorded); its end is reported with the real end time and the
    overrun; an end not reported in time escalates."""
    mall, clock = make(at(2026, 10, 8, 10))
    svc: OutageService = mall.outages
    o = plan(mall)
    svc.notify(o.id, actor=DESK)
    for t in TENANTS:
        svc.acknowledge(o.id, actor=DESK, tenant=t)
    clock.set(CUT.add(minutes=5))
    mall.tick()
    o = mall.get(o.id)
    assert o.state == "in_progress"
    assert o.fields["began_at"] == CUT.isoformat()
    assert "unacknowledged_at_start" not in o.fields
    assert o.escalation_level == 0
    assert o.timer("end").due_at == CUT.add(hours=5)  # planned end + 1 h
    clock.set(CUT.add(hours=5, minutes=1))
    mall.tick()
    assert mall.get(o.id).escalations[-1].cause == "timer:end"
    o = svc.restore(o.id, actor=STAFF, ended_at=CUT.add(hours=4, minutes=30), note="已恢复")
    assert o.state == "restored"
    assert o.fields["overrun_minutes"] == 30
    assert mall.replay(o.id) == o
    with pytest.raises(InvalidTransition):
        svc.restore(o.id, actor=STAFF)


def test_o4_bad_end_time_and_cancel() -> None:
    """Rule O4: an end outside the cut is refused naming ``ended_at``; a cut not
    started is cancelled with a reason, listing the tenants who must be told."""
    mall, clock = make(at(2026, 10, 8, 10))
    svc: OutageService = mall.outages
    o = plan(mall)
    svc.notify(o.id, actor=DESK, tenants=["T-000002"])
    cancelled = svc.cancel(o.id, actor=GM, reason="检修改期")
    assert cancelled.state == "cancelled"
    assert cancelled.fields["tell_cancelled"] == ["T-000002"]
    assert not any(t.active for t in cancelled.timers)
    o = plan(mall)
    clock.set(CUT.add(hours=1))
    mall.tick()
    with pytest.raises(ValidationError) as err:
        svc.restore(o.id, actor=STAFF, ended_at=CUT.subtract(hours=1))
    assert err.value.field == "ended_at"
    assert mall.get(o.id).state == "in_progress"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"utility": "steam"}, "utility"),
        ({"ends_at": CUT}, "ends_at"),
        ({"tenants": []}, "tenants"),
        ({"tenants": ["T-1", "T-1"]}, "tenants"),
        ({"tenants": "T-1"}, "tenants"),
        ({"starts_at": at(2026, 10, 7, 10)}, "starts_at"),  # in the past
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"department": "kitchen"}, "department"),
        ({"area": ""}, "area"),
    ],
)
def test_o4_bad_plans_name_the_field_and_change_nothing(params: dict[str, Any], field: str) -> None:
    """Bad input to a planned cut is a ValidationError naming the field; nothing is stored."""
    mall, _ = make(at(2026, 10, 8, 10))
    with pytest.raises(ValidationError) as err:
        plan(mall, **params)
    assert err.value.field == field
    assert mall.query() == []


def test_o4_bad_notices_and_acknowledgements() -> None:
    """Rule O4: notifying a tenant not affected or already told, acknowledging before
    the notice or twice: ValidationError naming the field; the record is unchanged."""
    mall, _ = make(at(2026, 10, 8, 10))
    svc: OutageService = mall.outages
    o = plan(mall)
    svc.notify(o.id, actor=DESK, tenants=["T-000001"])
    before = mall.get(o.id)
    cases = [
        (lambda: svc.notify(o.id, actor=DESK, tenants=["T-9"]), "tenants"),
        (lambda: svc.notify(o.id, actor=DESK, tenants=["T-000001"]), "tenants"),
        (lambda: svc.notify(o.id, actor=DESK, tenants="T-000002"), "tenants"),  # type: ignore[arg-type]
        (lambda: svc.notify(o.id, actor=DESK, method="pigeon"), "method"),
        (lambda: svc.acknowledge(o.id, actor=DESK, tenant="T-000002"), "tenant"),
        (lambda: svc.acknowledge(o.id, actor=DESK, tenant="T-9"), "tenant"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.field == field
        assert mall.get(o.id) == before
    svc.acknowledge(o.id, actor=DESK, tenant="T-000001")
    with pytest.raises(ValidationError):
        svc.acknowledge(o.id, actor=DESK, tenant="T-000001")


@pytest.mark.parametrize(
    ("event", "actor", "params"),
    [
        ("cancel", DESK, {"reason": "x"}),  # managers call a cut off
        ("begin", GM, {}),  # the cut starts by itself (system)
    ],
)
def test_o4_roles_per_event(event: str, actor: Actor, params: dict[str, Any]) -> None:
    """Rule O4 (G5): who may fire each event; a refused actor changes nothing."""
    mall, _ = make(at(2026, 10, 8, 10))
    o = plan(mall)
    with pytest.raises((PermissionDenied, InvalidTransition)):
        mall.fire(o.id, event, actor=actor, **params)
    assert mall.get(o.id) == o


def test_o4_the_policy_sets_the_numbers() -> None:
    """Rule O4: the notice period and the utilities are policy data (tables merge onto
    the defaults); mistakes name the dotted key."""
    policy = Policy.from_dict(
        {"outages": {"notice_before": "3 working days", "utilities": {"gas": {"zh": "停燃气"}}}},
        sections={"outages": OutagePolicy},
    )
    section = policy.section("outages", OutagePolicy)
    assert section.utilities["gas"].en == "gas cut"
    assert set(section.utilities) == {"power", "water", "gas"}
    with pytest.raises(PolicyError) as err:
        Policy.from_dict(
            {"outages": {"utilities": {"steam": {"zh": "停汽"}}}},
            sections={"outages": OutagePolicy},
        )
    assert err.value.key == "outages.utilities.steam"
    mall, _ = make(at(2026, 10, 8, 11), policy)
    with pytest.raises(ValidationError) as verr:
        plan(mall)  # 3 working days before Monday 10:00 was Thursday 10-08 10:00
    assert verr.value.field == "starts_at"
    tuesday = CUT.add(days=1)
    o = plan(mall, starts_at=tuesday, ends_at=tuesday.add(hours=2))
    assert o.fields["notice_due"] == at(2026, 10, 9, 10).isoformat()


def test_o4_a_year_without_holiday_data_plans_provisionally_or_refuses() -> None:
    """Rule O4 (G9): a cut in a year without holiday data is planned by the fallback
    rule (weekends off) under ``calendar.missing_year = "fallback"``; under "refuse" the
    CalendarError names the year."""
    mall, _ = make(at(2027, 3, 1, 10))
    start = at(2027, 3, 10, 10)  # Wednesday
    o = plan(mall, starts_at=start, ends_at=start.add(hours=2))
    assert o.fields["notice_due"] == at(2027, 3, 8, 10).isoformat()
    strict = Policy.from_dict({"calendar": {"missing_year": "refuse"}})
    mall, _ = make(at(2027, 3, 1, 10), strict)
    with pytest.raises(CalendarError):
        plan(mall, starts_at=start, ends_at=start.add(hours=2))
    assert mall.query() == []


def test_o4_report_section() -> None:
    """Rule O4: the report shows per utility the cuts, emergency cuts, tenants affected,
    notified in time, acknowledged, acknowledgements overdue and escalations; and the
    planned and reported end of each restored cut."""
    mall, clock = make(at(2026, 10, 8, 10))
    svc: OutageService = mall.outages
    o = plan(mall)
    svc.notify(o.id, actor=DESK)
    svc.acknowledge(o.id, actor=DESK, tenant="T-000001")
    clock.set(CUT.add(hours=4, minutes=50))
    mall.tick()
    svc.restore(o.id, actor=STAFF, ended_at=CUT.add(hours=4, minutes=20))
    plan(mall, utility="water", starts_at=CUT.add(hours=6), ends_at=CUT.add(hours=7),
         tenants=["T-000009"], emergency=True, emergency_reason="爆管")  # fmt: skip
    report = build_report(mall, *month_period("2026-10", mall), lang="en")
    section = report.section("outages")
    assert section is not None
    overview, ends = section.tables
    assert overview.keys == ("power", "water")
    assert overview.rows == (
        ("power cut", 1, 0, 3, 3, 1, 2, 1),
        ("water cut", 1, 1, 1, 0, 0, 0, 0),
    )
    assert ends.rows == (("OT-000001", "B1 美食广场", "10-12 14:00", "10-12 14:20", 20),)
    zh = build_report(mall, *month_period("2026-10", mall), lang="zh").section("outages")
    assert zh is not None
    assert zh.title == "停电/停水通知"


def test_o4_docs_page_embeds_the_generated_diagram() -> None:
    """docs/front-desk.md shows the outage workflow's diagram generated from its spec."""
    page = (ROOT / "docs" / "front-desk.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid(OUTAGE, 'en')}```" in page
