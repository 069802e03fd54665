"""The ticker's loop (``Mall.tick``): every timer mark due before now, in order (G6).

Each record's earliest due mark is fired in its own commit, at its own due time; a
record that cannot be processed is reported (``tick_failed``), a record of a kind this
process does not know too (``tick_unknown_kind``, #14), and neither holds up the others.
A commit that collides with another ticker or a user backs off and looks again.
"""

from __future__ import annotations

import heapq
import logging
from typing import TYPE_CHECKING

import pendulum

from .domain.events import DomainEvent
from .engine.retry import RETRY
from .errors import ConflictError, MallopsError

if TYPE_CHECKING:
    from .mall import Mall

__all__ = ["fire_due"]

_LOG = logging.getLogger("mallops")


def fire_due(mall: Mall, now: pendulum.DateTime, events: list[DomainEvent]) -> None:
    """Fire every mark of ``mall``'s property due before ``now``, appending the domain
    events raised to ``events`` (a ``ConfigurationDrift`` propagates, #14)."""
    queue = [(at.timestamp(), rid) for at, rid in mall.store.due(now, property=mall.property)]
    heapq.heapify(queue)
    failed: set[str] = set()
    conflicts: dict[str, int] = {}
    while queue:
        _, rid = heapq.heappop(queue)
        if rid in failed:
            continue
        record = mall.store.get(rid)
        if record.kind not in mall.runtime.services:
            # never skipped silently (#14): an event and a log line
            failed.add(rid)
            _LOG.warning(
                "tick: %s is a %s, a kind this process does not know; its deadline at "
                "%s is not processed",
                rid,
                record.kind,
                record.wake_at,
            )
            events.append(
                DomainEvent(
                    "tick_unknown_kind",
                    rid,
                    record.kind,
                    record.property,
                    record.wake_at or now,
                    {"kind": record.kind, "known": sorted(mall.runtime.services)},
                )
            )
            continue
        service = mall.service(record.kind)
        entry = service.engine.next_timer_entry(record, now)  # the step catch-up takes
        if entry is None:
            continue
        at, timer, index = entry.at, entry.data["timer"], entry.data["mark"]
        batch = mall.runtime.batch()
        try:
            updated = service.apply_entry(batch, record, entry)
        except MallopsError as exc:
            failed.add(rid)
            _LOG.warning("tick: %s %s timer %s could not fire: %s", record.kind, rid, timer, exc)
            events.append(
                DomainEvent(
                    "tick_failed",
                    rid,
                    record.kind,
                    record.property,
                    at,
                    {
                        "timer": timer,
                        "mark": index,
                        "error": str(exc),
                        "error_type": type(exc).__name__,
                    },
                )
            )
            continue
        try:
            batch.commit()
        except ConflictError:
            # another ticker or a user changed it meanwhile: back off, look again
            conflicts[rid] = conflicts.get(rid, 0) + 1
            RETRY.pause(conflicts[rid])
            mall.store.refresh()
            heapq.heappush(queue, (at.timestamp(), rid))
            continue
        events.extend(batch.events)
        if updated.wake_at is not None and updated.wake_at < now:
            heapq.heappush(queue, (updated.wake_at.timestamp(), rid))
        for other in batch.records.values():
            if other.id != rid and other.wake_at is not None and other.wake_at < now:
                heapq.heappush(queue, (other.wake_at.timestamp(), other.id))
