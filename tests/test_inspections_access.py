"""Role x event permissions of the inspection workflows (G5): who may plan, do a round,
patrol, and deal with a hazard; other departments' staff are refused (handler rule)."""

from __future__ import annotations

import pytest

from mallops import Actor, Mall, PermissionDenied, Record

from .inspection_helpers import GUARD, MANAGER, SECURITY_MGR, TECH, at, lift_plan, make_mall

ROLES = ("front_desk", "staff", "department_manager", "cs_head", "property_manager",
         "general_manager")  # fmt: skip
MANAGERS = {"department_manager", "property_manager", "general_manager"}
WORKERS = {"staff", *MANAGERS}

EXPECTED: dict[tuple[str, str, str], set[str]] = {
    # (kind, state, event): the roles that may fire it (G5)
    ("inspection_plan", "active", "update_checklist"): MANAGERS,
    ("inspection_plan", "active", "suspend"): MANAGERS,
    ("inspection_plan", "active", "retire"): MANAGERS,
    ("inspection_plan", "suspended", "resume"): MANAGERS,
    ("inspection_round", "due", "start"): WORKERS,
    ("inspection_round", "due", "cancel"): MANAGERS,
    ("inspection_round", "in_progress", "check"): WORKERS,
    ("inspection_round", "in_progress", "complete"): WORKERS,
    ("patrol", "due", "start"): WORKERS,
    ("patrol", "on_patrol", "check_in"): WORKERS,
    ("patrol", "on_patrol", "hazard"): WORKERS,
    ("patrol", "on_patrol", "finish"): WORKERS,
    ("patrol", "on_patrol", "cancel"): MANAGERS,
    ("hazard", "reported", "take"): WORKERS,
    ("hazard", "reported", "resolve"): WORKERS,
    ("hazard", "reported", "dismiss"): MANAGERS,
}


def _records(mall: Mall) -> dict[tuple[str, str], Record]:
    plan = lift_plan(mall)
    (round_,) = mall.inspection_plans.rounds_of(plan.id)
    started = mall.inspection_rounds.start(
        mall.inspection_plans.rounds_of(lift_plan(mall, title="二号梯").id)[0].id, actor=TECH
    )
    suspended = mall.inspection_plans.fire(
        lift_plan(mall, title="三号梯").id, "suspend", actor=MANAGER, reason="改造"
    )
    patrols = []
    for title in ("巡逻", "巡逻二"):
        p = lift_plan(
            mall,
            actor=SECURITY_MGR,
            area="security_patrol",
            title=title,
            checklist=["北门", "南门"],
            calendar="24x7",
        )
        patrols.append(mall.inspection_plans.rounds_of(p.id)[0])
    patrol = patrols[0]
    on_patrol = mall.patrols.start(patrols[1].id, actor=GUARD)
    hazard = mall.hazards.report(actor=TECH, description="漏电", location="B2")
    return {
        ("inspection_plan", "active"): mall.get(plan.id),
        ("inspection_plan", "suspended"): suspended,
        ("inspection_round", "due"): mall.get(round_.id),
        ("inspection_round", "in_progress"): started,
        ("patrol", "due"): patrol,
        ("patrol", "on_patrol"): on_patrol,
        ("hazard", "reported"): hazard,
    }


@pytest.fixture(scope="module")
def setup() -> tuple[Mall, dict[tuple[str, str], Record]]:
    mall, _ = make_mall(at(2026, 9, 28, 10))
    return mall, _records(mall)


@pytest.mark.parametrize("role", ROLES)
def test_g5_role_by_event(setup, role: str) -> None:  # type: ignore[no-untyped-def]
    """Each role of the record's own department may fire exactly the events of the table."""
    mall, records = setup
    for (kind, state, event), allowed in EXPECTED.items():
        record = records[(kind, state)]
        assert record.state == state
        actor = Actor(f"{role}-x", role, record.department)
        got = event in mall.service(kind).allowed_events(record, actor)
        assert got == (role in allowed), (kind, state, event, role)


@pytest.mark.parametrize("role", ROLES)
def test_g5_who_may_plan_and_report_hazards(role: str) -> None:
    """Managers plan; anyone on the staff (and the front desk) reports a hazard."""
    mall, _ = make_mall(at(2026, 9, 28, 10))
    actor = Actor(f"{role}-x", role, "engineering")
    if role in MANAGERS:
        assert lift_plan(mall, actor=actor).state == "active"
    else:
        with pytest.raises(PermissionDenied):
            lift_plan(mall, actor=actor)
    if role == "cs_head":
        with pytest.raises(PermissionDenied):
            mall.hazards.report(actor=actor, description="漏电", location="B2")
    else:
        assert mall.hazards.report(actor=actor, description="漏电", location="B2").is_open


def test_g5_other_departments_staff_are_refused(setup) -> None:  # type: ignore[no-untyped-def]
    """A cleaner may not start an engineering round nor take a security hazard."""
    mall, records = setup
    cleaner = Actor("cle-9", "staff", "cleaning")
    with pytest.raises(PermissionDenied):
        mall.inspection_rounds.start(records[("inspection_round", "due")].id, actor=cleaner)
    with pytest.raises(PermissionDenied):
        mall.hazards.fire(records[("hazard", "reported")].id, "take", actor=cleaner)
