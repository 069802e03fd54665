"""Definition checks: each a named function over a workflow spec, all run together.

:func:`validate` runs every check of :data:`CHECKS` and raises one
:class:`~mallops.errors.InvalidDefinition` listing every problem found (``problems``
holds ``(check, message)`` pairs), so a workflow author fixes them in one go.
:func:`validate_with_policy` does the same for :data:`POLICY_CHECKS`, the checks that
need the policy the spec is bound to.  Among them: every state can reach a final state
(a record can always close).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..errors import InvalidDefinition

if TYPE_CHECKING:
    from ..policy import Policy
    from .spec import EventSpec, WorkflowSpec

__all__ = ["CHECKS", "POLICY_CHECKS", "validate", "validate_with_policy"]

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
PARAM_KINDS = ("str", "text", "choice", "int", "bool", "datetime", "strlist", "json")

Check = Callable[["WorkflowSpec"], Iterator[str]]
PolicyCheck = Callable[["WorkflowSpec", "Policy"], Iterator[str]]


def _all_events(spec: WorkflowSpec) -> tuple[EventSpec, ...]:
    return (spec.create, *spec.events)


def names_are_lower_snake(spec: WorkflowSpec) -> Iterator[str]:
    """The kind, every state and every event have lower_snake names."""
    if not _NAME.match(spec.kind):
        yield "kind must be a lower_snake name"
    for n in spec.state_names:
        if not _NAME.match(n):
            yield f"state name {n!r} is not lower_snake"
    for ev in _all_events(spec):
        if not _NAME.match(ev.name):
            yield f"event name {ev.name!r} is not lower_snake"


def states_are_declared_once(spec: WorkflowSpec) -> Iterator[str]:
    """No state is declared twice, and the initial state is declared."""
    names = spec.state_names
    if len(set(names)) != len(names):
        yield "a state is declared twice"
    if spec.initial not in names:
        yield f"initial state {spec.initial!r} is not declared"


def events_name_declared_states(spec: WorkflowSpec) -> Iterator[str]:
    """Every event starts from and leads to declared states."""
    names = spec.state_names
    for ev in _all_events(spec):
        for s in ev.sources:
            if s not in names:
                yield (
                    f"event {ev.name!r} starts from unknown state {s!r}; states: {', '.join(names)}"
                )
        if ev.dest is not None and ev.dest not in names:
            yield (
                f"event {ev.name!r} leads to unknown state {ev.dest!r}; states: {', '.join(names)}"
            )


def events_have_roles(spec: WorkflowSpec) -> Iterator[str]:
    """Every user event names a role that may fire it."""
    for ev in _all_events(spec):
        if not ev.roles and not ev.system:
            yield f"event {ev.name!r} names no role that may fire it"


def branches_agree(spec: WorkflowSpec) -> Iterator[str]:
    """Branches of one event share roles and parameters."""
    first: dict[str, EventSpec] = {}
    for ev in _all_events(spec):
        seen = first.setdefault(ev.name, ev)
        if seen is not ev and (seen.roles != ev.roles or seen.params != ev.params):
            yield f"branches of event {ev.name!r} must share roles and params"


def parameters_are_sound(spec: WorkflowSpec) -> Iterator[str]:
    """Parameters are declared once per event, of a known kind, choices with choices."""
    for ev in _all_events(spec):
        pnames = [p.name for p in ev.params]
        if len(set(pnames)) != len(pnames):
            yield f"event {ev.name!r} declares a parameter twice"
        for p in ev.params:
            if p.kind not in PARAM_KINDS:
                yield f"parameter {p.name!r} has unknown kind {p.kind!r}"
            if p.kind == "choice" and p.choices is None:
                yield f"choice parameter {p.name!r} has no choices"


def create_event_is_separate(spec: WorkflowSpec) -> Iterator[str]:
    """The creating event has no source state and its name is not reused."""
    if spec.create.sources:
        yield "the create event has no source state"
    if spec.create.name in {e.name for e in spec.events}:
        yield "the create event's name is reused"


def _moves(spec: WorkflowSpec) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {n: set() for n in spec.state_names}
    for ev in spec.events:
        for s in ev.sources:
            if s in out:
                out[s].add(ev.dest or s)
    return out


def states_are_reachable(spec: WorkflowSpec) -> Iterator[str]:
    """Every state can be reached from the initial state."""
    if spec.initial not in spec.state_names:
        return  # reported by states_are_declared_once
    moves = _moves(spec)
    reach = {spec.initial}
    frontier = [spec.initial]
    while frontier:
        for dest in moves.get(frontier.pop(), ()):
            if dest not in reach:
                reach.add(dest)
                frontier.append(dest)
    unreachable = [n for n in spec.state_names if n not in reach]
    if unreachable:
        yield f"unreachable states: {', '.join(unreachable)}"


def has_final_state(spec: WorkflowSpec) -> Iterator[str]:
    """At least one state is final."""
    if not spec.final_states:
        yield "no final state; records could never close"


def no_dead_ends(spec: WorkflowSpec) -> Iterator[str]:
    """An event leaves every state that is not final."""
    moves = _moves(spec)
    for n in spec.state_names:
        if n not in spec.final_states and not (moves.get(n, set()) - {n}):
            yield f"dead end: no event leaves state {n!r}"


def every_state_can_finish(spec: WorkflowSpec) -> Iterator[str]:
    """From every state some path of events reaches a final state (a record can always
    close); a group of states that only lead to each other is reported."""
    finals = spec.final_states
    if not finals:
        return  # reported by has_final_state
    moves = _moves(spec)
    back: dict[str, set[str]] = {n: set() for n in moves}
    for src, dests in moves.items():
        for d in dests:
            back.setdefault(d, set()).add(src)
    done = set(finals)
    frontier = list(finals)
    while frontier:
        for src in back.get(frontier.pop(), ()):
            if src not in done:
                done.add(src)
                frontier.append(src)
    stuck = [n for n in spec.state_names if n not in done and moves.get(n, set()) - {n}]
    if stuck:
        yield f"no final state can be reached from: {', '.join(stuck)}"


def timers_are_sound(spec: WorkflowSpec) -> Iterator[str]:
    """Timers are declared once and start on known events, stop in known states."""
    tnames = [t.name for t in spec.timers]
    if len(set(tnames)) != len(tnames):
        yield "a timer is declared twice"
    events = {ev.name for ev in _all_events(spec)}
    for t in spec.timers:
        for e in t.starts_on:
            if e not in events:
                yield f"timer {t.name!r} starts on unknown event {e!r}"
        for s in t.stops_in:
            if s not in spec.state_names:
                yield f"timer {t.name!r} stops in unknown state {s!r}"


CHECKS: tuple[Check, ...] = (
    names_are_lower_snake,
    states_are_declared_once,
    events_name_declared_states,
    events_have_roles,
    branches_agree,
    parameters_are_sound,
    create_event_is_separate,
    states_are_reachable,
    has_final_state,
    no_dead_ends,
    every_state_can_finish,
    timers_are_sound,
)
"""Every check a spec passes when it is declared, in the order they report."""


def roles_are_policy_roles(spec: WorkflowSpec, policy: Policy) -> Iterator[str]:
    """Every role an event or the escalation ladder names is a policy role."""
    for ev in _all_events(spec):
        for role in ev.roles:
            if role not in policy.roles:
                yield (
                    f"event {ev.name!r} names role {role!r}, which the policy does not have; "
                    f"roles: {', '.join(policy.roles)}"
                )
    for role in spec.ladder(policy):
        if role not in policy.roles:
            yield f"ladder role {role!r} is not a policy role"


def pause_states_exist(spec: WorkflowSpec, policy: Policy) -> Iterator[str]:
    """The states the policy pauses timers in are declared."""
    for t in spec.timers:
        for s in t.pauses_in(policy):
            if s not in spec.state_names:
                yield f"the policy pauses timer {t.name!r} in unknown state {s!r}"


POLICY_CHECKS: tuple[PolicyCheck, ...] = (roles_are_policy_roles, pause_states_exist)
"""The checks that need the policy a spec is bound to."""


def _raise(spec: WorkflowSpec, problems: list[tuple[str, str]]) -> None:
    if not problems:
        return
    where = f"workflow {spec.kind!r}"
    if len(problems) == 1:
        message = f"{where}: {problems[0][1]}"
    else:
        listed = "; ".join(f"{msg} [{name}]" for name, msg in problems)
        message = f"{where}: {len(problems)} problems: {listed}"
    raise InvalidDefinition(message, problems=problems)


def validate(spec: WorkflowSpec) -> None:
    """Run every check of :data:`CHECKS`; raise one ``InvalidDefinition`` listing all."""
    _raise(spec, [(check.__name__, msg) for check in CHECKS for msg in check(spec)])


def validate_with_policy(spec: WorkflowSpec, policy: Policy) -> None:
    """Run every check of :data:`POLICY_CHECKS` against ``policy``; raise one
    ``InvalidDefinition`` listing all problems."""
    _raise(
        spec,
        [(check.__name__, msg) for check in POLICY_CHECKS for msg in check(spec, policy)],
    )
