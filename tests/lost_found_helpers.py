"""Shared set-up of the lost-and-found tests: a mall at a known time and item factories."""

from __future__ import annotations

from typing import Any

import pendulum

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy, Record

TZ = "Asia/Shanghai"
DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")
STAFF = Actor("clean-1", "staff", "cleaning", "Cleaner One")
CS_HEAD = Actor("cs-1", "cs_head", "customer_service", "Head One")
RAW_ID = "110101199003071234"


def at(*args: int) -> pendulum.DateTime:
    """An aware time in the mall's timezone."""
    return pendulum.datetime(*args, tz=TZ)


def make_mall(
    start: pendulum.DateTime | None = None, policy: Policy | None = None
) -> tuple[Mall, ManualClock]:
    """A mall on a fresh memory store, on Friday 2026-11-20 10:00 unless told otherwise."""
    clock = ManualClock(start or at(2026, 11, 20, 10))
    return Mall(store=MemoryStore(), clock=clock, policy=policy or Policy.seed()), clock


def found(mall: Mall, **overrides: Any) -> Record:
    """Register a found item; every L1 field has a default that ``overrides`` may change."""
    params: dict[str, Any] = {
        "actor": DESK,
        "found_at": mall.now(),
        "place_found": "B1 east restroom",
        "description": "黑色手机 black phone",
        "features": "cracked screen, red case",
        "finder_type": "customer",
        "category": "phone",
        "finder_name": "张三",
    }
    params.update(overrides)
    return mall.lost_found.intake(**params)


def claim(mall: Mall, item_id: str, **overrides: Any) -> Record:
    """Record a claim with a raw resident-ID number (the service masks it)."""
    params: dict[str, Any] = {
        "actor": DESK,
        "claimant": "李雷",
        "features": "red case, cracked screen",
        "place": "B1 restroom",
        "time": "this morning",
        "id_type": "resident_id",
        "id_number": RAW_ID,
    }
    params.update(overrides)
    return mall.lost_found.claim(item_id, **params)


def return_to_owner(mall: Mall, item_id: str) -> Record:
    """Claim, verify and release an item."""
    claim(mall, item_id)
    mall.lost_found.verify_claim(item_id, actor=DESK, features_match=True, id_checked=True)
    return mall.lost_found.release(item_id, actor=DESK)
