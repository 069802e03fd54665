"""Stores full of real complaints for the benchmarks, built through the public API.

Every record is made by ``complaints.open()`` (and, for a third of them, the events of a
lifecycle) on a clock that moves forward between complaints, so records differ in
their histories, timers and times as they would in a mall; ``Mall.bulk()`` keeps the
building cheap on durable stores.  The years stay inside the business calendar's
holiday data (2024-2026).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy, Store
from mallops.domain.records import Record

TZ = "Asia/Shanghai"
START = pendulum.datetime(2024, 1, 2, 9, tz=TZ)
DESK = Actor("desk-1", "front_desk", "customer_service")
STAFF = Actor("clean-1", "staff", "cleaning")
DESCRIPTIONS = (
    ("洗手间很脏，地面有水", "清洁"),
    ("空调太冷了", "调高温度"),
    ("保安态度很差", "道歉"),
    ("电梯一直坏着", "尽快修好"),
    ("停车场收费不对", "退款"),
    ("店里噪音太大", "处理"),
    ("restroom is dirty", "clean it"),
)
LIFECYCLE = ("assign", "contact", "reply", "resolve", "survey")
SURVEY_POLICY = {"complaints": {"survey_by": "survey"}}


def params_for(i: int, locations: int) -> dict[str, Any]:
    """The ``open()`` parameters of the i-th complaint (location ``L<i mod locations>``)."""
    description, demand = DESCRIPTIONS[i % len(DESCRIPTIONS)]
    return {
        "channel": ("phone", "walk_in", "wechat")[i % 3],
        "complainant": f"顾客{i}",
        "contact": f"139{i % 100_000_000:08d}",
        "location": f"L{i % locations:04d}",
        "description": description,
        "demand": demand,
    }


def event_params(event: str, at: pendulum.DateTime) -> dict[str, Any]:
    """Parameters of each lifecycle event."""
    return {
        "assign": {"department": "cleaning", "assignee": "clean-1"},
        "contact": {},
        "reply": {"message": "已处理", "promised_by": at.add(days=1)},
        "resolve": {"resolution": "已清洁"},
        "survey": {"speed": 5, "result": 4, "attitude": 5},
    }[event]


def actor_for(event: str) -> Actor:
    """Who fires each lifecycle event."""
    return DESK if event in ("assign", "survey") else STAFF


def new_mall(store: Store | None = None, *, start: pendulum.DateTime = START) -> Mall:
    """A mall on ``store`` (memory by default) with a manual clock at ``start``."""
    return Mall(store if store is not None else MemoryStore(), ManualClock(start))


def fill(
    mall: Mall,
    n: int,
    *,
    step_s: float = 300.0,
    locations: int = 400,
    lifecycle_every: int = 3,
    chunk: int = 5_000,
    first: int = 0,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Open ``n`` complaints, ``step_s`` seconds apart, and take every
    ``lifecycle_every``-th through assign, contact, reply and resolve; one bulk commit
    per ``chunk`` complaints."""
    clock = mall.clock
    assert isinstance(clock, ManualClock)
    done = 0
    while done < n:
        with mall.bulk():
            for i in range(first + done, first + min(n, done + chunk)):
                clock.advance(seconds=step_s)
                record = mall.complaints.open(actor=DESK, **params_for(i, locations))
                if lifecycle_every and i % lifecycle_every == 0:
                    for event in LIFECYCLE[:4]:
                        mall.complaints.fire(
                            record.id,
                            event,
                            actor=actor_for(event),
                            **event_params(event, clock.now()),
                        )
        done = min(n, done + chunk)
        if progress is not None:
            progress(done)


def survey_policy() -> Policy:
    """The seed policy with the satisfaction survey as a complaint event (C12)."""
    return Policy.from_dict(SURVEY_POLICY)


def open_one(mall: Mall, i: int, locations: int = 1_000_000) -> Record:
    """Open the i-th complaint now."""
    return mall.complaints.open(actor=DESK, **params_for(i, locations))
