"""Process bodies for the several-tickers test (each in its own process).

Each opens its own :class:`SqlStore` and :class:`Mall` on the shared database with a
:class:`ManualClock` set to a fixed time, waits at a barrier so all start together, and
puts a summary on the result queue.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum

from mallops import Actor, ConflictError, Mall, ManualClock, SqlStore

DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")
COMPLAINT = {
    "channel": "phone",
    "complainant": "Li Lei",
    "contact": "13800000000",
    "location": "B1 east restroom",
    "description": "restroom is dirty",
    "demand": "clean it",
}


def _mall(url: str, at: str) -> Mall:
    return Mall(store=SqlStore(url), clock=ManualClock(pendulum.parse(at)))


def open_complaints(url: str, at: str, count: int, barrier: Any, results: Any) -> None:
    """Open ``count`` complaints, retrying when another writer took the same number."""
    mall = _mall(url, at)
    ids, retries = [], 0
    barrier.wait()
    for i in range(count):
        # one location each: three complaints at one place would escalate as recurrent (C9)
        params = {**COMPLAINT, "location": f"B1 shop {os.getpid()}-{i}"}
        while True:
            try:
                ids.append(mall.complaints.open(actor=DESK, **params).id)
                break
            except ConflictError:
                retries += 1
    mall.store.close()
    results.put(("writer", ids, retries))


def assign(url: str, at: str, ids: list[str], barrier: Any, results: Any) -> None:
    """Assign each complaint of ``ids`` once, re-reading when a ticker changed it first."""
    mall = _mall(url, at)
    conflicts = 0
    barrier.wait()
    for rid in ids:
        while True:
            try:
                mall.complaints.fire(
                    rid, "assign", actor=DESK, department="cleaning", assignee="wang"
                )
                break
            except ConflictError:
                conflicts += 1
    mall.store.close()
    results.put(("assigner", ids, conflicts))


def tick(url: str, at: str, barrier: Any, results: Any) -> None:
    """Tick once at ``at`` and report the events it raised, by type."""
    mall = _mall(url, at)
    barrier.wait()
    events = mall.tick()
    counts: dict[str, int] = {}
    for e in events:
        counts[e.type] = counts.get(e.type, 0) + 1
    mall.store.close()
    results.put(("ticker", counts, 0))
