"""The service every workflow shares: open, fire, query, allowed events, replay.

A :class:`WorkflowService` is what ``mall.complaints`` (and ``mall.repairs`` ...) is,
and what a plug-in workflow's service subclasses (public as
:class:`mallops.plugins.WorkflowService`).  It runs on a
:class:`~mallops.workflows.runtime.Runtime`, never on the ``Mall`` facade.  Every
operation builds a :class:`~mallops.workflows.runtime.Batch` of record writes, counter
moves and domain events; the batch is committed to the store atomically and only then
are the events delivered.  If anything raises before the commit, nothing was written.
After every applied entry the runtime dispatches the reaction table (cross-workflow
behaviour, docs/architecture.md) inside the same batch.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pendulum

from ..domain.records import SYSTEM, Actor, HistoryEntry, Record
from ..engine.engine import LINK_EVENT, Engine
from ..engine.keywords import checked_keywords
from ..errors import RecordNotFound, ValidationError
from ..stores.protocol import Query, check_id
from .references import check_references
from .runtime import Batch, Runtime, Services

__all__ = ["Batch", "WorkflowService"]

T = TypeVar("T")


class WorkflowService:
    """Operations on the records of one workflow.  See the module docstring."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public method of a service refuses an unknown or missing keyword with
        ``ValidationError`` naming it and the allowed ones, not ``TypeError`` (issue 15;
        :func:`~mallops.engine.keywords.checked_keywords`)."""
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(value):
                setattr(cls, name, checked_keywords(value))

    def __init__(self, runtime: Runtime, engine: Engine) -> None:
        self.runtime = runtime
        self.engine = engine
        self.kind = engine.spec.kind

    @property
    def peers(self) -> Services:
        """The other services of the mall, by kind (``peers.of(kind, cls)`` is typed)."""
        return self.runtime.services

    # -- reading --------------------------------------------------------------------------

    def get(self, record_id: str) -> Record:
        """The record ``record_id`` of this workflow (``RecordNotFound`` otherwise)."""
        return self._own(self.runtime.get(record_id))

    def _own(self, record: Record) -> Record:
        """``record`` if it is of this workflow's kind, else ``RecordNotFound``."""
        if record.kind != self.kind:
            raise RecordNotFound(
                f"{record.id!r} is a {record.kind}, not a {self.kind}", record_id=record.id
            )
        return record

    def query(self, **filters: Any) -> list[Record]:
        """Records of this workflow in this property matching ``filters`` (see ``Query``)."""
        scope = {"kind": self.kind, "property": self.runtime.property}
        return self.runtime.store.query(Query.scoped(scope, filters))

    def allowed_events(self, record: Record | str, actor: Actor) -> tuple[str, ...]:
        """What ``actor`` may do to the record next."""
        r = self.get(record) if isinstance(record, str) else record
        return self.engine.allowed_events(r, actor)

    # -- writing --------------------------------------------------------------------------

    def _run(self, operation: Callable[[Batch], T]) -> T:
        """Run ``operation(batch)`` and commit (see :meth:`Runtime.run`)."""
        return self.runtime.run(operation)

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
        applied = self.engine.apply(
            None, entry, record_id=record_id, property=self.runtime.property
        )
        batch.put(None, applied.record)
        batch.events.extend(applied.events)
        self.runtime.react(batch, None, applied.record, entry, applied.events)
        return batch.records[record_id]

    def create_as_system(
        self, batch: Batch, params: Mapping[str, Any], at: pendulum.DateTime
    ) -> Record:
        """Create a record as the system (actor ``SYSTEM``) at ``at`` inside ``batch``: the
        one way mallops opens records itself (a return visit, the next periodic visit)."""
        return self._create(batch, SYSTEM, params, at)

    def create_in(self, batch: Batch, actor: Actor, params: Mapping[str, Any]) -> Record:
        """Create a record inside another operation's batch (one atomic commit)."""
        return self._create(batch, actor, params, self.runtime.clock.now())

    def open(self, *, actor: Actor, **params: Any) -> Record:
        """Create a record of this workflow with the creating event's parameters."""
        now = self.runtime.now()
        return self._run(lambda batch: self._create(batch, actor, params, now))

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
        self.runtime.react(batch, before, applied.record, entry, applied.events)
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

    def link_in(
        self,
        batch: Batch,
        record_id: str,
        relation: str,
        other_id: str,
        now: pendulum.DateTime,
    ) -> Record:
        """Link the record ``record_id`` of this workflow to ``other_id`` inside ``batch``:
        a system ``_link`` entry in its history (G6), whatever its state, so a reaction can
        link records of workflows that declare no linking event of their own (both ways:
        call it once per side).  ``relation`` is a lower-case name; ``other_id`` must be a
        record of this property (G11); a link already there is kept once."""
        name_ok = isinstance(relation, str) and relation.isidentifier()
        if not name_ok or relation.startswith("_") or relation != relation.lower():
            raise ValidationError(
                f"relation: {relation!r} is not a lower-case name such as 'source'",
                field="relation",
            )
        other = batch.current(check_id(other_id))  # RecordNotFound outside this property
        record = self._own(batch.current(check_id(record_id)))
        entry = self.engine.entry_for_system(
            record, LINK_EVENT, now, {"relation": relation, "record": other.id}
        )
        return self.apply_entry(batch, record, entry)

    def fire(
        self, record_id: str, event: str, *, actor: Actor, reason: str | None = None, **params: Any
    ) -> Record:
        """Fire ``event`` on the record: atomic, or raises and changes nothing.

        Raises ``InvalidTransition`` (wrong state, unknown event, failed guard),
        ``PermissionDenied`` (wrong role), ``ValidationError`` (bad parameters),
        ``RecordNotFound`` and ``ConflictError`` (someone else changed it meanwhile).
        """
        now = self.runtime.now()
        return self._run(
            lambda batch: self.fire_in(batch, record_id, event, actor, params, reason, now)
        )

    def replay(self, record_id: str) -> Record:
        """Rebuild the record from its history alone (G6); equal to the stored record."""
        record = self.get(record_id)
        return self.engine.replay(record.id, record.property, record.history)
