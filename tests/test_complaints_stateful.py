"""Hypothesis state machine over the complaint lifecycle with a manual clock.

Random valid and invalid operations by every role; after every step: states are
declared states, closed records run no timer, escalation levels only rise and fire
once, history replays to the stored record, an operation that raised changed nothing,
and a second tick at the same time emits nothing.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mallops import Actor, Mall, MallopsError, ManualClock, MemoryStore, Policy, Record
from mallops.workflows.complaints import COMPLAINT

from .conftest import at
from .tenant_helpers import registered_tenant

POLICY = Policy.from_dict({"complaints": {"survey_by": "survey"}})
ROLES = list(POLICY.roles)
EVENTS = list(COMPLAINT.event_names)
STATES = set(COMPLAINT.state_names)


def params_for(event: str, data: st.DataObject, mall: Mall) -> dict[str, Any]:
    """Plausible (sometimes invalid) parameters for ``event``."""
    now = mall.now()
    draw = data.draw
    pick = {
        "classify": lambda: {"category": draw(st.sampled_from(["other", "security", "bogus"]))},
        "set_severity": lambda: {
            "severity": draw(st.sampled_from(["general", "important", "major"])),
            "reason": draw(st.sampled_from(["r", None])),
        },
        "assign": lambda: {
            "department": draw(st.sampled_from(["cleaning", "engineering", "nowhere"])),
            "assignee": "someone",
        },
        "transfer": lambda: {"assignee": "other", "reason": "handover"},
        "contact": dict,
        "reply": lambda: {
            "message": "we are on it",
            "promised_by": now.add(hours=draw(st.integers(-1, 72))),
        },
        "recommit": lambda: {"promised_by": now.add(hours=draw(st.integers(0, 48))), "reason": "r"},
        "resolve": lambda: {"resolution": "done"},
        "approve": dict,
        "reject_reply": lambda: {"reason": "tone"},
        "survey": lambda: {k: draw(st.integers(1, 6)) for k in ("speed", "result", "attitude")},
        "dismiss": lambda: {"explanation": draw(st.sampled_from(["explained", "  "]))},
    }
    return pick.get(event, dict)()


class ComplaintLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(at(2026, 9, 30, 10))
        self.mall = Mall(store=MemoryStore(), clock=self.clock, policy=POLICY)
        self.ids: list[str] = []
        self.levels: dict[str, int] = {}
        # G11: a complaint names a registered tenant (or none)
        self.tenants = [registered_tenant(self.mall, unit) for unit in ("L1-1", "L1-2")]

    def snapshot(self) -> dict[str, Record]:
        return {r.id: r for r in self.mall.query()}

    @rule(
        place=st.sampled_from(["B1 restroom", "L2 escalator", "L3 food court"]),
        channel=st.sampled_from(["phone", "weibo", "wechat"]),
        severity=st.sampled_from([None, "general", "important", "major"]),
        tenant=st.sampled_from([None, 0, 1]),
        role=st.sampled_from(ROLES),
    )
    def open(
        self, place: str, channel: str, severity: str | None, tenant: int | None, role: str
    ) -> None:
        c = self.mall.complaints.open(
            actor=Actor(f"{role}-1", role, "customer_service"),
            channel=channel,
            complainant="王五",
            contact="13700000000",
            location=place,
            description="扶梯异响 escalator noise",
            demand="fix",
            severity=severity,
            tenant=None if tenant is None else self.tenants[tenant],
        )
        self.ids.append(c.id)

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), role=st.sampled_from(ROLES), wild=st.integers(0, 4))
    def fire(self, data: st.DataObject, role: str, wild: int) -> None:
        """Mostly an event the role may fire now; sometimes any event, valid or not."""
        rid = data.draw(st.sampled_from(self.ids))
        actor = Actor(f"{role}-1", role, "cleaning")
        allowed = self.mall.allowed_events(rid, actor)
        pool = [*EVENTS, "bogus"] if wild == 0 or not allowed else list(allowed)
        event = data.draw(st.sampled_from(pool))
        params = params_for(event, data, self.mall)
        reason = params.pop("reason", None)
        before = self.snapshot()
        counters = self.mall.store.counter("id:complaint")
        try:
            self.mall.complaints.fire(rid, event, actor=actor, reason=reason, **params)
        except MallopsError:
            assert self.snapshot() == before, "a failed operation changed records"
            assert self.mall.store.counter("id:complaint") == counters

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), satisfied=st.booleans())
    def progress(self, data: st.DataObject, satisfied: bool) -> None:
        """The next step of the usual lifecycle, by a role that may take it."""
        rid = data.draw(st.sampled_from(self.ids))
        record = self.mall.get(rid)
        state = record.state
        now = self.mall.now()
        rating = 5 if satisfied else 2
        step: dict[str, tuple[str, str, dict[str, Any]]] = {
            "registered": ("assign", "front_desk", {"department": "cleaning", "assignee": "c"}),
            "assigned": ("contact", "staff", {}),
            "contacted": ("reply", "staff", {"message": "m", "promised_by": now.add(hours=30)}),
            "in_progress": ("resolve", "staff", {"resolution": "r"}),
            "pending_approval": ("approve", "cs_head", {}),
            "resolved": (
                "survey",
                "front_desk",
                dict.fromkeys(("speed", "result", "attitude"), rating),
            ),
        }
        if state not in step:
            return
        event, role, params = step[state]
        # rules G5/C4: the record's own assignee (in its department) takes the step
        holder = Actor(record.owner or f"{role}-1", role, record.department or "cleaning")
        self.mall.complaints.fire(rid, event, actor=holder, **params)

    @rule(minutes=st.integers(1, 60 * 36))
    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule()
    def tick(self) -> None:
        self.mall.tick()
        assert self.mall.tick() == [], "a second tick at the same time emitted events"

    @invariant()
    def records_are_consistent(self) -> None:
        for r in self.mall.complaints.query():
            assert r.state in STATES
            if not r.is_open:
                assert all(not t.active for t in r.timers), f"{r.id} closed with a running timer"
            levels = [e.level for e in r.escalations]
            assert levels == sorted(set(levels)), f"{r.id} escalation levels {levels}"
            assert r.escalation_level >= self.levels.get(r.id, 0)
            self.levels[r.id] = r.escalation_level
            assert [h.seq for h in r.history] == list(range(1, len(r.history) + 1))
            assert [h.at for h in r.history] == sorted(h.at for h in r.history)
            assert self.mall.replay(r.id) == r, f"{r.id} does not replay"


ComplaintLifecycle.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestComplaintLifecycle = ComplaintLifecycle.TestCase
