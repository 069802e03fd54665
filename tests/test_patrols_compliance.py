"""Security patrols (R9), cleaning and greening compliance in the report (K1) and works
outside trading hours on repair orders (R10)."""

from __future__ import annotations

import pytest

from mallops import Policy, ValidationError
from mallops.report import build_report, month_period

from .inspection_helpers import (
    CLEANER,
    CLEANING_MGR,
    DESK,
    GUARD,
    SECURITY_MGR,
    at,
    do_round,
    lift_plan,
    make_mall,
    rounds,
)

ROUTE = ["北门", "地下车库B1", "中庭", "南门"]


def _patrol(mall):  # type: ignore[no-untyped-def]
    plan = lift_plan(
        mall,
        actor=SECURITY_MGR,
        area="security_patrol",
        title="夜间巡逻",
        location="全场",
        checklist=ROUTE,
        calendar="24x7",
    )
    (patrol,) = rounds(mall, plan)
    return plan, patrol


class TestR9Patrols:
    def test_r9_a_patrol_plan_opens_patrols_with_its_checkpoints(self) -> None:
        """A patrol area's plan opens patrols (kind `patrol`) held by security."""
        mall, _ = make_mall()
        _, patrol = _patrol(mall)
        assert patrol.kind == "patrol"
        assert patrol.department == "security"
        assert patrol.fields["items"] == ROUTE

    def test_r9_checkpoints_in_order_time_at_each_missed_and_hazards(self) -> None:
        """Each check-in keeps its time and whether it was in order; a hazard goes to
        security linked both ways; finishing records missed checkpoints and escalates."""
        mall, clock = make_mall()
        _, patrol = _patrol(mall)
        svc = mall.patrols
        svc.start(patrol.id, actor=GUARD)
        svc.check_in(patrol.id, actor=GUARD, checkpoint="北门")
        clock.advance(minutes=12)
        svc.check_in(patrol.id, actor=GUARD, checkpoint="中庭")
        clock.advance(minutes=5)
        svc.check_in(patrol.id, actor=GUARD, checkpoint="地下车库B1")
        with pytest.raises(ValidationError) as exc:
            svc.check_in(patrol.id, actor=GUARD, checkpoint="屋顶")
        assert exc.value.field == "checkpoint"
        assert "南门" in str(exc.value)
        with pytest.raises(ValidationError, match="already"):
            svc.check_in(patrol.id, actor=GUARD, checkpoint="北门")
        svc.report_hazard(patrol.id, actor=GUARD, checkpoint="中庭", description="消防通道堆放杂物")
        done = svc.finish(patrol.id, actor=GUARD)
        visits = done.fields["visits"]
        assert [v["checkpoint"] for v in visits] == ["北门", "中庭", "地下车库B1"]
        assert [v["in_order"] for v in visits] == [True, True, False]
        assert visits[1]["at"] == at(2026, 9, 28, 8, 12).isoformat()
        assert done.fields["missed"] == ["南门"]
        assert done.escalated_to == "department_manager"  # rule R9: missed checkpoints
        (found,) = done.fields["hazards"]
        hazard = mall.hazards.get(found["hazard"])
        assert hazard.fields["found_in"] == done.id
        assert hazard.fields["checkpoint"] == "中庭"
        assert ("hazard", hazard.id) in [(k.relation, k.record_id) for k in done.links]
        assert mall.replay(done.id) == done

    def test_r9_a_complete_patrol_does_not_escalate(self) -> None:
        """Every checkpoint reached in order: nothing missed, no escalation."""
        mall, _ = make_mall()
        _, patrol = _patrol(mall)
        mall.patrols.start(patrol.id, actor=GUARD)
        for c in ROUTE:
            mall.patrols.check_in(patrol.id, actor=GUARD, checkpoint=c)
        done = mall.patrols.finish(patrol.id, actor=GUARD)
        assert done.fields["missed"] == []
        assert done.escalation_level == 0
        assert done.fields["on_time"] is True


def _cleaning_month(policy: Policy | None = None):  # type: ignore[no-untyped-def]
    mall, clock = make_mall(at(2026, 9, 1, 10), policy=policy)
    plan = lift_plan(
        mall,
        actor=CLEANING_MGR,
        area="cleaning_zone",
        title="中庭保洁检查",
        location="中庭",
        checklist=["地面", "垃圾桶", "玻璃", "卫生间", "扶手"],
    )
    for day in range(2, 11):
        clock.set(at(2026, 9, day, 10))
        mall.tick()
    for i, r in enumerate(rounds(mall, plan)):
        do_round(mall, r.id, fail={"玻璃": "有水渍"} if i % 2 == 0 else None)
    return mall


class TestK1Compliance:
    def test_k1_compliance_is_scored_from_the_cleaning_rounds(self) -> None:
        """The report's KPI is the share of passed items of completed cleaning and
        greening rounds, beside targets.cleaning_compliance (90 %)."""
        mall = _cleaning_month()
        n = len(mall.inspection_rounds.query(state="completed"))
        failed = (n + 1) // 2
        report = build_report(mall, *month_period("2026-09", mall), lang="en")
        (kpi,) = [k for k in report.kpis if k.key == "cleaning_compliance"]
        assert kpi.basis == f"{5 * n - failed}/{5 * n}"
        assert kpi.value == pytest.approx((5 * n - failed) / (5 * n))
        assert kpi.target == 0.90
        assert kpi.met is True
        zh = build_report(mall, *month_period("2026-09", mall), lang="zh")
        assert zh.section("inspections").title == "巡检与巡逻"  # type: ignore[union-attr]
        assert report.table("inspection_rounds").rows[0][:3] == ("cleaning zone", n, n)  # type: ignore[union-attr]

    def test_k1_the_target_is_the_policy_key(self) -> None:
        """Changing targets.cleaning_compliance changes the verdict (no dead key)."""
        policy = Policy.from_dict({"targets": {"cleaning_compliance": 0.95}})
        mall = _cleaning_month(policy)
        report = build_report(mall, *month_period("2026-09", mall), lang="en")
        (kpi,) = [k for k in report.kpis if k.key == "cleaning_compliance"]
        assert kpi.target == 0.95
        assert kpi.met is False

    def test_k1_findings_turned_into_repairs_are_counted(self) -> None:
        """The findings table counts failed items and the repair orders they became."""
        mall, _clock = make_mall(at(2026, 9, 1, 10))
        (r,) = rounds(mall, lift_plan(mall))
        do_round(mall, r.id, fail={"平层": "误差", "门机": "异响"})
        report = build_report(mall, *month_period("2026-09", mall), lang="en")
        rows = dict(report.table("inspection_findings").rows)  # type: ignore[union-attr]
        assert rows["failed items"] == 2
        assert rows["became repair orders (R8)"] == 2
        assert next(k for k in report.kpis if k.key == "cleaning_compliance").value is None
        assert CLEANER.department == "cleaning"


class TestR10WorksOutsideTradingHours:
    def _order(self, urgency: str = "normal"):  # type: ignore[no-untyped-def]
        mall, _ = make_mall()
        order = mall.repairs.report(
            actor=DESK,
            source="staff",
            fault_type="civil",
            location="中庭",
            description="地面石材开裂",
            urgency=urgency,
        )
        return mall, order

    def _schedule(self, mall, order, start, end, **kw):  # type: ignore[no-untyped-def]
        return mall.repairs.fire(
            order.id,
            "schedule_works",
            actor=DESK,
            works_from=start,
            works_until=end,
            **{"part": "public", "major_works": True, **kw},
        )

    def test_r10_major_works_on_public_parts_are_refused_in_trading_hours(self) -> None:
        """The refusal names works_from and the allowed window; nothing changes."""
        mall, order = self._order()
        with pytest.raises(ValidationError) as exc:
            self._schedule(mall, order, at(2026, 9, 29, 21), at(2026, 9, 29, 23))
        assert exc.value.field == "works_from"
        assert "10:00-22:00" in str(exc.value)
        assert "2026-09-29 22:00 to 2026-09-30 10:00" in str(exc.value)
        assert mall.get(order.id) == order
        done = self._schedule(mall, order, at(2026, 9, 29, 22), at(2026, 9, 30, 6))
        assert done.fields["works_from"] == at(2026, 9, 29, 22).isoformat()

    @pytest.mark.parametrize(
        "change",
        [{"part": "unit"}, {"major_works": False}, {"urgency": "urgent"}],
        ids=["inside-a-unit", "minor-works", "urgent"],
    )
    def test_r10_other_works_may_be_scheduled_in_trading_hours(self, change) -> None:  # type: ignore[no-untyped-def]
        """Works inside a unit, minor works and urgent orders (R3) are not restricted."""
        mall, order = self._order(change.pop("urgency", "normal"))
        done = self._schedule(mall, order, at(2026, 9, 29, 14), at(2026, 9, 29, 16), **change)
        assert done.fields["works_until"] == at(2026, 9, 29, 16).isoformat()

    def test_r10_bad_windows_are_refused(self) -> None:
        """An end before the start, or a part the policy does not list, names the field."""
        mall, order = self._order()
        with pytest.raises(ValidationError) as exc:
            self._schedule(mall, order, at(2026, 9, 29, 23), at(2026, 9, 29, 22))
        assert exc.value.field == "works_until"
        with pytest.raises(ValidationError) as exc:
            self._schedule(mall, order, at(2026, 9, 29, 23), at(2026, 9, 30, 2), part="roof")
        assert exc.value.field == "part"
        assert "exterior" in str(exc.value)

    def test_r10_trading_hours_come_from_the_policy(self) -> None:
        """Other trading hours move the allowed window."""
        policy = Policy.from_dict({"calendar": {"trading_hours": ["09:00-21:00"]}})
        mall, _ = make_mall(policy=policy)
        order = mall.repairs.report(
            actor=DESK, source="staff", fault_type="civil", location="外墙", description="脱落"
        )
        with pytest.raises(ValidationError, match="21:00 to 2026-09-30 09:00"):
            self._schedule(mall, order, at(2026, 9, 29, 20), at(2026, 9, 29, 22), part="exterior")
        done = self._schedule(
            mall, order, at(2026, 9, 29, 21), at(2026, 9, 29, 23), part="exterior"
        )
        assert done.fields["works_part"] == "exterior"
