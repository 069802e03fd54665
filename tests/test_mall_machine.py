"""mallops.testing.MallMachine drives every registered workflow with random operations."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from mallops.testing import MallMachine


class WholeMall(MallMachine):
    """The ready machine, unchanged: mallops' own invariants over every workflow."""


WholeMall.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestWholeMall = WholeMall.TestCase
