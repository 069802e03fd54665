"""Inspection plans and rounds (R8, R9): rounds fall due from the plan by tick(), never
twice; late rounds escalate; failed items become linked repair orders or hazards."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from mallops import (
    InvalidTransition,
    Mall,
    ManualClock,
    PermissionDenied,
    Policy,
    SqlStore,
    ValidationError,
)
from mallops.operations.inspection_policy import InspectionPolicy

from .inspection_helpers import (
    CLEANER,
    DESK,
    GUARD,
    ITEMS,
    MANAGER,
    OTHER_TECH,
    TECH,
    at,
    do_round,
    lift_plan,
    make_mall,
    rounds,
)


class TestR9RoundsFallDue:
    def test_r9_a_plan_opens_its_round_when_the_window_starts(self) -> None:
        """A daily business-calendar plan made at 08:00 opens its first round at 09:00,
        the first working hour, with the plan's checklist, area and department."""
        mall, clock = make_mall()
        plan = lift_plan(mall)
        assert rounds(mall, plan) == []
        assert plan.fields["next_round_at"] == at(2026, 9, 28, 9).isoformat()
        clock.advance(hours=1, minutes=1)
        mall.tick()
        (r,) = rounds(mall, plan)
        assert r.state == "due"
        assert r.created_at == at(2026, 9, 28, 9)
        assert r.fields["items"] == ITEMS
        assert r.fields["number"] == 1
        assert r.department == "engineering"
        assert r.category == "lift"
        assert ("plan", plan.id) in [(link.relation, link.record_id) for link in r.links]
        assert mall.get(plan.id).fields["rounds"] == 1

    def test_r9_business_plans_skip_holidays_and_24x7_plans_do_not(self) -> None:
        """Over the National Day holiday (2026-10-01..07) a business-calendar daily plan
        opens no round and resumes on 10-08; a 24x7 plan opens one every day (G9)."""
        mall, clock = make_mall(at(2026, 9, 29, 8))
        business = lift_plan(mall)
        always = lift_plan(mall, calendar="24x7", title="消防巡查", area="fire_system")
        clock.set(at(2026, 10, 9, 8))
        mall.tick()
        days = [r.created_at.to_date_string() for r in rounds(mall, business)]
        assert days == ["2026-09-29", "2026-09-30", "2026-10-08"]
        # 09-29 .. 10-08 at 08:00, every day (10-09 08:00 is due at, not before, now: G10)
        assert len(rounds(mall, always)) == 10
        assert all(r.created_at.hour == 8 for r in rounds(mall, always))

    def test_r9_monthly_quarterly_and_yearly_plans(self) -> None:
        """A monthly plan falls due each month; the yearly safety survey of common parts
        is a plan like any other, due again a year later even without 2027 holiday data
        (planned provisionally, never refused)."""
        mall, clock = make_mall(at(2026, 9, 28, 10))
        monthly = lift_plan(mall, frequency="monthly", starts_at=at(2026, 10, 12, 9))
        survey = lift_plan(
            mall,
            area="common_parts",
            title="共用部位年度安全普查",
            checklist=["楼梯间", "消防通道", "屋面"],
            frequency="yearly",
        )
        assert len(rounds(mall, survey)) == 1  # its first window is open already
        assert survey.fields["next_round_at"].startswith("2027-09-28T10:00")
        clock.set(at(2027, 1, 20, 9))
        mall.tick()
        months = [r.created_at.format("YYYY-MM-DD") for r in rounds(mall, monthly)]
        assert months == ["2026-10-12", "2026-11-12", "2026-12-14", "2027-01-12"]

    def test_r9_a_round_not_done_in_time_escalates(self) -> None:
        """Late: level 1 (department manager) at the deadline, level 2 a working day
        later."""
        mall, clock = make_mall(at(2026, 9, 28, 9))
        plan = lift_plan(mall, frequency="weekly")
        (r,) = rounds(mall, plan)
        # 2 working days: a deadline filling a day lands at its closing time (G10)
        assert r.timer("deadline").due_at == at(2026, 9, 29, 18)
        clock.set(at(2026, 9, 29, 19))
        mall.tick()
        assert mall.get(r.id).escalated_to == "department_manager"
        assert mall.inspection_rounds.late() == [mall.get(r.id)]
        clock.set(at(2026, 9, 30, 19))  # one working day later
        mall.tick()
        assert mall.get(r.id).escalated_to == "property_manager"
        done = do_round(mall, r.id)
        assert done.fields["on_time"] is False

    def test_r9_suspended_plans_open_nothing_until_resumed(self) -> None:
        """A suspended plan's schedule stops; resuming arms it for the next window."""
        mall, clock = make_mall()
        plan = lift_plan(mall)
        mall.inspection_plans.fire(plan.id, "suspend", actor=MANAGER, reason="电梯改造")
        clock.set(at(2026, 9, 30, 12))
        mall.tick()
        assert rounds(mall, plan) == []
        mall.inspection_plans.fire(plan.id, "resume", actor=MANAGER)
        clock.set(at(2026, 10, 9, 12))
        mall.tick()
        assert [r.created_at for r in rounds(mall, plan)] == [
            at(2026, 10, 8, 9),
            at(2026, 10, 9, 9),
        ]
        mall.inspection_plans.fire(plan.id, "retire", actor=MANAGER, reason="停用")
        assert mall.get(plan.id).is_open is False
        assert mall.replay(plan.id) == mall.get(plan.id)


class TestR9NeverTwice:
    def test_r9_two_malls_on_one_sqlite_store_generate_each_round_once(
        self, tmp_path: Path
    ) -> None:
        """Two processes' malls (own store handles on one SQLite file) ticking at once:
        every window's round exists exactly once."""
        url = f"sqlite:///{tmp_path / 'ops.db'}"
        clock = ManualClock(at(2026, 9, 28, 8))
        first = Mall(store=SqlStore(url), clock=clock)
        plans = [lift_plan(first, title=f"客梯{i}", calendar="24x7") for i in range(3)]
        clock.set(at(2026, 10, 6, 9))
        malls = [Mall(store=SqlStore(url), clock=clock) for _ in range(2)]
        barrier = threading.Barrier(len(malls))
        errors: list[BaseException] = []

        def work(mall: Mall) -> None:
            try:
                barrier.wait()
                mall.tick()
            except BaseException as exc:  # reported in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(m,)) for m in malls]
        interval = sys.getswitchinterval()
        sys.setswitchinterval(2e-4)
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(interval)
        assert errors == []
        for plan in plans:
            got = rounds(first, plan)
            numbers = [r.fields["number"] for r in got]
            assert numbers == list(range(1, 10)), numbers  # 09-28 .. 10-06 08:00, once each


class TestR9Items:
    def test_r9_each_item_passes_or_fails_with_a_note(self) -> None:
        """A failure needs a note; an item not on the checklist or recorded twice is
        refused naming the field; the round completes only when every item is checked."""
        mall, _ = make_mall(at(2026, 9, 28, 10))
        (r,) = rounds(mall, lift_plan(mall))
        svc = mall.inspection_rounds
        with pytest.raises(InvalidTransition):
            svc.check(r.id, actor=TECH, item="门机", passed=True)  # not started
        svc.start(r.id, actor=TECH)
        with pytest.raises(ValidationError) as exc:
            svc.check(r.id, actor=TECH, item="平层", passed=False)
        assert exc.value.field == "note"
        with pytest.raises(ValidationError) as exc:
            svc.check(r.id, actor=TECH, item="轿厢照明", passed=True)
        assert exc.value.field == "item"
        assert "门机" in str(exc.value)
        svc.check(r.id, actor=TECH, item="门机", passed=True)
        before = mall.get(r.id)
        with pytest.raises(ValidationError, match="recorded already"):
            svc.check(r.id, actor=TECH, item="门机", passed=False, note="x")
        with pytest.raises(InvalidTransition, match="平层"):
            svc.complete(r.id, actor=TECH)
        assert mall.get(r.id) == before  # refused operations change nothing
        assert mall.repairs.query() == []

    def test_r8_a_failed_item_opens_a_repair_order_linked_both_ways(self) -> None:
        """Rule R8: the repair order comes from the built-in repair workflow, source
        `inspection`, of the area's fault type, in the same commit as the check."""
        mall, _ = make_mall(at(2026, 9, 28, 10))
        (r,) = rounds(mall, lift_plan(mall))
        done = do_round(mall, r.id, fail={"平层": "平层误差 2cm"})
        (finding,) = mall.inspection_rounds.findings(done.id)
        repair = mall.repairs.get(finding["repair"])
        assert repair.fields["source"] == "inspection"
        assert repair.category == "elevator"
        assert repair.fields["found_in"] == done.id
        assert repair.fields["inspection"] == done.id
        assert ("found_in", done.id) in [(k.relation, k.record_id) for k in repair.links]
        assert ("repair", repair.id) in [(k.relation, k.record_id) for k in done.links]
        assert "平层误差 2cm" in repair.fields["description"]
        assert done.fields["passed"] is False
        assert mall.replay(done.id) == done
        assert mall.replay(repair.id) == repair

    def test_r8_a_failed_item_may_go_to_security_as_a_hazard(self) -> None:
        """The safety survey's failures are hazard reports held by security, linked both
        ways; the inspector may also choose it for any item."""
        mall, clock = make_mall(at(2026, 9, 28, 10))
        (r,) = rounds(mall, lift_plan(mall))
        mall.inspection_rounds.start(r.id, actor=TECH)
        mall.inspection_rounds.check(
            r.id, actor=TECH, item="紧急呼叫", passed=False, note="对讲无应答", follow_up="hazard"
        )
        (finding,) = mall.inspection_rounds.findings(r.id)
        hazard = mall.hazards.get(finding["hazard"])
        assert hazard.department == "security"
        assert hazard.fields["found_in"] == r.id
        assert ("hazard", hazard.id) in [(k.relation, k.record_id) for k in mall.get(r.id).links]
        clock.advance(hours=25)
        mall.tick()
        assert mall.get(hazard.id).escalated_to == "department_manager"  # not dealt with
        done = mall.hazards.resolve(hazard.id, actor=GUARD, action="更换对讲主机")
        assert done.state == "resolved"

    def test_r8_an_area_without_a_fault_type_needs_one_for_a_repair(self) -> None:
        """A repair follow-up on an area naming no fault type is refused naming the field."""
        mall, _ = make_mall(at(2026, 9, 28, 10))
        (r,) = rounds(
            mall, lift_plan(mall, area="cleaning_zone", department="cleaning", title="保洁")
        )
        mall.inspection_rounds.start(r.id, actor=CLEANER)
        with pytest.raises(ValidationError) as exc:
            mall.inspection_rounds.check(
                r.id, actor=CLEANER, item="门机", passed=False, note="x", follow_up="repair"
            )
        assert exc.value.field == "fault_type"


class TestG5Permissions:
    @pytest.mark.parametrize(
        ("actor", "allowed"),
        [(MANAGER, True), (TECH, False), (DESK, False)],
        ids=["manager", "staff", "front-desk"],
    )
    def test_g5_who_may_plan(self, actor, allowed: bool) -> None:  # type: ignore[no-untyped-def]
        """Department managers and above plan inspections; staff and the desk do not."""
        mall, _ = make_mall()
        if allowed:
            assert lift_plan(mall, actor=actor).state == "active"
        else:
            with pytest.raises(PermissionDenied):
                lift_plan(mall, actor=actor)

    def test_g5_only_the_department_does_its_rounds(self) -> None:
        """Another department's staff may not start or check a round; once started, its
        inspector and the department's staff may record items (handler rule)."""
        mall, _ = make_mall(at(2026, 9, 28, 10))
        (r,) = rounds(mall, lift_plan(mall))
        with pytest.raises(PermissionDenied):
            mall.inspection_rounds.start(r.id, actor=CLEANER)
        with pytest.raises(PermissionDenied):
            mall.inspection_rounds.fire(r.id, "cancel", actor=TECH, reason="x")
        mall.inspection_rounds.start(r.id, actor=TECH)
        mall.inspection_rounds.check(r.id, actor=OTHER_TECH, item="门机", passed=True)
        assert mall.allowed_events(r.id, CLEANER) == ()
        assert "complete" in mall.allowed_events(r.id, TECH)
        assert "cancel" in mall.allowed_events(r.id, MANAGER)


class TestPolicy:
    def test_r9_policy_errors_name_the_key(self) -> None:
        """Wrong numbers in [inspections] are refused with the dotted key."""
        sections = {"inspections": InspectionPolicy}
        for data, key in [
            (
                {"frequencies": {"daily": {"days": 1, "window": "8 hours"}}},
                "frequencies.daily.window",
            ),
            ({"areas": {"lift": {"follow_up": "call"}}}, "areas.lift.follow_up"),
            ({"hazard_within": "2 working days"}, "hazard_within"),
        ]:
            with pytest.raises(Exception) as exc:
                Policy.from_dict({"inspections": data}, sections=sections)
            assert getattr(exc.value, "key", None) == f"inspections.{key}", exc.value

    def test_r9_the_policy_decides_the_window(self) -> None:
        """A plan's round window comes from the policy (frequencies.daily.window)."""
        policy = Policy.from_dict(
            {"inspections": {"frequencies": {"daily": {"days": 1, "window": "2 working hours"}}}},
            sections={"inspections": InspectionPolicy},
        )
        mall, _ = make_mall(at(2026, 9, 28, 10), policy=policy)
        (r,) = rounds(mall, lift_plan(mall))
        assert r.timer("deadline").due_at == at(2026, 9, 28, 12)
