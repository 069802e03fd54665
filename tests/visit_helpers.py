"""Shared set-up of the tenant, visit and suggestion tests."""

from __future__ import annotations

from typing import Any

import pendulum

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy, Record

TZ = "Asia/Shanghai"
OPS = Actor("op-1", "staff", "operations", "Visitor One")
DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")
DM = Actor("dm-1", "department_manager", "operations", "Manager One")
GM = Actor("gm-1", "general_manager", "operations", "GM One")
# staff of the departments suggestions are routed to (V5: the department answers)
ENG = Actor("eng-1", "staff", "engineering", "Engineer One")
MKT = Actor("mkt-1", "staff", "marketing", "Marketing One")
MKT_DM = Actor("mkt-dm", "department_manager", "marketing", "Marketing Manager")
SEC = Actor("sec-1", "staff", "security", "Guard One")

# Test data for a year chinese-calendar does not know (FINDINGS: 2004-2026 only).
YEARS_2027: dict[str, Any] = {
    "calendar": {
        "years": {
            2027: {
                "holidays": ["2027-01-01", *(f"2027-02-{d:02d}" for d in range(5, 12))],
                "workdays": ["2027-02-14"],
            }
        }
    }
}


def at(*args: int) -> pendulum.DateTime:
    """An aware time in the mall's timezone."""
    return pendulum.datetime(*args, tz=TZ)


def new_mall(start: pendulum.DateTime | None = None, policy: Policy | None = None) -> Mall:
    """A mall on a memory store whose clock starts on New Year's Eve 2025 at 10:00."""
    clock = ManualClock(start or at(2025, 12, 31, 10))
    return Mall(store=MemoryStore(), clock=clock, policy=policy or Policy.seed())


def tenant(
    mall: Mall,
    *,
    unit: str = "L1-01",
    trade: str = "retail",
    tier: str = "regular",
    lease_start: str = "2020-01-01",
    lease_end: str | None = None,
) -> Record:
    """Register a tenant with test contacts."""
    return mall.tenants.register(
        actor=DESK,
        unit=unit,
        name=f"Shop {unit}",
        trade=trade,
        tier=tier,
        contact="张三丰",
        phone="13812345678",
        lease_start=lease_start,
        lease_end=lease_end,
    )


def clock_of(mall: Mall) -> ManualClock:
    """The mall's manual clock."""
    assert isinstance(mall.clock, ManualClock)
    return mall.clock


def visit_done(mall: Mall, visit_id: str, when: pendulum.DateTime, **extra: Any) -> Record:
    """Appoint ``visit_id`` at ``when`` (agreed by phone) and complete it there."""
    mall.visits.appoint(visit_id, actor=OPS, at=when, phoned=True)
    clock_of(mall).set(when)
    return mall.visits.complete(
        visit_id,
        actor=OPS,
        form="meeting",
        topics=["property_service"],
        notes="talked about the new signage",
        satisfaction="satisfied",
        confirmed_by="张三丰",
        **extra,
    )
