"""Hardening: defects found by long Hypothesis runs (issue 15): owner contact for an item
already due for disposal (L2, L6, L7), and the demo writing to the property it is given."""

from __future__ import annotations

import pendulum
import pytest

from mallops import Mall, ManualClock, MemoryStore, Record
from mallops.demo import DemoConfig, run_demo
from mallops.testing import check_invariants

from .conftest import CS_HEAD, DESK, at

FOUND = at(2026, 1, 10, 9)


def due_for_disposal(
    later: pendulum.DateTime, *, numbered: bool = True
) -> tuple[Mall, ManualClock, Record]:
    """A general item (3 months, L6) found on 2026-01-10 and due for disposal at ``later``."""
    clock = ManualClock(at(2026, 1, 10, 10))
    mall = Mall(MemoryStore(), clock)
    item = mall.lost_found.intake(
        actor=DESK,
        found_at=FOUND,
        place_found="1F",
        description="黑色雨伞",
        features="长柄",
        finder_type="customer",
    )
    if numbered:
        mall.lost_found.close_day(actor=DESK)  # rule L3: numbered and stored
    clock.set(later)
    mall.tick()
    item = mall.get(item.id)
    assert (item.state, item.fields["disposal_route"]) == ("due_disposal", "management")
    return mall, clock, item


class TestOwnerContactWhenDueForDisposal:
    def test_l6_a_contact_within_the_longer_retention_keeps_the_item_again(self) -> None:
        """Rule L6: the owner's contact found while the item is due for disposal gives
        it the 6-month retention from when it was found: back in storage until then,
        its disposal route dropped, and due again when that ends."""
        mall, clock, item = due_for_disposal(at(2026, 4, 20, 10))
        item = mall.lost_found.contact_owner(
            item.id, actor=DESK, method="phone", reached=False, contact="13900001111"
        )
        assert item.state == "stored"
        assert "disposal_route" not in item.fields
        assert item.fields["retention_class"] == "with_contact"
        assert item.fields["retention_until"] == at(2026, 7, 10, 9).isoformat()
        check_invariants(mall)
        clock.set(at(2026, 7, 10, 9, 0, 1))
        mall.tick()
        assert mall.get(item.id).state == "due_disposal"

    def test_l3_an_item_never_numbered_goes_back_to_its_desk(self) -> None:
        """Rule L3/L6: an item due for disposal before it was ever numbered goes back to
        the service desk (registered) and is numbered at the next close of day; it is
        never stored at the desk."""
        mall, _, item = due_for_disposal(at(2026, 4, 20, 10), numbered=False)
        item = mall.lost_found.contact_owner(
            item.id, actor=DESK, method="phone", reached=False, contact="13900001111"
        )
        assert (item.state, item.fields["place"]) == ("registered", "service_desk")
        assert "disposal_route" not in item.fields
        mall.lost_found.close_day(actor=DESK)
        assert mall.get(item.id).state == "stored"
        check_invariants(mall)

    def test_l6_a_contact_after_the_longer_retention_leaves_it_due_for_disposal(self) -> None:
        """Rule L6/L7: when the 6-month retention has ended as well, the contact is
        recorded (L2) and the item stays due for disposal on its route (this failed
        with "the committed time ... is not after ..."); it can still be disposed of."""
        mall, _, item = due_for_disposal(at(2026, 7, 20, 10))
        item = mall.lost_found.contact_owner(
            item.id, actor=DESK, method="phone", reached=False, contact="13900001111"
        )
        assert item.state == "due_disposal"
        assert item.fields["disposal_route"] == "management"
        assert item.fields["retention_class"] == "with_contact"
        assert len(item.fields["contact_attempts"]) == 1
        check_invariants(mall)
        item = mall.lost_found.dispose(item.id, actor=CS_HEAD, decision="donated")
        assert not item.is_open


class TestDemoProperty:
    @pytest.mark.parametrize("prop", ["B", "default"])
    def test_g11_the_demo_writes_every_record_to_its_property(self, prop: str) -> None:
        """`mallops demo --property B` writes every record to B (it wrote to default),
        and a second run continues it there."""
        store = MemoryStore()
        config = DemoConfig(days=2, tenants=6)
        result = run_demo(store, config, property=prop)
        mine = Mall(store, ManualClock(result.end), property=prop)
        records = mine.query()
        assert records
        assert {r.property for r in records} == {prop}
        again = run_demo(store, config, property=prop)
        assert again.continued
        assert {r.property for r in Mall(store, ManualClock(again.end), property=prop).query()} == {
            prop
        }
