"""One state machine drives a mall on every backend (memory, JSON, SQLite and, when it
is installed, PostgreSQL) with the same random operations: the records, the outcomes
and the event feeds must agree, and each mall's subscriber must have seen its feed
exactly once, in order (G6)."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mallops import (
    DomainEvent,
    JsonStore,
    Mall,
    MallopsError,
    ManualClock,
    MemoryStore,
    SqlStore,
    Store,
)
from mallops.testing import TemporaryPostgres, postgres_unavailable
from mallops.testing.machine import MallMachine
from mallops.testing.strategies import actors, clock_advances, event_params

_SCHEMAS = itertools.count(1)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str | None]:
    """A throwaway PostgreSQL server's URL, or None when PostgreSQL is not installed."""
    if postgres_unavailable() is not None:
        yield None
        return
    server = TemporaryPostgres().start()
    try:
        yield server.url()
    finally:
        server.stop()


def _pg_schema(url: str) -> str:
    import psycopg

    name = f"feed{next(_SCHEMAS)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return f"{url}&options=-csearch_path%3D{name}"


def test_every_backend_agrees_on_records_outcomes_and_feed(
    tmp_path: Path, pg_url: str | None
) -> None:
    """Same operations, same results, same feed, on every backend."""

    class Backends(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            folder = Path(tempfile.mkdtemp(prefix="feed-", dir=tmp_path))
            stores: list[Store] = [
                MemoryStore(),
                JsonStore(folder / "ops.json", durable=False),
                SqlStore(f"sqlite:///{folder / 'ops.db'}"),
            ]
            if pg_url is not None:
                stores.append(SqlStore(_pg_schema(pg_url)))
            self.clock = ManualClock(MallMachine.start)
            self.malls = [Mall(store=s, clock=self.clock) for s in stores]
            self.seen: list[list[DomainEvent]] = [[] for _ in self.malls]
            for mall, seen in zip(self.malls, self.seen, strict=True):
                mall.subscribe(seen.append)
            self.ids: list[str] = []

        @property
        def lead(self) -> Mall:
            return self.malls[0]

        def everywhere(self, operation: Callable[[Mall], Any]) -> list[Any]:
            """Run ``operation`` on every mall; all succeed alike or fail alike."""
            outcomes = []
            for mall in self.malls:
                try:
                    outcomes.append(operation(mall))
                except MallopsError as exc:
                    outcomes.append(type(exc))
            assert all(o == outcomes[0] for o in outcomes), outcomes
            return outcomes

        @rule(data=st.data())
        def open_record(self, data: st.DataObject) -> None:
            kind = data.draw(st.sampled_from(["complaint", "repair", "lost_item"]))
            spec = self.lead.service(kind).engine.spec
            actor = data.draw(actors(self.lead.policy, spec.create.roles or None))
            params = data.draw(
                event_params(spec, spec.create.name, self.lead.policy, self.lead.now())
            )
            got = self.everywhere(lambda m: m.service(kind).open(actor=actor, **params))[0]
            if not isinstance(got, type):
                self.ids.append(got.id)

        @precondition(lambda self: bool(self.ids))
        @rule(data=st.data())
        def fire_event(self, data: st.DataObject) -> None:
            rid = data.draw(st.sampled_from(self.ids))
            record = self.lead.get(rid)
            spec = self.lead.service(record.kind).engine.spec
            actor = data.draw(actors(self.lead.policy))
            allowed = self.lead.allowed_events(rid, actor)
            event = data.draw(st.sampled_from(list(allowed) or list(spec.event_names)))
            params = data.draw(event_params(spec, event, self.lead.policy, self.lead.now()))
            self.everywhere(lambda m: m.fire(rid, event, actor=actor, **params))

        @rule(step=clock_advances(36))
        def advance_and_tick(self, step: Any) -> None:
            self.clock.advance(seconds=step.total_seconds())
            self.everywhere(lambda m: [(e.type, e.record_id) for e in m.tick()])

        @invariant()
        def feeds_agree(self) -> None:
            feeds = [[(e.position, e.event) for e in m.feed.events_since(0)] for m in self.malls]
            assert all(f == feeds[0] for f in feeds)
            assert [p for p, _ in feeds[0]] == list(range(1, len(feeds[0]) + 1))
            for seen, feed in zip(self.seen, feeds, strict=True):
                assert seen == [e for _, e in feed]  # each event once, in feed order
            records = [m.query() for m in self.malls]
            assert all(r == records[0] for r in records)

        def teardown(self) -> None:
            for mall in self.malls:
                mall.store.close()

    Backends.TestCase.settings = settings(
        # 12 under the default profiles; the thorough one (400) runs 50
        max_examples=max(12, settings().max_examples // 8),
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Backends.TestCase().runTest()
