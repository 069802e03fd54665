"""Notices and letters (rule O3) driven by random operations (Hypothesis stateful test).

After every step: the steps kept with who and when match the state (O3); a letter left
unsigned past its type's deadline has escalated (O3); a letter being rectified has a
running deadline that is the one recorded (O3); repeated failed re-inspections
escalated (O3); and mallops' own invariants hold (replay, timers, history, G6).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, ClassVar

import pendulum
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mallops import Actor, Duration, Mall, ManualClock, MemoryStore, Policy, Record
from mallops.frontdesk.letter_policy import LetterPolicy
from mallops.frontdesk.letters import LetterService
from mallops.testing import check_invariants

from .conftest import DESK, GM, at
from .stateful_helpers import attempt, pass_time

SECURITY = Actor("sec-1", "staff", "security")
SEC_MANAGER = Actor("sec-mgr", "department_manager", "security")
NEEDS = {
    "draft": ("drafted",),
    "approved": ("drafted", "approved"),
    "seal_requested": ("approved", "seal_requested"),
    "sealed": ("approved", "seal_requested", "sealed"),
    "delivered": ("sealed", "delivered"),
    "signed": ("delivered", "signed"),
    "rectifying": ("delivered", "signed"),
    "rectified": ("signed", "rectified"),
    "archived": ("archived",),
    "withdrawn": ("withdrawn",),
}
NEVER = {"draft": ("sealed", "delivered", "signed"), "delivered": ("signed",)}


class LetterMachine(RuleBasedStateMachine):
    """Random drafts of every type, every step by the right actor, time and ticks."""

    #: the signature deadline the invariant expects, per type (``None``: the policy's)
    expected_sign_within: ClassVar[Duration | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(at(2026, 3, 2, 10))
        self.mall = Mall(MemoryStore(), self.clock, Policy.seed())
        self.svc = self.mall.registry.of("letter", LetterService)
        self.policy = self.mall.policy.section("letters", LetterPolicy)

    def letters(self) -> list[Record]:
        return self.svc.query()

    def attempt(self, operation: Any) -> None:
        attempt(self.mall, operation)

    @rule(kind=st.sampled_from(["fire_safety_inspection", "rectification", "general"]),
          days=st.none() | st.integers(1, 8))  # fmt: skip
    def draft(self, kind: str, days: int | None) -> None:
        rectifies = self.policy.types[kind].rectification
        self.attempt(
            lambda: self.svc.draft(
                actor=SECURITY,
                type=kind,
                title="通知",
                body="内容",
                tenant="T-000001",
                rectify_days=days if rectifies else None,
            )
        )

    @precondition(lambda self: bool(self.letters()))
    @rule(data=st.data(), passed=st.booleans(), days=st.none() | st.integers(1, 5))
    def step(self, data: st.DataObject, passed: bool, days: int | None) -> None:
        letter = data.draw(st.sampled_from(self.letters()))
        rid = letter.id
        svc = self.svc
        moves = {
            "draft": lambda: svc.approve(rid, actor=SEC_MANAGER),
            "approved": lambda: svc.request_seal(rid, actor=DESK),
            "seal_requested": lambda: svc.seal(rid, actor=GM),
            "sealed": lambda: svc.deliver(rid, actor=DESK, delivered_to="店长"),
            "delivered": lambda: svc.sign(rid, actor=DESK, signed_by="店长"),
            "signed": lambda: svc.archive(rid, actor=DESK),
            "rectifying": lambda: svc.reinspect(
                rid, actor=SECURITY, passed=passed, rectify_days=None if passed else days
            ),
            "rectified": lambda: svc.archive(rid, actor=DESK),
        }
        move = moves.get(letter.state)
        if move is not None:
            self.attempt(move)

    @precondition(lambda self: bool(self.letters()))
    @rule(data=st.data())
    def withdraw_or_send_back(self, data: st.DataObject) -> None:
        letter = data.draw(st.sampled_from(self.letters()))
        event = data.draw(st.sampled_from(["withdraw", "send_back"]))
        self.attempt(lambda: self.mall.fire(letter.id, event, actor=GM, reason="调整"))

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """Time passes, in steps that cross every duration of the policy (clock_steps)."""
        pass_time(self.mall, self.clock, data)

    @invariant()
    def steps_match_the_state(self) -> None:
        for r in self.letters():
            steps = r.fields["steps"]
            for name in NEEDS[r.state]:
                assert name in steps, (r.id, r.state, list(steps))
            for name in NEVER.get(r.state, ()):
                assert name not in steps, (r.id, r.state, list(steps))
            for s in steps.values():
                assert s["by"]
                assert s["at"]

    @invariant()
    def unsigned_past_the_deadline_has_escalated(self) -> None:
        cal = self.mall.calendar
        for r in self.letters():
            if r.state != "delivered":
                continue
            t = self.policy.types[r.fields["type"]]
            within = self.expected_sign_within or t.sign_within
            delivered = r.fields["steps"]["delivered"]["at"]
            due = cal.add(cal_time(delivered, cal.tz), within)
            if self.clock.now() > due:
                assert r.escalation_level >= 1, (r.id, due)
                assert r.fields.get("signature_overdue")

    @invariant()
    def rectification_deadline_runs_while_rectifying(self) -> None:
        for r in self.letters():
            timer = r.timer("rectification")
            if r.state == "rectifying":
                assert timer is not None
                assert timer.active
                due = timer.due_at
                assert due is not None
                assert r.fields["rectify_until"] == due.isoformat()
                if timer.breached:
                    assert r.escalation_level >= 1
            elif r.state in ("rectified", "archived") and timer is not None:
                assert not timer.active
            if int(r.fields.get("failed_reinspections", 0)) >= self.policy.failed_reinspections:
                assert r.escalation_level >= 1

    @invariant()
    def mallops_invariants(self) -> None:
        check_invariants(self.mall)


def cal_time(value: str, tz: str) -> pendulum.DateTime:
    """A stored ISO time in the calendar's timezone."""
    return pendulum.instance(_dt.datetime.fromisoformat(value)).in_timezone(tz)


SETTINGS = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
LetterMachine.TestCase.settings = SETTINGS
TestLetterMachine = LetterMachine.TestCase


class WrongSignatureRule(LetterMachine):
    """The signature invariant with a wrong number: every type expected signed within
    1 working day (the fire-safety notice has 2).  Each run starts with a delivered
    fire-safety notice; mallops' own (slow) invariants are left to the real machine."""

    expected_sign_within = Duration(1, "working days")

    @initialize()
    def a_delivered_notice(self) -> None:
        n = self.svc.draft(
            actor=SECURITY, type="fire_safety_inspection", title="通知", body="内容", tenant="T-1"
        )
        n = self.svc.request_seal(self.svc.approve(n.id, actor=SEC_MANAGER).id, actor=DESK)
        self.svc.deliver(self.svc.seal(n.id, actor=GM).id, actor=DESK, delivered_to="店长")

    def mallops_invariants(self) -> None:  # type: ignore[override]
        """Not checked here (see LetterMachine)."""


def test_a_wrong_signature_rule_fails() -> None:
    """The signature invariant is real: the wrong number is caught by the machine."""
    with pytest.raises(AssertionError):
        run_state_machine_as_test(
            WrongSignatureRule,
            settings=settings(
                max_examples=60,
                stateful_step_count=40,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            ),
        )
