"""Runs of the demo on a store: start, continue, one atomic commit per simulated day."""

from __future__ import annotations

import random
from collections.abc import Callable

import pendulum

from ..clock import ManualClock
from ..errors import ValidationError
from ..mall import Mall
from ..policy import Policy
from ..stores.protocol import CounterWrite, Query, Store
from .custody import DepositGenerator, IncomingParcelGenerator, OutgoingParcelGenerator
from .customers import ComplaintGenerator, ReturnVisitGenerator
from .data import FLOORS, TRADES, TZ, DemoConfig, DemoResult, Tenant
from .emergencies import DrillGenerator, IncidentGenerator, SurveyGenerator
from .inspections import (
    HazardGenerator,
    InspectionPlanGenerator,
    InspectionRoundGenerator,
    PatrolGenerator,
)
from .notices import LetterGenerator, OutageGenerator
from .operations import LostItemGenerator, LostReportGenerator, RepairGenerator
from .reception import ReceptionGenerator
from .recordings import RecordingGenerator
from .simulation import Generator, Simulation
from .staging import DayStore
from .tenants import SuggestionGenerator, TenantGenerator, VisitGenerator

GENERATORS: tuple[type[Generator], ...] = (
    TenantGenerator,
    VisitGenerator,
    SuggestionGenerator,
    ComplaintGenerator,
    ReturnVisitGenerator,
    RepairGenerator,
    LostItemGenerator,
    LostReportGenerator,
    IncidentGenerator,
    DrillGenerator,
    SurveyGenerator,
    ReceptionGenerator,  # G12, G13
    DepositGenerator,  # temporary storage (O1)
    OutgoingParcelGenerator,  # parcels sent (O2)
    IncomingParcelGenerator,  # parcels received (O2)
    InspectionPlanGenerator,
    InspectionRoundGenerator,
    PatrolGenerator,
    HazardGenerator,
    RecordingGenerator,  # call recordings (issue 19, G7)
    LetterGenerator,
    OutageGenerator,
)
"""Generator classes by kind; a kind is simulated only when ``mall.services`` has it."""


# -- runs on a store ---------------------------------------------------------------------

_SEED = "demo:seed"
_START = "demo:start"
_DONE = "demo:day"
_TARGET = "demo:target"
_SEGMENT = "demo:segment"
DEFAULT_START = "2026-09-01"


def _counters(property: str) -> dict[str, str]:
    """The demo's own counters for ``property`` (the default property keeps the names
    earlier stores were written with)."""
    suffix = "" if property == "default" else f"@{property}"
    names = {"seed": _SEED, "start": _START, "done": _DONE, "target": _TARGET}
    names["segment"] = _SEGMENT
    return {k: v + suffix for k, v in names.items()}


def make_tenants(config: DemoConfig) -> list[Tenant]:
    """The mall's tenants (some anchors, some restaurants), from the seed."""
    rng = random.Random(f"{config.seed}:tenants")
    out = []
    for i in range(1, config.tenants + 1):
        floor = FLOORS[i % len(FLOORS)]
        trade = "restaurant" if floor in ("3F", "B1") and rng.random() < 0.6 else rng.choice(TRADES)
        # the ids of the tenant records the demo registers first, in this order (G4)
        out.append(Tenant(f"T-{i:06d}", f"{floor}-{100 + i:03d}", trade, rng.random() < 0.05))
    return out


def _move(store: Store, name: str, value: int) -> None:
    current = store.counter(name)
    if value > current:
        store.commit([], [CounterWrite(name, current, value)])


def _parse_start(value: str) -> pendulum.DateTime:
    try:
        d = pendulum.Date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"start: {value!r} is not a date (YYYY-MM-DD)", field="start"
        ) from None
    return pendulum.datetime(d.year, d.month, d.day, tz=TZ)


def run_demo(
    store: Store,
    config: DemoConfig | None = None,
    *,
    policy: Policy | None = None,
    progress: Callable[[int, int], None] | None = None,
    property: str = "default",
) -> DemoResult:
    """Simulate ``config.days`` days on ``store``, or continue the demo already on it.

    A store that holds a demo continues it: an interrupted run is finished, a finished
    one is extended by ``config.days``.  A store holding other records, or a demo with
    another seed or start, is refused with ``ValidationError`` and left untouched.
    Every record is written to ``property`` (G11; ``mallops demo --property B``).
    """
    config = config or DemoConfig()
    names = _counters(property)
    seed_mark = store.counter(names["seed"])
    probe = Mall(
        store=store,
        clock=ManualClock(_parse_start(DEFAULT_START)),
        policy=policy,
        property=property,
    )
    # record ids are numbered per store: another property's records would shift them
    existing = store.query(Query(limit=1))
    if seed_mark == 0 and existing:
        raise ValidationError(
            "this store already holds records that are not from the demo; "
            "give the demo its own store (--store demo.json)",
            field="store",
        )
    continued = seed_mark != 0
    if continued:
        if seed_mark != config.seed + 1:
            raise ValidationError(
                f"this store holds a demo run with seed {seed_mark - 1}; run again with "
                f"--seed {seed_mark - 1} to continue it, or use another --store",
                field="seed",
            )
        stored = str(store.counter(names["start"]))
        start = _parse_start(f"{stored[:4]}-{stored[4:6]}-{stored[6:]}")
        if config.start is not None and _parse_start(config.start) != start:
            raise ValidationError(
                f"this store holds a demo that started on {start.to_date_string()}; "
                "drop --start to continue it",
                field="start",
            )
    else:
        start = _parse_start(config.start or DEFAULT_START)
        _move(store, names["start"], int(start.format("YYYYMMDD")))
        _move(store, names["seed"], config.seed + 1)
    done = store.counter(names["done"])
    target = store.counter(names["target"])
    if done >= target:
        _move(store, names["segment"], done + 1)  # stored +1: counters start at 0
        target = done + config.days
        _move(store, names["target"], target)
    segment = store.counter(names["segment"]) - 1

    day0 = start.add(days=done)
    latest = max((r.updated_at for r in probe.query()), default=start)
    clock = ManualClock(max(day0, latest))
    day_store = DayStore(store)
    mall = Mall(store=day_store, clock=clock, policy=policy, property=property)
    sim = Simulation(mall, clock, config, make_tenants(config))
    generators = [g() for g in GENERATORS if g.kind in mall.services]
    sim.generators = {g.kind: g for g in generators}
    total = target - done
    for i, day_index in enumerate(range(done, target)):
        day = start.add(days=day_index)
        if clock.now() < day:
            clock.set(day)
        sim.day_index = day_index
        sim.restart()
        for g in generators:
            g.arrivals(sim, day, sim.rng(g.kind, "arrivals", day_index))
        sim.run_until(day.add(days=1))
        # the whole day in one commit with its day counter: an interruption leaves the
        # store at the end of a whole day, and the next run redoes the day identically
        day_store.flush([CounterWrite(names["done"], day_index, day_index + 1)])
        if progress is not None:
            progress(i + 1, total)
    return DemoResult(
        mall=mall,
        start=start.add(days=segment),
        end=start.add(days=target),
        days_run=total,
        continued=continued,
        events=sim.events,
    )
