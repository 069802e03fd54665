"""mallops.read_models: overdue, at risk, breached, by owner and department, for every
workflow (issue 17)."""

from __future__ import annotations

from mallops import Mall, ManualClock
from mallops.read_models import at_risk, breached, by_department, by_owner, overdue

from .conftest import DESK, at
from .tenant_helpers import registered_tenant


def _complaint(mall: Mall) -> str:
    return mall.complaints.open(
        actor=DESK, channel="phone", complainant="韩梅梅", contact="13912345678",
        location="B1", description="洗手间很脏", demand="清洁",
    ).id  # fmt: skip


def _repair(mall: Mall) -> str:
    tenant = registered_tenant(mall, "B1-101")
    return mall.repairs.open(
        actor=DESK, source="tenant", fault_type="water", location="B1-101",
        description="水管漏水", tenant=tenant, reporter="李雷", contact="13800001111",
    ).id  # fmt: skip


def test_overdue_at_risk_breached_across_workflows(mall: Mall, clock: ManualClock) -> None:
    """A complaint's first contact (C5, 3 h, warned at 75 %) and a repair's response
    (R3): at risk after the warning, overdue after the deadline, breached for good."""
    c = _complaint(mall)
    r = _repair(mall)
    mall.fire(c, "assign", actor=DESK, department="cleaning", assignee="wang")
    assert overdue(mall) == []
    assert at_risk(mall) == []
    clock.set(at(2026, 9, 30, 12, 30))
    mall.tick()
    assert c in [x.id for x in at_risk(mall, kind="complaint")]
    assert [x.id for x in overdue(mall, kind="complaint")] == []
    clock.set(at(2026, 9, 30, 14))
    mall.tick()
    late = overdue(mall)
    assert {x.id for x in late} == {c, r}
    assert [x.id for x in overdue(mall, kind="repair")] == [r]
    assert [x.id for x in overdue(mall, department="cleaning")] == [c]
    assert [x.id for x in overdue(mall, owner="wang")] == [c]
    assert c not in [x.id for x in at_risk(mall)]  # overdue is no longer "at risk"
    assert {x.id for x in breached(mall)} == {c, r}
    assert breached(mall, start=at(2026, 10, 1)) == []
    groups = by_department(late)
    assert [x.id for x in groups["cleaning"]] == [c]
    assert set(by_owner(late)) >= {"wang"}


def test_a_record_within_its_deadlines_is_not_listed() -> None:
    """An hour into a 3-hour first contact: neither overdue, at risk nor breached."""
    from mallops import MemoryStore, Policy

    clock = ManualClock(at(2026, 9, 30, 10))
    mall = Mall(store=MemoryStore(), clock=clock, policy=Policy.seed())
    _complaint(mall)
    clock.set(at(2026, 9, 30, 11))
    assert overdue(mall) == []
    assert at_risk(mall) == []
    assert breached(mall) == []
