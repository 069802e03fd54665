"""Parcels 快递 (O2): outgoing with the department head's approval, incoming with the
recipient notified, reminded and escalated; the monthly settlement of company parcels."""

from __future__ import annotations

import pendulum
import pytest

from mallops import Actor, InvalidTransition, Mall, ManualClock, Policy, PolicyError
from mallops.errors import PermissionDenied, ValidationError
from mallops.frontdesk.parcel_rules import ParcelPolicy
from mallops.report import build_report, month_period

TZ = "Asia/Shanghai"
DESK = Actor("desk-1", "front_desk", "customer_service")
ENG = Actor("e-1", "staff", "engineering")
ENG_HEAD = Actor("em-1", "department_manager", "engineering")
FIN_HEAD = Actor("fm-1", "department_manager", "finance")


def _mall() -> Mall:
    return Mall(clock=ManualClock(pendulum.datetime(2026, 10, 12, 10, tz=TZ)))


def _request(mall: Mall, **kw: object) -> str:
    params = {
        "department": "engineering",
        "sender": "张工",
        "recipient": "李经理",
        "destination": "上海市浦东新区",
        "contents": "图纸",
        **kw,
    }
    return mall.outgoing_parcels.request(actor=ENG, **params).id  # type: ignore[arg-type]


def test_o2_outgoing_needs_the_department_heads_approval() -> None:
    """Request → the department's head approves → sent (carrier, tracking) → delivered."""
    mall = _mall()
    pid = _request(mall)
    with pytest.raises(InvalidTransition):
        mall.outgoing_parcels.send(pid, actor=DESK, carrier="sf", tracking_number="SF1")
    with pytest.raises(PermissionDenied):
        mall.outgoing_parcels.approve(pid, actor=ENG)  # staff may not approve
    with pytest.raises(PermissionDenied):
        mall.outgoing_parcels.approve(pid, actor=FIN_HEAD)  # another department's head
    p = mall.outgoing_parcels.approve(pid, actor=ENG_HEAD)
    assert p.state == "approved"
    assert p.fields["approved_by"] == "em-1"
    p = mall.outgoing_parcels.send(pid, actor=DESK, carrier="sf", tracking_number="SF1")
    assert (p.state, p.fields["carrier"], p.fields["cost"]) == ("sent", "sf", "12.00")
    p = mall.outgoing_parcels.deliver(pid, actor=DESK, receipt_to="张工")
    assert p.state == "delivered"
    assert mall.replay(pid) == p  # G6


def test_o2_urgent_parcels_carry_a_wanted_arrival_time_and_escalate_when_late() -> None:
    """An urgent parcel states its wanted arrival; not delivered by then, it escalates."""
    mall = _mall()
    with pytest.raises(ValidationError) as err:
        _request(mall, urgent=True)
    assert err.value.field == "wanted_by"
    wanted = pendulum.datetime(2026, 10, 13, 18, tz=TZ)
    pid = _request(mall, urgent=True, wanted_by=wanted)
    mall.outgoing_parcels.approve(pid, actor=ENG_HEAD)
    mall.outgoing_parcels.send(pid, actor=DESK, carrier="ems", tracking_number="E1", cost="30")
    mall.clock.advance(days=2)  # type: ignore[attr-defined]
    mall.tick()
    p = mall.get(pid)
    assert p.escalated_to == "cs_head"
    p = mall.outgoing_parcels.deliver(pid, actor=DESK)
    assert p.fields["on_time"] is False
    assert p.fields["cost"] == "30.00"


def test_o2_incoming_is_notified_reminded_and_escalates_when_uncollected() -> None:
    """Logged → the recipient notified; reminders repeat until collected; past
    ``parcels.collect_within`` it escalates along the ladder; then signed for."""
    mall = _mall()
    p = mall.incoming_parcels.log(
        actor=DESK, carrier="zto", tracking_number="ZT9", recipient="王芳", department="finance"
    )
    mall.incoming_parcels.notify(p.id, actor=DESK, via="phone")
    mall.clock.advance(hours=23)  # type: ignore[attr-defined]
    mall.tick()
    p = mall.get(p.id)
    assert p.fields["reminders"] >= 1
    assert p.escalation_level == 0
    mall.clock.advance(days=4)  # type: ignore[attr-defined]
    events = mall.tick()
    assert any(e.type == "parcel_reminder" for e in events)
    p = mall.get(p.id)
    assert p.escalation_level == 2
    assert p.escalated_to == "property_manager"
    p = mall.incoming_parcels.sign(p.id, actor=DESK, signed_by="王芳")
    assert p.state == "signed"
    assert not any(t.active for t in p.timers)
    assert mall.replay(p.id) == p
    assert mall.incoming_parcels.waiting() == []


def test_o2_company_parcels_are_settled_per_department_and_carrier() -> None:
    """The report's settlement table counts company parcels sent in the month and sums
    their cost per department and carrier; private parcels are not settled (O2)."""
    mall = _mall()
    for carrier, cost, billing in (
        ("sf", None, "company"),
        ("sf", "20", "company"),
        ("zto", None, "company"),
        ("sf", "15", "private"),
    ):
        pid = _request(mall, billing=billing)
        mall.outgoing_parcels.approve(pid, actor=ENG_HEAD)
        mall.outgoing_parcels.send(
            pid, actor=DESK, carrier=carrier, tracking_number=f"T{pid}", cost=cost
        )
    report = build_report(mall, *month_period("2026-10", mall), lang="en")
    table = report.table("parcel_settlement")
    assert table is not None
    rows = dict(zip(table.keys, (r[2:] for r in table.rows), strict=True))
    assert rows == {
        "engineering/sf": (2, 32.0),
        "engineering/zto": (1, 8.0),
        "total": (3, 40.0),
    }
    zh = build_report(mall, *month_period("2026-10", mall), lang="zh")
    settle = zh.table("parcel_settlement")
    assert settle is not None
    assert settle.rows[0][:2] == ("工程部", "顺丰速运")
    assert (
        build_report(mall, *month_period("2026-11", mall), lang="en").table("parcel_settlement")
        is None
    )


def test_o2_policy_rates_and_bad_input() -> None:
    """A carrier without a rate needs an entered cost; rates name known carriers."""
    mall = _mall()
    pid = _request(mall)
    mall.outgoing_parcels.approve(pid, actor=ENG_HEAD)
    before = mall.get(pid)
    with pytest.raises(ValidationError) as err:
        mall.outgoing_parcels.send(pid, actor=DESK, carrier="yunda", tracking_number="Y1")
    assert err.value.field == "cost"
    with pytest.raises(ValidationError) as err:
        mall.outgoing_parcels.send(pid, actor=DESK, carrier="dhl", tracking_number="Y1")
    assert err.value.field == "carrier"
    assert mall.get(pid) == before
    with pytest.raises(PolicyError) as perr:
        Policy.from_dict({"parcels": {"rates": {"dhl": "9"}}}, sections={"parcels": ParcelPolicy})
    assert perr.value.key == "parcels.rates.dhl"
    with pytest.raises(ValidationError) as err:
        _request(mall, department="nowhere")
    assert err.value.field == "department"
