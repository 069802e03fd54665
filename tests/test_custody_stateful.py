"""Temporary storage (O1, L5) as a Hypothesis state machine: receipts are unique and
never reused, returns need the matching receipt or a verified identity, and every
deposit left past its custody period is one found item, linked both ways."""

from __future__ import annotations

import pendulum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mallops import Actor, InvalidTransition, Mall, ManualClock, MemoryStore

DESK = Actor("desk-1", "front_desk", "customer_service")
ID = "110101199001011234"


class Custody(RuleBasedStateMachine):
    """Deposits, returns, lost receipts and the passing of time on one mall."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(pendulum.datetime(2026, 10, 5, 10, tz="Asia/Shanghai"))
        self.mall = Mall(MemoryStore(), self.clock)
        self.ids: list[str] = []
        self.receipts: dict[str, str] = {}

    @rule(pieces=st.integers(1, 5), paid=st.booleans())
    def deposit(self, pieces: int, paid: bool) -> None:
        d = self.mall.deposits.deposit(
            actor=DESK, depositor="王芳", items="包", pieces=pieces,
            custody="paid" if paid else "free",
        )  # fmt: skip
        self.ids.append(d.id)
        self.receipts[d.id] = d.fields["receipt"]

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), right=st.booleans())
    def return_item(self, data: st.DataObject, right: bool) -> None:
        rid = data.draw(st.sampled_from(self.ids))
        before = self.mall.get(rid)
        receipt = self.receipts[rid] if right else "JC1999-00000"
        try:
            self.mall.deposits.return_item(rid, actor=DESK, receipt=receipt, collected_by="王芳")
        except InvalidTransition:
            assert not right or before.state != "held" or self.mall.get(rid) != before
            return
        assert right, "a wrong receipt released an item (O1)"

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), ok=st.booleans())
    def lost_receipt(self, data: st.DataObject, ok: bool) -> None:
        rid = data.draw(st.sampled_from(self.ids))
        svc = self.mall.deposits
        try:
            svc.lost_receipt(rid, actor=DESK, claimant="王芳", items="包",
                             id_type="resident_id", id_number=ID)  # fmt: skip
            if ok:
                svc.verify_identity(rid, actor=DESK, items_match=True, id_checked=True)
                svc.return_verified(rid, actor=DESK)
            else:
                svc.reject_claim(rid, actor=DESK, reason="证件不符")
        except InvalidTransition:
            return

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)
        self.mall.tick()

    @invariant()
    def receipts_are_unique(self) -> None:
        numbers = [d.fields["receipt"] for d in self.mall.query(kind="deposit")]
        assert len(numbers) == len(set(numbers))

    @invariant()
    def returns_are_against_receipt_or_identity(self) -> None:
        for d in self.mall.query(kind="deposit", state="returned"):
            how = d.fields["returned"]["against"]
            if how == "identity":
                assert any(c["status"] == "returned" for c in d.fields["claims"])  # L5

    @invariant()
    def handed_over_deposits_are_one_found_item_linked_both_ways(self) -> None:
        items = self.mall.query(kind="lost_item")
        for d in self.mall.query(kind="deposit", state="handed_over"):
            mine = [i for i in items if any(x.record_id == d.id for x in i.links)]
            assert len(mine) == 1
            assert [x.record_id for x in d.links] == [mine[0].id]
        assert len(items) == len(self.mall.query(kind="deposit", state="handed_over"))


Custody.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
TestCustody = Custody.TestCase
