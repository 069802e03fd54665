"""Provisional timers (G9): the events that report them and their re-planning.

A timer whose due times needed a year without holiday data is planned under the
fallback rule and carries ``provisional_year`` (see :mod:`mallops.engine.timers`).  The
engine reports each newly provisional timer as a ``timer_provisional`` domain event.
Once the calendar covers that year, :func:`replan_record` re-places the timer through
a recorded system entry ``_replan`` whose data lists every change (timer, year, old and
new due time), so the history shows it and replay (G6) repeats it.

These are plain functions of a record, an engine (its calendar) and a time, for any
operation that changes the calendar (``Mall.replan_provisional``, a recorded policy
change).  Callers fire the marks that fell due before ``now`` first (the plan in force
until the data arrived), as ``Mall.replan_provisional`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pendulum

from ..domain.events import DomainEvent
from ..domain.records import SYSTEM, Actor, Record, evolve
from . import timers as T

if TYPE_CHECKING:
    from ..calendar import BusinessCalendar
    from .context import Context
    from .engine import Engine

__all__ = [
    "REPLAN_EVENT",
    "provisional_events",
    "replan_changes",
    "replan_draft",
    "replan_record",
]

REPLAN_EVENT = "_replan"
FALLBACK_RULE = {
    "zh": "缺少节假日数据：按周末休息、无节假日临时计算",
    "en": "no holiday data: planned provisionally with weekends off and no holidays",
}


def _iso(value: pendulum.DateTime | None) -> str | None:
    return None if value is None else value.isoformat()


def provisional_events(
    before: Record | None, after: Record, at: pendulum.DateTime
) -> list[DomainEvent]:
    """A ``timer_provisional`` event for each timer of ``after`` that became provisional
    (or provisional for another year) since ``before``."""
    out: list[DomainEvent] = []
    for t in after.timers:
        year = t.provisional_year
        if year is None:
            continue
        prior = before.timer(t.name) if before is not None else None
        if prior is not None and prior.provisional_year == year:
            continue
        out.append(
            DomainEvent(
                "timer_provisional",
                after.id,
                after.kind,
                after.property,
                at,
                {
                    "timer": t.name,
                    "year": year,
                    "due_at": _iso(t.due_at),
                    "message_zh": f"{year} 年{FALLBACK_RULE['zh']}",
                    "message_en": f"{year}: {FALLBACK_RULE['en']}",
                },
            )
        )
    return out


def replan_changes(
    record: Record, calendar: BusinessCalendar, now: pendulum.DateTime
) -> tuple[dict[str, Any], ...]:
    """What re-planning ``record`` on ``calendar`` at ``now`` would change: one dict per
    timer (``timer``, ``year``, ``old_due``, ``new_due``, ``provisional_year`` after).
    Timers re-placed by their own marks only; a timer whose spec has a ``replan`` (a
    due time the workflow computes) is re-planned by :func:`replan_record`, which
    records what really changed."""
    changes: list[dict[str, Any]] = []
    for t in record.timers:
        if not T.needs_replan(t, calendar):
            continue
        new = T.replan(t, calendar, now)
        changes.append(
            {
                "timer": t.name,
                "year": t.provisional_year,
                "old_due": _iso(t.due_at),
                "new_due": _iso(new.due_at),
                "provisional_year": new.provisional_year,
            }
        )
    return tuple(changes)


def replan_draft(ctx: Context) -> None:
    """Re-plan, in ``ctx``'s draft, every running timer provisional for a year the
    calendar now covers: by its timer spec's ``replan`` when it has one (a due time the
    workflow computes, e.g. a retention end, L6), else by re-placing its own marks."""
    calendar = ctx.engine.calendar
    hooks = {s.name: s.replan for s in ctx.engine.spec.timers}
    for name, t in list(ctx.draft.timers.items()):
        if not T.needs_replan(t, calendar):
            continue
        hook = hooks.get(name)
        plan = hook(ctx) if hook is not None else None
        if plan is None:
            ctx.draft.timers[name] = T.replan(t, calendar, ctx.now)
        else:
            ctx.draft.timers[name] = T.replace(t, plan, ctx.now, calendar)


def _changes(before: Record, after: Record, calendar: BusinessCalendar) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in before.timers:
        new = after.timer(t.name)
        if new is None or not T.needs_replan(t, calendar):
            continue
        out.append(
            {
                "timer": t.name,
                "year": t.provisional_year,
                "old_due": _iso(t.due_at),
                "new_due": _iso(new.due_at),
                "provisional_year": new.provisional_year,
            }
        )
    return out


def replan_record(
    engine: Engine,
    record: Record,
    now: pendulum.DateTime,
    *,
    actor: Actor = SYSTEM,
    reason: str | None = None,
) -> tuple[Record, tuple[DomainEvent, ...]] | None:
    """Re-plan the provisional timers of ``record`` whose year ``engine.calendar`` now
    covers: the new record (one ``_replan`` history entry more) and its events (one
    ``timer_replanned`` per change), or ``None`` when nothing needs re-planning."""
    if not any(T.needs_replan(t, engine.calendar) for t in record.timers):
        return None
    entry = engine.entry_for_system(record, REPLAN_EVENT, now, {})
    entry = evolve(entry, actor=actor, reason=reason)
    # apply is pure: a first pass finds what the workflow's re-plans change, the second
    # records the same outcome with those changes in the entry (old and new due times)
    probe = engine.apply(record, entry, record_id=record.id, property=record.property)
    changes = _changes(record, probe.record, engine.calendar)
    entry = evolve(entry, data={"changes": changes})
    applied = engine.apply(record, entry, record_id=record.id, property=record.property)
    replanned = tuple(
        DomainEvent("timer_replanned", record.id, record.kind, record.property, now, change)
        for change in changes
    )
    return applied.record, (*applied.events, *replanned)
