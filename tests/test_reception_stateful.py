"""Stateful property test: the reception log and difficult cases (G12, G13).

Random calls and visits by a small pool of people, answered, converted, linked as repeat
contacts (to proposals or to anything, to exercise refusals); complaints and repairs
handled, referred and coordinated; time passes and the ticker runs.  After every step:

* every converted reception and its target link to each other, and nothing links to a
  reception it was not converted from (G12: both ways, one commit);
* every linked reception names an open-at-the-time matter whose history records it, and
  every ``repeat_contact`` link of a matter points back (G12);
* proposals are open records other than the contact itself, matching on what they say;
* a case has at most one referral waiting, each outcome follows its referral (G13);
* a reception's answer timer runs exactly while it is logged;
* mallops' own invariants (mallops.testing.check_invariants: history replay reproduces
  every record, G6); an operation that raised changed nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mallops import Mall, MallopsError, ManualClock, MemoryStore, Record
from mallops.frontdesk import reception_links
from mallops.plugins import Link
from mallops.testing import check_invariants
from mallops.workflows import open_referral

from .conftest import CS_HEAD, DEPT_MANAGER, DESK, GM, STAFF, at

ACTORS = (DESK, DESK, STAFF, DEPT_MANAGER, CS_HEAD, GM)
PEOPLE = (("李雷", "13800000001"), ("韩梅梅", "139 0000 0002"), ("王芳", "+86 13700000003"))
PLACES = (None, "B1", "3F")
CASE_EVENTS = {
    "complaint": ("assign", "contact", "reply", "resolve", "dismiss"),
    "repair": ("dispatch", "arrive", "start", "complete", "cancel"),
}


def _case_params(mall: Mall, event: str) -> dict[str, Any]:
    return {
        "assign": {"department": "cleaning", "assignee": "clean-1"},
        "reply": {"message": "on it", "promised_by": mall.now().add(hours=8)},
        "resolve": {"resolution": "done"},
        "dismiss": {"explanation": "outside our remit"},
        "dispatch": {"technician": "tech-1"},
        "complete": {"work_done": "fixed"},
        "cancel": {"reason": "duplicate"},
    }.get(event, {})


class Reception(RuleBasedStateMachine):
    """The reception log, its conversions and repeat contacts under random operations."""

    @initialize(tenant=st.booleans())
    def start(self, tenant: bool) -> None:
        self.clock = ManualClock(at(2026, 9, 28, 9))
        self.mall = Mall(MemoryStore(), self.clock)
        self.tenant: str | None = None
        if tenant:
            t = self.mall.tenants.register(
                actor=DESK, unit="1F-101", name="星巴克", trade="restaurant", contact="王经理",
                phone="13911112222", lease_start="2026-01-01",
            )  # fmt: skip
            self.tenant = t.id

    def _all(self) -> list[Record]:
        return self.mall.query()

    def _of(self, kind: str, **filters: Any) -> list[Record]:
        return self.mall.query(kind=kind, **filters)

    def _attempt(self, operation: Any) -> Any:
        before = self._all()
        try:
            return operation()
        except MallopsError as exc:
            event(f"refused: {type(exc).__name__}")
            assert self._all() == before, "a failed operation changed the store"
            return None

    @precondition(lambda self: len(self._of("reception", is_open=True)) < 5)
    @rule(
        person=st.sampled_from(PEOPLE),
        place=st.sampled_from(PLACES),
        with_tenant=st.booleans(),
        topic=st.sampled_from(["parking", "complaint", "repair", "other"]),
        channel=st.sampled_from(["phone", "walk_in", "wechat"]),
    )
    def log(self, person: tuple[str, str], place: str | None, with_tenant: bool, topic: str,
            channel: str) -> None:  # fmt: skip
        self.mall.receptions.log(
            actor=DESK, channel=channel, person=person[0], contact=person[1], topic=topic,
            matter="来电咨询", location=place, tenant=self.tenant if with_tenant else None,
        )  # fmt: skip

    @rule(data=st.data())
    def handle(self, data: st.DataObject) -> None:
        receptions = self._of("reception")
        if not receptions:
            return
        r = data.draw(st.sampled_from(receptions))
        actor = data.draw(st.sampled_from(ACTORS))
        how = data.draw(st.sampled_from(["answer", "complaint", "repair", "suggestion"]))
        service = self.mall.receptions
        ops = {
            "answer": lambda: service.answer(r.id, actor=actor, answer="已答复"),
            "complaint": lambda: service.to_complaint(r.id, actor=actor, location="B1"),
            "repair": lambda: service.to_repair(r.id, actor=actor, fault_type="water"),
            "suggestion": lambda: service.to_suggestion(r.id, actor=actor, topic="promotion"),
        }
        self._attempt(ops[how])

    @rule(data=st.data())
    def repeat(self, data: st.DataObject) -> None:
        receptions = self._of("reception", is_open=True)
        if not receptions:
            return
        r = data.draw(st.sampled_from(receptions))
        proposals = self.mall.receptions.candidates(r.id)
        for p in proposals:  # proposals are open records other than the contact itself
            found = self.mall.get(p.record_id)
            assert found.is_open
            assert found.id != r.id
            assert p.matched_on
            if "tenant" in p.matched_on:
                assert found.tenant == r.tenant
            if "location" in p.matched_on:
                assert found.location == r.location
        pool = [p.record_id for p in proposals] or [x.id for x in self._all()]
        matter = data.draw(st.sampled_from(pool)) if pool else r.id
        self._attempt(lambda: self.mall.receptions.link_repeat(r.id, actor=DESK, matter=matter))

    @rule(data=st.data())
    def work_on_a_case(self, data: st.DataObject) -> None:
        cases = self.mall.query(kind=("complaint", "repair"))
        if not cases:
            return
        c = data.draw(st.sampled_from(cases))
        actor = data.draw(st.sampled_from(ACTORS))
        which = data.draw(st.sampled_from([*CASE_EVENTS[c.kind], "refer", "coordinate"]))
        params = _case_params(self.mall, which)
        if which == "refer":
            params = {"difficulty": "两部门意见不一"}
        elif which == "coordinate":
            params = {"outcome": "已协调", "agreed": data.draw(st.booleans())}
        reason = params.pop("reason", None)
        self._attempt(lambda: self.mall.fire(c.id, which, actor=actor, reason=reason, **params))

    @rule(minutes=st.integers(1, 60 * 30))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.mall.tick()

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def links_go_both_ways(self) -> None:
        if not hasattr(self, "mall"):
            return
        records = {r.id: r for r in self._all()}
        for r in records.values():
            if r.kind == "reception" and r.state == "converted":
                target = records[r.fields["converted_to"]["record"]]
                assert Link(target.kind, target.id) in r.links
                assert Link("reception", r.id) in target.links, f"{target.id} not linked back"
                event(f"converted into a {target.kind}")
            if r.kind == "reception" and r.state == "linked":
                matter = records[r.fields["repeat_of"]]
                assert Link("repeat_contact", r.id) in matter.links, (
                    f"{matter.id}: no repeat_contact"
                )
                entry = next(h for h in matter.history if h.data.get("record") == r.id)
                finals = self.mall.service(matter.kind).engine.spec.final_states
                assert entry.from_state not in finals, f"{r.id} linked to closed {matter.id}"
                event(f"repeat contact on a {matter.kind}")
            for link in r.links:
                if link.relation == "reception":
                    source = records[link.record_id]
                    assert source.fields.get("converted_to", {}).get("record") == r.id
                if link.relation == "repeat_contact":
                    assert records[link.record_id].fields.get("repeat_of") == r.id

    @invariant()
    def referrals_are_consistent(self) -> None:
        if not hasattr(self, "mall"):
            return
        for c in self.mall.query(kind=("complaint", "repair")):
            refs = c.fields.get("referrals") or []
            events = [h.event for h in c.history]
            assert len(refs) == events.count("refer")
            assert sum("outcome" in x for x in refs) == events.count("coordinate")
            assert all("outcome" in x for x in refs[:-1]), "a second referral before an outcome"
            if open_referral(c.fields) is not None:
                event("a referral waiting")

    @invariant()
    def the_answer_timer_runs_while_logged(self) -> None:
        if not hasattr(self, "mall"):
            return
        for r in self._of("reception"):
            timer = r.timer("answer")
            assert timer is not None
            assert timer.active == (r.state == "logged")

    @invariant()
    def mallops_invariants_hold(self) -> None:
        if hasattr(self, "mall"):
            check_invariants(self.mall)  # states, timers, escalations, history, replay (G6)


TestReception = Reception.TestCase
TestReception.settings = settings(settings(), stateful_step_count=40)


def test_the_machine_catches_a_one_way_link(monkeypatch: pytest.MonkeyPatch) -> None:
    """The invariants can fail: with the link back broken (G12), the machine finds it."""
    monkeypatch.setattr(reception_links, "_link_back", lambda *_args: None)
    with pytest.raises(AssertionError, match=r"not linked back|no repeat_contact"):
        run_state_machine_as_test(
            Reception,
            settings=settings(
                max_examples=200,
                stateful_step_count=30,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                deadline=None,
                report_multiple_bugs=False,
                phases=(Phase.generate,),  # finding it is the point, not shrinking it
            ),
        )
