"""The ``transitions`` adapter: one shared machine per workflow, no model bound to it.

Each event is triggered *unbound* (``machine.events[name].trigger(cursor)``) on a tiny
:class:`Cursor` holding the state and the event's context, so records are never added
to the machine (no per-record ``add_model``; see docs/performance.md).  Guards run as
transitions conditions, effects as ``after`` callbacks.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine

from .context import Context
from .spec import EventSpec, WorkflowSpec

__all__ = ["Cursor", "build_machine"]


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
