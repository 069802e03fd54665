"""The ``transitions`` adapter: the one place mallops touches the state-machine library.

One ``transitions.Machine`` per workflow spec, with no model bound to it: each event is
triggered *unbound* (``machine.events[name].trigger(cursor)``) on a tiny
:class:`Cursor` holding the state and the event's context, so records are never added
to the machine (no per-record ``add_model``; docs/performance.md).  Guards run as
transitions conditions, effects as ``after`` callbacks; ``MachineError`` never escapes.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine, MachineError

from ..errors import InvalidTransition
from .context import Context
from .spec import EventSpec, WorkflowSpec

__all__ = ["Cursor", "build_machine", "trigger"]


class Cursor:
    """What transitions sees as the model: a state and the context of this event."""

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


def trigger(machine: Machine, cursor: Cursor, event: str, record_id: str) -> bool:
    """Fire ``event`` on ``cursor``; whether its guard let it pass (its state and
    context then hold the result)."""
    state = cursor.state
    try:
        return bool(machine.events[event].trigger(cursor))
    except MachineError as exc:  # pragma: no cover - the engine checks sources first
        raise InvalidTransition(str(exc), record_id=record_id, state=state, event=event) from None
