"""The ``transitions`` adapter: the one place mallops touches the state-machine library.

One ``transitions.Machine`` per workflow spec, with no model bound to it, is the machine
definition: its states, triggers, sources, destinations and the order of each trigger's
branches.  Records are never added to it (no per-record ``add_model``;
docs/performance.md).  Firing an event goes through a :class:`Dispatch` read from that
machine once: for each (event, source state) the machine's transitions in order, each
with its destination and its spec's guard (the transitions condition) and effect (the
``after`` callback).  :meth:`Dispatch.fire` does what ``machine.events[e].trigger`` does
for this shape of machine (the first transition whose condition passes changes the state
and runs its ``after`` callback; no other callbacks are declared) without building an
``EventData`` and the library's per-trigger bookkeeping (issue 16: that was about a
sixth of ``fire``).  ``MachineError`` never escapes: mallops raises its own errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transitions import Machine, MachineError

from ..errors import InvalidTransition
from .context import Context
from .spec import EventSpec, WorkflowSpec

__all__ = ["Cursor", "Dispatch", "build_machine", "trigger"]


class Cursor:
    """The state being changed and the context of this event."""

    __slots__ = ("ctx", "state")

    def __init__(self, state: str, ctx: Context) -> None:
        self.state = state
        self.ctx = ctx


def _guard(spec: EventSpec) -> Any:
    def condition(event_data: Any) -> bool:
        cursor: Cursor = event_data.model
        if spec.guard is None:
            return True
        why = spec.guard(cursor.ctx)
        if why is None:
            return True
        cursor.ctx.guard_failures.append(why)
        return False

    condition.mallops_spec = spec  # type: ignore[attr-defined]  # read by Dispatch
    return condition


def _effect(spec: EventSpec) -> Any:
    def after(event_data: Any) -> None:
        cursor: Cursor = event_data.model
        cursor.ctx.draft.state = cursor.state
        if spec.effect is not None:
            spec.effect(cursor.ctx)

    return after


def build_machine(spec: WorkflowSpec) -> Machine:
    """The machine of ``spec``'s user and system events (the engine's own ``_`` events
    are applied without it)."""
    transitions = []
    for ev in spec.events:
        if ev.system and ev.name.startswith("_"):
            continue
        for src in ev.sources:
            transitions.append(
                {
                    "trigger": ev.name,
                    "source": src,
                    "dest": ev.dest,
                    "conditions": [_guard(ev)],
                    "after": [_effect(ev)],
                }
            )
    return Machine(
        model=[],
        states=list(spec.state_names),
        initial=spec.initial,
        transitions=transitions,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )


Branch = tuple[str | None, EventSpec]
"""One transition of a trigger from one state: its destination (``None``: internal) and
the event spec whose guard and effect it runs."""


class Dispatch:
    """The transitions of a machine built by :func:`build_machine`, by (event, source),
    in the machine's order; :meth:`fire` applies one.  See the module docstring."""

    __slots__ = ("_table",)

    def __init__(self, machine: Machine) -> None:
        table: dict[tuple[str, str], tuple[Branch, ...]] = {}
        for name, event in machine.events.items():
            for source, found in event.transitions.items():
                branches = []
                for t in found:
                    specs = [getattr(c.func, "mallops_spec", None) for c in t.conditions]
                    spec = specs[0] if len(specs) == 1 else None
                    if not isinstance(spec, EventSpec) or len(t.after) != 1 or t.before:
                        raise AssertionError(f"{name}: not a transition of build_machine")
                    branches.append((t.dest, spec))
                table[(name, source)] = tuple(branches)
        self._table: Mapping[tuple[str, str], tuple[Branch, ...]] = table

    def table(self) -> Mapping[tuple[str, str], tuple[Branch, ...]]:
        """The branches of each (event, source state), in the machine's order."""
        return self._table

    def fire(self, cursor: Cursor, event: str, record_id: str) -> bool:
        """Fire ``event`` on ``cursor``; whether a guard let it pass (its state and
        context then hold the result; the failed guards' sentences are in
        ``ctx.guard_failures``)."""
        branches = self._table.get((event, cursor.state))
        if branches is None:  # pragma: no cover - the engine checks sources first
            raise InvalidTransition(
                f"{record_id}: {event} cannot start from {cursor.state}",
                record_id=record_id,
                state=cursor.state,
                event=event,
            )
        ctx = cursor.ctx
        for dest, spec in branches:
            guard = spec.guard
            if guard is not None:
                why = guard(ctx)
                if why is not None:
                    ctx.guard_failures.append(why)
                    continue
            if dest is not None:
                cursor.state = dest
            ctx.draft.state = cursor.state
            if spec.effect is not None:
                spec.effect(ctx)
            return True
        return False


def trigger(machine: Machine, cursor: Cursor, event: str, record_id: str) -> bool:
    """Fire ``event`` on ``cursor`` through ``transitions`` itself
    (``machine.events[event].trigger``): the reference :meth:`Dispatch.fire` is checked
    against (tests/test_engine.py)."""
    state = cursor.state
    try:
        return bool(machine.events[event].trigger(cursor))
    except MachineError as exc:  # pragma: no cover - the engine checks sources first
        raise InvalidTransition(str(exc), record_id=record_id, state=state, event=event) from None
