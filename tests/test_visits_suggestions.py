"""Suggestions raised in visits (V5), the issue summary (V6) and coverage targets (V7)."""

from __future__ import annotations

import pytest

from mallops import (
    DomainEvent,
    InvalidTransition,
    Mall,
    PermissionDenied,
    Record,
    RecordNotFound,
    ValidationError,
)

from .visit_helpers import (
    DM,
    ENG,
    GM,
    MKT,
    MKT_DM,
    OPS,
    SEC,
    at,
    clock_of,
    new_mall,
    tenant,
    visit_done,
)


def _visited(*suggestions: dict[str, str]) -> tuple[Mall, Record, list[Record]]:
    """A regular tenant visited on 2026-03-03 10:00 who raised ``suggestions``."""
    mall = new_mall()
    tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026)
    visit = visit_done(mall, v.id, at(2026, 3, 3, 10), suggestions=list(suggestions))
    return mall, visit, mall.suggestions.query()


def test_v5_each_opinion_is_its_own_record_linked_to_the_visit() -> None:
    """Two opinions in one visit make two suggestions, routed by topic to a department."""
    mall, visit, found = _visited(
        {"topic": "engineering", "text": "空调不冷"},
        {"topic": "promotion", "text": "想参加周年庆活动", "department": "operations"},
    )
    assert [s.state for s in found] == ["raised", "raised"]
    assert [s.department for s in found] == ["engineering", "operations"]
    assert all(s.linked("visit") == (visit.id,) for s in found)
    assert all(s.tenant == visit.tenant for s in found)
    more = mall.suggestions.add(visit.id, actor=OPS, topic="security", text="夜间巡逻")
    assert more.department == "security"


def test_v5_a_bad_opinion_refuses_the_whole_visit() -> None:
    """A suggestion with an unknown topic refuses the completion; nothing is stored."""
    mall = new_mall()
    tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026)
    with pytest.raises(InvalidTransition, match=r"suggestions\[0\]: topic 'food'"):
        visit_done(mall, v.id, at(2026, 3, 3, 10), suggestions=[{"topic": "food", "text": "x"}])
    assert mall.get(v.id).state == "appointed"
    assert mall.suggestions.query() == []


def test_v5_forwarded_in_writing_to_the_head_with_the_general_manager_in_copy() -> None:
    """Forwarding notifies the department head and copies the general manager."""
    mall, _, (s,) = _visited({"topic": "environment", "text": "垃圾清运太晚"})
    seen: list[DomainEvent] = []
    mall.subscribe(seen.append)
    r = mall.suggestions.fire(s.id, "forward", actor=OPS, head="赵经理", report="书面报告")
    notes = [e.data for e in seen if e.type == "notify"]
    assert [n["role"] for n in notes] == ["department_manager", "general_manager"]
    assert notes[0]["department"] == "cleaning"
    assert notes[1]["copy"] is True
    assert (r.state, r.owner, r.department) == ("forwarded", "赵经理", "cleaning")


def test_v5_answered_within_one_week_or_it_escalates() -> None:
    """The answer is due 7 days after raising; a late one climbs dm then gm."""
    mall, _, (s,) = _visited({"topic": "engineering", "text": "漏水"})
    t = s.timer("answer")
    assert t is not None
    assert t.due_at == at(2026, 3, 10, 10)
    clock_of(mall).set(at(2026, 3, 10, 10, 1))
    events = mall.tick()
    assert [e.type for e in events] == ["timer_warning", "timer_breached", "escalated"]
    assert events[-1].data["role"] == "department_manager"
    clock_of(mall).set(at(2026, 3, 13, 11))
    assert [e.data["role"] for e in mall.tick()] == ["general_manager"]
    r = mall.suggestions.fire(s.id, "answer", actor=ENG, answer="工程部已安排维修")
    assert r.timer("answer").status == "breached"  # type: ignore[union-attr]


def test_v5_answered_in_time_then_tracked_until_solved() -> None:
    """Answer, progress notes, solved: the timer is met and history keeps each step."""
    mall, _, (s,) = _visited({"topic": "engineering", "text": "漏水"})
    clock_of(mall).advance(days=2)
    mall.suggestions.fire(s.id, "forward", actor=OPS, head="钱工", report="请维修")
    mall.suggestions.fire(s.id, "answer", actor=ENG, answer="下周维修")
    mall.suggestions.fire(s.id, "track", actor=ENG, note="已订配件")
    r = mall.suggestions.fire(s.id, "solve", actor=ENG, resolution="已修好")
    assert r.state == "solved"
    assert r.timer("answer").status == "met"  # type: ignore[union-attr]
    assert [p["note"] for p in r.fields["progress"]] == ["已订配件"]
    assert mall.replay(s.id) == r


def test_v5_declined_only_with_an_explanation_by_a_manager() -> None:
    """Declining needs a manager and an explanation, which counts as the answer."""
    mall, _, (s,) = _visited({"topic": "planning", "text": "改变动线"})
    with pytest.raises(PermissionDenied):
        mall.suggestions.fire(s.id, "decline", actor=OPS, explanation="x")
    with pytest.raises(ValidationError, match="explanation"):
        mall.suggestions.fire(s.id, "decline", actor=MKT_DM)
    with pytest.raises(PermissionDenied, match="marketing department"):  # G5: not his
        mall.suggestions.fire(s.id, "decline", actor=DM, explanation="x")
    r = mall.suggestions.fire(s.id, "decline", actor=MKT_DM, explanation="消防规范不允许")
    assert (r.state, r.fields["answered_at"] is not None) == ("declined", True)


def test_v5_a_suggestion_becomes_a_complaint_linked_to_the_visit() -> None:
    """to_complaint opens a complaint for the tenant; suggestion and visit link to it."""
    mall, visit, (s,) = _visited({"topic": "security", "text": "仓库门锁被撬"})
    c = mall.suggestions.to_complaint(s.id, actor=OPS, category="security")
    assert (c.kind, c.tenant, c.category) == ("complaint", visit.tenant, "security")
    assert c.fields["complainant"] == "张三丰"
    assert mall.get(s.id).linked("complaint") == (c.id,)
    assert mall.get(visit.id).linked("complaint") == (c.id,)
    assert {r.id for r in mall.query(linked_to=c.id)} == {s.id, visit.id}


def test_v5_a_suggestion_becomes_a_repair_order_linked_to_the_visit() -> None:
    """to_repair opens an external repair order for the tenant in one commit; suggestion
    and visit link to it; a bad fault type changes nothing."""
    mall, visit, (s,) = _visited({"topic": "engineering", "text": "灯坏了"})
    with pytest.raises(ValidationError, match="fault_type"):
        mall.suggestions.to_repair(s.id, actor=OPS, fault_type="spaceship")
    assert mall.repairs.query() == []
    assert mall.get(s.id).linked("repair") == ()
    r = mall.suggestions.to_repair(s.id, actor=OPS, fault_type="lighting")
    assert (r.kind, r.tenant, r.category, r.fields["external"]) == (
        "repair",
        visit.tenant,
        "lighting",
        True,
    )
    assert (r.fields["description"], r.fields["reporter"]) == ("灯坏了", "张三丰")
    assert mall.get(s.id).linked("repair") == (r.id,)
    assert mall.get(visit.id).linked("repair") == (r.id,)
    assert mall.replay(s.id) == mall.get(s.id)


def test_v5_any_record_can_be_linked_later() -> None:
    """A repair order (or any record) is linked to a suggestion or a visit by id."""
    mall, visit, (s,) = _visited({"topic": "engineering", "text": "灯坏了"})
    other = mall.complaints.query()  # no repairs in this branch: link to any stored record
    target = tenant(mall, unit="X").id if not other else other[0].id
    mall.suggestions.link(s.id, "repair", target, actor=OPS)
    mall.visits.link(visit.id, "repair", target, actor=OPS)
    assert mall.get(s.id).linked("repair") == (target,)
    assert mall.get(visit.id).linked("repair") == (target,)
    with pytest.raises(RecordNotFound):
        mall.suggestions.link(s.id, "repair", "R-999999", actor=OPS)


def test_v6_summary_of_open_suggestions_by_department_and_topic() -> None:
    """The summary counts open suggestions per department and topic, late ones apart."""
    mall, _, found = _visited(
        {"topic": "engineering", "text": "a"},
        {"topic": "engineering", "text": "b"},
        {"topic": "environment", "text": "c"},
    )
    mall.suggestions.fire(found[2].id, "decline", actor=GM, explanation="n/a")
    clock_of(mall).set(at(2026, 3, 11, 9))
    summary = mall.suggestions.summary()
    assert summary.by_department == {"engineering": 2}
    assert summary.by_topic == {"engineering": 2}
    (row,) = summary.rows
    assert (row.open, row.overdue, row.ids) == (2, 2, (found[0].id, found[1].id))
    assert mall.suggestions.summary(end=at(2026, 3, 1)).total_open == 0


def test_v7_coverage_per_tier_and_tenants_never_visited() -> None:
    """Coverage counts required, done and overdue per tier and names unvisited tenants."""
    mall = new_mall()
    anchor = tenant(mall, unit="A", tier="anchor")
    shop = tenant(mall, unit="S")
    mall.visits.plan_year(2026, actor=OPS)
    (sv,) = mall.visits.plan(2026, tenant=shop.id)
    visit_done(
        mall, sv.id, sv.fields["planned_at"], suggestions=[{"topic": "publicity", "text": "x"}]
    )
    (s,) = mall.suggestions.query()
    mall.suggestions.fire(s.id, "answer", actor=MKT, answer="ok")
    assert mall.now() > mall.visits.plan(2026, tenant=anchor.id)[0].timer("due").due_at  # type: ignore[union-attr,operator]
    cov = mall.visits.coverage(2026)
    tiers = {t.tier: t for t in cov.tiers}
    assert (tiers["anchor"].required, tiers["anchor"].done, tiers["anchor"].overdue) == (3, 0, 1)
    assert (tiers["regular"].required, tiers["regular"].done, tiers["regular"].covered) == (1, 1, 1)
    assert cov.never_visited == (anchor.id,)
    assert cov.rate == 0.5
    assert (cov.answer_rate, cov.meets_targets) == (1.0, False)


def test_v7_answer_rate_counts_late_answers() -> None:
    """A suggestion past its week without answer lowers the answer rate."""
    mall, _, (a, _b) = _visited(
        {"topic": "security", "text": "a"}, {"topic": "security", "text": "b"}
    )
    mall.suggestions.fire(a.id, "answer", actor=SEC, answer="ok")
    clock_of(mall).advance(days=8)
    cov = mall.visits.coverage(2026)
    assert (cov.suggestions, cov.answered_in_time, cov.answered_late) == (2, 1, 1)
    assert cov.answer_rate == 0.5
    assert mall.policy.visits.answer_rate_target == 1.0


def test_v7_coverage_of_any_date_range() -> None:
    """Over a quarter, required counts the plan visits planned in it."""
    mall = new_mall()
    t = tenant(mall, tier="anchor")
    mall.visits.plan_year(2026, actor=OPS)
    plan = mall.visits.plan(2026, tenant=t.id)
    month = int(plan[0].fields["planned_at"][5:7])
    lo = at(2026, month, 1)
    cov = mall.visits.coverage(start=lo, end=lo.add(months=1))
    assert [(x.tier, x.required) for x in cov.tiers if x.tenants] == [("anchor", 1)]
    with pytest.raises(ValidationError, match="either year or start"):
        mall.visits.coverage(2026, start=lo, end=lo.add(months=1))
    with pytest.raises(ValidationError, match="after start"):
        mall.visits.coverage(start=lo, end=lo)
