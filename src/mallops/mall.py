"""The facade users start from: one :class:`Mall` per property (G11).

>>> import pendulum
>>> from mallops import Mall, ManualClock, MemoryStore, Policy, Actor
>>> start = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
>>> mall = Mall(store=MemoryStore(), clock=ManualClock(start))
>>> desk = Actor("desk-1", "front_desk", "customer_service")
>>> c = mall.complaints.open(
...     actor=desk, channel="phone", complainant="Li Lei", contact="13800000000",
...     location="B1 east restroom", description="restroom is dirty", demand="clean it")
>>> c.state, c.category
('registered', 'environment')
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pendulum

from . import calendar_ops
from .calendar import BusinessCalendar, Coverage
from .clock import Clock, SystemClock
from .domain.events import DomainEvent
from .domain.records import SYSTEM, Actor, Record
from .engine.config import ConfigGuard
from .engine.engine import Engine
from .engine.replan import replan_record
from .errors import ConfigurationDrift, ConflictError, ValidationError
from .feed import Feed
from .frontdesk import FRONT_DESK_WORKFLOWS
from .operations import OPERATIONS_WORKFLOWS
from .policy import Policy
from .policy_change import change_policy, change_workflows
from .stores.buffered import BufferedStore
from .stores.memory import MemoryStore
from .stores.protocol import Store
from .ticker import fire_due
from .workflows.base import WorkflowService
from .workflows.builtin import BUILTIN_WORKFLOWS
from .workflows.bundle import Workflow, policy_sections, workflow_list
from .workflows.complaints import ComplaintService
from .workflows.lost_found import LostFoundService
from .workflows.repairs import RepairService
from .workflows.return_visits import ReturnVisitService
from .workflows.runtime import Reaction, Runtime, Services
from .workflows.suggestions import SuggestionService
from .workflows.tenants import TenantService
from .workflows.visits import VisitService

__all__ = ["SHIPPED_WORKFLOWS", "Mall"]

SHIPPED_WORKFLOWS: tuple[Workflow, ...] = (*FRONT_DESK_WORKFLOWS, *OPERATIONS_WORKFLOWS)
"""The shipped plug-ins (front desk, building operations) every ``Mall`` registers
unless ``standard=False``; the CLI and ``python -m mallops.policy`` use the same list."""

_LOG = logging.getLogger("mallops")

Handler = Callable[[DomainEvent], None]


class Mall:
    """Operations of one property on one store: the one composition root.

    ``store`` defaults to a fresh :class:`MemoryStore`; ``clock`` to the real time in the
    policy's timezone; ``policy`` to :meth:`Policy.seed`.  ``property`` names the
    property (G11): a ``Mall`` reads and changes only that property's records.
    ``workflows`` adds plug-in workflows (:class:`mallops.plugins.Workflow`) to the
    seven built-in ones, which are registered through the same path
    (docs/workflows.md); a plug-in's policy section missing from ``policy`` takes its
    class defaults.  The shipped plug-ins, front desk (:mod:`mallops.frontdesk`) and
    building operations (:mod:`mallops.operations`), are registered too unless
    ``standard=False``; naming one of them in ``workflows`` as well is no error.
    """

    complaints: ComplaintService
    repairs: RepairService
    return_visits: ReturnVisitService
    tenants: TenantService
    visits: VisitService
    suggestions: SuggestionService
    lost_found: LostFoundService

    def __init__(
        self,
        store: Store | None = None,
        clock: Clock | None = None,
        policy: Policy | None = None,
        *,
        property: str = "default",
        workflows: Iterable[Workflow] = (),
        standard: bool = True,
    ) -> None:
        policy = policy if policy is not None else Policy.seed()
        if not isinstance(policy, Policy):
            raise ValidationError(f"policy: expected a Policy, got {type(policy).__name__}")
        if not isinstance(standard, bool):
            raise ValidationError(
                f"standard: expected True or False, got {standard!r}", field="standard"
            )
        shipped = SHIPPED_WORKFLOWS if standard else ()
        own = tuple(wf for wf in workflow_list(workflows) if wf not in shipped)
        self.workflows = (*BUILTIN_WORKFLOWS, *shipped, *own)
        self.policy = policy.with_sections(policy_sections(self.workflows))
        store = store if store is not None else MemoryStore()
        self.clock: Clock = (
            clock if clock is not None else SystemClock(self.policy.calendar.timezone)
        )
        self.calendar: BusinessCalendar = self.policy.build_calendar()
        self.runtime = Runtime(
            store=store,
            clock=self.clock,
            policy=self.policy,
            calendar=self.calendar,
            property=property,
        )
        self.property = self.runtime.property
        self._replan_checked: BusinessCalendar | None = None  # G9: scanned once per calendar
        self._attributes: dict[str, WorkflowService] = {}
        for wf in self.workflows:
            self._register(wf)
        self.runtime.add_reactions(r for wf in self.workflows for r in wf.reactions)
        peers = self.runtime.services
        self.complaints = peers.of("complaint", ComplaintService)
        self.repairs = peers.of("repair", RepairService)
        self.return_visits = peers.of("return_visit", ReturnVisitService)
        self.tenants = peers.of("tenant", TenantService)
        self.visits = peers.of("visit", VisitService)
        self.suggestions = peers.of("suggestion", SuggestionService)
        self.lost_found = peers.of("lost_item", LostFoundService)
        self.runtime.configuration.use_specs({wf.kind: wf.spec for wf in self.workflows})

    def _register(self, wf: Workflow) -> None:
        service = wf.service(self.runtime, Engine(wf.spec, self.policy, self.calendar))
        if not isinstance(service, WorkflowService) or service.kind != wf.kind:
            raise ValidationError(
                f"workflow {wf.kind!r}: its service factory must return a WorkflowService "
                f"of kind {wf.kind!r}",
                field="workflows",
            )
        self.runtime.services.add(service)
        if wf.attribute is not None:
            if wf.attribute in self._attributes or wf.attribute in vars(type(self)):
                raise ValidationError(
                    f"workflow {wf.kind!r}: attribute {wf.attribute!r} is taken",
                    field="workflows",
                )
            self._attributes[wf.attribute] = service

    @property
    def configuration(self) -> ConfigGuard:
        """Checks every commit against the property's recorded configuration (#14)."""
        return self.runtime.configuration

    @property
    def store(self) -> Store:
        """The store this mall reads and writes (shared with its services)."""
        return self.runtime.store

    @store.setter
    def store(self, store: Store) -> None:
        self.runtime.store = store  # bulk() swaps in a buffer for its one commit

    def __getattr__(self, name: str) -> WorkflowService:
        # plug-in workflows by their attribute (mall.notices), for names not found otherwise
        attributes = self.__dict__.get("_attributes", {})
        if name in attributes:
            service: WorkflowService = attributes[name]
            return service
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def services(self) -> dict[str, WorkflowService]:
        """The workflow services by record kind."""
        return {kind: self.service(kind) for kind in self.runtime.services}

    @property
    def registry(self) -> Services:
        """The typed service registry (``mall.registry.of(kind, ServiceClass)``)."""
        return self.runtime.services

    @property
    def reactions(self) -> tuple[Reaction, ...]:
        """The reaction table this mall dispatches (docs/architecture.md)."""
        return self.runtime.reactions

    def service(self, kind: str) -> WorkflowService:
        """The service of record kind ``kind``."""
        return self.runtime.services.of(kind, WorkflowService)

    # -- time -------------------------------------------------------------------------------

    def now(self) -> pendulum.DateTime:
        """The clock's time in the policy's timezone (naive clocks are refused)."""
        return self.runtime.now()

    # -- reading ----------------------------------------------------------------------------

    def get(self, record_id: str) -> Record:
        """Any record of this property by id (``RecordNotFound`` otherwise)."""
        return self.runtime.get(record_id)

    def query(self, **filters: Any) -> list[Record]:
        """Records of this property matching ``filters`` (see :class:`Query`)."""
        return self.runtime.query(**filters)

    def history_of(self, tenant: str) -> list[Record]:
        """Every record concerning ``tenant`` (G4), oldest first."""
        return self.query(tenant=tenant)

    def fire(
        self, record_id: str, event: str, *, actor: Actor, reason: str | None = None, **params: Any
    ) -> Record:
        """Fire ``event`` on any record, whatever its kind."""
        return self.service(self.get(record_id).kind).fire(
            record_id, event, actor=actor, reason=reason, **params
        )

    def allowed_events(self, record_id: str, actor: Actor) -> tuple[str, ...]:
        """What ``actor`` may do next to the record."""
        record = self.get(record_id)
        return self.service(record.kind).allowed_events(record, actor)

    def replay(self, record_id: str) -> Record:
        """Rebuild a record from its history alone (G6)."""
        return self.service(self.get(record_id).kind).replay(record_id)

    def change_policy(self, policy: Policy, *, actor: Actor, reason: str) -> list[DomainEvent]:
        """Move this property to ``policy``, recorded (#14): who, when, why, the old and
        new fingerprints in the property's configuration history; each running timer
        re-planned or kept by its own ``on_change`` rule, as a ``_policy`` history entry
        on its record.  Atomic; afterwards this ``Mall`` works under ``policy``.
        Returns the domain events raised (also delivered to subscribers).  Only the
        roles of ``access.configure_roles`` may (default: property manager and general
        manager, G5); others raise ``PermissionDenied``.  Plug-in sections ``policy``
        lacks take their defaults, as when a ``Mall`` is made with it."""
        events = change_policy(self, policy, actor=actor, reason=reason)
        self._deliver(events)
        return events

    def change_workflows(self, *, actor: Actor, reason: str) -> list[DomainEvent]:
        """Accept this process's workflow definitions for the property, recorded (#14):
        after an upgrade changed a workflow (its states, events, parameters, timers or
        ladder), writes are refused until this records who, when, why and, per kind, the
        parts that changed with the old and new digests.  Refused when records are in a
        state the new definition lacks.  Returns the ``workflows_changed`` event (none
        when nothing differs).  Roles: ``access.configure_roles``."""
        events = change_workflows(self, actor=actor, reason=reason)
        self._deliver(events)
        return events

    # -- events -----------------------------------------------------------------------------

    @property
    def feed(self) -> Feed:
        """The durable event feed of this property (G6; see :mod:`mallops.feed`)."""
        return self.runtime.feed

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` with each event of this property after its commit, from the
        feed (G6; a failing handler is logged and retried); returns an unsubscribe."""
        return self.runtime.subscribe(handler)

    def _deliver(self, events: list[DomainEvent]) -> None:
        self.runtime.deliver(events)

    # -- the calendar (G9) -----------------------------------------------------------------

    def calendar_coverage(self, today: Any = None) -> Coverage:
        """Which years of holiday data this property's calendar covers and when the data
        runs out, seen from ``today`` (a date; default the clock's local date)."""
        return calendar_ops.coverage(self, today)

    def replan_provisional(
        self, *, actor: Actor = SYSTEM, reason: str | None = None
    ) -> list[calendar_ops.Replanned]:
        """Re-plan every open record's provisional timers whose year the calendar now
        covers (G9), each recorded as a ``_replan`` history entry with the old and new
        due times; marks that fell due before now fire first under the plan in force, and
        nothing already fired is un-fired.  Returns what changed.  ``tick()`` does this
        by itself the first time it runs with a calendar."""
        calendar_ops.check_replan_actor(self, actor, reason)
        self.store.refresh()
        events = self._replan_all(actor, reason)
        self._deliver(events)
        return calendar_ops.replanned_of(events)

    def _replan_all(self, actor: Actor, reason: str | None) -> list[DomainEvent]:
        self._replan_checked = self.calendar
        due = [r.id for r in self.query(is_open=True) if calendar_ops.needs_replan(self, r)]
        return [e for rid in due for e in self._replan_one(rid, actor, reason)]

    def _replan_one(self, rid: str, actor: Actor, reason: str | None) -> list[DomainEvent]:
        for _ in range(16):
            batch = self.runtime.batch()
            now = self.now()
            record = batch.current(rid)
            if record.kind not in self.runtime.services:
                return []
            service = self.service(record.kind)
            record = service.catch_up(batch, record, now)
            result = replan_record(service.engine, record, now, actor=actor, reason=reason)
            if result is None:
                return []
            batch.put(record, result[0])
            batch.events.extend(result[1])
            try:
                batch.commit()
            except ConflictError:
                self.store.refresh()
                continue
            return batch.events
        raise ConflictError(f"{rid}: changed by others 16 times while being re-planned")

    # -- bulk work --------------------------------------------------------------------------

    @contextlib.contextmanager
    def bulk(self, *, hold_events: bool = True) -> Iterator[Mall]:
        """Run many operations with **one** durable commit (imports, simulations).

        >>> with mall.bulk():                                        # doctest: +SKIP
        ...     for row in rows:
        ...         mall.complaints.open(actor=desk, **row)

        Inside the block every operation is checked and applied as usual (a failing one
        raises and stages nothing) and later operations see the earlier ones; the
        records are held in memory and written to the store in one commit when the block
        ends, and only then are the domain events delivered to subscribers.
        ``hold_events=False`` delivers each operation's events as soon as it is staged
        instead (for simulations whose subscribers react inside the block; they may then
        hear of work that a failing block never writes).  If the block raises, or that
        commit meets a concurrent change (``ConflictError``), nothing of the block is
        written.  Other processes see the records only after
        the block.  A nested ``bulk()`` joins the outer one.  One thread per mall
        while a bulk is open.
        """
        if isinstance(self.store, BufferedStore):
            yield self
            return
        base = self.store
        buffer = BufferedStore(base)
        self.store = buffer
        if hold_events:
            self.runtime.held = []
        try:
            yield self
            buffer.flush()
            if not hold_events:
                self.feed.skip_to_head()  # its events were given as they were staged
        finally:
            self.store = base
            held, self.runtime.held = self.runtime.held, None
        if held:
            self._deliver(held)

    # -- the ticker -------------------------------------------------------------------------

    def tick(self) -> list[DomainEvent]:
        """Fire every timer mark that fell due before now, across all records of this
        property, in chronological order, each at its own due time.

        Idempotent: a second call at the same time finds nothing.  After a week without
        ticking it catches up on everything missed.  Returns the domain events raised
        (also delivered to subscribers).

        A record whose deadline cannot be processed (a mallops error, for example a
        follow-up that needs holiday data for a year the calendar lacks, G9) does not
        hold up the others: it is left unchanged, reported as a ``tick_failed`` event
        (with the error) and tried again by the next tick.
        """
        now = self.now()
        self.store.refresh()
        events: list[DomainEvent] = []
        if self._replan_checked is not self.calendar:  # G9: holiday data may have arrived
            events.extend(self._replan_all(SYSTEM, None))
        horizon = calendar_ops.horizon_event(self, now)
        if horizon is not None:
            events.append(horizon)
        try:
            fire_due(self, now, events)
        except ConfigurationDrift:
            self._deliver(events)  # what was reported so far, then refuse (#14)
            raise
        self._deliver(events)
        return events

    def __repr__(self) -> str:
        return (
            f"Mall(property={self.property!r}, store={self.store!r}, policy={self.policy.name!r})"
        )
