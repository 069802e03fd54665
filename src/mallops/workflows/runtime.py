"""What a workflow service runs on: the :class:`Runtime`, its :class:`Batch` and peers.

A service never sees the :class:`~mallops.Mall` facade.  It gets a :class:`Runtime`
(store, clock, policy, calendar, property, batch and commit helpers) and, through
``runtime.services``, a typed registry of its peers (:class:`Services`).
Cross-workflow behaviour is not a service calling another service: it is a
:class:`Reaction` in the reaction table, dispatched by the runtime inside the same
atomic batch (see ``mallops.workflows.reactions`` and docs/architecture.md).

Public through :mod:`mallops.plugins`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import attrs
import pendulum

from ..calendar import BusinessCalendar
from ..clock import Clock, aware
from ..domain.events import DomainEvent
from ..domain.records import Actor, HistoryEntry, Record
from ..engine.config import ConfigGuard
from ..engine.retry import RETRY
from ..errors import ConflictError, RecordNotFound, ValidationError
from ..feed import Feed
from ..policy import Policy
from ..stores.buffered import BufferedStore
from ..stores.protocol import CounterWrite, Query, Store, Write, check_id

__all__ = ["Batch", "Peer", "Reacting", "Reaction", "Runtime", "Services"]

T = TypeVar("T")
S = TypeVar("S")

Handler = Callable[[DomainEvent], None]


class Peer(Protocol):
    """What a service offers its peers (every ``WorkflowService`` is one)."""

    kind: str

    def get(self, record_id: str) -> Record:
        """The record of this workflow."""

    def query(self, **filters: Any) -> list[Record]:
        """Records of this workflow matching ``filters``."""

    def create_in(self, batch: Batch, actor: Actor, params: Mapping[str, Any]) -> Record:
        """Create a record inside ``batch``."""

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
        """Fire a user event inside ``batch``."""

    def fire_system_in(
        self,
        batch: Batch,
        record_id: str,
        event: str,
        data: Mapping[str, Any],
        now: pendulum.DateTime,
    ) -> Record:
        """Fire a system event inside ``batch``."""


class Services(Mapping[str, "Peer"]):
    """The services of one mall by record kind: a read-only mapping with a typed lookup.

    ``services.of("complaint", ComplaintService)`` returns the complaint service typed
    as a ``ComplaintService``, or raises :class:`~mallops.errors.ValidationError` naming
    the kinds there are (no ``assert isinstance`` downcasts anywhere).
    """

    def __init__(self) -> None:
        self._by_kind: dict[str, Peer] = {}

    def add(self, service: Peer) -> None:
        """Register ``service`` under its kind (each kind once)."""
        if service.kind in self._by_kind:
            raise ValidationError(f"workflow kind {service.kind!r} is registered twice")
        self._by_kind[service.kind] = service

    def of(self, kind: str, cls: type[S]) -> S:
        """The service of ``kind``, checked to be a ``cls``."""
        service = self[kind]
        if not isinstance(service, cls):
            raise ValidationError(
                f"the {kind!r} service is a {type(service).__name__}, not a {cls.__name__}",
                field="kind",
            )
        return service

    def __getitem__(self, kind: str) -> Peer:
        try:
            return self._by_kind[kind]
        except (KeyError, TypeError):
            raise ValidationError(
                f"unknown record kind {kind!r}; kinds: {', '.join(self._by_kind)}", field="kind"
            ) from None

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_kind)

    def __len__(self) -> int:
        return len(self._by_kind)


@attrs.frozen
class Reacting:
    """What a reaction handler gets: the change it reacts to, inside its batch."""

    batch: Batch
    before: Record | None
    after: Record
    entry: HistoryEntry
    events: tuple[DomainEvent, ...]

    @property
    def runtime(self) -> Runtime:
        """The runtime of the batch."""
        return self.batch.runtime

    @property
    def services(self) -> Services:
        """The peers (every service of the mall)."""
        return self.batch.runtime.services

    @property
    def entered(self) -> bool:
        """Whether this change moved the record into a new state (or created it)."""
        return self.before is None or self.before.state != self.after.state


def _describe(handler: Callable[..., Any]) -> str:
    """The first paragraph of the handler's docstring, on one line."""
    text = (handler.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(text.split()) or handler.__name__


@attrs.frozen
class Reaction:
    """One row of the reaction table: when a ``source`` record changes, run ``handler``.

    ``on`` is the event that changed it (its history entry's event, e.g. ``"resolve"``,
    the creating event, ``"_timer"``) or ``"*"`` for every change; ``entered`` narrows
    it to changes that move the record into that state.  ``targets`` names the kinds
    the handler acts on (a mall refuses a reaction whose targets are not registered).
    The handler runs inside the same batch as the change: whatever it stages commits
    with it, atomically, and an error it raises cancels the whole operation.
    """

    source: str
    on: str
    handler: Callable[[Reacting], None]
    targets: tuple[str, ...] = ()
    entered: str | None = None
    rule: str = ""
    doc: str = ""

    def matches(self, r: Reacting) -> bool:
        """Whether this row applies to the change ``r``."""
        if self.on not in ("*", r.entry.event):
            return False
        return self.entered is None or (r.entered and r.after.state == self.entered)

    @property
    def description(self) -> str:
        """``doc``, or the first line of the handler's docstring."""
        return self.doc or _describe(self.handler)


class Runtime:
    """Store, clock, policy, calendar and property of one mall, shared by its services."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        policy: Policy,
        calendar: BusinessCalendar,
        property: str,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.calendar = calendar
        self.property = check_id(property)
        self.services = Services()
        self._reactions: dict[str, tuple[Reaction, ...]] = {}
        self.feed = Feed(self)
        """The durable event feed of this property (``mall.feed``, G6)."""
        self.configuration = ConfigGuard(
            lambda: self.store, self.property, policy, lambda: list(self.services)
        )
        """Checks every commit against the property's recorded configuration (#14)."""
        self.held: list[DomainEvent] | None = None
        """Events held back until a bulk commit (``Mall.bulk``); ``None`` outside one."""

    # -- reading ----------------------------------------------------------------------------

    def now(self) -> pendulum.DateTime:
        """The clock's time in the policy's timezone (naive clocks are refused)."""
        return aware(self.clock.now(), field="clock", tz=self.calendar.tz)

    def get(self, record_id: str) -> Record:
        """Any record of this property by id (``RecordNotFound`` otherwise)."""
        record = self.store.get(check_id(record_id))
        if record.property != self.property:
            raise RecordNotFound(f"no record {record_id!r} in this property", record_id=record_id)
        return record

    def query(self, **filters: Any) -> list[Record]:
        """Records of this property matching ``filters`` (see :class:`Query`)."""
        return self.store.query(Query.scoped({"property": self.property}, filters))

    # -- reactions --------------------------------------------------------------------------

    def add_reactions(self, reactions: Iterable[Reaction]) -> None:
        """Add rows to the reaction table (their targets must be registered kinds)."""
        for reaction in reactions:
            for kind in (reaction.source, *reaction.targets):
                if kind not in self.services:
                    raise ValidationError(
                        f"reaction {reaction.source}/{reaction.on}: no workflow of kind "
                        f"{kind!r}; kinds: {', '.join(self.services)}",
                        field="workflows",
                    )
            self._reactions[reaction.source] = (*self._reactions.get(reaction.source, ()), reaction)

    @property
    def reactions(self) -> tuple[Reaction, ...]:
        """The reaction table, in dispatch order."""
        return tuple(r for rows in self._reactions.values() for r in rows)

    def react(
        self,
        batch: Batch,
        before: Record | None,
        after: Record,
        entry: HistoryEntry,
        events: Sequence[DomainEvent],
    ) -> None:
        """Run every reaction matching this change, in table order, inside ``batch``."""
        rows = self._reactions.get(after.kind)
        if not rows:
            return
        change = Reacting(batch, before, after, entry, tuple(events))
        for reaction in rows:
            if reaction.matches(change):
                reaction.handler(change)

    # -- writing ----------------------------------------------------------------------------

    def batch(self) -> Batch:
        """A new, empty batch on this runtime."""
        return Batch(self)

    def run(self, operation: Callable[[Batch], T]) -> T:
        """Run ``operation(batch)`` and commit the batch, then deliver its events.

        A counter race (or a new record's id taken meanwhile) is retried with a fresh
        batch; a stale record raises ``ConflictError``.  Nothing is written if
        ``operation`` raises.
        """
        for attempt in range(RETRY.attempts):
            batch = Batch(self)
            result = operation(batch)
            try:
                batch.commit()
            except ConflictError as exc:
                # the one retry policy (engine.retry): counter races, a new id taken
                # meanwhile, and a record changed only by a ticker between read and write
                if attempt < RETRY.attempts - 1 and RETRY.retryable(exc, self.store):
                    RETRY.pause(attempt)
                    self.store.refresh()
                    continue
                raise
            self.deliver(batch.events)
            return result
        raise ConflictError("the operation kept colliding with other writers")  # pragma: no cover

    # -- events -----------------------------------------------------------------------------

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` with every domain event of this property after its commit,
        read from the durable feed (G6); returns an unsubscribe function.  A handler
        that raises is logged and retried on later deliveries (``mall.feed.deliver()``);
        the operation that committed never raises for it."""
        return self.feed.subscribe(handler)

    def deliver(self, events: Sequence[DomainEvent]) -> None:
        """Run the subscribers after a commit, from the feed (G6).  Inside a bulk
        (``held`` is a list) the events wait there for its one commit; with
        ``bulk(hold_events=False)`` they are given as staged (the feed has them only
        after the block); ``tick_failed`` is in no commit and is given as it is."""
        if self.held is not None:
            self.held.extend(events)
            return
        if isinstance(self.store, BufferedStore):
            self.feed.deliver_now(events)
            return
        self.feed.deliver([e for e in events if e.type == "tick_failed"])


class Batch:
    """Everything one operation writes: records (with the version each was read at),
    counter moves and the domain events to deliver after the commit."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.records: dict[str, Record] = {}
        self.expected: dict[str, int] = {}
        self.counters: dict[str, tuple[int, int]] = {}
        self.events: list[DomainEvent] = []

    def current(self, record_id: str) -> Record:
        """The record as this batch will write it (or as stored)."""
        got = self.records.get(record_id)
        return got if got is not None else self.runtime.get(record_id)

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
            start = value = self.runtime.store.counter(name)
        value += 1
        self.counters[name] = (start, value)
        return value

    def commit(self) -> None:
        """Write the batch atomically."""
        writes = [Write(r, self.expected[rid]) for rid, r in self.records.items()]
        # configuration that cannot drift: refuse a process whose policy or workflows
        # differ from the property's; record the property's first kinds (#14)
        config = self.runtime.configuration.write_for(self.records, self.runtime.now)
        if config is not None:
            writes.append(config)
        counters = [CounterWrite(n, a, b) for n, (a, b) in self.counters.items()]
        self.runtime.store.commit(writes, counters, self.events)  # events: the feed (G6)


def reaction_rows(reactions: Iterable[Reaction]) -> list[tuple[str, str, str, str, str]]:
    """(source, on, targets, rule, description) rows of a reaction table (for docs)."""
    rows = []
    for r in reactions:
        on = r.on if r.entered is None else f"{r.on} → {r.entered}"
        rows.append((r.source, on, ", ".join(r.targets) or "-", r.rule, r.description))
    return rows
