"""Shared set-up of the inspection, patrol and hazard tests (R8, R9, R10, K1)."""

from __future__ import annotations

from typing import Any

import pendulum

from mallops import Actor, Mall, ManualClock, Record

TZ = "Asia/Shanghai"
MANAGER = Actor("eng-mgr", "department_manager", "engineering")
TECH = Actor("eng-1", "staff", "engineering")
OTHER_TECH = Actor("eng-2", "staff", "engineering")
CLEANER = Actor("cle-1", "staff", "cleaning")
CLEANING_MGR = Actor("cle-mgr", "department_manager", "cleaning")
GUARD = Actor("sec-1", "staff", "security")
SECURITY_MGR = Actor("sec-mgr", "department_manager", "security")
DESK = Actor("desk-1", "front_desk", "customer_service")
ITEMS = ["门机", "平层", "紧急呼叫"]


def at(*args: int) -> pendulum.DateTime:
    """A time in the mall's timezone."""
    return pendulum.datetime(*args, tz=TZ)


def make_mall(when: pendulum.DateTime | None = None, **kw: Any) -> tuple[Mall, ManualClock]:
    """A mall at ``when`` (Monday 2026-09-28 08:00 by default)."""
    clock = ManualClock(when or at(2026, 9, 28, 8))
    return Mall(clock=clock, **kw), clock


def lift_plan(mall: Mall, **kw: Any) -> Record:
    """A daily lift plan on the business calendar (unless told otherwise)."""
    actor = kw.pop("actor", MANAGER)
    params: dict[str, Any] = {
        "area": "lift",
        "title": "1号客梯日检",
        "location": "A区1号客梯",
        "checklist": list(ITEMS),
        "frequency": "daily",
    }
    params.update(kw)
    return mall.inspection_plans.create(actor=actor, **params)


def rounds(mall: Mall, plan: Record) -> list[Record]:
    """The rounds a plan generated, the oldest first."""
    return mall.inspection_plans.rounds_of(plan.id)


def do_round(mall: Mall, round_id: str, *, fail: dict[str, str] | None = None) -> Record:
    """Start, check every item (failing those in ``fail`` with their note), complete."""
    svc = mall.inspection_rounds
    actor = CLEANER if mall.get(round_id).department == "cleaning" else TECH
    svc.start(round_id, actor=actor)
    for item in mall.get(round_id).fields["items"]:
        note = (fail or {}).get(item)
        svc.check(round_id, actor=actor, item=item, passed=note is None, note=note)
    return svc.complete(round_id, actor=actor)
