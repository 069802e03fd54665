"""A ready Hypothesis state machine that drives a whole :class:`~mallops.Mall`.

Subclass :class:`MallMachine`, override :meth:`MallMachine.make_mall` to use your
policy (and store), add your own ``@rule``\\s and ``@invariant``\\s, and expose
``TestCase``::

    class OurRules(MallMachine):
        def make_mall(self, clock):
            return Mall(MemoryStore(), clock, Policy.from_toml("ours.toml"))

        @invariant()
        def security_is_never_left_unassigned(self):
            ...

    TestOurRules = OurRules.TestCase

Every step is a random valid or invalid operation by a random role on a random record
(open, fire, clock advance, tick).  After every step mallops' own invariants are
checked (:func:`check_invariants`), and an operation that raised must have changed
nothing.
"""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ..clock import ManualClock
from ..domain.records import Record
from ..errors import MallopsError
from ..mall import Mall
from ..policy import Policy
from ..stores.memory import MemoryStore
from ..workflows.base import WorkflowService
from .strategies import actors, clock_steps, event_params

__all__ = ["MallMachine", "check_invariants"]


def check_invariants(mall: Mall) -> None:
    """Assert mallops' invariants on every record of ``mall`` (AssertionError if not):
    declared states only; no running timer on a closed record; escalation levels rise
    and fire once; history numbered and chronological; ``wake_at`` is the earliest
    unfired mark; replaying the history reproduces the record (G6)."""
    for r in mall.query():
        service = mall.service(r.kind)
        spec = service.engine.spec
        assert r.state in spec.state_names, f"{r.id}: undeclared state {r.state!r}"
        assert r.is_open == (r.state not in spec.final_states), f"{r.id}: is_open wrong"
        if not r.is_open:
            assert all(not t.active for t in r.timers), f"{r.id}: closed with a running timer"
        levels = [e.level for e in r.escalations]
        assert levels == sorted(set(levels)), f"{r.id}: escalation levels {levels}"
        assert r.escalation_level == (levels[-1] if levels else 0), f"{r.id}: level mismatch"
        assert [h.seq for h in r.history] == list(range(1, len(r.history) + 1))
        assert r.version == len(r.history), f"{r.id}: version is not the history length"
        times = [h.at for h in r.history]
        assert times == sorted(times), f"{r.id}: history out of order"
        dues = [d for d in (t.next_due() for t in r.timers) if d is not None]
        assert r.wake_at == (min(dues) if dues else None), f"{r.id}: wake_at is stale"
        assert mall.replay(r.id) == r, f"{r.id}: replay differs from the stored record"


class MallMachine(RuleBasedStateMachine):
    """Random operations on a whole mall; see the module docstring."""

    #: where the manual clock starts (a working day with holiday data, early in the year
    #: so that steps of months stay within the years the calendar covers)
    start: pendulum.DateTime = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")
    #: the longest single clock advance in hours (``None``: as long as the longest
    #: duration of the policy needs; steps come from :func:`clock_steps`)
    max_advance_hours: int | None = None

    def make_mall(self, clock: ManualClock) -> Mall:
        """The mall under test (override: your policy, your store)."""
        return Mall(MemoryStore(), clock, Policy.seed())

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(self.start)
        self.mall = self.make_mall(self.clock)
        self.ids: list[str] = []
        self.levels: dict[str, int] = {}
        self.events: list[Any] = []
        self.mall.subscribe(self.events.append)
        #: when :meth:`tick` last ran: house rules judge records as of that moment
        self.ticked_at: pendulum.DateTime = self.clock.now()

    def snapshot(self) -> tuple[dict[str, Record], dict[str, int]]:
        """Every record and every id counter, to check that failures change nothing."""
        records = {r.id: r for r in self.mall.query()}
        counters = {k: self.mall.store.counter(f"id:{k}") for k in self.mall.services}
        return records, counters

    def attempt(self, operation: Any) -> Any:
        """Run ``operation``; a mallops error must leave everything as it was.  Any other
        exception is a bug and propagates."""
        before = self.snapshot()
        try:
            return operation()
        except MallopsError:
            assert self.snapshot() == before, "a failed operation changed the store"
            return None

    @rule(data=st.data())
    def open_record(self, data: st.DataObject) -> None:
        """Open a record of a random kind with drawn (valid-typed) parameters."""
        kind = data.draw(st.sampled_from(sorted(self.mall.services)))
        service = self.mall.service(kind)
        spec = service.engine.spec
        actor = data.draw(actors(self.mall.policy, spec.create.roles or None))
        params = data.draw(event_params(spec, spec.create.name, self.mall.policy, self.mall.now()))
        record = self.attempt(lambda: WorkflowService.open(service, actor=actor, **params))
        if record is not None:
            self.ids.append(record.id)

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), wild=st.integers(0, 4))
    def fire_event(self, data: st.DataObject, wild: int) -> None:
        """Fire, mostly, an event the drawn actor may fire now; sometimes any event."""
        rid = data.draw(st.sampled_from(self.ids))
        record = self.mall.get(rid)
        service = self.mall.service(record.kind)
        spec = service.engine.spec
        actor = data.draw(actors(self.mall.policy))
        allowed = self.mall.allowed_events(rid, actor)
        pool = list(allowed) if allowed and wild else [*spec.event_names, "no_such_event"]
        event = data.draw(st.sampled_from(pool))
        params = data.draw(event_params(spec, event, self.mall.policy, self.mall.now()))
        reason = data.draw(st.sampled_from([None, "because"]))
        self.attempt(lambda: service.fire(rid, event, actor=actor, reason=reason, **params))

    @rule(data=st.data())
    def advance_clock(self, data: st.DataObject) -> None:
        """Time passes: a short step or one that crosses one of the policy's durations
        (first contact in hours, handling in working days, escalation after 72 hours,
        retention in months ...), so every timer can fall due (:func:`clock_steps`)."""
        step = data.draw(clock_steps(self.mall.policy), label="step")
        cap = self.max_advance_hours
        if cap is not None and step.total_seconds() > cap * 3600:
            return
        # never past the last month the business calendar has holiday data for: later,
        # working-time deadlines cannot be computed (CalendarError) and nothing is tested
        last = max(self.mall.calendar.covered_years(), default=self.clock.now().year)
        limit = pendulum.datetime(last, 12, 1, tz=self.mall.calendar.tz)
        target = min(self.clock.now() + step, limit)
        if target > self.clock.now():
            self.clock.set(target)

    @rule()
    def tick(self) -> None:
        """The ticker runs, twice: the second run at the same time finds nothing."""
        self.attempt(self.mall.tick)
        self.ticked_at = self.clock.now()
        again = self.attempt(self.mall.tick) or []
        # only records that cannot fire (reported each time as tick_failed) may reappear
        assert all(e.type == "tick_failed" for e in again), "tick is not idempotent"

    @invariant()
    def mallops_invariants(self) -> None:
        """mallops' own invariants hold and escalation levels never fall."""
        check_invariants(self.mall)
        for r in self.mall.query():
            assert r.escalation_level >= self.levels.get(r.id, 0), f"{r.id}: level fell"
            self.levels[r.id] = r.escalation_level
