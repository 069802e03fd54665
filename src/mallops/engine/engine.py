"""The engine: applies events to records through one shared ``transitions`` machine.

One :class:`Engine` per workflow and policy.  It owns a single ``transitions.Machine``
built from the spec, with no model bound to it: the machine is the definition of the
workflow's states and transitions, and each event is fired through the
:class:`~mallops.engine.machine.Dispatch` read from it (its transitions by event and
source, in order) on a tiny cursor object holding the state, so records are never added
to the machine (no per-record ``add_model``; see docs/performance.md).  Guards run as
the transitions' conditions, effects as their ``after`` callbacks; ``MachineError`` never
escapes — mallops raises its own errors.  The ``transitions`` adapter is
:mod:`mallops.engine.machine`; validating an event and building its history entry is
:mod:`.entries`; the timers of the record being changed are :mod:`.draft_timers`.

Every change is a :class:`HistoryEntry` that records its outcome (what it changed);
:meth:`Engine.apply` is a pure function of a record and an entry, and replay
(:mod:`.replay`, G6) applies the recorded outcomes, which is what makes it exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pendulum

from ..calendar import BusinessCalendar
from ..domain.events import DomainEvent
from ..domain.outcome import outcome_of, wake_of
from ..domain.records import SYSTEM, Actor, HistoryEntry, Outcome, Record
from ..errors import InvalidTransition, PermissionDenied
from ..policy import Policy
from . import access as _access
from .checks import validate_with_policy
from .context import Context, Draft
from .draft_timers import TimerRules
from .entries import ESCALATE_EVENT, LINK_EVENT, POLICY_EVENT, TIMER_EVENT, EventTable
from .machine import Cursor, Dispatch, build_machine
from .params import events_of
from .replan import REPLAN_EVENT, provisional_events, replan_draft
from .replay import replay_history
from .spec import EventSpec, Param, WorkflowSpec

__all__ = ["ESCALATE_EVENT", "LINK_EVENT", "POLICY_EVENT", "TIMER_EVENT", "Applied", "Engine"]


@attrs.frozen
class Applied:
    """The result of applying entries: the new record and the domain events raised."""

    record: Record
    events: tuple[DomainEvent, ...]


class Engine:
    """Applies the events of one workflow under one policy.  See the module docstring."""

    def __init__(self, spec: WorkflowSpec, policy: Policy, calendar: BusinessCalendar) -> None:
        validate_with_policy(spec, policy)
        self.spec = spec
        self.policy = policy
        self.calendar = calendar
        self.tz = calendar.tz
        self.ladder = tuple(spec.ladder(policy))
        self._machine = build_machine(spec)
        self._dispatch = Dispatch(self._machine)  # the machine's transitions, by (event, state)
        self._finals = spec.final_states
        self._table = EventTable(spec, policy, calendar.tz)
        self._events = self._table.events
        self._timers = TimerRules(spec, policy, calendar)
        self._declared: dict[str, dict[str, Param]] = {}  # each event's params by name

    # -- queries --------------------------------------------------------------------------

    def events_from(self, state: str) -> tuple[str, ...]:
        """User events that may start from ``state`` (ignoring roles and guards)."""
        return self._table.events_from(state)

    def allowed_events(self, record: Record, actor: Actor) -> tuple[str, ...]:
        """Events ``actor`` may fire on ``record`` now: state, role and permit checked."""
        self.check_actor(actor)  # a non-Actor is a ValidationError (fuzz, issue 15)
        out = []
        for name in self.events_from(record.state):
            spec = self._events[name][0]
            if actor.role not in spec.roles:
                continue
            if _access.refusal(self._table.who[name], record, actor, self.policy) is not None:
                continue
            if spec.permit is not None:
                ctx = Context(
                    self, record, Draft(record, ""), actor, record.updated_at, name, {}, None
                )
                if spec.permit(ctx) is not None:
                    continue
            out.append(name)
        return tuple(out)

    def param_specs(self, event: str) -> tuple[Param, ...]:
        """The declared parameters of ``event`` (``create`` for the creating event)."""
        return self._table.param_specs(event)

    # -- building entries (validated in :class:`EventTable`) ------------------------------

    def check_actor(self, actor: Actor) -> None:
        """Raise unless ``actor`` is an :class:`Actor` with a role of the policy (G5)."""
        self._table.check_actor(actor)

    def dump_params(
        self, spec: EventSpec, params: Mapping[str, Any], reason: str | None = None
    ) -> tuple[dict[str, Any], str | None]:
        """``params`` of event ``spec`` validated and in stored form, and the reason."""
        return self._table.dump_params(spec, params, reason)

    def entry_for_create(
        self, actor: Actor, now: pendulum.DateTime, params: Mapping[str, Any]
    ) -> HistoryEntry:
        """Validate a creation and return its history entry."""
        return self._table.entry_for_create(actor, now, params)

    def entry_for_system_create(
        self, now: pendulum.DateTime, params: Mapping[str, Any]
    ) -> HistoryEntry:
        """The creating entry of a record mallops opens itself (actor ``SYSTEM``, no role
        check; parameters validated as a user's are), e.g. a return visit (F5)."""
        return self._table.entry_for_system_create(now, params)

    def entry_for(
        self,
        record: Record,
        event: str,
        actor: Actor,
        now: pendulum.DateTime,
        params: Mapping[str, Any],
        reason: str | None,
    ) -> HistoryEntry:
        """Validate ``event`` on ``record`` by ``actor`` and return its history entry."""
        return self._table.entry_for(record, event, actor, now, params, reason)

    def entry_for_system(
        self, record: Record, event: str, now: pendulum.DateTime, data: Mapping[str, Any]
    ) -> HistoryEntry:
        """A history entry for an event mallops fires itself (timer marks, escalations,
        system events of the spec such as a source reopening after a return visit)."""
        return self._table.entry_for_system(record, event, now, data)

    def next_timer_entry(self, record: Record, until: pendulum.DateTime) -> HistoryEntry | None:
        """The entry firing ``record``'s earliest mark due before ``until`` (at its own due
        time), or ``None``: the one step both a user event's catch-up and the ticker take."""
        due = self.due_marks(record, until)
        if not due:
            return None
        at, timer, index = due[0]
        return self.entry_for_system(record, TIMER_EVENT, at, {"timer": timer, "mark": index})

    # -- applying -------------------------------------------------------------------------

    def _load(self, spec: EventSpec, data: Mapping[str, Any]) -> dict[str, Any]:
        declared = self._declared.get(spec.name)
        if declared is None:
            declared = self._declared[spec.name] = {p.name: p for p in spec.params}
        return {k: declared[k].load(v) if k in declared else v for k, v in data.items()}

    def apply(
        self, record: Record | None, entry: HistoryEntry, *, record_id: str, property: str
    ) -> Applied:
        """Apply one entry (and the system follow-ups it causes) to ``record``.

        Pure: the same record and entry always give the same result.  Raises mallops
        errors and leaves ``record`` untouched on any failure.
        """
        record_out, events = self._apply_one(record, entry, record_id, property)
        return Applied(record_out, tuple(events))

    def _apply_one(
        self, record: Record | None, entry: HistoryEntry, record_id: str, property: str
    ) -> tuple[Record, list[DomainEvent]]:
        draft = Draft(record, self.spec.initial)
        now = entry.at
        if entry.event == TIMER_EVENT:
            ctx = Context(self, record, draft, entry.actor, now, entry.event, entry.data, None)
            self._timers.fire_mark(ctx, str(entry.data["timer"]), int(entry.data["mark"]))
        elif entry.event == POLICY_EVENT:
            ctx = Context(
                self, record, draft, entry.actor, now, entry.event, entry.data, entry.reason
            )
            ctx.replan_timers("change")
        elif entry.event == ESCALATE_EVENT:
            ctx = Context(
                self, record, draft, entry.actor, now, entry.event, entry.data, entry.reason
            )
            ctx.escalate(int(entry.data["level"]), str(entry.data["cause"]))
        elif entry.event == REPLAN_EVENT:
            ctx = Context(self, record, draft, entry.actor, now, entry.event, entry.data, None)
            replan_draft(ctx)  # G9: each timer by its spec's replan, else its own marks
        elif entry.event == LINK_EVENT:
            ctx = Context(self, record, draft, entry.actor, now, entry.event, entry.data, None)
            ctx.link(str(entry.data["relation"]), str(entry.data["record"]))
        elif record is None:
            spec = self.spec.create
            if entry.event != spec.name:
                raise InvalidTransition(f"a {self.spec.kind} history must start with {spec.name}")
            ctx = Context(
                self,
                None,
                draft,
                entry.actor,
                now,
                entry.event,
                self._load(spec, entry.data),
                entry.reason,
            )
            if spec.effect is not None:
                spec.effect(ctx)
            self._timers.after_event(ctx, spec.name)
        else:
            branches = self._events[entry.event]
            spec = branches[0]
            ctx = Context(
                self,
                record,
                draft,
                entry.actor,
                now,
                entry.event,
                self._load(spec, entry.data),
                entry.reason,
            )
            if spec.permit is not None and not spec.system:
                why = spec.permit(ctx)
                if why is not None:
                    raise PermissionDenied(
                        f"{record.id}: {entry.actor.role} may not {entry.event}: {why}",
                        record_id=record.id,
                        event=entry.event,
                        role=entry.actor.role,
                    )
            cursor = Cursor(record.state, ctx)
            ok = self._dispatch.fire(cursor, entry.event, record.id)
            if not ok:
                why = "; ".join(ctx.guard_failures) or "a condition failed"
                raise InvalidTransition(
                    f"{record.id}: cannot {entry.event} now: {why}",
                    record_id=record.id,
                    state=record.state,
                    event=entry.event,
                    allowed=self.events_from(record.state),
                )
            draft.state = cursor.state
            self._timers.after_event(ctx, entry.event)
        from_state = record.state if record is not None else None
        final_entry = HistoryEntry(  # built once (issue 16: no generic evolve copy)
            entry.seq,
            entry.at,
            entry.actor,
            entry.event,
            from_state,
            draft.state,
            entry.data,
            entry.reason,
            self._outcome(record, draft),
        )
        out = self._build(record, draft, final_entry, record_id, property)
        events = events_of(self.spec, out, ctx.emitted, final_entry, from_state)
        events.extend(provisional_events(record, out, entry.at))
        for event, data in ctx.follow_ups:
            follow = HistoryEntry(
                len(out.history) + 1, now, SYSTEM, event, out.state, out.state, data
            )
            out, more = self._apply_one(out, follow, record_id, property)
            events.extend(more)
        return out, events

    def _outcome(self, record: Record | None, draft: Draft) -> Outcome:
        """What this entry changed (G6: replay applies it instead of re-deciding)."""
        return outcome_of(
            record,
            draft.state,
            {
                "is_open": draft.state not in self._finals,
                "owner": draft.owner,
                "department": draft.department,
                "tenant": draft.tenant,
                "location": draft.location,
                "category": draft.category,
                "severity": draft.severity,
                "escalation_level": draft.escalation_level,
            },
            draft.fields,
            draft.timers.values(),
            draft.escalations,
            draft.links,
        )

    def _build(
        self,
        record: Record | None,
        draft: Draft,
        entry: HistoryEntry,
        record_id: str,
        property: str,
    ) -> Record:
        timers = tuple(draft.timers.values())
        history = (*record.history, entry) if record is not None else (entry,)
        return Record(
            id=record_id,
            kind=self.spec.kind,
            property=property,
            state=draft.state,
            version=len(history),
            created_at=record.created_at if record is not None else entry.at,
            updated_at=entry.at,
            is_open=draft.state not in self._finals,
            owner=draft.owner,
            department=draft.department,
            tenant=draft.tenant,
            location=draft.location,
            category=draft.category,
            severity=draft.severity,
            fields=draft.fields,
            timers=timers,
            escalation_level=draft.escalation_level,
            escalations=tuple(draft.escalations),
            links=tuple(draft.links),
            history=history,
            wake_at=wake_of(timers),
        )

    # -- timers and replay ------------------------------------------------------------------

    def due_marks(
        self, record: Record, until: pendulum.DateTime
    ) -> list[tuple[pendulum.DateTime, str, int]]:
        """Unfired marks of running timers due strictly before ``until`` (G10: a deadline is
        breached only after it, not at it), earliest first."""
        return self._timers.due_marks(record, until)

    def replay(self, record_id: str, property: str, history: Sequence[HistoryEntry]) -> Record:
        """Rebuild a record from its history alone (G6); see :func:`replay_history`."""
        return replay_history(self, record_id, property, history)
