"""Replay (G6): a record from its history alone, and outcomes for old entries.

An entry that records its outcome is applied as recorded
(:func:`mallops.domain.outcome.replay_entry`), whatever the policy and calendar are
now, so the result is exactly the stored record.  Entries written before mallops
recorded outcomes are re-run under the engine's policy; :func:`with_outcomes` fills
their outcomes in while that still reproduces the record (before a policy change).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..domain.outcome import replay_entry
from ..domain.records import HistoryEntry, Record, evolve
from ..errors import MallopsError, ValidationError

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["replay_history", "with_outcomes"]


def with_outcomes(engine: Engine, record: Record) -> Record | None:
    """``record`` with the outcome filled into each history entry written before
    mallops recorded outcomes, computed by re-running it under ``engine``, if that
    reproduces the record exactly; ``None`` if it does not (the policy changed since)
    or nothing is missing.  Done before a policy change, so replay stays exact."""
    if all(h.outcome is not None for h in record.history):
        return None
    rebuilt: Record | None = None
    try:
        for entry in record.history:
            if rebuilt is not None and entry.seq <= len(rebuilt.history):
                continue
            if entry.outcome is not None:
                rebuilt = replay_entry(
                    rebuilt,
                    entry,
                    record_id=record.id,
                    kind=record.kind,
                    property=record.property,
                )
            else:
                rebuilt = engine.apply(
                    rebuilt, entry, record_id=record.id, property=record.property
                ).record
    except MallopsError:
        return None
    if rebuilt is None or len(rebuilt.history) != len(record.history):
        return None
    bare = tuple(evolve(h, outcome=None) if h.outcome is not None else h for h in rebuilt.history)
    stored = tuple(evolve(h, outcome=None) if h.outcome is not None else h for h in record.history)
    if bare != stored or evolve(rebuilt, history=record.history) != record:
        return None
    return evolve(record, history=rebuilt.history)


def replay_history(
    engine: Engine, record_id: str, property: str, history: Sequence[HistoryEntry]
) -> Record:
    """Rebuild a record from its history alone (G6).

    An entry that records its outcome is applied as recorded, whatever the policy and
    calendar are now: the result is exactly the stored record.  An entry written
    before mallops recorded outcomes is re-run under ``engine``'s policy (exact only
    while the policy and calendar are those it was written under); the follow-ups
    it causes are re-created by it and their stored entries skipped.
    """
    record: Record | None = None
    for entry in history:
        if record is not None and entry.seq <= len(record.history):
            continue
        if entry.outcome is not None:
            record = replay_entry(
                record, entry, record_id=record_id, kind=engine.spec.kind, property=property
            )
            continue
        record = engine.apply(record, entry, record_id=record_id, property=property).record
        record = evolve(record, history=tuple(history[: len(record.history)]))
    if record is None:
        raise ValidationError("an empty history replays to nothing")
    return record
