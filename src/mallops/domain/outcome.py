"""What one event did to a record, kept on its history entry so replay is exact (G6).

An :class:`Outcome` holds only what the event changed: the new state, the attributes and
fields it set or removed, the timers it started or changed (with their planned due
times), the escalations and links it added.  Replaying a history applies the outcomes
in order (:func:`replay_entry`) and never consults a policy or a calendar, so a record
replays to itself after any later change of either.  :func:`outcome_of` computes the
outcome from the record before and the record after.

Outcomes share their values with the records they describe (the same ``Timer`` and
``Escalation`` objects), so keeping them costs little memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import pendulum

from .records import Escalation, HistoryEntry, Link, Outcome, Record, Timer

__all__ = ["ATTRIBUTES", "Outcome", "outcome_of", "replay_entry", "wake_of"]

ATTRIBUTES = (
    "is_open",
    "owner",
    "department",
    "tenant",
    "location",
    "category",
    "severity",
    "escalation_level",
)
"""The scalar record attributes an outcome carries when an event changes them."""

_NONE: Mapping[str, Any] = MappingProxyType({})
_MISSING: Any = object()
_BLANK: dict[str, Any] = {
    "is_open": True,
    "owner": None,
    "department": None,
    "tenant": None,
    "location": None,
    "category": None,
    "severity": None,
    "escalation_level": 0,
}


def wake_of(timers: Iterable[Timer]) -> pendulum.DateTime | None:
    """The earliest unfired mark of the running ``timers`` (when the ticker must look)."""
    wake: pendulum.DateTime | None = None
    for t in timers:
        due = t.next_due()
        if due is not None and (wake is None or due < wake):
            wake = due
    return wake


def _tail(before: Sequence[Any], after: Sequence[Any]) -> tuple[tuple[Any, ...], bool]:
    """``(added, replaced)``: what ``after`` appends to ``before``, or all of it when
    ``after`` does not start with ``before``."""
    n = len(before)
    if len(after) >= n and tuple(after[:n]) == tuple(before):
        return tuple(after[n:]), False
    return tuple(after), True


def outcome_of(
    before: Record | None,
    state: str,
    values: Mapping[str, Any],
    fields: Mapping[str, Any],
    timers: Iterable[Timer],
    escalations: Sequence[Escalation],
    links: Sequence[Link],
) -> Outcome:
    """The outcome of an event that took ``before`` (``None``: it created the record) to
    the given ``state``, attribute ``values`` (all of :data:`ATTRIBUTES`), ``fields``,
    ``timers`` (in record order), ``escalations`` and ``links``."""
    if before is None:
        old_state: str | None = None
        old_fields: Mapping[str, Any] = {}
        old_timers: dict[str, Timer] = {}
        old_escalations: Sequence[Escalation] = ()
        old_links: Sequence[Link] = ()
        changed = {k: v for k, v in values.items() if _BLANK[k] != v}
    else:
        old_state = before.state
        old_fields = before.fields
        old_timers = {t.name: t for t in before.timers}
        old_escalations = before.escalations
        old_links = before.links
        # read by attribute: no dict of the old values per event (issue 16)
        changed = {k: v for k, v in values.items() if getattr(before, k) != v}
    missing = _MISSING
    # a field the event did not touch is the very same object: skip comparing it
    set_fields = {
        k: v
        for k, v in fields.items()
        if (old := old_fields.get(k, missing)) is not v and (old is missing or old != v)
    }
    if len(set_fields) == len(fields) and set_fields:
        set_fields = fields  # type: ignore[assignment]  # all new: share the record's dict
    removed = (
        ()  # every old field kept (the common case): no scan (issue 16)
        if old_fields.keys() <= fields.keys()
        else tuple(k for k in old_fields if k not in fields)
    )
    changed_timers: list[Timer] = []
    names: set[str] = set()
    for t in timers:
        names.add(t.name)
        old = old_timers.get(t.name)
        if old is not t and old != t:
            changed_timers.append(t)
    dropped = tuple(n for n in old_timers if n not in names)
    added_escalations, all_escalations = _tail(old_escalations, escalations)
    added_links, all_links = _tail(old_links, links)
    replaced = (("escalations",) if all_escalations else ()) + (("links",) if all_links else ())
    return Outcome(
        state=state if state != old_state else None,
        values=changed or _NONE,
        fields=set_fields or _NONE,
        removed=removed,
        timers=tuple(changed_timers),
        dropped=dropped,
        escalations=added_escalations,
        links=added_links,
        replaced=replaced,
    )


def replay_entry(
    record: Record | None, entry: HistoryEntry, *, record_id: str, kind: str, property: str
) -> Record:
    """``record`` after ``entry``, from the entry's :class:`Outcome` alone (``record``
    is ``None`` for the first entry).  Raises ``ValueError`` if the entry has none."""
    out = entry.outcome
    if out is None:
        raise ValueError(f"history entry #{entry.seq} records no outcome")
    if record is None:
        values: dict[str, Any] = dict(_BLANK)
        fields: dict[str, Any] = {}
        timers: dict[str, Timer] = {}
        escalations: tuple[Escalation, ...] = ()
        links: tuple[Link, ...] = ()
        state = entry.to_state
        history: tuple[HistoryEntry, ...] = (entry,)
        created_at = entry.at
    else:
        values = {name: getattr(record, name) for name in ATTRIBUTES}
        fields = dict(record.fields)
        timers = {t.name: t for t in record.timers}
        escalations = record.escalations
        links = record.links
        state = record.state
        history = (*record.history, entry)
        created_at = record.created_at
    if out.state is not None:
        state = out.state
    values.update(out.values)
    for name in out.removed:
        del fields[name]
    fields.update(out.fields)
    for name in out.dropped:
        del timers[name]
    for t in out.timers:
        timers[t.name] = t
    if "escalations" in out.replaced:
        escalations = out.escalations
    elif out.escalations:
        escalations = (*escalations, *out.escalations)
    if "links" in out.replaced:
        links = out.links
    elif out.links:
        links = (*links, *out.links)
    return Record(
        id=record_id,
        kind=kind,
        property=property,
        state=state,
        version=len(history),
        created_at=created_at,
        updated_at=entry.at,
        fields=fields,
        timers=tuple(timers.values()),
        escalations=escalations,
        links=links,
        history=history,
        wake_at=wake_of(timers.values()),
        **values,
    )
