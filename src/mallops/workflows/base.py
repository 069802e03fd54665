"""The service every workflow shares: open, fire, query, allowed events, replay.

A :class:`WorkflowService` is what ``mall.complaints`` (and later ``mall.repairs`` ...)
is.  Every operation builds a :class:`Batch` of record writes, counter moves and domain
events; the batch is committed to the store atomically and only then are the events
delivered.  If anything raises before the commit, nothing was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pendulum

from ..domain.events import DomainEvent
from ..domain.records import SYSTEM, Actor, HistoryEntry, Record
from ..engine.engine import Engine
from ..engine.retry import RETRY
from ..errors import ConflictError, RecordNotFound
from ..stores.protocol import CounterWrite, Query, Write, check_id
from .references import check_references

if TYPE_CHECKING:
    from ..mall import Mall

__all__ = ["Batch", "WorkflowService"]


class Batch:
    """Everything one operation writes: records (with the version each was read at),
    counter moves and the domain events to deliver after the commit."""

    def __init__(self, mall: Mall) -> None:
        self.mall = mall
        self.records: dict[str, Record] = {}
        self.expected: dict[str, int] = {}
        self.counters: dict[str, tuple[int, int]] = {}
        self.events: list[DomainEvent] = []

    def current(self, record_id: str) -> Record:
        """The record as this batch will write it (or as stored)."""
        got = self.records.get(record_id)
        return got if got is not None else self.mall.get(record_id)

    def put(self, before: Record | None, after: Record) -> None:
        """Stage ``after``; ``before`` is the version it was based on (None if new)."""
        if after.id not in self.expected:
            self.expected[after.id] = before.version if before is not None else 0
        self.records[after.id] = after

    def next_number(self, name: str) -> int:
        """Advance counter ``name`` by one within this batch and return the new value."""
        if name in self.counters:
            start, value = self.counters[name]
        else:
            start = value = self.mall.store.counter(name)
        value += 1
        self.counters[name] = (start, value)
        return value

    def commit(self) -> None:
        """Write the batch atomically."""
        writes = [Write(r, self.expected[rid]) for rid, r in self.records.items()]
        # configuration that cannot drift: refuse a process whose policy or workflows
        # differ from the property's; record the property's first kinds (#14)
        config = self.mall.configuration.write_for(self.records, self.mall.now())
        if config is not None:
            writes.append(config)
        counters = [CounterWrite(n, a, b) for n, (a, b) in self.counters.items()]
        self.mall.store.commit(writes, counters)


class WorkflowService:
    """Operations on the records of one workflow.  See the module docstring."""

    def __init__(self, mall: Mall, engine: Engine) -> None:
        self.mall = mall
        self.engine = engine
        self.kind = engine.spec.kind

    # -- reading --------------------------------------------------------------------------

    def get(self, record_id: str) -> Record:
        """The record ``record_id`` of this workflow (``RecordNotFound`` otherwise)."""
        return self._own(self.mall.get(record_id))

    def _own(self, record: Record) -> Record:
        """``record`` if it is of this workflow's kind, else ``RecordNotFound``."""
        if record.kind != self.kind:
            raise RecordNotFound(
                f"{record.id!r} is a {record.kind}, not a {self.kind}", record_id=record.id
            )
        return record

    def query(self, **filters: Any) -> list[Record]:
        """Records of this workflow in this property matching ``filters`` (see ``Query``)."""
        scope = {"kind": self.kind, "property": self.mall.property}
        return self.mall.store.query(Query.scoped(scope, filters))

    def allowed_events(self, record: Record | str, actor: Actor) -> tuple[str, ...]:
        """What ``actor`` may do to the record next."""
        r = self.get(record) if isinstance(record, str) else record
        return self.engine.allowed_events(r, actor)

    # -- writing --------------------------------------------------------------------------

    def _run(self, operation: Any) -> Any:
        """Run ``operation(batch)`` and commit; conflicts are retried by the one retry
        policy (counter races, and a record changed only by the ticker between the
        operation's read and write); any other stale record raises ``ConflictError``."""
        for attempt in range(RETRY.attempts):
            batch = Batch(self.mall)
            result = operation(batch)
            try:
                batch.commit()
            except ConflictError as exc:
                if attempt < RETRY.attempts - 1 and RETRY.retryable(exc, self.mall.store):
                    RETRY.pause(attempt)
                    self.mall.store.refresh()
                    continue
                raise
            self.mall._deliver(batch.events)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _create(
        self, batch: Batch, actor: Actor, params: Mapping[str, Any], now: pendulum.DateTime
    ) -> Record:
        if actor == SYSTEM:
            entry = self.engine.entry_for_system_create(now, params)
        else:
            entry = self.engine.entry_for_create(actor, now, params)
        check_references(batch, self.engine.spec.create.params, entry.data)  # rule G11
        number = batch.next_number(f"id:{self.kind}")
        record_id = f"{self.engine.spec.prefix}-{number:06d}"
        applied = self.engine.apply(None, entry, record_id=record_id, property=self.mall.property)
        batch.put(None, applied.record)
        batch.events.extend(applied.events)
        self._after(batch, None, applied.record, entry)
        return batch.records[record_id]

    def create_as_system(
        self, batch: Batch, params: Mapping[str, Any], at: pendulum.DateTime
    ) -> Record:
        """Create a record as the system (actor ``SYSTEM``) at ``at`` inside ``batch``: the
        one way mallops opens records itself (a return visit, the next periodic visit)."""
        return self._create(batch, SYSTEM, params, at)

    def create_in(self, batch: Batch, actor: Actor, params: Mapping[str, Any]) -> Record:
        """Create a record inside another operation's batch (one atomic commit)."""
        return self._create(batch, actor, params, self.mall.clock.now())

    def open(self, *, actor: Actor, **params: Any) -> Record:
        """Create a record of this workflow with the creating event's parameters."""
        now = self.mall.now()
        return self._run(lambda batch: self._create(batch, actor, params, now))  # type: ignore[no-any-return]

    def catch_up(self, batch: Batch, record: Record, now: pendulum.DateTime) -> Record:
        """Fire the record's marks that fell due before ``now`` (in order, each at its own
        time), so history stays chronological before a user event."""
        if record.wake_at is None or record.wake_at >= now:
            return record  # nothing fell due (the common case): no scan of the marks
        current = record
        for _ in range(10_000):
            fired = self.fire_next_due(batch, current, now)
            if fired is None:
                return current
            current = fired
        raise AssertionError("a timer keeps firing")  # pragma: no cover

    def fire_next_due(self, batch: Batch, record: Record, now: pendulum.DateTime) -> Record | None:
        """Fire the record's earliest mark due before ``now`` inside ``batch`` (``None``
        if none is due): the step of catch-up, and what ``tick`` does per commit."""
        entry = self.engine.next_timer_entry(record, now)
        return None if entry is None else self.apply_entry(batch, record, entry)

    def apply_entry(self, batch: Batch, record: Record, entry: HistoryEntry) -> Record:
        """Apply ``entry`` to ``record`` inside ``batch`` and run the workflow's hooks."""
        before = record
        applied = self.engine.apply(record, entry, record_id=record.id, property=record.property)
        batch.put(before, applied.record)
        batch.events.extend(applied.events)
        self._after(batch, before, applied.record, entry)
        return batch.records[record.id]

    def fire_in(
        self,
        batch: Batch,
        record_id: str,
        event: str,
        actor: Actor,
        params: Mapping[str, Any],
        reason: str | None,
        now: pendulum.DateTime,
    ) -> Record:
        """Fire ``event`` inside ``batch`` (catching up due timers first)."""
        check_id(record_id)
        record = self.catch_up(batch, self._own(batch.current(record_id)), now)
        entry = self.engine.entry_for(record, event, actor, now, params, reason)
        check_references(batch, self.engine.param_specs(event), entry.data)  # rule G11
        return self.apply_entry(batch, record, entry)

    def fire_system_in(
        self,
        batch: Batch,
        record_id: str,
        event: str,
        data: Mapping[str, Any],
        now: pendulum.DateTime,
    ) -> Record:
        """Fire a system event of this workflow inside ``batch``."""
        record = self.catch_up(batch, batch.current(record_id), now)
        entry = self.engine.entry_for_system(record, event, now, data)
        return self.apply_entry(batch, record, entry)

    def fire(
        self, record_id: str, event: str, *, actor: Actor, reason: str | None = None, **params: Any
    ) -> Record:
        """Fire ``event`` on the record: atomic, or raises and changes nothing.

        Raises ``InvalidTransition`` (wrong state, unknown event, failed guard),
        ``PermissionDenied`` (wrong role), ``ValidationError`` (bad parameters),
        ``RecordNotFound`` and ``ConflictError`` (someone else changed it meanwhile).
        """
        now = self.mall.now()
        return self._run(  # type: ignore[no-any-return]
            lambda batch: self.fire_in(batch, record_id, event, actor, params, reason, now)
        )

    def _after(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        """Hook for workflows: react to an applied entry inside the same batch."""

    def replay(self, record_id: str) -> Record:
        """Rebuild the record from its history alone (G6); equal to the stored record."""
        record = self.get(record_id)
        return self.engine.replay(record.id, record.property, record.history)
