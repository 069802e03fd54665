"""Difficult cases 疑难 (G13): complaints and repair orders the desk or a department
cannot coordinate are referred to the customer-service head; the referral and its
coordination outcome are in the case's history and in the report."""

from __future__ import annotations

import pytest

from mallops import InvalidTransition, Mall, ManualClock, PermissionDenied, ValidationError
from mallops.report import build_report, month_period

from .conftest import CS_HEAD, DEPT_MANAGER, DESK, GM, PROPERTY_MANAGER, STAFF


def complaint(mall: Mall) -> str:
    c = mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="韩梅梅",
        contact="13900000000",
        location="3F 美食广场",
        description="油烟太大",
        demand="尽快处理",
    )
    return str(c.id)


def repair(mall: Mall) -> str:
    r = mall.repairs.report(
        actor=DESK, source="staff", fault_type="hvac", location="3F", description="排风不足"
    )
    return str(r.id)


CASES = {"complaint": complaint, "repair": repair}


@pytest.mark.parametrize("kind", sorted(CASES))
class TestReferral:
    def test_g13_referral_and_outcome_are_in_the_history(self, mall: Mall, kind: str) -> None:
        """G13: ``refer`` notifies the customer-service head; ``coordinate`` records the
        agreed result; both are history entries with who and when, the state unchanged."""
        case = CASES[kind](mall)
        state = mall.get(case).state
        events: list[object] = []
        mall.subscribe(events.append)
        r = mall.service(kind).fire(case, "refer", actor=DESK, difficulty="工程部与营运部意见不一")
        assert r.state == state
        assert r.history[-1].event == "refer"
        notify = [e for e in events if getattr(e, "type", "") == "notify"]
        assert [e.data["role"] for e in notify] == ["cs_head"]  # type: ignore[attr-defined]
        r = mall.service(kind).fire(
            case,
            "coordinate",
            actor=CS_HEAD,
            outcome="工程部周五前加装排风",
            departments=["engineering"],
        )
        (ref,) = r.fields["referrals"]
        assert ref["by"] == DESK.id
        assert ref["coordinated_by"] == CS_HEAD.id
        assert (ref["outcome"], ref["agreed"], ref["departments"]) == (
            "工程部周五前加装排风",
            True,
            ["engineering"],
        )
        assert [h.event for h in r.history][-2:] == ["refer", "coordinate"]
        assert mall.replay(case) == r

    def test_g13_one_open_referral_at_a_time(self, mall: Mall, kind: str) -> None:
        """G13: a case waiting for its outcome is not referred again; an outcome needs a
        referral; after the outcome it may be referred anew."""
        case = CASES[kind](mall)
        service = mall.service(kind)
        with pytest.raises(InvalidTransition, match="refer it first"):
            service.fire(case, "coordinate", actor=CS_HEAD, outcome="x")
        service.fire(case, "refer", actor=DESK, difficulty="x")
        with pytest.raises(InvalidTransition, match="already referred"):
            service.fire(case, "refer", actor=DESK, difficulty="again")
        service.fire(case, "coordinate", actor=CS_HEAD, outcome="y")
        r = service.fire(case, "refer", actor=DEPT_MANAGER, difficulty="z")
        assert len(r.fields["referrals"]) == 2

    def test_g13_only_the_head_and_above_record_the_outcome(self, mall: Mall, kind: str) -> None:
        """G5, G13: desk, staff and department managers refer; the customer-service head,
        property manager and general manager coordinate."""
        case = CASES[kind](mall)
        service = mall.service(kind)
        with pytest.raises(PermissionDenied):
            service.fire(case, "refer", actor=PROPERTY_MANAGER, difficulty="x")
        service.fire(case, "refer", actor=STAFF, difficulty="x")
        for actor in (DESK, STAFF, DEPT_MANAGER):
            with pytest.raises(PermissionDenied, match="cs_head"):
                service.fire(case, "coordinate", actor=actor, outcome="x")
        assert service.fire(case, "coordinate", actor=GM, outcome="x").fields["referrals"]

    def test_g13_bad_input_names_the_field(self, mall: Mall, kind: str) -> None:
        """G13: a missing difficulty or outcome, an unknown department: ValidationError
        naming the field, nothing written."""
        case = CASES[kind](mall)
        service = mall.service(kind)
        with pytest.raises(ValidationError) as err:
            service.fire(case, "refer", actor=DESK)
        assert err.value.field == "difficulty"
        service.fire(case, "refer", actor=DESK, difficulty="x")
        before = mall.get(case)
        with pytest.raises(ValidationError) as err:
            service.fire(case, "coordinate", actor=CS_HEAD, outcome="x", departments=["nasa"])
        assert err.value.field == "departments"
        with pytest.raises(ValidationError) as err:
            service.fire(case, "coordinate", actor=CS_HEAD)
        assert err.value.field == "outcome"
        assert mall.get(case) == before

    def test_g13_not_agreed_goes_on_to_the_property_manager(self, mall: Mall, kind: str) -> None:
        """G13 (001 3.1): an outcome the departments did not agree on notifies the
        property manager."""
        case = CASES[kind](mall)
        service = mall.service(kind)
        service.fire(case, "refer", actor=DESK, difficulty="x")
        events: list[object] = []
        mall.subscribe(events.append)
        r = service.fire(case, "coordinate", actor=CS_HEAD, outcome="各方未达成一致", agreed=False)
        assert r.fields["referrals"][-1]["agreed"] is False
        roles = [e.data["role"] for e in events if getattr(e, "type", "") == "notify"]  # type: ignore[attr-defined]
        assert roles == ["property_manager"]


def test_g13_a_closed_case_is_not_referred(mall: Mall) -> None:
    """G13: a referral concerns an open case."""
    case = complaint(mall)
    mall.complaints.fire(case, "dismiss", actor=CS_HEAD, explanation="租约约定")
    with pytest.raises(InvalidTransition, match="closed"):
        mall.complaints.fire(case, "refer", actor=DESK, difficulty="x")


def test_g13_the_report_counts_referrals_and_outcomes(mall: Mall, clock: ManualClock) -> None:
    """G13: referrals per kind, agreed, not agreed and waiting, in zh and en."""
    a, b, c = complaint(mall), complaint(mall), repair(mall)
    for case, kind in ((a, "complaint"), (b, "complaint"), (c, "repair")):
        mall.service(kind).fire(case, "refer", actor=DESK, difficulty="x")
    mall.complaints.fire(a, "coordinate", actor=CS_HEAD, outcome="ok")
    mall.complaints.fire(b, "coordinate", actor=CS_HEAD, outcome="no", agreed=False)
    clock.advance(days=1)
    report = build_report(mall, *month_period("2026-09", mall), lang="en")
    table = report.table("referrals")
    assert table is not None
    assert table.keys == ("complaint", "repair")
    assert [row[1:] for row in table.rows] == [(2, 1, 1, 0), (1, 0, 0, 1)]
    zh = build_report(mall, *month_period("2026-09", mall), lang="zh")
    assert zh.section("referrals").title == "疑难件"  # type: ignore[union-attr]
    assert build_report(mall, *month_period("2026-08", mall)).section("referrals") is None
