"""Process bodies for the event feed's SIGKILL test (run as ``python _feed_workers.py``).

``produce STORE COUNT``: open complaints until the store holds ``COUNT`` of them,
assigning each.  ``consume STORE NAME``: read the feed as consumer ``NAME`` forever,
committing its cursor together with two counters of its own: how many events it took
(``done:NAME``) and the sum of their positions (``sum:NAME``).  Both are in the same
commit as the cursor, so after any number of SIGKILLs they say exactly which events
the consumer took, and how often.
"""

from __future__ import annotations

import sys
import time

import pendulum

from mallops import Actor, ConflictError, Mall, ManualClock, Store
from mallops.stores import CounterWrite, open_store

DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")
T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")


def mall_on(location: str) -> Mall:
    """A mall on the store at ``location`` with a fixed clock."""
    return Mall(store=open_store(location), clock=ManualClock(T0))


def produce(mall: Mall, count: int, tag: str) -> None:
    """Open and assign complaints until the store holds ``count``."""
    for i in range(count * 4):  # bounded: each round opens one complaint or stops
        mall.store.refresh()
        if len(mall.complaints.query()) >= count:
            return
        try:
            c = mall.complaints.open(
                actor=DESK,
                channel="phone",
                complainant="Li Lei",
                contact="13800000000",
                location=f"shop {tag}-{i}",
                description="noise",
                demand="stop it",
            )
            mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="wang")
        except ConflictError:
            continue


def consume_once(mall: Mall, name: str, limit: int = 7) -> int:
    """Take the next events as consumer ``name``; returns how many it committed."""
    consumer = mall.feed.consumer(name)
    store: Store = mall.store
    base = consumer.position
    items = mall.feed.events_since(base, limit=limit)
    if not items:
        return 0
    done, total = store.counter(f"done:{name}"), store.counter(f"sum:{name}")
    moves = [
        CounterWrite(f"done:{name}", done, done + len(items)),
        CounterWrite(f"sum:{name}", total, total + sum(e.position for e in items)),
    ]
    try:
        consumer.commit(items[-1].position, counters=moves, expected=base)
    except ConflictError:
        return 0  # another instance took them first
    return len(items)


def main(argv: list[str]) -> None:
    """Run the role named by ``argv[0]`` (see the module docstring)."""
    role, location, arg = argv
    mall = mall_on(location)
    if role == "produce":
        produce(mall, int(arg), str(time.monotonic_ns()))
        return
    deadline = time.monotonic() + 60  # bounded even if nobody kills it
    while time.monotonic() < deadline:
        if not consume_once(mall, arg):
            time.sleep(0.01)


if __name__ == "__main__":
    main(sys.argv[1:])
