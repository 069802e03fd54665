"""The working copy an event changes, and the context its guard and effect receive."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from ..domain.records import Actor, Escalation, Link, Record, Timer
from ..errors import ValidationError
from . import timers as T
from .spec import stored

if TYPE_CHECKING:
    from ..calendar import BusinessCalendar
    from ..policy import Policy
    from .engine import Engine


class Draft:
    """A mutable copy of a record's changeable parts; discarded if anything fails."""

    __slots__ = (
        "category",
        "department",
        "escalation_level",
        "escalations",
        "fields",
        "links",
        "location",
        "owner",
        "severity",
        "state",
        "tenant",
        "timers",
    )

    def __init__(self, record: Record | None, initial: str) -> None:
        if record is None:
            self.state = initial
            self.owner: str | None = None
            self.department: str | None = None
            self.tenant: str | None = None
            self.location: str | None = None
            self.category: str | None = None
            self.severity: str | None = None
            self.fields: dict[str, Any] = {}
            self.timers: dict[str, Timer] = {}
            self.escalation_level = 0
            self.escalations: list[Escalation] = []
            self.links: list[Link] = []
        else:
            self.state = record.state
            self.owner = record.owner
            self.department = record.department
            self.tenant = record.tenant
            self.location = record.location
            self.category = record.category
            self.severity = record.severity
            self.fields = dict(record.fields)
            self.timers = {t.name: t for t in record.timers}
            self.escalation_level = record.escalation_level
            self.escalations = list(record.escalations)
            self.links = list(record.links)


@attrs.define
class Emitted:
    """A domain event raised by a context, before it is stamped with the record id."""

    type: str
    data: dict[str, Any]


class Context:
    """What a guard or an effect sees: the record before, the draft, the actor, the time,
    the event's parameters, and operations on timers, escalation, links and events."""

    def __init__(
        self,
        engine: Engine,
        record: Record | None,
        draft: Draft,
        actor: Actor,
        now: pendulum.DateTime,
        event: str,
        params: Mapping[str, Any],
        reason: str | None,
    ) -> None:
        self.engine = engine
        self.record = record
        self.draft = draft
        self.actor = actor
        self.now = now
        self.event = event
        self.params = params
        self.reason = reason
        self.emitted: list[Emitted] = []
        self.follow_ups: list[tuple[str, dict[str, Any]]] = []
        self.guard_failures: list[str] = []

    # -- read ---------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        """The policy in force."""
        return self.engine.policy

    @property
    def calendar(self) -> BusinessCalendar:
        """The business calendar of the policy."""
        return self.engine.calendar

    def param(self, name: str, default: Any = None) -> Any:
        """A parameter's working value (``default`` when not given)."""
        return self.params.get(name, default)

    # -- fields ---------------------------------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        """Set a workflow field (stored in JSON form)."""
        self.draft.fields[name] = stored(value)

    def get(self, name: str, default: Any = None) -> Any:
        """A workflow field of the draft."""
        return self.draft.fields.get(name, default)

    def remove(self, name: str) -> None:
        """Remove the workflow field ``name`` (absent afterwards, not ``None``; nothing
        happens if it is absent already).  The removal is part of the entry's outcome."""
        self.draft.fields.pop(name, None)

    def has(self, name: str) -> bool:
        """Whether the draft has the workflow field ``name`` (even if it is ``None``)."""
        return name in self.draft.fields

    def set_department(self, department: str | None, owner: str | None) -> None:
        """Hand the record to ``department``/``owner`` (G3); running timers attribute the
        time so far to the department that held it until now."""
        if department is not None and department not in self.policy.departments:
            raise ValidationError(
                f"department: {department!r} is unknown; departments: "
                f"{', '.join(self.policy.departments)}",
                field="department",
            )
        if department != self.draft.department:
            for name, t in list(self.draft.timers.items()):
                self.draft.timers[name] = T.settle(
                    t, self.now, self.draft.department, self.calendar
                )
        self.draft.department = department
        self.draft.owner = owner

    # -- timers ---------------------------------------------------------------------------

    def start_timer(self, name: str, plan: T.TimerPlan) -> None:
        """Start (or restart from scratch) the timer ``name`` with ``plan``."""
        self.draft.timers[name] = T.start(name, plan, self.now, self.calendar)

    def stop_timer(self, name: str, *, cancel: bool = False) -> None:
        """Stop ``name`` (met or breached), or cancel it."""
        t = self.draft.timers.get(name)
        if t is not None:
            self.draft.timers[name] = T.stop(
                t, self.now, self.draft.department, self.calendar, cancel=cancel
            )

    def replan_timers(self, which: str = "change") -> None:
        """Re-plan every active timer after a severity or category change, each by its
        policy mode (``on_change``) — never by accident."""
        for spec in self.engine.spec.timers:
            t = self.draft.timers.get(spec.name)
            if t is None or not t.active:
                continue
            plan = spec.plan(self)
            if plan is None:
                continue
            mode = spec.on_change(self.policy) if which == "change" else spec.on_reopen(self.policy)
            self.draft.timers[spec.name] = T.rebase(
                t, plan, mode, self.now, self.draft.department, self.calendar
            )

    # -- escalation, links, events ----------------------------------------------------------

    def escalate(self, level: int, cause: str) -> bool:
        """Raise the escalation level to ``level`` (each level fires once; levels only
        rise).  Returns whether anything happened."""
        ladder = self.engine.ladder
        if not ladder:
            return False
        level = min(level, len(ladder))
        if level <= self.draft.escalation_level:
            return False
        role = ladder[level - 1]
        self.draft.escalation_level = level
        self.draft.escalations.append(Escalation(level, role, cause, self.now))
        self.emit("escalated", level=level, role=role, cause=cause)
        return True

    def link(self, relation: str, record_id: str) -> None:
        """Link this record to another one."""
        link = Link(relation, record_id)
        if link not in self.draft.links:
            self.draft.links.append(link)

    def emit(self, type: str, **data: Any) -> None:
        """Raise a domain event, delivered to subscribers after the commit."""
        self.emitted.append(Emitted(type, {k: stored(v) for k, v in data.items()}))

    def follow(self, event: str, **data: Any) -> None:
        """Fire the system event ``event`` right after this one (same time, same commit)."""
        self.follow_ups.append((event, {k: stored(v) for k, v in data.items()}))
