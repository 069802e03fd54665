"""The engine fires events through a table read from its ``transitions`` machine (issue 16).

:class:`~mallops.engine.machine.Dispatch` must do what ``machine.events[e].trigger``
does for the machines mallops builds: the same destination, the same branch taken (the
first whose guard passes), the same guard sentences collected, the effect run once.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mallops import Mall
from mallops.engine.machine import Cursor, Dispatch, build_machine, trigger
from mallops.plugins import EventSpec, StateSpec, WorkflowSpec

ROLES = ("front_desk",)


def _branchy() -> WorkflowSpec:
    def refuse(ctx: Any) -> str | None:
        return None if ctx.params.get("pass") == "a" else "not a"

    def refuse_b(ctx: Any) -> str | None:
        return None if ctx.params.get("pass") == "b" else "not b"

    def mark(ctx: Any) -> None:
        ctx.effects.append(ctx.draft.state)

    return WorkflowSpec(
        kind="job",
        zh="任务",
        en="job",
        prefix="J",
        states=(
            StateSpec("new", "新", "new"),
            StateSpec("a", "甲", "a"),
            StateSpec("b", "乙", "b"),
            StateSpec("done", "完", "done", final=True),
        ),
        initial="new",
        create=EventSpec("open", (), None, ROLES, "开", "open"),
        events=(
            EventSpec("go", ("new", "b"), "a", ROLES, "甲", "a", guard=refuse, effect=mark),
            EventSpec("go", ("new", "a"), "b", ROLES, "乙", "b", guard=refuse_b, effect=mark),
            EventSpec("note", ("a", "b"), None, ROLES, "记", "note", effect=mark),
            EventSpec("end", ("a", "b"), "done", ROLES, "完", "end"),
        ),
    )


def _ctx(passing: str) -> Any:
    return SimpleNamespace(
        params={"pass": passing}, guard_failures=[], effects=[], draft=SimpleNamespace(state="")
    )


@pytest.mark.parametrize("passing", ["a", "b", "none"])
def test_dispatch_fires_as_transitions_does(passing: str) -> None:
    """Every (event, state) of a spec with branches, guards, internal transitions."""
    spec = _branchy()
    machine = build_machine(spec)
    dispatch = Dispatch(machine)
    for event in ("go", "note", "end"):
        for state in spec.state_names:
            if state not in machine.events[event].transitions:
                continue
            ours, theirs = Cursor(state, _ctx(passing)), Cursor(state, _ctx(passing))
            got = dispatch.fire(ours, event, "J-1")
            want = trigger(machine, theirs, event, "J-1")
            assert got == want, (event, state)
            assert ours.state == theirs.state, (event, state)
            a, b = ours.ctx, theirs.ctx
            assert (a.guard_failures, a.effects, a.draft.state) == (
                b.guard_failures,
                b.effects,
                b.draft.state,
            ), (event, state)


def test_dispatch_holds_every_transition_of_the_builtin_machines() -> None:
    """The table has each machine transition, in the machine's order, nothing more."""
    mall = Mall()
    for kind in mall.runtime.services:
        machine = build_machine(mall.service(kind).engine.spec)
        table = Dispatch(machine).table()
        want = {
            (name, source): tuple(t.dest for t in found)
            for name, event in machine.events.items()
            for source, found in event.transitions.items()
        }
        assert {k: tuple(d for d, _ in v) for k, v in table.items()} == want
