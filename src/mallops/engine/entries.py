"""Validating an event and building its history entry: the state, role, access and
parameter checks an event passes before the engine applies it (rules G5, G6).

One :class:`EventTable` per engine: its workflow's events by name with their source
states and access rules under one policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pendulum

from ..domain.records import SYSTEM, Actor, HistoryEntry, Record
from ..errors import InvalidTransition, PermissionDenied, ValidationError
from ..policy import Policy
from . import access as _access
from .params import dump_event_params
from .replan import REPLAN_EVENT
from .spec import EventSpec, Param, WorkflowSpec

__all__ = ["ENGINE_EVENTS", "ESCALATE_EVENT", "POLICY_EVENT", "TIMER_EVENT", "EventTable"]

TIMER_EVENT = "_timer"
"""A timer mark firing (its warning, breach or escalation level)."""
ESCALATE_EVENT = "_escalate"
"""An escalation mallops decides itself (recurrence, registration, severity ...)."""
POLICY_EVENT = "_policy"
"""A recorded policy change: each running timer re-planned or kept by its own rule."""
ENGINE_EVENTS = frozenset({TIMER_EVENT, ESCALATE_EVENT, POLICY_EVENT, REPLAN_EVENT})
"""The engine's own events, applied without the workflow's machine."""


class EventTable:
    """The events of one workflow under one policy: which exist, from which states, who
    may fire them, and the history entry each validated firing becomes."""

    def __init__(self, spec: WorkflowSpec, policy: Policy, tz: str) -> None:
        self.spec = spec
        self.policy = policy
        self.tz = tz
        self.events: dict[str, tuple[EventSpec, ...]] = {
            name: spec.branches(name) for name in spec.event_names
        }
        """Each event's branches by name (one per source group)."""
        self.who = _access.rules_for(spec, policy)  # rule G5: who may act on a record
        """Each event's access rule (G5)."""
        self.sources: dict[str, frozenset[str]] = {
            name: frozenset(s for b in branches for s in b.sources)
            for name, branches in self.events.items()
        }
        """Each event's source states (for "allowed" messages)."""

    def events_from(self, state: str) -> tuple[str, ...]:
        """User events that may start from ``state`` (ignoring roles and guards)."""
        return tuple(
            name
            for name, srcs in self.sources.items()
            if state in srcs and not self.events[name][0].system
        )

    def param_specs(self, event: str) -> tuple[Param, ...]:
        """The declared parameters of ``event`` (``create`` for the creating event)."""
        if event == self.spec.create.name:
            return self.spec.create.params
        branches = self.events.get(event)
        return branches[0].params if branches else ()

    def _check_actor(self, actor: Actor) -> None:
        if not isinstance(actor, Actor):
            raise ValidationError(
                f"actor: expected an Actor, got {type(actor).__name__}", field="actor"
            )
        if actor.role not in self.policy.roles:
            raise PermissionDenied(
                f"unknown role {actor.role!r}; roles: {', '.join(self.policy.roles)}",
                role=actor.role,
            )

    def check_actor(self, actor: Actor) -> None:
        """Raise unless ``actor`` is an :class:`Actor` with a role of the policy (G5)."""
        self._check_actor(actor)

    def dump_params(
        self, spec: EventSpec, params: Mapping[str, Any], reason: str | None = None
    ) -> tuple[dict[str, Any], str | None]:
        """``params`` of event ``spec`` validated and in stored form, and the reason."""
        return dump_event_params(spec, params, reason, self.policy, self.tz)

    def entry_for_create(
        self, actor: Actor, now: pendulum.DateTime, params: Mapping[str, Any]
    ) -> HistoryEntry:
        """Validate a creation and return its history entry."""
        self._check_actor(actor)
        spec = self.spec.create
        if actor.role not in spec.roles:
            raise PermissionDenied(
                f"{actor.role} may not {spec.name} a {self.spec.kind}; roles allowed: "
                f"{', '.join(spec.roles)}",
                event=spec.name,
                role=actor.role,
                allowed=spec.roles,
            )
        data, _ = self.dump_params(spec, params, None)
        return HistoryEntry(1, now, actor, spec.name, None, self.spec.initial, data)

    def entry_for_system_create(
        self, now: pendulum.DateTime, params: Mapping[str, Any]
    ) -> HistoryEntry:
        """The creating entry of a record mallops opens itself (actor ``SYSTEM``, no role
        check; parameters validated as a user's are), e.g. a return visit (F5)."""
        data, _ = self.dump_params(self.spec.create, params, None)
        return HistoryEntry(1, now, SYSTEM, self.spec.create.name, None, self.spec.initial, data)

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
        self._check_actor(actor)
        branches = self.events.get(event) if isinstance(event, str) else None
        if not branches or branches[0].system:
            raise InvalidTransition(
                f"unknown event {event!r} for a {self.spec.kind}; events: "
                f"{', '.join(n for n, b in self.events.items() if not b[0].system)}",
                record_id=record.id,
                state=record.state,
                event=str(event),
                allowed=self.events_from(record.state),
            )
        spec = branches[0]
        if record.state not in self.sources[event]:
            allowed = self.events_from(record.state)
            raise InvalidTransition(
                f"{record.id}: cannot {event} a {self.spec.kind} in state {record.state!r}; "
                f"possible from {record.state!r}: {', '.join(allowed) or '(none: it is closed)'}",
                record_id=record.id,
                state=record.state,
                event=event,
                allowed=allowed,
            )
        if actor.role not in spec.roles:
            raise PermissionDenied(
                f"{record.id}: role {actor.role!r} may not {event}; roles allowed: "
                f"{', '.join(spec.roles)}",
                record_id=record.id,
                event=event,
                role=actor.role,
                allowed=spec.roles,
            )
        if (why := _access.refusal(self.who[event], record, actor, self.policy)) is not None:
            raise PermissionDenied(why, record_id=record.id, event=event, role=actor.role)
        data, clean_reason = self.dump_params(spec, params, reason)
        return HistoryEntry(
            len(record.history) + 1,
            now,
            actor,
            event,
            record.state,
            record.state,
            data,
            clean_reason,
        )

    def entry_for_system(
        self, record: Record, event: str, now: pendulum.DateTime, data: Mapping[str, Any]
    ) -> HistoryEntry:
        """A history entry for an event mallops fires itself (timer marks, escalations,
        system events of the spec such as a source reopening after a return visit)."""
        if event not in ENGINE_EVENTS:
            branches = self.events.get(event)
            if not branches or not branches[0].system:
                raise InvalidTransition(f"{event!r} is not a system event of {self.spec.kind}")
            if record.state not in self.sources[event]:
                raise InvalidTransition(
                    f"{record.id}: cannot {event} a {self.spec.kind} in state {record.state!r}",
                    record_id=record.id,
                    state=record.state,
                    event=event,
                    allowed=self.events_from(record.state),
                )
        return HistoryEntry(
            len(record.history) + 1, now, SYSTEM, event, record.state, record.state, dict(data)
        )
