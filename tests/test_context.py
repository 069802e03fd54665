"""What an effect's Context can do to a record's fields: set, get, remove (#14)."""

from __future__ import annotations

from hypothesis import assume, example, given
from hypothesis import strategies as st

from mallops import Mall, ManualClock, MemoryStore

from .conftest import CS_HEAD, at
from .lost_found_helpers import DESK, found, make_mall
from .test_complaints import register


@given(
    category=st.sampled_from(["umbrella", "bag", "food", "phone", "keys"]),
    days=st.integers(1, 200),
    reached=st.booleans(),
)
@example(category="umbrella", days=91, reached=False)  # found by the lost-and-found machine
@example(category="umbrella", days=181, reached=False)  # contact exactly at the new retention end
def test_l6_an_item_kept_again_has_no_disposal_route(
    category: str, days: int, reached: bool
) -> None:
    """An item due for disposal whose owner contact turns up goes back to storage
    without a disposal case or route: the fields are absent, not None (L6, L7).  A
    contact exactly when the longer retention ends leaves it due (no zero timer)."""
    mall, clock = make_mall(at(2026, 1, 5, 10))
    item = found(mall, category=category)
    clock.advance(days=days)
    mall.tick()
    assume(mall.lost_found.get(item.id).state == "due_disposal")
    item = mall.lost_found.contact_owner(
        item.id, actor=DESK, method="phone", reached=reached, contact="13900000000"
    )
    if item.state == "stored":
        assert "disposal_route" not in item.fields
        assert "disposal_case" not in item.fields
        removal = item.history[-1].outcome
        assert removal is not None
        assert set(removal.removed) == {"disposal_case", "disposal_route"}
    assert mall.replay(item.id) == item


def test_a_field_set_to_none_stays_present() -> None:
    """Setting None keeps the key (a value), unlike remove; replay keeps the difference."""
    mall = Mall(store=MemoryStore(), clock=ManualClock(at(2026, 9, 30, 10)))
    c = register(mall)
    c = mall.complaints.fire(
        c.id, "set_severity", actor=CS_HEAD, severity="important", reason="repeat"
    )
    assert mall.replay(c.id) == c
