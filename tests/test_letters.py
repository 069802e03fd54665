"""Notices and letters 发文 (rule O3, 003 篇3 4.8), a shipped plug-in (mall.letters).

draft → approval → seal request → sealed → delivered → tenant signature → archived,
each step with who and when; the signature deadline per notice type escalates; the
rectification letter 整改函's deadline is tracked and re-inspected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mallops import (
    Actor,
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
from mallops.frontdesk.letter_policy import LetterPolicy, letters_section
from mallops.frontdesk.letter_spec import LETTER
from mallops.frontdesk.letters import LETTERS, LetterService
from mallops.report import build_report, month_period

from .conftest import DESK, GM, at

ROOT = Path(__file__).resolve().parent.parent
SECURITY = Actor("sec-1", "staff", "security", "Security One")
SEC_MANAGER = Actor("sec-mgr", "department_manager", "security", "Security Manager")
CLEANER = Actor("clean-1", "staff", "cleaning", "Cleaner One")
START = at(2026, 10, 12, 10)  # Monday, a working day after the National Day holiday


def make(policy: Policy | None = None) -> tuple[Mall, ManualClock, LetterService]:
    clock = ManualClock(START)
    mall = Mall(MemoryStore(), clock, policy or Policy.seed())
    return mall, clock, mall.letters


def delivered(svc: LetterService, **kw: Any) -> Any:
    params: dict[str, Any] = {
        "type": "fire_safety_inspection",
        "title": "十月消防安全检查通知",
        "body": "10月15日9:00消防检查，请配合",
        "tenant": "T-000001",
    }
    params.update(kw)
    n = svc.draft(actor=SECURITY, **params)
    n = svc.approve(n.id, actor=SEC_MANAGER)
    n = svc.request_seal(n.id, actor=DESK)
    n = svc.seal(n.id, actor=GM)
    return svc.deliver(n.id, actor=DESK, delivered_to="张店长")


def test_o3_every_step_from_draft_to_archive_with_who_and_when() -> None:
    """Rule O3: draft → approve → seal request → seal → deliver → signature → archive;
    each step is kept with who and when, and the history replays to the record (G6)."""
    mall, clock, svc = make()
    n = delivered(svc)
    clock.advance(hours=3)
    n = svc.sign(n.id, actor=DESK, signed_by="张店长")
    assert n.state == "signed"
    n = svc.archive(n.id, actor=DESK, folder="2026/消防通知")
    assert n.state == "archived"
    assert not n.is_open
    steps = n.fields["steps"]
    assert list(steps) == [
        "drafted",
        "approved",
        "seal_requested",
        "sealed",
        "delivered",
        "signed",
        "archived",
    ]
    assert steps["approved"]["by"] == SEC_MANAGER.id
    assert steps["sealed"] == {"by": GM.id, "role": "general_manager", "at": START.isoformat()}
    assert steps["signed"]["at"] == START.add(hours=3).isoformat()
    assert n.fields["folder"] == "2026/消防通知"
    assert n.tenant == "T-000001"
    assert n.department == "security"
    assert mall.replay(n.id) == n


def test_o3_signature_deadline_per_type_escalates_and_chases() -> None:
    """Rule O3: a delivered notice unsigned after its type's ``sign_within`` escalates
    one level, and again after ``chase_after``; a signature stops the deadline."""
    mall, clock, svc = make()
    n = delivered(svc)  # fire-safety notice: 2 working days
    assert n.timer("signature").due_at == at(2026, 10, 14, 10)
    r = delivered(svc, type="rectification", title="整改函", body="通道堵塞", tenant="T-2")
    assert r.timer("signature").due_at == at(2026, 10, 13, 10)  # 整改函: 1 working day
    clock.set(at(2026, 10, 14, 9))
    mall.tick()
    assert mall.get(n.id).escalation_level == 0
    assert mall.get(r.id).escalations[0].role == "department_manager"
    clock.set(at(2026, 10, 15, 11))
    mall.tick()
    n = mall.get(n.id)
    assert [(e.level, e.role, e.cause) for e in n.escalations] == [
        (1, "department_manager", "timer:signature"),
        (2, "property_manager", "timer:signature"),
    ]
    assert n.fields["signature_overdue"] is True
    n = svc.sign(n.id, actor=DESK, signed_by="张店长")
    assert not n.timer("signature").active
    assert n.timer("signature").breached
    assert [x.id for x in svc.unsigned()] == [r.id]


def test_o3_the_policy_sets_each_types_deadline() -> None:
    """Rule O3: the signature deadline is policy data, per notice type."""
    policy = Policy.from_dict(
        {"letters": {"types": {"general": {"sign_within": "5 working days"}}}},
        sections={"letters": LetterPolicy},
    )
    _, _, svc = make(policy)
    n = delivered(svc, type="general", title="通知", body="内容")
    assert n.timer("signature").due_at == at(2026, 10, 19, 10)
    assert policy.section("letters", LetterPolicy).types["fire_safety_inspection"].monthly


def test_o3_rectification_letter_deadline_runs_from_the_signature() -> None:
    """Rule O3 (4.8.1): the rectification letter follows its notice, to the same
    tenant; its deadline runs from the signature (``rectify_days`` working days, else
    the type's ``rectify_within``) and an overdue rectification escalates."""
    mall, clock, svc = make()
    notice = svc.sign(delivered(svc).id, actor=DESK, signed_by="张店长")
    r = svc.rectification_for(
        notice.id,
        actor=SECURITY,
        title="消防整改通知函",
        body="检查发现消防通道堵塞",
        items=["清理消防通道", "更换过期灭火器"],
        rectify_days=3,
    )
    assert r.tenant == notice.tenant
    assert r.department == "security"
    assert [(x.relation, x.record_id) for x in r.links] == [("follows", notice.id)]
    r = svc.approve(r.id, actor=SEC_MANAGER)
    r = svc.request_seal(r.id, actor=DESK)
    r = svc.seal(r.id, actor=GM)
    r = svc.deliver(r.id, actor=DESK, delivered_to="张店长")
    r = svc.sign(r.id, actor=DESK, signed_by="张店长")
    assert r.state == "rectifying"
    assert r.fields["rectify_until"] == at(2026, 10, 15, 10).isoformat()
    assert r.timer("rectification").due_at == at(2026, 10, 15, 10)
    clock.set(at(2026, 10, 15, 10, 0, 1))
    mall.tick()
    r = mall.get(r.id)
    assert r.fields["rectification_overdue"] is True
    assert [(e.level, e.cause) for e in r.escalations] == [(1, "timer:rectification")]
    assert [x.id for x in svc.rectifying()] == [r.id]


def test_o3_reinspection_failed_sets_a_further_deadline_then_escalates() -> None:
    """Rule O3: a failed re-inspection sets a further deadline (``rectify_days`` or
    ``rectify_again_within``); the ``failed_reinspections``-th failure escalates; a
    passed one closes the rectification and the letter is archived."""
    mall, clock, svc = make()
    r = delivered(svc, type="rectification", title="整改函", body="堵塞", items=["清理"])
    r = svc.sign(r.id, actor=DESK, signed_by="张店长")
    assert r.timer("rectification").due_at == at(2026, 10, 19, 10)  # 5 working days
    clock.set(at(2026, 10, 16, 10))
    r = svc.reinspect(r.id, actor=SECURITY, passed=False, note="仍有杂物")
    assert r.state == "rectifying"
    assert r.timer("rectification").due_at == at(2026, 10, 21, 10)  # 3 working days
    assert r.escalation_level == 0
    r = svc.reinspect(r.id, actor=SECURITY, passed=False, rectify_days=1)
    assert r.timer("rectification").due_at == at(2026, 10, 19, 10)
    assert r.fields["failed_reinspections"] == 2
    assert [(e.level, e.cause) for e in r.escalations] == [(1, "reinspection_failed")]
    r = svc.reinspect(r.id, actor=SEC_MANAGER, passed=True, note="已清理")
    assert r.state == "rectified"
    assert not r.timer("rectification").active
    assert [x["result"] for x in r.fields["reinspections"]] == ["failed", "failed", "passed"]
    r = svc.archive(r.id, actor=DESK)
    assert "rectified" in r.fields["steps"]
    assert mall.replay(r.id) == r


def test_o3_send_back_and_withdraw() -> None:
    """Rule O3: an approver sends a letter back for revision (reason kept; approval and
    seal request dropped); a manager withdraws a letter not yet signed."""
    mall, _, svc = make()
    n = svc.draft(actor=SECURITY, type="general", title="通知", body="初稿", tenant="T-1")
    n = svc.approve(n.id, actor=SEC_MANAGER)
    n = svc.request_seal(n.id, actor=DESK)
    n = mall.fire(n.id, "send_back", actor=GM, reason="措辞需修改")
    assert n.state == "draft"
    assert list(n.fields["steps"]) == ["drafted", "sent_back"]
    assert n.history[-1].reason == "措辞需修改"
    n = mall.fire(n.id, "revise", actor=SECURITY, body="修改稿")
    assert n.fields["body"] == "修改稿"
    n = svc.withdraw(n.id, actor=SEC_MANAGER, reason="不再需要")
    assert n.state == "withdrawn"


@pytest.mark.parametrize(
    ("event", "actor", "params"),
    [
        ("approve", DESK, {}),  # only leaders approve (4.8.4)
        ("approve", SECURITY, {}),
        ("seal", DESK, {}),  # the general manager's office seals
        ("withdraw", DESK, {"reason": "x"}),
    ],
)
def test_o3_roles_per_event(event: str, actor: Actor, params: dict[str, Any]) -> None:
    """Rule O3 (G5): who may fire each event: leaders approve, the general manager's
    office seals, managers withdraw; others get PermissionDenied and nothing changes."""
    mall, _, svc = make()
    n = svc.draft(actor=SECURITY, type="general", title="通知", body="内容", tenant="T-1")
    if event == "seal":
        n = svc.request_seal(svc.approve(n.id, actor=SEC_MANAGER).id, actor=DESK)
    before = mall.get(n.id)
    with pytest.raises(PermissionDenied):
        mall.fire(n.id, event, actor=actor, **params)
    assert mall.get(n.id) == before


def test_o3_reinspection_belongs_to_the_letters_department() -> None:
    """Rule O3 (G5, C4): the re-inspection is the drafting department's: staff of
    another department are refused."""
    mall, _, svc = make()
    r = delivered(svc, type="rectification", title="整改函", body="堵塞")
    r = svc.sign(r.id, actor=DESK, signed_by="张店长")
    with pytest.raises(PermissionDenied):
        svc.reinspect(r.id, actor=CLEANER, passed=True)
    assert mall.get(r.id).state == "rectifying"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "memo"}, "type"),
        ({"title": ""}, "title"),
        ({"tenant": 7}, "tenant"),
        ({"department": "kitchen"}, "department"),
        ({"items": ["清理"]}, "items"),  # a fire-safety notice orders nothing
        ({"rectify_days": 3}, "rectify_days"),
        ({"type": "rectification", "rectify_days": 0}, "rectify_days"),
    ],
)
def test_o3_bad_input_names_the_field_and_changes_nothing(
    params: dict[str, Any], field: str
) -> None:
    """Bad input to a letter is a ValidationError naming the field; nothing is stored."""
    mall, _, svc = make()
    base: dict[str, Any] = {
        "type": "fire_safety_inspection",
        "title": "通知",
        "body": "内容",
        "tenant": "T-1",
    }
    with pytest.raises(ValidationError) as err:
        svc.draft(actor=SECURITY, **{**base, **params})
    assert err.value.field == field
    assert mall.query() == []


def test_o3_wrong_state_and_wrong_service_input() -> None:
    """Rule O3: events out of order are InvalidTransition; reinspect() refuses a
    further deadline on a pass and a non-boolean result."""
    _, _, svc = make()
    n = svc.draft(actor=SECURITY, type="general", title="通知", body="内容", tenant="T-1")
    with pytest.raises(InvalidTransition):
        svc.seal(n.id, actor=GM)
    with pytest.raises(InvalidTransition):
        svc.reinspect(n.id, actor=SECURITY, passed=True)
    with pytest.raises(ValidationError) as err:
        svc.reinspect(n.id, actor=SECURITY, passed=True, rectify_days=2)
    assert err.value.field == "rectify_days"
    with pytest.raises(ValidationError) as err:
        svc.reinspect(n.id, actor=SECURITY, passed="yes")  # type: ignore[arg-type]
    assert err.value.field == "passed"
    notice = svc.sign(delivered(svc).id, actor=DESK, signed_by="x")
    with pytest.raises(ValidationError) as err:
        svc.rectification_for(
            notice.id, actor=SECURITY, title="t", body="b", items=[], type="general"
        )
    assert err.value.field == "type"


def test_o3_monthly_notice_goes_to_every_trading_tenant() -> None:
    """Rule O3 (4.8.1): the monthly fire-safety inspection notice is drafted for every
    tenant still trading, one letter each, in one commit; the report shows coverage."""
    mall, _, svc = make()
    tenants = [
        mall.tenants.register(
            actor=GM,
            name=f"店{i}",
            unit=f"1F-{i:03d}",
            trade="retail",
            contact="店长",
            phone="13800000000",
            lease_start="2026-01-01",
        ).id
        for i in range(3)
    ]
    letters = svc.monthly_notice(actor=SECURITY, title="十月消防安全检查通知", body="检查")
    assert sorted(r.tenant or "" for r in letters) == sorted(tenants)
    assert {r.fields["type"] for r in letters} == {"fire_safety_inspection"}
    with pytest.raises(ValidationError) as err:
        svc.monthly_notice(actor=SECURITY, title="t", body="b", tenants=["T-1", "T-1"])
    assert err.value.field == "tenants"
    with pytest.raises(PolicyError):
        svc.monthly_notice(actor=SECURITY, title="t", body="b", type="memo")
    report = build_report(mall, *month_period("2026-10", mall), lang="en")
    section = report.section("letters")
    assert section is not None
    assert section.notes == (
        "fire-safety inspection notice: 3 of 3 trading tenants reached this period",
    )


def test_o3_report_section_by_type() -> None:
    """Rule O3: the report counts drafted, delivered, signed, signed in time, overdue
    signatures and withdrawn letters per type, and tracks rectification letters."""
    mall, clock, svc = make()
    svc.sign(delivered(svc).id, actor=DESK, signed_by="x")
    late = delivered(svc, tenant="T-2")
    r = delivered(svc, type="rectification", title="整改函", body="b", tenant="T-3")
    svc.sign(r.id, actor=DESK, signed_by="y")  # rectification due Mon 10-19 10:00
    clock.advance(days=8)
    mall.tick()
    svc.sign(late.id, actor=DESK, signed_by="z")
    report = build_report(mall, *month_period("2026-10", mall), lang="zh")
    section = report.section("letters")
    assert section is not None
    by_type = section.tables[0]
    assert by_type.keys == ("fire_safety_inspection", "rectification")
    assert by_type.rows[0] == ("消防安全检查通知", 2, 2, 2, 1, 1, 0)
    rect = section.tables[1]
    assert dict(zip(rect.keys, (row[1] for row in rect.rows), strict=True)) == {
        "letters": 1,
        "passed": 0,
        "rectifying": 1,
        "overdue": 1,
        "failed": 0,
    }


def test_o3_the_policy_section_is_checked() -> None:
    """Rule O3: the ``[letters]`` section's mistakes name the dotted key."""
    bad = [
        ({"ladder": []}, "letters.ladder"),
        ({"types": {"x": {"zh": "甲"}}}, "letters.types.x"),
        ({"failed_reinspections": 0}, "letters.failed_reinspections"),
        ({"chase_after": "soon"}, "letters.chase_after"),
    ]
    for data, key in bad:
        with pytest.raises(PolicyError) as err:
            Policy.from_dict({"letters": data}, sections={"letters": LetterPolicy})
        assert err.value.key == key


def test_o3_the_workflow_is_shipped_without_collision() -> None:
    """The shipped kind is ``letter`` (``mall.letters``, ``[letters]``): the docs'
    own example plug-in ``notice`` (``mall.notices``) still registers beside it."""
    from mallops.frontdesk import FRONT_DESK_WORKFLOWS
    from mallops.plugins import load_workflow

    assert LETTERS in FRONT_DESK_WORKFLOWS
    example = load_workflow(f"{ROOT / 'examples' / 'notice_approval.py'}:NOTICE_WORKFLOW")
    mall = Mall(workflows=[example])
    assert {"letter", "notice"} <= set(mall.services)
    assert mall.letters is mall.service("letter")


def test_o3_docs_page_embeds_the_generated_diagram() -> None:
    """docs/front-desk.md shows the letter workflow's diagram generated from its spec."""
    page = (ROOT / "docs" / "front-desk.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid(LETTER, 'en')}```" in page


def test_o3_a_policy_change_keeps_the_plugin_sections() -> None:
    """A policy change to a policy without the shipped plug-ins' sections keeps their
    defaults (as ``Mall()`` does), and one that carries the section applies it."""
    mall, _, svc = make()
    n = delivered(svc)
    seed = Policy.seed()
    mall.change_policy(seed, actor=GM, reason="年度策略")
    assert letters_section(mall.policy) == LetterPolicy()  # its defaults apply
    assert mall.policy.section("letters", LetterPolicy) == LetterPolicy()  # and are kept
    n = svc.sign(n.id, actor=DESK, signed_by="店长")
    longer = Policy.from_dict(
        {"letters": {"types": {"fire_safety_inspection": {"sign_within": "4 working days"}}}},
        sections={"letters": LetterPolicy},
    )
    mall.change_policy(longer, actor=GM, reason="签收期限放宽")
    kinds = letters_section(mall.policy).types
    assert kinds["fire_safety_inspection"].sign_within.amount == 4
    m = delivered(svc, tenant="T-2")
    assert m.timer("signature").due_at == at(2026, 10, 16, 10)  # 4 working days
    assert mall.replay(n.id) == mall.get(n.id)
