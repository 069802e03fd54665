"""Stateful property test of inspection plans, rounds, patrols and hazards (R8, R9).

Random plans (any area, frequency and calendar), clock jumps, ticks by two malls on one
store, random item checks, patrol check-ins, suspensions; after every step:

* every plan's rounds are numbered 1, 2, ... without a gap or a duplicate, their count
  is the plan's ``rounds`` and they opened in order (R9: never generated twice);
* after a tick no plan's schedule is overdue (every due round exists);
* a round past its deadline has escalated (R9);
* every failed item that calls for a repair order or hazard report has one, and that
  record links back to the round (R8); a completed round has a result for every item;
* mallops' own invariants (replay = record, G6); a refused operation changed nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
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
from mallops.operations import OPERATIONS_WORKFLOWS
from mallops.plugins import Reacting, Reaction, Workflow, WorkflowService
from mallops.testing import check_invariants

from .inspection_helpers import CLEANER, GUARD, MANAGER, OTHER_TECH, TECH, at

AREAS = ("lift", "fire_system", "cleaning_zone", "common_parts", "security_patrol")
DEPT = {"lift": "engineering", "fire_system": "engineering", "common_parts": "engineering"}
WORKERS = (TECH, OTHER_TECH, CLEANER, GUARD, MANAGER)
ROUND_KINDS = ("inspection_round", "patrol")


class Inspections(RuleBasedStateMachine):
    """Plans and their rounds under random operations, two tickers on one store."""

    def make_mall(self, store: MemoryStore, clock: ManualClock) -> Mall:
        """The mall under test (a subclass may register other workflows)."""
        return Mall(store, clock)

    @initialize()
    def start(self) -> None:
        self.clock = ManualClock(at(2026, 9, 28, 8))
        store = MemoryStore()
        self.mall = self.make_mall(store, self.clock)
        self.other = self.make_mall(store, self.clock)  # a second ticker on the same store

    def _snapshot(self) -> tuple[list[Record], int]:
        return self.mall.query(), len(self.mall.query())

    def attempt(self, operation: Any) -> None:
        before = self._snapshot()
        try:
            operation()
        except MallopsError:
            assert self._snapshot() == before  # a refused operation changes nothing

    @precondition(lambda self: len(self.mall.query(kind="inspection_plan")) < 4)
    @rule(
        area=st.sampled_from(AREAS),
        frequency=st.sampled_from(("daily", "weekly", "monthly", "yearly")),
        calendar=st.sampled_from(("business", "24x7")),
        hours=st.integers(0, 40),
    )
    def plan(self, area: str, frequency: str, calendar: str, hours: int) -> None:
        self.attempt(
            lambda: self.mall.inspection_plans.create(
                actor=MANAGER if DEPT.get(area) else _manager_of(area),
                area=area,
                title=f"{area} {frequency}",
                location="A区",
                checklist=["甲", "乙", "丙"],
                frequency=frequency,
                calendar=calendar,
                starts_at=self.clock.now().add(hours=hours),
            )
        )

    @rule(hours=st.sampled_from((1, 5, 9, 30, 80, 200, 800)))
    def advance(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule(which=st.booleans())
    def tick(self, which: bool) -> None:
        (self.mall if which else self.other).tick()
        now = self.clock.now()
        for plan in self.mall.query(kind="inspection_plan", state="active"):
            t = plan.timer("schedule")
            assert t is not None
            due = t.next_due()
            assert due is None or due >= now, plan.id  # every due round exists

    def _open_rounds(self) -> list[Record]:
        return self.mall.query(kind=ROUND_KINDS, is_open=True)

    @precondition(lambda self: bool(self._open_rounds()))
    @rule(data=st.data(), actor=st.sampled_from(WORKERS), passed=st.booleans())
    def work(self, data: st.DataObject, actor: Any, passed: bool) -> None:
        r = data.draw(st.sampled_from(self._open_rounds()))
        svc = self.mall.service(r.kind)
        item = data.draw(st.sampled_from([*r.fields["items"], "不存在"]))
        if r.state == "due":
            self.attempt(lambda: svc.fire(r.id, "start", actor=actor))
        elif r.kind == "patrol":
            event = data.draw(st.sampled_from(("check_in", "check_in", "hazard", "finish")))
            params = {"checkpoint": item, "description": "杂物"} if event == "hazard" else {}
            if event == "check_in":
                params = {"checkpoint": item}
            self.attempt(lambda: svc.fire(r.id, event, actor=actor, **params))
        else:
            event = data.draw(st.sampled_from(("check", "check", "check", "complete")))
            params = {"item": item, "passed": passed, "note": None if passed else "坏了"}
            params = {k: v for k, v in params.items() if v is not None}
            self.attempt(
                lambda: svc.fire(r.id, event, actor=actor, **(params if event == "check" else {}))
            )

    @precondition(lambda self: bool(self.mall.query(kind="inspection_plan", is_open=True)))
    @rule(data=st.data())
    def suspend_or_resume(self, data: st.DataObject) -> None:
        plan = data.draw(st.sampled_from(self.mall.query(kind="inspection_plan", is_open=True)))
        svc = self.mall.inspection_plans
        actor = MANAGER if DEPT.get(plan.category or "") else _manager_of(plan.category or "")
        if plan.state == "active":
            self.attempt(lambda: svc.fire(plan.id, "suspend", actor=actor, reason="检修"))
        else:
            self.attempt(lambda: svc.fire(plan.id, "resume", actor=actor))

    @invariant()
    def rounds_are_generated_once_and_in_order(self) -> None:
        if not hasattr(self, "mall"):
            return
        every = self.mall.query(kind=ROUND_KINDS)
        for plan in self.mall.query(kind="inspection_plan"):
            mine = sorted((r for r in every if r.fields.get("plan") == plan.id), key=lambda r: r.id)
            numbers = [r.fields["number"] for r in mine]
            assert len(numbers) == len(set(numbers)) == plan.fields["rounds"], plan.id
            assert numbers == sorted(numbers)
            assert [r.created_at for r in mine] == sorted(r.created_at for r in mine)

    @invariant()
    def late_rounds_escalate_and_findings_are_linked(self) -> None:
        if not hasattr(self, "mall"):
            return
        for r in self.mall.query(kind=ROUND_KINDS):
            t = r.timer("deadline")
            if t is not None and t.breached_at is not None:
                assert r.escalation_level >= 1, r.id
            for result in r.fields.get("results", []):
                if result["passed"] or result["follow_up"] == "none":
                    continue
                target = result.get(result["follow_up"])
                assert target is not None, (r.id, result)
                assert self.mall.get(target).fields["found_in"] == r.id
            if r.state == "completed":
                done = {x["item"] for x in r.fields["results"]}
                assert done == set(r.fields["items"])
        check_invariants(self.mall)


def _manager_of(area: str) -> Any:
    from .inspection_helpers import CLEANING_MGR, SECURITY_MGR

    return {"cleaning_zone": CLEANING_MGR, "security_patrol": SECURITY_MGR}.get(area, MANAGER)


Inspections.TestCase.settings = settings(  # max_examples: the profile's (tests/conftest.py)
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestInspections = Inspections.TestCase


def _twice(r: Reacting) -> None:
    """A broken R9 rule: the round falls due and is opened twice."""
    plan = r.after
    seen = len(r.before.history) if r.before is not None else 0
    for entry in r.after.history[seen:]:
        if entry.event == "round_due":
            service = r.services.of("inspection_round", WorkflowService)
            params = {
                "plan": plan.id,
                "area": plan.fields["area"],
                "title": "dup",
                "location": "A区",
                "items": ["甲"],
                "frequency": plan.fields["frequency"],
                "number": int(entry.data.get("k", 0)) + 1,
            }
            service.create_as_system(r.batch, params, entry.at)


def test_r9_the_machine_catches_a_round_generated_twice() -> None:
    """The invariants can fail: with a reaction opening every round a second time the
    machine finds a counterexample (checked against a deliberately broken rule)."""
    broken = tuple(
        Workflow(
            wf.spec,
            wf.service,
            attribute=wf.attribute,
            policy_section=wf.policy_section,
            policy_class=wf.policy_class,
            reactions=(
                *wf.reactions,
                Reaction("inspection_plan", "*", _twice, targets=("inspection_round",)),
            )
            if wf.kind == "inspection_plan"
            else wf.reactions,
            report_sections=wf.report_sections,
        )
        for wf in OPERATIONS_WORKFLOWS
    )

    class Broken(Inspections):
        def make_mall(self, store: MemoryStore, clock: ManualClock) -> Mall:
            return Mall(store, clock, workflows=broken, standard=False)

    with pytest.raises(AssertionError):
        run_state_machine_as_test(
            Broken,
            settings=settings(
                max_examples=60,
                stateful_step_count=20,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            ),
        )
