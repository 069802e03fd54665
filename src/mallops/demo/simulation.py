"""The simulation: staff, the event queue with its hourly ticker, the generator base."""

from __future__ import annotations

import contextlib
import heapq
import random
from typing import Any, ClassVar

import pendulum

from ..clock import ManualClock
from ..domain.events import DomainEvent
from ..domain.records import SYSTEM, Actor, Record
from ..errors import InvalidTransition
from ..mall import Mall
from ..policy import Policy
from .data import GIVEN_NAMES, SURNAMES, Action, DemoConfig, Tenant


def weighted(rng: random.Random, items: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


class Staff:
    """The mall's staff as actors (G5)."""

    def __init__(self, policy: Policy) -> None:
        self.desk = [Actor(f"desk-{i}", "front_desk", "customer_service") for i in (1, 2, 3)]
        self.staff: dict[str, list[Actor]] = {}
        self.managers: dict[str, Actor] = {}
        for dept in policy.departments:
            prefix = dept[:3]
            self.staff[dept] = [Actor(f"{prefix}-{i}", "staff", dept) for i in (1, 2, 3)]
            self.managers[dept] = Actor(f"{prefix}-mgr", "department_manager", dept)
        self.cs_head = Actor("cs-head", "cs_head", "customer_service")
        self.gm = Actor("gm", "general_manager", "operations")
        self.pm = Actor("pm", "property_manager", "operations")

    def of_role(self, role: str, rng: random.Random, department: str = "customer_service") -> Actor:
        """Someone holding ``role`` (of ``department`` where the role has one)."""
        if role == "front_desk":
            return rng.choice(self.desk)
        if role == "staff":
            return rng.choice(self.staff.get(department) or self.staff["operations"])
        if role == "department_manager":
            return self.managers.get(department) or self.managers["operations"]
        if role == "cs_head":
            return self.cs_head
        if role == "property_manager":
            return self.pm
        return self.gm


class Simulation:
    """The event queue, the manual clock and the hourly ticker of one demo run."""

    def __init__(self, mall: Mall, clock: ManualClock, config: DemoConfig, tenants: list[Tenant]):
        self.mall = mall
        self.clock = clock
        self.config = config
        self.tenants = tenants
        self.staff = Staff(mall.policy)
        self.tenant_weights = [8 if i % 17 == 3 else 1 for i in range(len(tenants))]
        self._queue: list[tuple[float, int, Action]] = []
        self._seq = 0
        self._pending: dict[str, int] = {}
        self.next_tick = clock.now().start_of("hour").add(hours=1)
        self.events = 0
        self.resume_after = clock.now().subtract(seconds=1)
        self.day_index = 0
        self.generators: dict[str, Generator] = {}
        self._touched: list[str] = []
        mall.subscribe(self._on_event)

    def restart(self) -> None:
        """Forget every planned action and plan again from the store, as a run that
        starts at this moment would (called at the start of every simulated day, so an
        interrupted and resumed run does exactly what an uninterrupted one does)."""
        self._queue.clear()
        self._seq = 0
        self._pending.clear()
        self._touched.clear()
        now = self.clock.now()
        self.next_tick = now.start_of("hour").add(hours=1)
        self.resume_after = now.subtract(seconds=1)
        for generator in self.generators.values():
            generator.resume(self)

    def _on_event(self, event: DomainEvent) -> None:
        # records mallops opens or moves by itself (return visits opened when a
        # complaint is resolved, a complaint reopened by an unhappy visit) get planned
        if event.type in ("created", "transitioned") and event.kind in self.generators:
            self._touched.append(event.record_id)

    def _plan_touched(self) -> None:
        while self._touched:
            rid = self._touched.pop(0)
            if rid in self._pending:
                continue
            record = self.mall.get(rid)
            self.plan(self.generators[record.kind], record)

    def rng(self, *key: object) -> random.Random:
        """A random stream determined by the seed and ``key`` alone."""
        return random.Random(":".join(str(k) for k in (self.config.seed, *key)))

    def at(self, when: pendulum.DateTime, action: Action) -> None:
        """Run ``action`` at ``when``."""
        self._seq += 1
        heapq.heappush(self._queue, (when.timestamp(), self._seq, action))

    def plan(self, generator: Generator, record: Record) -> None:
        """Ask ``generator`` for the record's next action and queue it (one per record)."""
        if not record.is_open:
            self._pending.pop(record.id, None)
            return
        # plan from the last staff step, never from the clock or the timer entries, so a
        # run that resumes from the store plans exactly what an uninterrupted one did
        steps = [
            h for h in record.history if h.actor != SYSTEM or h.seq == 1 or h.event in _RESTARTS
        ]
        rng = self.rng(record.id, len(steps))
        step = generator.next_step(self, record, steps[-1].at, rng)
        if step is None:
            return
        when, action = step
        self._seq += 1
        token = self._seq
        self._pending[record.id] = token
        rid = record.id

        def run() -> None:
            if self._pending.get(rid) != token:
                return
            del self._pending[rid]
            with contextlib.suppress(InvalidTransition):
                action()  # a refused action (the record moved meanwhile) is planned again
            current = self.mall.get(rid)
            if rid not in self._pending:
                self.plan(generator, current)
            self._plan_touched()

        heapq.heappush(self._queue, (when.timestamp(), token, run))

    def run_until(self, end: pendulum.DateTime) -> None:
        """Process every action before ``end``, ticking the timers every hour."""
        while self._queue and self._queue[0][0] < end.timestamp():
            ts, _seq, action = heapq.heappop(self._queue)
            when = pendulum.from_timestamp(ts, tz=self.mall.calendar.tz)
            self._tick_until(when)
            if when > self.clock.now():
                self.clock.set(when)
            action()
        self._tick_until(end)
        if end > self.clock.now():
            self.clock.set(end)

    def _tick_until(self, when: pendulum.DateTime) -> None:
        while self.next_tick <= when:
            if self.next_tick > self.clock.now():
                self.clock.set(self.next_tick)
            self.events += len(self.mall.tick())
            self._plan_touched()
            self.next_tick = self.next_tick.add(hours=1)


_RESTARTS = frozenset({"reopen"})  # system events after which staff act again


class Generator:
    """One kind of record in the simulation: daily arrivals and staff behaviour."""

    kind: ClassVar[str] = ""

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        """Queue the day's new records."""
        raise NotImplementedError

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        """The next staff action on an open ``record`` and when it happens; ``now`` is
        the time of the record's last staff step."""
        raise NotImplementedError

    def resume(self, sim: Simulation) -> None:
        """Plan every open record of this kind (used when a run continues)."""
        for record in sim.mall.query(kind=self.kind, is_open=True):
            sim.plan(self, record)


def random_hours(rng: random.Random, low: float, high: float) -> pendulum.Duration:
    return pendulum.duration(seconds=int(rng.uniform(low, high) * 3600))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_NAMES, k=2))


def phone_number(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choices("0123456789", k=9))
