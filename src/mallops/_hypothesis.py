"""Hypothesis plug-in: ``st.from_type`` knows mallops' record values.

Declared in ``pyproject.toml`` under the ``hypothesis`` entry-point group, so Hypothesis
calls :func:`_hypothesis_setup_hook` when it is imported in an environment where mallops
is installed (set ``HYPOTHESIS_NO_PLUGINS`` to turn plug-ins off).  Afterwards
``st.from_type(Record)`` draws well-formed records, and likewise for :class:`Actor`,
:class:`Link` and :class:`HistoryEntry` — also as fields of ``st.builds(...)`` of your
own classes.

This module lives outside :mod:`mallops.testing` on purpose: Hypothesis loads it in
every environment that has Hypothesis, including ones without pytest, so it imports
nothing that needs pytest.  Hypothesis runs the hook at the end of its own import, when
``hypothesis.strategies`` is complete.
"""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import strategies as st

from .domain.records import Actor, HistoryEntry, Link, Record

__all__ = ["records"]

_IDS = "abcdefghijklmnopqrstuvwxyz0123456789"
_ROLES = ("front_desk", "dispatcher", "supervisor", "manager", "technician")
_DEPARTMENTS = ("customer_service", "cleaning", "engineering", "security", None)
_RELATIONS = ("return_visit_of", "source", "visit", "repair", "complaint")
_KINDS = ("complaint", "repair", "return_visit", "visit", "lost_item")
_STATES = ("registered", "assigned", "in_progress", "resolved", "closed")


def _record_ids() -> st.SearchStrategy[str]:
    return st.builds(
        lambda prefix, body: f"{prefix}-{body}",
        st.sampled_from(("c", "r", "rv", "v", "lf")),
        st.text(_IDS, min_size=1, max_size=12),
    )


def _times() -> st.SearchStrategy[Any]:
    """Aware datetimes in the mall's timezone, 2024-2026 (seconds precision)."""
    start = pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai")
    return st.integers(0, 3 * 365 * 86400).map(lambda s: start.add(seconds=s))


# A fixed alphabet of what staff and customers type (Chinese, Latin, digits, full- and
# half-width punctuation, spaces, an emoji): no Unicode table to build on the first draw,
# which would trip Hypothesis' too_slow health check in a user's first test.
_ALPHABET = (
    "洗手间很脏有异味尽快清洁扶梯响检查门禁坏了修理广播声音太大调小音量李雷韩梅张三周七"
    "商场物业投诉报修回访拜访失物招领东西南北层号"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "，。！？、：；（）“”《》-_.,!?:;()/@#%&+=' \u3000\U0001f600"
)


def _texts(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_ALPHABET, min_size=1, max_size=max_size)


def _actors() -> st.SearchStrategy[Actor]:
    return st.builds(
        Actor,
        id=st.builds(lambda n: f"staff-{n}", st.integers(1, 999)),
        role=st.sampled_from(_ROLES),
        department=st.sampled_from(_DEPARTMENTS),
        name=st.just("") | _texts(8),
    )


def _links() -> st.SearchStrategy[Link]:
    return st.builds(Link, relation=st.sampled_from(_RELATIONS), record_id=_record_ids())


def _scalars() -> st.SearchStrategy[Any]:
    return st.none() | st.booleans() | st.integers(-(10**6), 10**6) | _texts(20)


def _json_fields(max_size: int = 4) -> st.SearchStrategy[dict[str, Any]]:
    """Workflow fields as stored: JSON-compatible values under identifier keys."""
    values = st.recursive(
        _scalars(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts(6), inner, max_size=3),
        max_leaves=4,
    )
    keys = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)
    return st.dictionaries(keys, values, max_size=max_size)


def _events() -> st.SearchStrategy[str]:
    return st.sampled_from(("assign", "contact", "resolve", "close", "reopen"))


def _entry_data() -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(("department", "assignee", "note", "rating"))
    return st.dictionaries(keys, _scalars(), max_size=2)


def _history_entries() -> st.SearchStrategy[HistoryEntry]:
    return st.builds(
        HistoryEntry,
        seq=st.integers(1, 50),
        at=_times(),
        actor=_actors(),
        event=_events(),
        from_state=st.none() | st.sampled_from(_STATES),
        to_state=st.sampled_from(_STATES),
        data=_entry_data(),
        reason=st.none() | _texts(20),
    )


def records() -> st.SearchStrategy[Record]:
    """Well-formed records: ``version`` equals the number of history entries, which are
    numbered 1, 2, ... in time order, the first one opening the record in no state and
    the last one reaching the record's state; every datetime is aware; ``fields`` are
    JSON-compatible.  Such a record round-trips through every store.

    Registered for ``st.from_type(Record)``; states and kinds are drawn from the shipped
    workflows' vocabulary but not checked against a workflow definition (a record from
    this strategy is storage data, not necessarily reachable by events)."""

    times, ids, actors, events, data = _times(), _record_ids(), _actors(), _events(), _entry_data()
    states, gaps = (
        st.sampled_from(_STATES),
        st.lists(st.integers(0, 7 * 86400), min_size=1, max_size=4),
    )
    staff = st.none() | st.builds(lambda n: f"staff-{n}", st.integers(1, 99))
    places, fields, links = st.none() | _texts(20), _json_fields(3), st.lists(_links(), max_size=3)
    kinds, properties = st.sampled_from(_KINDS), st.sampled_from(("default", "mall-east"))
    departments = st.sampled_from(_DEPARTMENTS)
    categories = st.none() | st.sampled_from(("environment", "service", "facility"))

    @st.composite
    def build(draw: st.DrawFn) -> Record:
        created, state = draw(times), draw(states)
        history: list[HistoryEntry] = []
        at, previous = created, None
        steps = draw(gaps)
        for i, gap in enumerate(steps):
            at = at.add(seconds=gap) if i else at
            to_state = state if i == len(steps) - 1 else draw(states)
            event = "open" if i == 0 else draw(events)
            history.append(
                HistoryEntry(i + 1, at, draw(actors), event, previous, to_state, draw(data))
            )
            previous = to_state
        is_open = state != "closed"
        return Record(
            id=draw(ids),
            kind=draw(kinds),
            property=draw(properties),
            state=state,
            version=len(history),
            created_at=created,
            updated_at=at,
            is_open=is_open,
            owner=draw(staff),
            department=draw(departments),
            location=draw(places),
            category=draw(categories),
            fields=draw(fields),
            links=tuple(draw(links)),
            history=tuple(history),
            wake_at=draw(st.none() | times) if is_open else None,
        )

    strategy: st.SearchStrategy[Record] = build()
    return strategy


def _hypothesis_setup_hook() -> None:
    """Register mallops' strategies with Hypothesis (called by Hypothesis at import)."""
    st.register_type_strategy(Actor, st.deferred(_actors))
    st.register_type_strategy(Link, st.deferred(_links))
    st.register_type_strategy(HistoryEntry, st.deferred(_history_entries))
    st.register_type_strategy(Record, st.deferred(records))
