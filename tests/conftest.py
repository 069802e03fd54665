"""Shared fixtures: a manual clock at a known working time, a mall, and staff actors."""

from __future__ import annotations

import os

import pendulum
import pytest
from hypothesis import HealthCheck, settings

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy

settings.register_profile(
    "default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# CI explores a fixed set of examples (derandomized), so a landing never depends on
# luck; local runs keep exploring new examples every time.
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_default_profile = "ci" if os.environ.get("CI") else "default"
settings.load_profile(os.environ.get("MALLOPS_HYPOTHESIS_PROFILE", _default_profile))

TZ = "Asia/Shanghai"


def at(*args: int) -> pendulum.DateTime:
    """An aware time in the mall's timezone."""
    return pendulum.datetime(*args, tz=TZ)


DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")
STAFF = Actor("tech-1", "staff", "engineering", "Tech One")
CLEANER = Actor("clean-1", "staff", "cleaning", "Cleaner One")
DEPT_MANAGER = Actor("dm-1", "department_manager", "engineering", "Manager One")
CS_HEAD = Actor("cs-1", "cs_head", "customer_service", "Head One")
PROPERTY_MANAGER = Actor("pm-1", "property_manager", "operations", "PM One")
GM = Actor("gm-1", "general_manager", "operations", "GM One")


@pytest.fixture
def clock() -> ManualClock:
    """Wednesday 2026-09-30 10:00, a working day before the National Day holiday."""
    return ManualClock(at(2026, 9, 30, 10))


@pytest.fixture
def policy() -> Policy:
    return Policy.seed()


@pytest.fixture
def mall(clock: ManualClock, policy: Policy) -> Mall:
    return Mall(store=MemoryStore(), clock=clock, policy=policy)
