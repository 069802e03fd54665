"""Lost and found driven by random operations (Hypothesis stateful tests).

After every step: numbers are unique and gap-free within a month (L3), every item is in
exactly one place that fits its state (L4), released items never change again (L5),
retention deadlines follow the class (L6) and disposal routes follow the policy (L7, L8).
"""

from __future__ import annotations

from collections import defaultdict

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mallops import Policy, Record
from mallops.clock import aware
from mallops.workflows.lost_found_rules import PLACES, disposal_route, retention_due

from .lost_found_helpers import CS_HEAD, DESK, at, claim, found, make_mall

CATEGORIES = ("watch", "phone", "umbrella", "bag", "food", "keys")
PLACES_BY_STATE = {
    "registered": {"service_desk"},
    "stored": {"service_centre", "store_room"},
    "due_disposal": {"service_desk", "service_centre", "store_room"},
    "released": {"returned"},
    "disposed": {"handed_over", "destroyed"},
}


class LostFoundMachine(RuleBasedStateMachine):
    """Random intake, close of day, contacts, claims, releases, disposals and time."""

    policy = Policy.seed()
    start = at(2026, 1, 5, 10)
    max_hours = 24 * 40

    def __init__(self) -> None:
        super().__init__()
        self.mall, self.clock = make_mall(self.start, self.policy)
        self.released: dict[str, Record] = {}

    def items(self) -> list[Record]:
        return self.mall.lost_found.query()

    def pick(self, data: st.DataObject, states: tuple[str, ...]) -> Record | None:
        pool = [r for r in self.items() if r.state in states]
        return data.draw(st.sampled_from(pool)) if pool else None

    @rule(
        category=st.sampled_from(CATEGORIES),
        employee=st.booleans(),
        contact=st.booleans(),
        earlier=st.integers(0, 48),
    )
    def intake(self, category: str, employee: bool, contact: bool, earlier: int) -> None:
        found(
            self.mall,
            category=category,
            found_at=self.clock.now().subtract(hours=earlier),
            finder_type="employee" if employee else "customer",
            finder_department="cleaning" if employee else None,
            owner_contact="13800000000" if contact else None,
        )

    @rule()
    def close_day(self) -> None:
        self.mall.lost_found.close_day(actor=DESK)

    @rule(hours=st.integers(1, 24 * 40))
    def advance(self, hours: int) -> None:
        self.clock.advance(hours=min(hours, self.max_hours))
        self.mall.tick()

    @rule(data=st.data(), reached=st.booleans())
    def contact(self, data: st.DataObject, reached: bool) -> None:
        item = self.pick(data, ("registered", "stored", "due_disposal"))
        if item is not None:
            self.mall.lost_found.contact_owner(item.id, actor=DESK, method="phone", reached=reached)

    @rule(data=st.data(), accept=st.booleans())
    def claim(self, data: st.DataObject, accept: bool) -> None:
        item = self.pick(data, ("registered", "stored", "due_disposal"))
        if item is None:
            return
        claim(self.mall, item.id)
        if accept:
            lf = self.mall.lost_found
            lf.verify_claim(item.id, actor=DESK, features_match=True, id_checked=True)
            self.released[item.id] = lf.release(item.id, actor=DESK)
        else:
            self.mall.lost_found.reject_claim(item.id, actor=DESK, reason="no match")

    @rule(data=st.data())
    def finder_left(self, data: st.DataObject) -> None:
        item = self.pick(data, ("registered", "stored", "due_disposal"))
        if item is not None:
            self.mall.fire(item.id, "finder_left", actor=DESK)

    @precondition(lambda self: any(r.state == "due_disposal" for r in self.items()))
    @rule(data=st.data())
    def dispose(self, data: st.DataObject) -> None:
        item = self.pick(data, ("due_disposal",))
        assert item is not None
        self.mall.lost_found.dispose(
            item.id, actor=CS_HEAD, received_by="receiver", decision="as decided"
        )

    @invariant()
    def numbers_are_unique_and_gap_free_per_month(self) -> None:
        by_period: dict[str, list[int]] = defaultdict(list)
        numbers = []
        for r in self.items():
            f = r.fields
            if "number" in f:
                by_period[f["period"]].append(f["seq"])
                numbers.append(f["number"])
                year, month = (int(x) for x in f["period"].split("/"))
                assert f["number"] == self.policy.lost_found.format_number(year, month, f["seq"])
        assert len(numbers) == len(set(numbers))
        for seqs in by_period.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))

    @invariant()
    def every_item_is_in_exactly_one_fitting_place(self) -> None:
        for r in self.items():
            place = r.fields["place"]
            assert isinstance(place, str)
            assert place in PLACES
            assert place in PLACES_BY_STATE[r.state]

    @invariant()
    def released_items_never_change(self) -> None:
        for rid, snapshot in self.released.items():
            assert self.mall.get(rid) == snapshot

    @invariant()
    def retention_follows_the_class(self) -> None:
        tz = self.mall.calendar.tz
        for r in self.items():
            f = r.fields
            cls, due = retention_due(
                self.policy.lost_found,
                self.mall.calendar,
                category=r.category or "",
                has_contact=bool(f.get("owner_contact") or f.get("owner_reached")),
                found_at=aware(f["found_at"], tz=tz),
            )
            assert (f["retention_class"], aware(f["retention_until"], tz=tz)) == (cls, due)
            timer = r.timer("retention")
            assert timer is not None
            if r.state in ("registered", "stored"):
                assert timer.due_at == due

    @invariant()
    def disposal_follows_the_policy(self) -> None:
        for r in self.items():
            f = r.fields
            if r.state in ("registered", "stored"):
                assert "disposal_route" not in f
            if r.state not in ("due_disposal", "disposed"):
                continue
            _, route = disposal_route(
                self.policy.lost_found,
                category=r.category or "",
                finder_type=f["finder_type"],
                finder_department=f.get("finder_department"),
                finder_left=bool(f.get("finder_left")),
            )
            if r.state == "due_disposal":
                assert f["disposal_route"] == route
            else:
                assert f["disposal"]["route"] == f["disposal_route"]


class StatutoryMachine(LostFoundMachine):
    """The same operations under the statutory policy (L8), kept within 2026 because its
    working-day periods need holiday data."""

    policy = Policy.statutory()
    start = at(2026, 1, 5, 10)
    max_hours = 24 * 4


TestLostFound = LostFoundMachine.TestCase
TestStatutory = StatutoryMachine.TestCase
