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
import heapq
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pendulum

from . import calendar_ops
from .calendar import BusinessCalendar, Coverage
from .clock import Clock, SystemClock, aware
from .domain.events import DomainEvent
from .domain.records import SYSTEM, Actor, Record
from .engine.config import ConfigGuard
from .engine.engine import Engine
from .engine.replan import replan_record
from .engine.retry import RETRY
from .engine.spec import WorkflowSpec
from .errors import (
    ConfigurationDrift,
    ConflictError,
    MallopsError,
    RecordNotFound,
    SubscriberError,
    ValidationError,
)
from .policy import Policy
from .policy_change import change_policy
from .stores.buffered import BufferedStore
from .stores.memory import MemoryStore
from .stores.protocol import Query, Store, check_id
from .workflows.base import Batch, WorkflowService
from .workflows.complaints import COMPLAINT, ComplaintService
from .workflows.lost_found import LOST_ITEM, LostFoundService
from .workflows.repairs import REPAIR, RepairService
from .workflows.return_visits import RETURN_VISIT, ReturnVisitService
from .workflows.suggestions import SUGGESTION, SuggestionService
from .workflows.tenants import TENANT, TenantService
from .workflows.visits import VISIT, VisitService

__all__ = ["Mall"]

_LOG = logging.getLogger("mallops")

Handler = Callable[[DomainEvent], None]


class Mall:
    """Operations of one property on one store.

    ``store`` defaults to a fresh :class:`MemoryStore`; ``clock`` to the real time in the
    policy's timezone; ``policy`` to :meth:`Policy.seed`.  ``property`` names the
    property (G11): a ``Mall`` reads and changes only that property's records.
    """

    def __init__(
        self,
        store: Store | None = None,
        clock: Clock | None = None,
        policy: Policy | None = None,
        *,
        property: str = "default",
    ) -> None:
        self.policy = policy if policy is not None else Policy.seed()
        if not isinstance(self.policy, Policy):
            raise ValidationError(f"policy: expected a Policy, got {type(self.policy).__name__}")
        self.store: Store = store if store is not None else MemoryStore()
        self.clock: Clock = (
            clock if clock is not None else SystemClock(self.policy.calendar.timezone)
        )
        self.property = check_id(property)
        self.calendar: BusinessCalendar = self.policy.build_calendar()
        self._replan_checked: BusinessCalendar | None = None  # G9: scanned once per calendar
        self._subscribers: list[Handler] = []
        self._held: list[DomainEvent] | None = None  # events of a bulk() until its commit
        self._services: dict[str, WorkflowService] = {}
        self.complaints = ComplaintService(self, self._engine(COMPLAINT))
        self._services["complaint"] = self.complaints
        self.repairs = RepairService(self, self._engine(REPAIR))
        self._services["repair"] = self.repairs
        self.return_visits = ReturnVisitService(self, self._engine(RETURN_VISIT))
        self._services["return_visit"] = self.return_visits
        self.tenants = TenantService(self, self._engine(TENANT))
        self._services["tenant"] = self.tenants
        self.visits = VisitService(self, self._engine(VISIT))
        self._services["visit"] = self.visits
        self.suggestions = SuggestionService(self, self._engine(SUGGESTION))
        self._services["suggestion"] = self.suggestions
        self.lost_found = LostFoundService(self, self._engine(LOST_ITEM))
        self._services["lost_item"] = self.lost_found
        self._services["lost_report"] = self.lost_found.reports
        self.configuration = ConfigGuard(
            lambda: self.store, self.property, self.policy, self._services.keys
        )
        """Checks every commit against the property's recorded configuration (#14)."""

    def _engine(self, spec: WorkflowSpec) -> Engine:
        return Engine(spec, self.policy, self.calendar)

    @property
    def services(self) -> dict[str, WorkflowService]:
        """The workflow services by record kind."""
        return dict(self._services)

    def service(self, kind: str) -> WorkflowService:
        """The service of record kind ``kind``."""
        try:
            return self._services[kind]
        except KeyError:
            raise ValidationError(
                f"unknown record kind {kind!r}; kinds: {', '.join(self._services)}", field="kind"
            ) from None

    # -- time -------------------------------------------------------------------------------

    def now(self) -> pendulum.DateTime:
        """The clock's time in the policy's timezone (naive clocks are refused)."""
        return aware(self.clock.now(), field="clock", tz=self.calendar.tz)

    # -- reading ----------------------------------------------------------------------------

    def get(self, record_id: str) -> Record:
        """Any record of this property by id (``RecordNotFound`` otherwise)."""
        record = self.store.get(check_id(record_id))
        if record.property != self.property:
            raise RecordNotFound(f"no record {record_id!r} in this property", record_id=record_id)
        return record

    def query(self, **filters: Any) -> list[Record]:
        """Records of this property matching ``filters`` (see :class:`Query`)."""
        return self.store.query(Query.scoped({"property": self.property}, filters))

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
        Returns the domain events raised (also delivered to subscribers)."""
        events = change_policy(self, policy, actor=actor, reason=reason)
        self._deliver(events)
        return events

    # -- events -----------------------------------------------------------------------------

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` with every domain event after its commit; returns an
        unsubscribe function."""
        if not callable(handler):
            raise ValidationError("handler: expected a callable")
        self._subscribers.append(handler)

        def unsubscribe() -> None:
            if handler in self._subscribers:
                self._subscribers.remove(handler)

        return unsubscribe

    def _deliver(self, events: list[DomainEvent]) -> None:
        if self._held is not None:
            self._held.extend(events)  # inside bulk(): delivered after its one commit
            return
        if not events or not self._subscribers:
            return
        errors: list[BaseException] = []
        for event in events:
            for handler in list(self._subscribers):
                try:
                    handler(event)
                except Exception as exc:
                    errors.append(exc)
        if errors:
            raise SubscriberError(
                f"{len(errors)} subscriber call(s) failed ({errors[0]!r}); the operation "
                "itself was committed",
                errors=errors,
                events=events,
            )

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
        events: list[DomainEvent] = []
        for record in self.query(is_open=True):
            if calendar_ops.needs_replan(self, record):
                events.extend(self._replan_one(record.id, actor, reason))
        return events

    def _replan_one(self, rid: str, actor: Actor, reason: str | None) -> list[DomainEvent]:
        for _ in range(16):
            batch = Batch(self)
            now = self.now()
            record = batch.current(rid)
            service = self._services.get(record.kind)
            if service is None:
                return []
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
            self._held = []
        try:
            yield self
            buffer.flush()
        finally:
            self.store = base
            held, self._held = self._held, None
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
        queue = [(at.timestamp(), rid) for at, rid in self.store.due(now, property=self.property)]
        heapq.heapify(queue)
        failed: set[str] = set()
        conflicts: dict[str, int] = {}
        while queue:
            _, rid = heapq.heappop(queue)
            if rid in failed:
                continue
            record = self.store.get(rid)
            service = self._services.get(record.kind)
            if service is None:  # never skipped silently (#14): an event and a log line
                failed.add(rid)
                _LOG.warning(
                    "tick: %s is a %s, a kind this process does not know; its deadline at "
                    "%s is not processed",
                    rid,
                    record.kind,
                    record.wake_at,
                )
                events.append(
                    DomainEvent(
                        "tick_unknown_kind",
                        rid,
                        record.kind,
                        record.property,
                        record.wake_at or now,
                        {"kind": record.kind, "known": sorted(self._services)},
                    )
                )
                continue
            entry = service.engine.next_timer_entry(record, now)  # the step catch-up takes
            if entry is None:
                continue
            at, timer, index = entry.at, entry.data["timer"], entry.data["mark"]
            batch = Batch(self)
            try:
                updated = service.apply_entry(batch, record, entry)
            except MallopsError as exc:
                failed.add(rid)
                _LOG.warning(
                    "tick: %s %s timer %s could not fire: %s", record.kind, rid, timer, exc
                )
                events.append(
                    DomainEvent(
                        "tick_failed",
                        rid,
                        record.kind,
                        record.property,
                        at,
                        {
                            "timer": timer,
                            "mark": index,
                            "error": str(exc),
                            "error_type": type(exc).__name__,
                        },
                    )
                )
                continue
            try:
                batch.commit()
            except ConfigurationDrift:
                self._deliver(events)  # what was reported so far, then refuse (#14)
                raise
            except ConflictError:
                # another ticker or a user changed it meanwhile: back off, look again
                conflicts[rid] = conflicts.get(rid, 0) + 1
                RETRY.pause(conflicts[rid])
                self.store.refresh()
                heapq.heappush(queue, (at.timestamp(), rid))
                continue
            events.extend(batch.events)
            if updated.wake_at is not None and updated.wake_at < now:
                heapq.heappush(queue, (updated.wake_at.timestamp(), rid))
            for other in batch.records.values():
                if other.id != rid and other.wake_at is not None and other.wake_at < now:
                    heapq.heappush(queue, (other.wake_at.timestamp(), other.id))
        self._deliver(events)
        return events

    def __repr__(self) -> str:
        return (
            f"Mall(property={self.property!r}, store={self.store!r}, policy={self.policy.name!r})"
        )
