"""Role × event permissions of temporary storage (O1) and parcels (O2) (G5)."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from mallops import Actor, Mall, ManualClock, MemoryStore
from mallops.errors import PermissionDenied
from mallops.testing import sample_record

DESK = {"front_desk", "cs_head", "property_manager"}
EMPLOYEES = {"staff", "department_manager", "general_manager", *DESK}
APPROVERS = {"department_manager", "property_manager", "general_manager"}
TABLE = {
    ("deposit", "deposit"): DESK,
    ("deposit", "return_item"): DESK,
    ("deposit", "lost_receipt"): DESK,
    ("deposit", "verify_identity"): DESK,
    ("deposit", "reject_claim"): DESK,
    ("deposit", "return_verified"): DESK,
    ("outgoing_parcel", "request"): EMPLOYEES,
    ("outgoing_parcel", "approve"): APPROVERS,
    ("outgoing_parcel", "reject"): APPROVERS,
    ("outgoing_parcel", "send"): DESK,
    ("outgoing_parcel", "deliver"): DESK,
    ("outgoing_parcel", "cancel"): EMPLOYEES,
    ("incoming_parcel", "log"): DESK,
    ("incoming_parcel", "notify"): DESK,
    ("incoming_parcel", "sign"): DESK,
    ("incoming_parcel", "send_back"): DESK,
}
"""Who may fire each user event (the creating event included)."""


@pytest.fixture(scope="module")
def mall() -> Mall:
    return Mall(MemoryStore(), ManualClock(pendulum.datetime(2026, 10, 5, 10, tz="Asia/Shanghai")))


def test_g5_the_table_covers_every_user_event(mall: Mall) -> None:
    """Every user event of the three workflows has its row, with exactly those roles."""
    got = {}
    for kind in ("deposit", "outgoing_parcel", "incoming_parcel"):
        spec = mall.service(kind).engine.spec
        got[(kind, spec.create.name)] = set(spec.create.roles)
        for ev in spec.events:
            if not ev.system:
                got[(kind, ev.name)] = set(ev.roles)
    assert got == TABLE


@pytest.mark.parametrize(("kind", "event"), sorted(TABLE))
def test_g5_roles_outside_the_row_are_refused(mall: Mall, kind: str, event: str) -> None:
    """A role outside the row gets PermissionDenied before anything is checked or written."""
    engine = mall.service(kind).engine
    spec = engine.spec
    outside = sorted(set(mall.policy.roles) - TABLE[(kind, event)])
    if not outside:  # a row open to everybody names every role of the policy
        assert TABLE[(kind, event)] == set(mall.policy.roles)
    for role in outside:
        actor = Actor("x-1", role, "engineering")
        if event == spec.create.name:
            with pytest.raises(PermissionDenied):
                engine.entry_for_create(actor, mall.now(), {})
            continue
        state = next(e.sources[0] for e in spec.events if e.name == event)
        record = attrs.evolve(
            sample_record("R-1", kind=kind, state=state), department="engineering"
        )
        with pytest.raises(PermissionDenied):
            engine.entry_for(record, event, actor, mall.now(), {}, None)
