"""Definition checks (#14): named checks, every problem reported at once, including
"every state can reach a final state"."""

from __future__ import annotations

import pytest

from mallops import InvalidDefinition, Policy
from mallops.engine.checks import CHECKS, POLICY_CHECKS, validate_with_policy
from mallops.plugins import EventSpec
from mallops.workflows.complaints import COMPLAINT
from mallops.workflows.repairs import REPAIR

from .test_engine import ROLES, spec


def test_every_problem_is_reported_at_once_with_its_check() -> None:
    """Three independent mistakes give one InvalidDefinition naming all three."""
    with pytest.raises(InvalidDefinition) as info:
        spec(
            kind="Bad Kind",
            events=(
                EventSpec("start", ("new",), "nowhere", ROLES, "", ""),
                EventSpec("finish", ("doing",), "done", (), "", ""),
            ),
            timers=(),
        )
    checks = [name for name, _ in info.value.problems]
    assert "names_are_lower_snake" in checks
    assert "events_name_declared_states" in checks
    assert "events_have_roles" in checks
    text = str(info.value)
    assert "problems:" in text
    assert "unknown state 'nowhere'" in text
    assert "names no role" in text


def test_a_loop_that_never_reaches_a_final_state_is_refused() -> None:
    """doing <-> hold with no way to done: both states are named; the others pass."""
    with pytest.raises(InvalidDefinition, match="no final state can be reached from") as info:
        spec(
            events=(
                EventSpec("start", ("new",), "doing", ROLES, "", ""),
                EventSpec("hold", ("doing",), "hold", ROLES, "", ""),
                EventSpec("go_on", ("hold",), "doing", ROLES, "", ""),
                EventSpec("skip", ("new",), "done", ROLES, "", ""),
            ),
            timers=(),
        )
    assert [name for name, _ in info.value.problems] == ["every_state_can_finish"]
    assert "doing, hold" in str(info.value)


def test_the_built_in_workflows_pass_every_check() -> None:
    """Every check runs on the shipped workflows without a problem."""
    for workflow in (COMPLAINT, REPAIR):
        for check in CHECKS:
            assert list(check(workflow)) == [], check.__name__
        for policy_check in POLICY_CHECKS:
            assert list(policy_check(workflow, Policy.seed())) == [], policy_check.__name__


def test_policy_checks_report_every_problem() -> None:
    """A role missing from the policy and an unknown ladder role, reported together."""
    bad = spec(
        events=(*spec().events, EventSpec("audit", ("doing",), None, ("auditor",), "", "")),
        ladder=lambda _p: ("nobody",),
    )
    with pytest.raises(InvalidDefinition) as info:
        validate_with_policy(bad, Policy.seed())
    assert len(info.value.problems) == 2
    assert "role 'auditor'" in str(info.value)
    assert "ladder role 'nobody'" in str(info.value)


def test_a_single_problem_keeps_its_plain_message() -> None:
    """One problem: the message is that problem alone (as before)."""
    with pytest.raises(InvalidDefinition, match=r"^workflow 'job': initial state 'x' is not"):
        spec(initial="x")
