"""Hardening: every link and reference is checked for existence, kind and property,
through every path (G4, G11; issue 15)."""

from __future__ import annotations

import pytest

from mallops import Mall, ManualClock, MemoryStore, Record, RecordNotFound, ValidationError

from .visit_helpers import DESK, OPS, at, tenant, visit_done


def two_properties() -> tuple[Mall, Mall]:
    """Malls of properties A and B on one store."""
    store = MemoryStore()
    clock = ManualClock(at(2025, 12, 31, 10))
    return Mall(store, clock, property="A"), Mall(store, clock, property="B")


def visited(mall: Mall) -> Record:
    tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026)
    return visit_done(mall, v.id, at(2026, 3, 3, 10))


def complaint(mall: Mall, **extra: str) -> Record:
    return mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="王五",
        contact="13900001111",
        location="3F",
        description="地面湿滑",
        demand="清洁",
        **extra,
    )


def test_g11_a_visit_links_only_existing_records_of_its_own_property() -> None:
    """`visits.fire(id, "link", record=...)` refuses a record that does not exist and
    one of another property (reported alike); a record of its own property links."""
    a, b = two_properties()
    visit = visited(a)
    other = complaint(b)
    for target in ("C-999999", other.id):
        with pytest.raises(RecordNotFound, match="G11"):
            a.visits.fire(visit.id, "link", actor=OPS, relation="complaint", record=target)
    assert a.get(visit.id) == visit
    own = complaint(a)
    linked = a.visits.fire(visit.id, "link", actor=OPS, relation="complaint", record=own.id)
    assert linked.linked("complaint") == (own.id,)


def test_g11_a_suggestion_is_raised_in_a_visit_of_its_own_property() -> None:
    """`suggestions.open(visit=...)` refuses another property's visit, a missing one and
    a record that is not a visit."""
    a, b = two_properties()
    visit_b = visited(b)
    base = {"topic": "engineering", "text": "灯坏了", "tenant": "T-1", "unit": "L1"}
    with pytest.raises(RecordNotFound, match="G11"):
        a.suggestions.open(actor=OPS, visit=visit_b.id, **base)
    with pytest.raises(RecordNotFound):
        a.suggestions.open(actor=OPS, visit="V-999999", **base)
    with pytest.raises(ValidationError, match="not a visit"):
        b.suggestions.open(actor=OPS, visit=complaint(b).id, **base)
    assert a.suggestions.query() == []


def test_g11_complaints_and_repairs_refuse_another_propertys_tenant() -> None:
    """A complaint or repair naming a tenant of another property, an id that names no
    record (issue 15), or a record that is no tenant is refused; a tenant of its own
    property is accepted.  Another property's tenant is reported like a missing one."""
    a, b = two_properties()
    tenant_b = tenant(b)
    tenant_a = tenant(a, unit="A-1")
    with pytest.raises(RecordNotFound, match="G11"):
        complaint(a, tenant=tenant_b.id)
    with pytest.raises(RecordNotFound, match="G11"):
        a.repairs.open(
            actor=DESK, source="tenant", fault_type="water", location="l", description="d",
            tenant=tenant_b.id,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="not a tenant"):
        complaint(a, tenant=complaint(a).id)
    assert complaint(a, tenant=tenant_a.id).tenant == tenant_a.id
    with pytest.raises(RecordNotFound, match="G11"):  # an id naming no tenant record
        complaint(a, tenant="T-0101")
    with pytest.raises(RecordNotFound, match="G11"):
        a.repairs.open(
            actor=DESK, source="tenant", fault_type="water", location="l", description="d",
            tenant="T-0101",
        )  # fmt: skip
    assert "T-0101" not in [c.tenant for c in a.complaints.query()]


def test_g11_a_lost_report_matches_only_an_item_of_its_own_property() -> None:
    """A lost report's match refuses another property's found item exactly like a
    missing one (the workflow's own check; a guard against regressions)."""
    a, b = two_properties()
    item = b.lost_found.intake(
        actor=DESK,
        found_at=at(2025, 12, 31, 9),
        place_found="1F",
        description="黑色钱包",
        features="皮质",
        finder_type="customer",
    )
    report = a.lost_found.reports.report(
        actor=DESK,
        reporter="李四",
        contact="13800000000",
        description="黑色钱包",
        lost_from=at(2025, 12, 31, 8),
    )
    with pytest.raises(ValidationError, match="no found item"):
        a.lost_found.reports.fire(report.id, "match", actor=DESK, item_id=item.id)
    assert a.get(report.id) == report
