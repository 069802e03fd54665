"""Hypothesis strategies for mallops inputs, derived from the workflow definitions.

Every workflow declares its events' parameters (:class:`~mallops.engine.spec.Param`:
kind, choices from the policy, bounds), so one set of strategies covers every workflow,
including ones you declare yourself.  Strategies take the ``Mall`` (or its policy)
because valid values (categories, departments, roles) are policy data.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import pendulum
from hypothesis import strategies as st

from ..domain.records import Actor
from ..duration import Duration
from ..engine.spec import Param, WorkflowSpec
from ..errors import ValidationError
from ..mall import Mall
from ..policy import Policy

__all__ = [
    "actors",
    "clock_advances",
    "clock_steps",
    "event_params",
    "event_paths",
    "hostile_values",
    "param_values",
    "policies",
    "texts",
    "timer_spans",
]

# Printable text in Chinese and Latin scripts, as staff and customers type it.
_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "Zs", "S"),
    exclude_characters="\u2028\u2029",
)


def texts(max_size: int = 60) -> st.SearchStrategy[str]:
    """Non-empty one-line text (Chinese, Latin, digits, punctuation)."""
    return st.text(_ALPHABET, min_size=1, max_size=max_size).filter(lambda s: s.strip() != "")


def actors(policy: Policy, roles: tuple[str, ...] | None = None) -> st.SearchStrategy[Actor]:
    """Staff actors with a role (from ``roles`` or every role of the policy) and a
    department of the policy."""
    return st.builds(
        Actor,
        id=st.sampled_from(["a-1", "b-2", "c-3", "d-4"]),
        role=st.sampled_from(roles or tuple(policy.roles)),
        department=st.sampled_from(tuple(policy.departments)),
    )


def clock_advances(max_hours: int = 72) -> st.SearchStrategy[_dt.timedelta]:
    """Forward steps of a manual clock: from a second to ``max_hours`` hours."""
    return st.integers(1, max_hours * 3600).map(lambda s: _dt.timedelta(seconds=s))


_DAY = 86400


def _wall_seconds(d: Duration) -> int:
    """A generous wall-clock span for a duration of any basis: working time is spread
    over the week (weekends, closing hours, a holiday), months take 31 days."""
    if d.unit == "months":
        return d.amount * 31 * _DAY
    if d.unit == "working days":
        return (d.amount * 7 // 5 + 2) * _DAY
    if d.unit == "working hours":
        return (d.amount * 7 // 5 // 8 + 2) * _DAY
    return d.seconds()


def _durations(data: Any, out: set[int]) -> None:
    if isinstance(data, Mapping):
        for value in data.values():
            _durations(value, out)
    elif isinstance(data, list | tuple):
        for value in data:
            _durations(value, out)
    elif isinstance(data, str) and data[:1].isdigit():
        try:
            span = _wall_seconds(Duration.parse(data))
        except ValidationError:
            return
        if span > 0:
            out.add(span)


def timer_spans(policy: Policy) -> tuple[int, ...]:
    """Every duration of the policy (timers, escalation steps, retention, windows ...) as
    a wall-clock span in seconds, shortest first: the scales a clock must step across to
    reach every timer, from minutes to months."""
    found: set[int] = set()
    _durations(policy.to_dict(), found)
    return tuple(sorted(found))


def clock_steps(policy: Policy) -> st.SearchStrategy[_dt.timedelta]:
    """Forward steps of a manual clock that reach every timer of ``policy``: small steps
    (a second to two hours) and, for each of its durations, steps just short of it, just
    past it and up to one and a half times it, so that deadlines of hours, working days
    and months all fall due within a few steps."""
    small = st.integers(1, 2 * 3600)
    around = [st.integers(max(1, span * 9 // 10), span * 3 // 2) for span in timer_spans(policy)]
    return st.one_of(small, *around).map(lambda s: _dt.timedelta(seconds=s))


def param_values(param: Param, policy: Policy, now: pendulum.DateTime) -> st.SearchStrategy[Any]:
    """Valid values for one declared parameter."""
    if param.kind == "choice":
        choices = tuple(param.choices(policy)) if param.choices else ()
        return st.sampled_from(choices) if choices else st.nothing()
    if param.kind == "int":
        lo = param.minimum if param.minimum is not None else -1000
        hi = param.maximum if param.maximum is not None else 1000
        return st.integers(lo, hi)
    if param.kind == "bool":
        return st.booleans()
    if param.kind == "datetime":
        return st.integers(60, 14 * 86400).map(lambda s: now.add(seconds=s))
    if param.kind == "strlist":
        return st.lists(texts(20), max_size=4)
    if param.kind == "json":
        return st.dictionaries(st.sampled_from("abc"), st.integers(0, 9) | texts(10), max_size=3)
    return texts(min(param.max_len, 60))


def event_params(
    spec: WorkflowSpec,
    event: str,
    policy: Policy,
    now: pendulum.DateTime,
    *,
    overrides: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Parameters for ``event`` of ``spec``: every required one, optional ones sometimes;
    ``overrides`` replaces the strategy of named parameters (e.g. a record id).  An
    optional reference to a record that must exist (``Param(refers=...)``, a tenant,
    G11) is left out unless overridden: no drawn text names a record of the store."""
    if event == spec.create.name:
        params = spec.create.params
    else:
        branches = spec.branches(event)
        params = branches[0].params if branches else ()
    overrides = dict(overrides or {})
    required = {
        p.name: overrides.get(p.name, param_values(p, policy, now)) for p in params if p.required
    }
    optional = {
        p.name: overrides.get(p.name, param_values(p, policy, now))
        for p in params
        if not p.required and (p.name in overrides or p.refers is None or not p.must_exist)
    }
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def event_paths(draw: st.DrawFn, spec: WorkflowSpec, max_size: int = 12) -> list[tuple[str, str]]:
    """Sequences of ``(event, state reached)`` that follow the workflow's state graph
    from its initial state (each event starts from the state the previous one reached;
    an event with guarded branches appears with the branch's state).  Guards are
    data-dependent and not simulated: a drawn path can still meet a refusing guard."""
    state = spec.initial
    path: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, max_size))):
        options = [
            (e.name, e.dest or state) for e in spec.events if state in e.sources and not e.system
        ]
        if not options:
            break
        name, dest = draw(st.sampled_from(options))
        path.append((name, dest))
        state = dest
    return path


def hostile_values() -> st.SearchStrategy[Any]:
    """Values a careless or hostile caller passes: wrong types, empty, huge and control
    strings, naive and far-future datetimes, path tricks."""
    return st.one_of(
        st.none(),
        st.just(""),
        st.just("   "),
        st.text(max_size=5).map(lambda s: s + "\x00\x07"),
        st.text(min_size=6000, max_size=6001),
        st.just("../../etc/passwd"),
        st.integers(),
        st.floats(allow_nan=True),
        st.booleans(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.datetimes(),  # naive
        st.datetimes(min_value=_dt.datetime(9990, 1, 1), timezones=st.just(_dt.UTC)),  # far future
        texts(),
    )


@st.composite
def policies(draw: st.DrawFn, base: Policy | None = None) -> Policy:
    """Valid policies: the seed (or ``base``) with shrinkable changes to its timers and
    thresholds — the numbers operators actually tune."""
    hours = draw(st.integers(1, 12))
    days = draw(st.integers(1, 10))
    steps = draw(st.lists(st.integers(1, 96), min_size=1, max_size=2))
    overrides: dict[str, Any] = {
        "complaints": {
            "first_contact": {
                "duration": f"{hours}h",
                "warn_at": draw(st.sampled_from([None, 0.5, 0.75])),
            },
            "handling": {"duration": f"{days} working days"},
            "escalation": {"after": [f"{s}h" for s in steps]},
            "recurrence_count": draw(st.integers(2, 5)),
            "recurrence_window": f"{draw(st.integers(1, 120))} days",
            "satisfied_min": draw(st.integers(1, 5)),
        }
    }
    return Policy.from_dict(overrides, base=base)


def _mall_now(mall: Mall) -> pendulum.DateTime:
    """The mall's current time (helper for strategies built inside a state machine)."""
    return mall.now()
