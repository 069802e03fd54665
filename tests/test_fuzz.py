"""Fuzz: every public entry point of the services, the mall and the stores, with hostile
values and wrong types, on the memory, JSON and SQLite stores at once (issue 15).

Each drawn operation runs on the three backends.  It must raise nothing but mallops
errors; a failed operation changes nothing; and the backends agree, value for value
(SQLite may not return results where memory raises).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops import (
    Actor,
    JsonStore,
    Mall,
    MallopsError,
    ManualClock,
    MemoryStore,
    Query,
    SqlStore,
    Store,
)
from mallops.testing import event_params, hostile_values

from .conftest import at

ROLES = ("front_desk", "staff", "department_manager", "cs_head", "general_manager")
FILTERS = (
    "kind",
    "state",
    "property",
    "tenant",
    "owner",
    "department",
    "location",
    "category",
    "is_open",
    "created_from",
    "created_to",
    "linked_to",
    "limit",
    "bogus",
)


class Malls:
    """Three malls, one per backend, driven by the same operations."""

    def __init__(self, root: Path) -> None:
        self.stores: list[Store] = [
            MemoryStore(),
            JsonStore(root / "fuzz.jsonl", durable=False),
            SqlStore(f"sqlite:///{root / 'fuzz.db'}"),
        ]
        self.clocks = [ManualClock(at(2026, 9, 30, 10)) for _ in self.stores]
        self.malls = [Mall(s, c) for s, c in zip(self.stores, self.clocks, strict=True)]

    def snapshot(self, mall: Mall) -> tuple[list[Any], dict[str, int]]:
        counters = {k: mall.store.counter(f"id:{k}") for k in mall.services}
        return mall.query(), counters


def outcome(value: Any) -> Any:
    """A comparable form of an operation's result."""
    if isinstance(value, list):
        return [outcome(v) for v in value]
    if isinstance(value, dict):
        return {k: outcome(v) for k, v in sorted(value.items())}
    return value


@pytest.fixture(scope="module")
def malls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Malls]:
    m = Malls(tmp_path_factory.mktemp("fuzz"))
    yield m
    for s in m.stores:
        s.close()


def run_everywhere(malls: Malls, op: Callable[[Mall], Any]) -> None:
    """Run ``op`` on every backend: mallops errors only, nothing changed on failure,
    the same outcome everywhere."""
    results = []
    for mall in malls.malls:
        before = malls.snapshot(mall)
        try:
            results.append(("ok", outcome(op(mall))))
        except MallopsError as exc:
            assert malls.snapshot(mall) == before, f"failed {type(exc).__name__} changed data"
            results.append(("error", type(exc).__name__))
    assert all(r == results[0] for r in results), results


actors = st.one_of(
    st.builds(
        Actor,
        id=st.sampled_from(["a-1", "b-2"]),
        role=st.sampled_from(ROLES),
        department=st.sampled_from([None, "engineering", "cleaning", "customer_service"]),
    ),
    hostile_values(),
)


def any_id(malls: Malls) -> st.SearchStrategy[Any]:
    known = [r.id for r in malls.malls[0].query()]
    return st.one_of(st.sampled_from(known), hostile_values()) if known else hostile_values()


SLOW = settings(max_examples=30)


@SLOW
@given(data=st.data())
def test_open_with_hostile_values(malls: Malls, data: st.DataObject) -> None:
    """`open` of every workflow with drawn and hostile parameters, hostile keywords and
    actors: mallops errors only, the same on every backend."""
    mall = malls.malls[0]
    kind = data.draw(st.sampled_from(sorted(k for k in mall.services if k != "return_visit")))
    spec = mall.service(kind).engine.spec
    params = data.draw(event_params(spec, spec.create.name, mall.policy, mall.now()))
    names = [p.name for p in spec.create.params] + ["bogus"]
    for name in data.draw(st.lists(st.sampled_from(names), max_size=2)):
        params[name] = data.draw(hostile_values())
    actor = data.draw(actors)
    run_everywhere(malls, lambda m: m.service(kind).open(actor=actor, **params))


@SLOW
@given(data=st.data())
def test_fire_with_hostile_values(malls: Malls, data: st.DataObject) -> None:
    """`fire` with known and hostile ids, events, actors, reasons and parameters."""
    mall = malls.malls[0]
    record_id = data.draw(any_id(malls))
    kind = data.draw(st.sampled_from(sorted(mall.services)))
    spec = mall.service(kind).engine.spec
    event = data.draw(st.one_of(st.sampled_from(spec.event_names), hostile_values()))
    params: dict[str, Any] = {}
    if isinstance(event, str) and event in spec.event_names:
        params = data.draw(event_params(spec, event, mall.policy, mall.now()))
    for name in data.draw(st.lists(st.sampled_from(["bogus", *params]), max_size=2)):
        params[name] = data.draw(hostile_values())
    actor = data.draw(actors)
    reason = data.draw(st.one_of(st.none(), st.just("because"), hostile_values()))
    via_mall = data.draw(st.booleans())

    def op(m: Mall) -> Any:
        if via_mall:
            return m.fire(record_id, event, actor=actor, reason=reason, **params)
        return m.service(kind).fire(record_id, event, actor=actor, reason=reason, **params)

    run_everywhere(malls, op)


@SLOW
@given(data=st.data())
def test_reads_with_hostile_values(malls: Malls, data: st.DataObject) -> None:
    """Queries, `get`, `allowed_events`, `replay` and `history_of` with hostile values
    raise mallops errors (SQLite never answers where memory raises)."""
    mall = malls.malls[0]
    kind = data.draw(st.sampled_from(sorted(mall.services)))
    names = data.draw(st.lists(st.sampled_from(FILTERS), max_size=3, unique=True))
    filters = {n: data.draw(hostile_values()) for n in names}
    record_id = data.draw(any_id(malls))
    actor = data.draw(actors)
    which = data.draw(st.sampled_from(["query", "kind_query", "get", "allowed", "replay", "of"]))

    def op(m: Mall) -> Any:
        if which == "query":
            return [r.id for r in m.query(**filters)]
        if which == "kind_query":
            return [r.id for r in m.service(kind).query(**filters)]
        if which == "get":
            return m.get(record_id).id
        if which == "allowed":
            return m.allowed_events(record_id, actor)
        if which == "replay":
            return m.replay(record_id).version
        return [r.id for r in m.history_of(record_id)]

    run_everywhere(malls, op)


@SLOW
@given(data=st.data())
def test_stores_with_hostile_values(malls: Malls, data: st.DataObject) -> None:
    """The store API itself (`get`, `get_many`, `counter`, `query`, `due`) with hostile
    values: mallops errors only, the same on every backend."""
    which = data.draw(st.sampled_from(["get", "get_many", "counter", "query", "due"]))
    value = data.draw(st.one_of(any_id(malls), hostile_values()))
    names = data.draw(st.lists(st.sampled_from(FILTERS[:-1]), max_size=2, unique=True))
    filters = {n: data.draw(hostile_values()) for n in names}
    limit = data.draw(st.one_of(st.none(), hostile_values()))

    def op(m: Mall) -> Any:
        s = m.store
        if which == "get":
            return s.get(value).id
        if which == "get_many":
            return sorted(s.get_many(value if isinstance(value, list) else [value]))
        if which == "counter":
            return s.counter(value)
        if which == "query":
            return [r.id for r in s.query(Query(**filters))]
        return s.due(value, limit=limit)

    run_everywhere(malls, op)


@SLOW
@given(hours=st.integers(0, 200))
def test_tick_after_hostile_operations_agrees(malls: Malls, hours: int) -> None:
    """`Mall.tick` after any of the above runs on every backend with the same events."""
    for clock in malls.clocks:
        clock.advance(hours=hours)
    run_everywhere(malls, lambda m: [(e.type, e.record_id) for e in m.tick()])
