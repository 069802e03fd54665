"""A stateful test of the visit and suggestion lifecycles on a ManualClock (V1-V5, G6).

Random sequences of appointments, visits, misses, cancellations, reschedules,
suggestion steps, clock moves and ticks; after every step each record replays to
itself, a refused operation changed nothing, and the SLA facts hold."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mallops import MallopsError, Record
from mallops.clock import aware

from .visit_helpers import DM, OPS, new_mall, tenant

TOPICS = ("engineering", "security", "planning")


class VisitLifecycle(RuleBasedStateMachine):
    """Drives one mall with an anchor restaurant and a regular shop through 2026."""

    @initialize()
    def plan(self) -> None:
        self.mall = new_mall()
        tenant(self.mall, unit="F1", trade="restaurant", tier="anchor")
        tenant(self.mall, unit="S1")
        self.mall.visits.plan_year(2026, actor=OPS)

    def _pick(self, kind: str, index: int) -> Record | None:
        records = self.mall.service(kind).query()
        return records[index % len(records)] if records else None

    def _try(self, record: Record, event: str, **params: Any) -> None:
        """Fire; if refused, the record must be exactly as before (nothing changed)."""
        try:
            self.mall.fire(record.id, event, **params)
        except MallopsError:
            assert self.mall.get(record.id) == record

    @rule(hours=st.integers(1, 24 * 20))
    def time_passes(self, hours: int) -> None:
        self.mall.clock.advance(hours=hours)  # type: ignore[attr-defined]
        self.mall.tick()

    @rule(i=st.integers(0, 9), days=st.integers(0, 40), hour=st.sampled_from((8, 10, 11, 14, 17)))
    def appoint(self, i: int, days: int, hour: int) -> None:
        v = self._pick("visit", i)
        if v is not None:
            when = self.mall.now().start_of("day").add(days=days + 1, hours=hour)
            self._try(v, "appoint", actor=OPS, at=when, phoned=True)

    @rule(i=st.integers(0, 9), topic=st.sampled_from(TOPICS), raised=st.booleans())
    def complete(self, i: int, topic: str, raised: bool) -> None:
        v = self._pick("visit", i)
        if v is None:
            return
        if v.state == "appointed":
            self.mall.clock.set(max(self.mall.now(), aware(v.fields["appointment_at"])))  # type: ignore[attr-defined]
            self.mall.tick()
            v = self.mall.get(v.id)
        items = [{"topic": topic, "text": "意见"}] if raised else None
        self._try(
            v, "complete", actor=OPS, form="phone", topics=[topic], notes="n",
            satisfaction="satisfied", confirmed_by="签字人", suggestions=items,
        )  # fmt: skip

    @rule(i=st.integers(0, 9), event=st.sampled_from(("miss", "cancel", "withdraw")))
    def set_back(self, i: int, event: str) -> None:
        v = self._pick("visit", i)
        if v is not None:
            self._try(v, event, actor=DM, reason="tenant not available")

    @rule(i=st.integers(0, 9), days=st.integers(1, 30))
    def reschedule(self, i: int, days: int) -> None:
        v = self._pick("visit", i)
        if v is not None:
            when = self.mall.now().start_of("day").add(days=days, hours=15)
            self._try(v, "reschedule", actor=OPS, planned_at=when)

    @rule(
        i=st.integers(0, 9),
        event=st.sampled_from(("forward", "answer", "track", "solve", "decline")),
    )
    def suggestion_step(self, i: int, event: str) -> None:
        s = self._pick("suggestion", i)
        if s is None:
            return
        params = {
            "forward": {"head": "head", "report": "r"},
            "answer": {"answer": "a"},
            "track": {"note": "n"},
            "solve": {"resolution": "r"},
            "decline": {"explanation": "e"},
        }[event]
        self._try(s, event, actor=DM, **params)

    @invariant()
    def records_replay_to_themselves(self) -> None:
        for r in self.mall.query():
            assert self.mall.replay(r.id) == r

    @invariant()
    def done_visits_carry_their_form(self) -> None:
        for v in self.mall.visits.query(state="done"):
            assert v.fields["form"]
            assert v.fields["topics"]
            assert v.fields["confirmed_by"]
            assert v.timer("due").status in ("met", "breached")  # type: ignore[union-attr]

    @invariant()
    def overdue_visits_are_escalated(self) -> None:
        now = self.mall.now()
        for v in self.mall.visits.query(is_open=True):
            due = v.timer("due").due_at  # type: ignore[union-attr]
            if due is not None and due < now:
                assert v.escalation_level >= 1
                assert v.escalated_to == "department_manager" or v.escalation_level == 2

    @invariant()
    def late_answers_are_escalated(self) -> None:
        for s in self.mall.suggestions.query():
            t = s.timer("answer")
            assert t is not None
            if t.breached:
                assert s.escalation_level >= 1
            if s.state in ("answered", "solved", "declined") and not t.breached:
                assert t.status == "met"

    @invariant()
    def plan_is_stable(self) -> None:
        assert len(self.mall.visits.plan(2026)) == 4


VisitLifecycle.TestCase.settings = settings(stateful_step_count=25)
TestVisitLifecycle = VisitLifecycle.TestCase
