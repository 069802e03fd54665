"""The tenant register (G4, G7)."""

from __future__ import annotations

import pytest

from mallops import InvalidTransition, PermissionDenied, ValidationError
from mallops.workflows import Tenant
from mallops.workflows.tenants import TENANT, mask
from mallops.workflows.visits import VISIT

from .visit_helpers import DESK, DM, GM, OPS, at, clock_of, new_mall, tenant, visit_done


def test_g4_a_tenants_whole_file_is_one_query() -> None:
    """history_of(tenant) returns the tenant, its visits, suggestions and complaints."""
    mall = new_mall()
    t = tenant(mall)
    mall.visits.plan_year(2026, actor=OPS)
    (v,) = mall.visits.plan(2026, tenant=t.id)
    clock_of(mall).set(at(2026, 6, 1, 9))
    visit_done(mall, v.id, at(2026, 6, 2, 10), suggestions=[{"topic": "security", "text": "门禁"}])
    (s,) = mall.suggestions.query(tenant=t.id)
    c = mall.suggestions.to_complaint(s.id, actor=OPS)
    kinds = sorted(r.kind for r in mall.history_of(t.id))
    assert kinds == ["complaint", "suggestion", "tenant", "visit"]
    assert {r.id for r in mall.tenants.history(t.id)} == {t.id, v.id, s.id, c.id}
    assert mall.get(t.id).tenant == t.id


def test_g4_other_tenants_records_stay_out() -> None:
    """A tenant's history holds nothing of another tenant."""
    mall = new_mall()
    a, b = tenant(mall, unit="A-1"), tenant(mall, unit="B-2")
    mall.visits.plan_year(2026, actor=OPS)
    assert {r.tenant for r in mall.history_of(a.id)} == {a.id}
    assert {r.tenant for r in mall.history_of(b.id)} == {b.id}


def test_g7_contacts_are_masked_in_repr_and_export() -> None:
    """Contacts never show in repr or a default export; reveal=True shows them."""
    mall = new_mall()
    t = tenant(mall)
    view = mall.tenants.tenant(t.id)
    assert "13812345678" not in repr(view)
    assert "张三丰" not in repr(view)
    assert "138****5678" in repr(view)
    assert "13812345678" not in repr(mall.get(t.id))
    (row,) = mall.tenants.export()
    assert (row["contact"], row["phone"]) == ("张**", "138****5678")
    (full,) = mall.tenants.export(reveal=True)
    assert (full["contact"], full["phone"]) == ("张三丰", "13812345678")


def test_g7_contact_parameters_are_marked_personal() -> None:
    """Contacts and the tenant's signature are declared personal data."""
    personal = {p.name for p in TENANT.create.params if p.personal}
    assert personal == {"contact", "phone"}
    (complete,) = VISIT.branches("complete")
    assert {p.name for p in complete.params if p.personal} == {"confirmed_by"}


def test_g7_a_short_phone_number_is_masked_too() -> None:
    """A 7- or 8-digit local number is never shown whole in repr or export (G7)."""
    assert mask("8765432") == "*****32"
    assert mask("020-8765432") == "020****5432"
    mall = new_mall()
    t = mall.tenants.register(
        actor=DESK, unit="B1-02", name="Kiosk", trade="retail", contact="张三",
        phone="8765432", lease_start="2020-01-01",
    )  # fmt: skip
    assert "8765432" not in repr(mall.tenants.tenant(t.id))
    assert "8765432" not in str(mall.tenants.export())


def test_g7_mask_keeps_little() -> None:
    """A phone keeps 3 + 4 digits, a name its first character."""
    assert mask("13800001111") == "138****1111"
    assert mask("Li Lei") == "L*****"
    assert mask("王") == "王*"
    assert mask(None) is None


def test_register_fields_and_default_tier() -> None:
    """Registering stores unit, name, trade, tier (policy default), contacts and lease."""
    mall = new_mall()
    r = mall.tenants.register(
        actor=DESK,
        unit="B1-09",
        name="Tea House",
        trade="restaurant",
        contact="Li",
        phone="13900000000",
        lease_start="2024-03-01",
        lease_end="2027-02-28",
    )
    t = mall.tenants.tenant(r.id)
    assert isinstance(t, Tenant)
    assert (t.unit, t.trade, t.tier, t.active) == ("B1-09", "restaurant", "regular", True)
    assert (t.lease_start.isoformat(), str(t.lease_end)) == ("2024-03-01", "2027-02-28")
    assert r.location == "B1-09"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"trade": "bakery"}, "trade"),
        ({"lease_start": "2026-13-01"}, "lease_start"),
        ({"lease_start": "2026-05-01", "lease_end": "2026-04-30"}, "lease_end"),
        ({"phone": ""}, "phone"),
    ],
)
def test_bad_registration_is_refused_and_stores_nothing(
    changes: dict[str, str], field: str
) -> None:
    """A wrong field is refused with its name, and nothing is stored."""
    mall = new_mall()
    args = {
        "unit": "X",
        "name": "Shop",
        "trade": "retail",
        "contact": "A",
        "phone": "1",
        "lease_start": "2026-01-01",
    } | changes
    with pytest.raises(ValidationError) as info:
        mall.tenants.register(actor=DESK, **args)
    assert info.value.field == field
    assert mall.tenants.query() == []


def test_update_changes_details_and_needs_something() -> None:
    """Update changes the given details; an empty update is refused."""
    mall = new_mall()
    t = tenant(mall)
    mall.tenants.update(t.id, actor=DESK, tier="anchor", phone="13000000000")
    view = mall.tenants.tenant(t.id)
    assert (view.tier, view.phone) == ("anchor", "13000000000")
    with pytest.raises(InvalidTransition, match="nothing to change"):
        mall.tenants.update(t.id, actor=DESK)


def test_leaving_needs_a_manager_and_a_reason() -> None:
    """Only managers record a departure, always with a reason."""
    mall = new_mall()
    t = tenant(mall)
    with pytest.raises(PermissionDenied):
        mall.tenants.leave(t.id, actor=DESK, left_on="2026-03-31", reason="moved")
    with pytest.raises(ValidationError, match="reason"):
        mall.tenants.fire(t.id, "leave", actor=DM, left_on="2026-03-31")
    mall.tenants.leave(t.id, actor=GM, left_on="2026-03-31", reason="moved")
    assert mall.tenants.tenant(t.id).left_on is not None
    assert mall.tenants.all(active=True) == []


def test_tenant_record_replays() -> None:
    """A tenant record rebuilt from its history equals the stored one (G6)."""
    mall = new_mall()
    t = tenant(mall)
    mall.tenants.update(t.id, actor=DESK, unit="L2-02")
    mall.tenants.leave(t.id, actor=DM, left_on="2026-05-01", reason="lease ended")
    assert mall.replay(t.id) == mall.get(t.id)


def test_f7_a_tenant_leaving_ends_its_periodic_account_visits() -> None:
    """When a tenant leaves, its open periodic account visit (F7) ends with the reason;
    no visit stays due and nothing escalates for a tenant who is gone."""
    mall = new_mall()
    t = tenant(mall)
    rv = mall.return_visits.start_account_visits(actor=DESK, tenant=t.id, since=at(2025, 12, 1))
    mall.tenants.leave(t.id, actor=DM, left_on="2025-12-31", reason="lease ended")
    ended = mall.get(rv.id)
    assert ended.state == "ended"
    assert "lease ended" in ended.fields["ended_because"]
    assert mall.return_visits.account_visits(t.id, open_only=True) == []
    clock_of(mall).set(at(2026, 6, 1, 10))
    assert [e for e in mall.tick() if e.record_id == rv.id] == []
    assert mall.replay(rv.id) == ended
