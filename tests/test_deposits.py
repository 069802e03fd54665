"""Temporary storage 寄存 (O1), a lost receipt (L5), the hand-over to lost and found."""

from __future__ import annotations

import pendulum
import pytest

from mallops import Actor, InvalidTransition, Mall, ManualClock, MemoryStore, Policy, PolicyError
from mallops.errors import PermissionDenied, RecordNotFound, ValidationError
from mallops.frontdesk.deposit_rules import DepositPolicy
from mallops.report import build_report, month_period

TZ = "Asia/Shanghai"
DESK = Actor("desk-1", "front_desk", "customer_service", "前台小王")
STAFF = Actor("s-1", "staff", "engineering")


def _mall(store: MemoryStore | None = None, policy: Policy | None = None) -> Mall:
    clock = ManualClock(pendulum.datetime(2026, 10, 5, 10, tz=TZ))
    return Mall(store if store is not None else MemoryStore(), clock, policy)


def _deposit(mall: Mall, **kw: object) -> object:
    params = {"depositor": "王芳", "items": "购物袋两个", "pieces": 2, **kw}
    return mall.deposits.deposit(actor=DESK, **params)


def test_o1_receipt_numbers_run_per_property_and_year_never_reused() -> None:
    """Every deposit gets the next receipt number of its property and year (O1, G11)."""
    store = MemoryStore()
    a = _mall(store)
    b = Mall(store, a.clock, property="B")
    first = a.deposits.deposit(actor=DESK, depositor="王芳", items="伞", pieces=1)
    second = a.deposits.deposit(actor=DESK, depositor="李雷", items="箱子", pieces=1)
    other = b.deposits.deposit(actor=DESK, depositor="韩梅梅", items="包", pieces=1)
    assert [first.fields["receipt"], second.fields["receipt"]] == ["JC2026-00001", "JC2026-00002"]
    assert other.fields["receipt"] == "JC2026-00001"  # property B has its own sequence
    assert [h.event for h in first.history] == ["deposit", "issue_receipt"]
    a.deposits.return_item(first.id, actor=DESK, receipt="JC2026-00001", collected_by="王芳")
    third = a.deposits.deposit(actor=DESK, depositor="王芳", items="伞", pieces=1)
    assert third.fields["receipt"] == "JC2026-00003"  # a returned receipt is not reused
    assert a.deposits.by_receipt("jc2026-00003").id == third.id


def test_o1_two_processes_never_issue_the_same_receipt() -> None:
    """Two malls on one store (two processes) draw receipts from the store counter (O1)."""
    store = MemoryStore()
    one, two = _mall(store), _mall(store)
    got = [
        m.deposits.deposit(actor=DESK, depositor="王", items="包", pieces=1).fields["receipt"]
        for m in (one, two, one, two)
    ]
    assert len(set(got)) == 4


def test_o1_receipt_format_is_policy_data() -> None:
    """The receipt format comes from the policy and must keep numbers unique (O1)."""
    sections = {"deposits": DepositPolicy}
    policy = Policy.from_dict(
        {"deposits": {"receipt_format": "{property}-{year}{month:02d}-{seq:03d}"}},
        sections=sections,
    )
    d = _deposit(_mall(policy=policy))
    assert d.fields["receipt"] == "default-202610-001"  # type: ignore[attr-defined]
    for bad in ("JC{seq}", "JC{year}-{when}-{seq}", "{year}{seq:q}"):
        with pytest.raises(PolicyError) as err:
            Policy.from_dict({"deposits": {"receipt_format": bad}}, sections=sections)
        assert err.value.key == "deposits.receipt_format"


def test_o1_valuables_are_inspected_or_sealed_and_custody_free_or_paid() -> None:
    """Declared valuables need an inspection or a seal; paid custody records its fee (O1)."""
    mall = _mall()
    with pytest.raises(ValidationError) as err:
        _deposit(mall, valuables="手提电脑")
    assert err.value.field == "valuables_check"
    with pytest.raises(ValidationError) as err:
        _deposit(mall, valuables="手提电脑", valuables_check="sealed")
    assert err.value.field == "seal_number"
    with pytest.raises(ValidationError) as err:
        _deposit(mall, fee="3.00")
    assert err.value.field == "fee"
    with pytest.raises(ValidationError) as err:
        _deposit(mall, custody="paid", fee="-1")
    assert err.value.field == "fee"
    assert mall.query(kind="deposit") == []  # every failure left nothing behind
    sealed = _deposit(mall, valuables="手提电脑", valuables_check="sealed", seal_number="F-7")
    paid = _deposit(mall, custody="paid")
    entered = _deposit(mall, custody="paid", fee="8.5")
    free = _deposit(mall)
    assert sealed.fields["seal_number"] == "F-7"  # type: ignore[attr-defined]
    assert paid.fields["fee"] == "5.00"  # type: ignore[attr-defined]
    assert entered.fields["fee"] == "8.50"  # type: ignore[attr-defined]
    assert free.fields["custody"] == "free"
    assert free.fields["fee"] == "0.00"


def test_o1_return_needs_the_matching_receipt() -> None:
    """An item is returned against its receipt; a wrong number is refused, nothing changes."""
    mall = _mall()
    d = _deposit(mall)
    with pytest.raises(InvalidTransition, match="receipt"):
        mall.deposits.return_item(d.id, actor=DESK, receipt="JC2026-99999", collected_by="王芳")  # type: ignore[attr-defined]
    assert mall.get(d.id) == d  # type: ignore[attr-defined]
    done = mall.deposits.return_item(
        d.id,  # type: ignore[attr-defined]
        actor=DESK,
        receipt="jc2026-00001",
        collected_by="王芳",
    )
    assert done.state == "returned"
    assert done.fields["returned"]["against"] == "receipt"
    assert mall.replay(done.id) == done  # G6


def test_l5_lost_receipt_needs_identity_verification() -> None:
    """Without the receipt the claimant states the items and shows an ID (masked, G7); a
    failed check is recorded and the item stays; a verified one is released (L5)."""
    mall = _mall()
    d = _deposit(mall)
    did = d.id  # type: ignore[attr-defined]
    with pytest.raises(InvalidTransition, match="verify_identity"):
        mall.deposits.return_verified(did, actor=DESK)
    claim = {"claimant": "王芳", "items": "两个购物袋", "id_type": "resident_id"}
    mall.deposits.lost_receipt(did, actor=DESK, id_number="110101199001011234", **claim)
    stored = mall.get(did).fields["claims"][-1]["id_number"]
    assert stored.endswith("1234")
    assert "1101011990" not in stored
    with pytest.raises(InvalidTransition, match="L5"):
        mall.deposits.verify_identity(did, actor=DESK, items_match=True, id_checked=False)
    r = mall.deposits.reject_claim(did, actor=DESK, reason="证件与本人不符")
    assert r.state == "held"
    assert r.fields["failed_checks"] == 1
    mall.deposits.lost_receipt(did, actor=DESK, id_number="110101199001011234", **claim)
    mall.deposits.verify_identity(did, actor=DESK, items_match=True, id_checked=True)
    out = mall.deposits.return_verified(did, actor=DESK)
    assert out.state == "returned"
    assert out.fields["returned"]["against"] == "identity"
    assert out.fields["returned"]["id_number"] == stored
    assert mall.replay(did) == out
    raw = {**claim, "id_number": "110101199001011234"}
    d2 = _deposit(mall)
    with pytest.raises(InvalidTransition, match="masked"):
        mall.deposits.fire(d2.id, "lost_receipt", actor=DESK, **raw)  # type: ignore[attr-defined]


def test_o1_left_past_the_custody_period_goes_to_lost_and_found_linked_both_ways() -> None:
    """The custody timer hands an uncollected item to lost and found in its own commit:
    a found item opened through the lost-and-found service, linked both ways (O1, L1)."""
    mall = _mall()
    d = _deposit(mall, contact="13800138000", valuables="金项链", valuables_check="inspected")
    did = d.id  # type: ignore[attr-defined]
    mall.clock.advance(days=29)  # type: ignore[attr-defined]
    mall.tick()
    assert mall.get(did).state == "held"
    mall.clock.advance(days=2)  # type: ignore[attr-defined]
    mall.tick()
    mall.tick()  # a second ticker finds nothing more to do: no duplicate found item
    d = mall.get(did)
    assert d.state == "handed_over"
    items = mall.query(kind="lost_item")
    assert len(items) == 1
    item = items[0]
    assert [(x.relation, x.record_id) for x in d.links] == [("lost_item", item.id)]
    assert [(x.relation, x.record_id) for x in item.links] == [("deposit", did)]
    assert item.fields["has_owner_contact"] is True  # L6: kept as an item with contact
    assert "JC2026-00001" in item.fields["features"]
    assert mall.replay(did) == d
    assert mall.replay(item.id) == item
    with pytest.raises(InvalidTransition):
        mall.deposits.return_item(did, actor=DESK, receipt="JC2026-00001", collected_by="王")


def test_o1_roles_and_bad_input_name_the_field() -> None:
    """Only the desk roles take deposits in (G5); bad input names its field."""
    mall = _mall()
    with pytest.raises(PermissionDenied):
        mall.deposits.deposit(actor=STAFF, depositor="王", items="包", pieces=1)
    with pytest.raises(ValidationError) as err:
        mall.deposits.deposit(actor=DESK, depositor="王", items="包", pieces=0)
    assert err.value.field == "pieces"
    with pytest.raises(RecordNotFound):
        mall.deposits.return_item("DP-999999", actor=DESK, receipt="x", collected_by="王")
    with pytest.raises(ValidationError) as err:
        mall.deposits.by_receipt("nope")
    assert err.value.field == "receipt"
    assert mall.query() == []


def test_link_in_checks_the_relation_and_the_other_record() -> None:
    """WorkflowService.link_in links records of this property by name (G11)."""
    mall = _mall()
    d = _deposit(mall)
    did = d.id  # type: ignore[attr-defined]
    svc = mall.deposits
    for relation in ("", "_x", "Bad", "two words"):
        with pytest.raises(ValidationError) as err:
            svc.runtime.run(
                lambda b, rel=relation: svc.link_in(b, did, rel, did, svc.runtime.now())
            )
        assert err.value.field == "relation"
    with pytest.raises(RecordNotFound):
        svc.runtime.run(lambda b: svc.link_in(b, did, "other", "DP-424242", svc.runtime.now()))
    assert mall.get(did) == d


def test_o1_report_section_in_both_languages() -> None:
    """The report shows deposits returned, handed over, held and paid custody (O1)."""
    mall = _mall()
    a = _deposit(mall, custody="paid", fee="6")
    _deposit(mall)
    mall.deposits.return_item(a.id, actor=DESK, receipt="JC2026-00001", collected_by="王芳")  # type: ignore[attr-defined]
    for lang, title in (("zh", "临时寄存"), ("en", "Temporary storage")):
        report = build_report(mall, *month_period("2026-10", mall), lang=lang)
        section = report.section("deposits")
        assert section is not None
        assert section.title == title
        table = report.table("deposits")
        assert table is not None
        counts = dict(zip(table.keys, (row[1] for row in table.rows), strict=True))
        assert counts["deposited"] == 2
        assert counts["returned_receipt"] == 1
        assert counts["held"] == 1
        custody = report.table("deposit_custody")
        assert custody is not None
        assert custody.rows[1][1:] == (1, 6.0)
