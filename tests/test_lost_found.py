"""Lost and found, rule by rule (RULES.md L1-L10, with G7 for personal data)."""

from __future__ import annotations

import pytest

from mallops import (
    Actor,
    CalendarError,
    DomainEvent,
    Duration,
    InvalidTransition,
    Mall,
    PermissionDenied,
    Policy,
    PolicyError,
    ValidationError,
)
from mallops.policy import LostFoundPolicy
from mallops.stores import CounterWrite

from .lost_found_helpers import (
    CS_HEAD,
    DESK,
    RAW_ID,
    STAFF,
    at,
    claim,
    found,
    make_mall,
    return_to_owner,
)

# -- L1 intake ----------------------------------------------------------------------------


def test_l1_intake_records_place_time_features_category_and_finder() -> None:
    """An item handed to a service desk is registered with place, time, features,
    category, finder and owner clue, and starts at the service desk."""
    mall, clock = make_mall()
    item = found(
        mall,
        found_at=clock.now().subtract(minutes=20),
        owner_clue="名片：王先生",
        desk="north_desk",
    )
    f = item.fields
    assert item.state == "registered"
    assert item.location == "B1 east restroom"
    assert item.category == "phone"
    assert f["found_at"] == "2026-11-20T09:40:00+08:00"
    assert (f["description"], f["features"]) == ("黑色手机 black phone", "cracked screen, red case")
    assert (f["finder_type"], f["finder_name"], f["owner_clue"]) == (
        "customer",
        "张三",
        "名片：王先生",
    )
    assert (f["place"], f["desk"]) == ("service_desk", "north_desk")
    assert "number" not in f


def test_l1_missing_or_wrong_fields_are_refused_and_nothing_is_stored() -> None:
    """A missing feature description, an employee finder without department, a find in the
    future or an unknown category is refused with a message; nothing is stored."""
    mall, clock = make_mall()
    with pytest.raises(ValidationError, match="features is required"):
        found(mall, features=None)
    with pytest.raises(ValidationError, match="finder_department: required"):
        found(mall, finder_type="employee")
    with pytest.raises(ValidationError, match="in the future"):
        found(mall, found_at=clock.now().add(hours=1))
    with pytest.raises(ValidationError, match="choose one of"):
        found(mall, category="spaceship")
    assert mall.lost_found.query() == []


# -- L2 owner contact ---------------------------------------------------------------------


def test_l2_contact_attempts_are_recorded_and_a_reached_owner_claims_at_once() -> None:
    """Each attempt to reach the owner is kept; a reached owner can claim and take the item
    the same day, before close of day."""
    mall, _ = make_mall()
    item = found(mall, owner_clue="phone shows 'Mum' calling")
    mall.lost_found.contact_owner(item.id, actor=DESK, method="phone", reached=False)
    item = mall.lost_found.contact_owner(
        item.id, actor=DESK, method="phone", reached=True, contact="13800000000"
    )
    attempts = item.fields["contact_attempts"]
    assert [a["reached"] for a in attempts] == [False, True]
    assert item.fields["owner_reached"] is True
    released = return_to_owner(mall, item.id)
    assert released.state == "released"
    assert "number" not in released.fields  # never went to the office


# -- L3 close of day ----------------------------------------------------------------------


def test_l3_close_day_numbers_unclaimed_items_in_the_office() -> None:
    """Close of day moves every unclaimed item to the service-centre office and numbers it
    YYYY/MM/NNN from 001 in intake order; a claimed item is not numbered."""
    mall, clock = make_mall()
    a = found(mall)
    b = found(mall, category="umbrella")
    c = found(mall)
    return_to_owner(mall, c.id)
    clock.advance(hours=8)
    done = mall.lost_found.close_day(actor=DESK)
    assert [r.id for r in done] == [a.id, b.id]
    assert [r.fields["number"] for r in done] == ["2026/11/001", "2026/11/002"]
    assert all(r.fields["place"] == "service_centre" and r.state == "stored" for r in done)
    history = mall.get(a.id).history[-1]
    assert (history.event, history.data["number"], history.data["by"]) == (
        "number_item",
        "2026/11/001",
        DESK.id,
    )
    assert mall.lost_found.by_number("2026/11/002").id == b.id
    with pytest.raises(InvalidTransition, match="unknown event"):
        mall.fire(a.id, "number_item", actor=DESK)  # only close_day numbers items


def test_l3_numbers_run_per_month_and_are_never_reused() -> None:
    """The sequence continues across days of a month, restarts at 001 in a new month, and a
    released item's number is not given again."""
    mall, clock = make_mall(at(2026, 11, 29, 10))
    first = found(mall)
    mall.lost_found.close_day(actor=DESK)
    clock.advance(days=1)
    second = found(mall)
    mall.lost_found.close_day(actor=DESK)
    return_to_owner(mall, first.id)
    clock.advance(days=1)  # 2026-12-01
    third = found(mall)
    fourth = found(mall)
    mall.lost_found.close_day(actor=DESK)
    numbers = [mall.get(r.id).fields["number"] for r in (first, second, third, fourth)]
    assert numbers == ["2026/11/001", "2026/11/002", "2026/12/001", "2026/12/002"]
    assert mall.lost_found.close_day(actor=DESK) == []  # nothing left at the desk


def test_l3_each_property_has_its_own_sequence_on_one_store() -> None:
    """Two properties on one store number independently (G11)."""
    mall, clock = make_mall()
    other = Mall(store=mall.store, clock=clock, policy=mall.policy, property="tower_b")
    found(mall)
    found(other)
    found(other)
    assert [r.fields["number"] for r in mall.lost_found.close_day(actor=DESK)] == ["2026/11/001"]
    assert [r.fields["number"] for r in other.lost_found.close_day(actor=DESK)] == [
        "2026/11/001",
        "2026/11/002",
    ]


def test_l3_close_day_of_one_desk_and_the_printable_label() -> None:
    """A desk can close alone; the label carries number, date, place, category, features
    and retention end, and no personal data."""
    mall, _ = make_mall()
    north = found(mall, desk="north")
    south = found(mall, desk="south")
    assert [r.id for r in mall.lost_found.close_day(actor=DESK, desk="north")] == [north.id]
    assert mall.get(south.id).state == "registered"
    label = mall.lost_found.label(north.id)
    assert label.splitlines() == [
        "失物招领 LOST AND FOUND",
        "编号 No.: 2026/11/001",
        "拾获时间 Found: 2026-11-20 10:00",
        "拾获地点 Place: B1 east restroom",
        "类别 Category: 手机 mobile phone",
        "特征 Features: cracked screen, red case",
        "保管期限 Keep until: 2027-05-20",
    ]
    assert "张" not in label
    with pytest.raises(ValidationError, match="numbered at close of day"):
        mall.lost_found.label(south.id)


# -- L4 storage places --------------------------------------------------------------------


def test_l4_front_desk_for_seven_days_then_the_store_room() -> None:
    """A numbered item stays at the front desk for 7 days from when it was found, then a
    timer moves it to the store room, and the history shows the move."""
    mall, clock = make_mall()
    item = found(mall)
    mall.lost_found.close_day(actor=DESK)
    clock.advance(days=6, hours=23)
    mall.tick()
    assert mall.get(item.id).fields["place"] == "service_centre"
    clock.advance(hours=2)
    mall.tick()
    moved = mall.get(item.id)
    assert moved.fields["place"] == "store_room"
    assert moved.fields["moved_to_store_room_at"] == "2026-11-27T10:00:00+08:00"
    assert [h.event for h in moved.history] == ["intake", "number_item", "_timer", "to_store_room"]
    assert moved.history[-1].at == at(2026, 11, 27, 10)


def test_l4_an_item_numbered_after_its_front_desk_days_goes_to_the_store_room() -> None:
    """An item whose 7 front-desk days are over when it is numbered goes straight on."""
    mall, clock = make_mall()
    item = found(mall, found_at=clock.now().subtract(days=8))
    mall.lost_found.close_day(actor=DESK)
    assert mall.get(item.id).fields["place"] == "store_room"


def test_l4_front_desk_period_is_policy_data() -> None:
    """A policy with 3 front-desk days moves items after 3 days."""
    policy = Policy.from_dict({"lost_found": {"front_desk_period": "3 days"}})
    mall, clock = make_mall(policy=policy)
    item = found(mall)
    mall.lost_found.close_day(actor=DESK)
    clock.advance(days=3, seconds=1)
    mall.tick()
    assert mall.get(item.id).fields["place"] == "store_room"


# -- L5 claims ------------------------------------------------------------------------------


def test_l5_a_claim_records_the_statement_and_a_masked_document() -> None:
    """A claim keeps the stated features, place and time and the document type; the ID
    number is stored masked and the raw number appears nowhere in the record."""
    mall, _ = make_mall()
    item = found(mall)
    item = claim(mall, item.id)
    c = item.fields["claims"][0]
    assert (c["features"], c["place"], c["time"], c["id_type"], c["status"]) == (
        "red case, cracked screen",
        "B1 restroom",
        "this morning",
        "resident_id",
        "pending",
    )
    assert c["id_number"] == "**************1234"
    assert RAW_ID not in repr(item.fields) + repr(item.history)


def test_l5_release_records_who_took_it_when_and_by_whom() -> None:
    """Release after verification records the taker, the time, the releasing staff member
    and the masked document."""
    mall, clock = make_mall()
    item = found(mall)
    clock.advance(hours=1)
    released = return_to_owner(mall, item.id)
    r = released.fields["release"]
    assert (r["taken_by"], r["by"], r["at"]) == ("李雷", DESK.id, "2026-11-20T11:00:00+08:00")
    assert r["id_number"] == "**************1234"
    assert released.fields["place"] == "returned"


def test_l5_no_release_without_verified_claim_nor_twice_nor_by_a_role_not_allowed() -> None:
    """Release needs a verified claim, cannot happen twice, and a role outside the policy's
    release roles is refused; each refusal changes nothing."""
    mall, _ = make_mall()
    item = found(mall)
    with pytest.raises(InvalidTransition, match="verified claim"):
        mall.lost_found.release(item.id, actor=DESK)
    claim(mall, item.id)
    with pytest.raises(InvalidTransition, match="verified claim"):
        mall.lost_found.release(item.id, actor=DESK)
    mall.lost_found.verify_claim(item.id, actor=DESK, features_match=True, id_checked=True)
    before = mall.get(item.id)
    with pytest.raises(PermissionDenied, match="only front_desk"):
        mall.lost_found.release(item.id, actor=STAFF)
    assert mall.get(item.id) == before
    mall.lost_found.release(item.id, actor=DESK)
    with pytest.raises(InvalidTransition, match="closed"):
        mall.lost_found.release(item.id, actor=DESK)


def test_l5_a_rejected_claim_is_kept_and_the_item_stays() -> None:
    """A claim whose features do not match is rejected with a reason; the item stays in
    its place and the attempt is in the history; verification needs both checks."""
    mall, _ = make_mall()
    item = found(mall)
    mall.lost_found.close_day(actor=DESK)
    claim(mall, item.id, features="blue case")
    with pytest.raises(InvalidTransition, match="stated features match"):
        mall.lost_found.verify_claim(item.id, actor=DESK, features_match=False, id_checked=True)
    item = mall.lost_found.reject_claim(item.id, actor=DESK, reason="the case is red, not blue")
    assert item.state == "stored"
    assert item.fields["place"] == "service_centre"
    c = item.fields["claims"][0]
    assert (c["status"], c["reason"], c["rejected_by"]) == (
        "rejected",
        "the case is red, not blue",
        DESK.id,
    )
    assert item.history[-1].event == "reject_claim"
    claim(mall, item.id)
    with pytest.raises(ValidationError, match="reason is required"):
        mall.fire(item.id, "reject_claim", actor=DESK)


def test_l5_repeated_failed_claims_flag_the_supervisor() -> None:
    """The policy's number of failed claims on one item flags it for the supervisor
    (an escalation to the supervisor role, once)."""
    mall, _ = make_mall()
    events: list[DomainEvent] = []
    mall.subscribe(events.append)
    item = found(mall)
    for n in range(3):
        claim(mall, item.id)
        item = mall.lost_found.reject_claim(item.id, actor=DESK, reason=f"wrong {n}")
        if n == 0:
            assert not item.fields.get("flagged")
    assert item.fields["flagged"] is True
    assert item.fields["failed_claims"] == 3
    assert [(e.level, e.role, e.cause) for e in item.escalations] == [
        (1, "cs_head", "failed_claims")
    ]
    assert [e.type for e in events].count("escalated") == 1


def test_l5_an_unmasked_number_cannot_be_stored_through_the_raw_event() -> None:
    """Firing the claim event directly with a raw ID number is refused (G7)."""
    mall, _ = make_mall()
    item = found(mall)
    with pytest.raises(InvalidTransition, match="masked"):
        mall.fire(
            item.id,
            "claim",
            actor=DESK,
            claimant="李雷",
            features="x",
            place="y",
            time="z",
            id_type="resident_id",
            id_number=RAW_ID,
        )
    with pytest.raises(ValidationError, match="letters, digits"):
        claim(mall, item.id, id_number="12")


# -- L6 retention ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "contact", "cls", "until"),
    [
        ("umbrella", None, "general", "2027-02-20T10:00:00+08:00"),
        ("watch", None, "valuable", "2027-05-20T10:00:00+08:00"),
        ("umbrella", "13800000000", "with_contact", "2027-05-20T10:00:00+08:00"),
    ],
)
def test_l6_retention_follows_the_class(
    category: str, contact: str | None, cls: str, until: str
) -> None:
    """General items are kept 3 months, valuables 6, items with owner contact 6."""
    mall, _ = make_mall()
    item = found(mall, category=category, owner_contact=contact)
    assert (item.fields["retention_class"], item.fields["retention_until"]) == (cls, until)
    timer = item.timer("retention")
    assert timer is not None
    assert timer.due_at is not None
    assert timer.due_at.isoformat() == until


def test_l6_expiry_raises_a_due_disposal() -> None:
    """When the retention ends the item becomes due for disposal with a domain event."""
    mall, clock = make_mall()
    item = found(mall, category="umbrella")
    mall.lost_found.close_day(actor=DESK)
    clock.set(at(2027, 2, 20, 10))
    mall.tick()
    assert mall.get(item.id).state == "stored"  # due exactly now: not yet over (G10)
    clock.advance(seconds=1)
    events = mall.tick()
    assert mall.get(item.id).state == "due_disposal"
    due = [e for e in events if e.type == "disposal_due"]
    assert [(e.record_id, e.data["route"]) for e in due] == [(item.id, "management")]
    assert due[0].at == at(2027, 2, 20, 10)


def test_l6_owner_contact_found_later_lengthens_the_retention() -> None:
    """A contact found by a later attempt (L2) moves a general item to 6 months."""
    mall, _ = make_mall()
    item = found(mall, category="umbrella")
    item = mall.lost_found.contact_owner(
        item.id, actor=DESK, method="card in the bag", reached=False, contact="13800000000"
    )
    assert item.fields["retention_class"] == "with_contact"
    timer = item.timer("retention")
    assert timer is not None
    assert timer.due_at == at(2027, 5, 20, 10)


def test_l6_a_category_may_set_its_own_retention_across_the_year_boundary() -> None:
    """A category retention from the policy wins; month arithmetic clamps at month end
    across the year boundary (30 Nov + 3 months = 28 Feb)."""
    policy = Policy.from_dict({"lost_found": {"categories": {"food": {"retention": "2 days"}}}})
    mall, _ = make_mall(at(2026, 11, 30, 10), policy)
    food = found(mall, category="food")
    general = found(mall, category="umbrella")
    assert food.fields["retention_class"] == "category"
    assert food.fields["retention_until"] == "2026-12-02T10:00:00+08:00"
    assert general.fields["retention_until"] == "2027-02-28T10:00:00+08:00"


# -- L7 disposal ----------------------------------------------------------------------------


def _expired(mall: Mall, **kw: object) -> str:
    item = found(mall, **kw)
    mall.lost_found.close_day(actor=DESK)
    mall.clock.set(mall.now().add(months=7))  # type: ignore[attr-defined]
    mall.tick()
    assert mall.get(item.id).state == "due_disposal"
    return item.id


@pytest.mark.parametrize(
    ("kw", "route"),
    [
        ({"category": "watch"}, "department:finance"),
        (
            {"category": "umbrella", "finder_type": "employee", "finder_department": "cleaning"},
            "department:cleaning",
        ),
        ({"category": "umbrella"}, "management"),
        (
            {"category": "food", "finder_type": "employee", "finder_department": "cleaning"},
            "management",
        ),
    ],
)
def test_l7_disposal_route_follows_the_policy(kw: dict[str, object], route: str) -> None:
    """Valuables go to finance, low-value items found by an employee to that employee's
    department, others to a management decision."""
    mall, _ = make_mall()
    item_id = _expired(mall, **kw)
    assert mall.get(item_id).fields["disposal_route"] == route


def test_l7_a_finder_who_left_sends_the_item_to_management() -> None:
    """If the employee who found it has left, management decides."""
    mall, _ = make_mall()
    item_id = _expired(
        mall, category="umbrella", finder_type="employee", finder_department="cleaning"
    )
    item = mall.fire(item_id, "finder_left", actor=DESK)
    assert item.fields["disposal_route"] == "management"


def test_l7_a_management_decision_names_who_decided() -> None:
    """A management route needs a decision by a decision role; the decider is recorded."""
    mall, _ = make_mall()
    item_id = _expired(mall, category="umbrella")
    with pytest.raises(InvalidTransition, match="decision is recorded by one of"):
        mall.lost_found.dispose(item_id, actor=DESK, decision="donate")
    with pytest.raises(InvalidTransition, match="what was decided"):
        mall.lost_found.dispose(item_id, actor=CS_HEAD)
    item = mall.lost_found.dispose(item_id, actor=CS_HEAD, decision="donate to charity")
    d = item.fields["disposal"]
    assert (item.state, d["route"], d["decided_by"], d["decision"]) == (
        "disposed",
        "management",
        CS_HEAD.id,
        "donate to charity",
    )
    assert item.fields["place"] == "handed_over"


def test_l7_a_department_hand_over_names_the_receiver() -> None:
    """Handing to finance names who received it, waits for an open claim to be settled,
    and only disposal roles may record it."""
    mall, _ = make_mall()
    item_id = _expired(mall, category="watch")
    claim(mall, item_id)
    with pytest.raises(InvalidTransition, match="a claim is open"):
        mall.lost_found.dispose(item_id, actor=DESK, received_by="finance clerk Wang")
    mall.lost_found.reject_claim(item_id, actor=DESK, reason="not the owner")
    with pytest.raises(InvalidTransition, match="received_by"):
        mall.lost_found.dispose(item_id, actor=DESK)
    with pytest.raises(PermissionDenied, match="record disposals"):
        mall.lost_found.dispose(item_id, actor=STAFF, received_by="finance clerk")
    item = mall.lost_found.dispose(item_id, actor=DESK, received_by="finance clerk Wang")
    assert item.fields["disposal"]["received_by"] == "finance clerk Wang"


# -- L8 statutory variant ---------------------------------------------------------------------


def _with_2027(base: Policy) -> Policy:
    """2027 holiday data supplied by the policy (chinese-calendar stops at 2026)."""
    return Policy.from_dict(
        {"calendar": {"years": {"2027": {"holidays": ["2027-01-01"], "workdays": []}}}},
        base=base,
    )


def test_l8_statutory_policy_hands_items_to_the_police_with_a_public_notice() -> None:
    """Under the statutory policy an unclaimed item goes to the police after 10 working
    days, and the one-year notice period is recorded at the hand-over."""
    mall, clock = make_mall(at(2026, 11, 2, 10), Policy.statutory())
    item = found(mall, category="watch")
    assert item.fields["retention_until"] == "2026-11-16T10:00:00+08:00"  # 10 working days
    mall.lost_found.close_day(actor=DESK)
    clock.set(at(2026, 11, 16, 10, 0, 1))
    mall.tick()
    item = mall.get(item.id)
    assert (item.state, item.fields["disposal_route"]) == ("due_disposal", "police")
    item = mall.lost_found.dispose(item.id, actor=DESK, received_by="天河派出所", receipt="P-77")
    assert item.fields["disposal"]["notice_until"] == "2027-11-16T10:00:01+08:00"


def test_l8_statutory_policy_destroys_only_perishable_or_hazardous_items() -> None:
    """Only perishable or hazardous items are routed to destruction; all else to police."""
    mall, clock = make_mall(at(2026, 11, 2, 10), Policy.statutory())
    food = found(mall, category="food")
    bag = found(mall, category="bag", finder_type="employee", finder_department="cleaning")
    clock.set(at(2026, 11, 20, 10))
    mall.tick()
    assert mall.get(food.id).fields["disposal_route"] == "destroy"
    assert mall.get(bag.id).fields["disposal_route"] == "police"
    item = mall.lost_found.dispose(food.id, actor=DESK)
    assert item.fields["place"] == "destroyed"


def test_l8_working_day_retention_across_the_year_needs_that_years_holidays() -> None:
    """A 10-working-day period from late December needs 2027 data: without it intake fails
    naming the year and stores nothing; with the policy's 2027 holidays, 1 January is
    skipped."""
    mall, _ = make_mall(at(2026, 12, 24, 10), Policy.statutory())
    with pytest.raises(CalendarError, match="2027") as info:
        found(mall)
    assert info.value.year == 2027
    assert mall.lost_found.query() == []
    mall, clock = make_mall(at(2026, 12, 24, 10), _with_2027(Policy.statutory()))
    item = found(mall)
    assert item.fields["retention_until"] == "2027-01-08T10:00:00+08:00"
    clock.set(at(2027, 1, 8, 11))
    mall.tick()
    assert mall.get(item.id).state == "due_disposal"


def test_l8_the_statutory_policy_is_plain_policy_data() -> None:
    """The statutory variant is the seed with different data and survives a round trip."""
    statutory = Policy.statutory()
    lf = statutory.lost_found
    assert lf.retention.general == Duration(10, "working days")
    assert lf.disposal.public_notice == Duration(12, "months")
    assert Policy.from_dict(statutory.to_dict()) == statutory


# -- L9 numbers past 999 -----------------------------------------------------------------------


def test_l9_the_number_widens_past_999() -> None:
    """The 1000th item of a month is numbered 2026/11/1000: the width grows, no wrap."""
    mall, _ = make_mall()
    name = mall.lost_found.counter_name(2026, 11)
    mall.store.commit([], [CounterWrite(name, 0, 998)])
    found(mall)
    found(mall)
    numbers = [r.fields["number"] for r in mall.lost_found.close_day(actor=DESK)]
    assert numbers == ["2026/11/999", "2026/11/1000"]


def test_l9_the_number_format_is_policy_data_and_checked() -> None:
    """Another format is accepted; one that drops the sequence is refused at load."""
    policy = Policy.from_dict({"lost_found": {"number_format": "LF-{year}{month:02d}-{seq:04d}"}})
    mall, _ = make_mall(policy=policy)
    found(mall)
    assert mall.lost_found.close_day(actor=DESK)[0].fields["number"] == "LF-202611-0001"
    with pytest.raises(PolicyError, match="exactly the fields") as info:
        Policy.from_dict({"lost_found": {"number_format": "{year}/{month}"}})
    assert info.value.key == "lost_found.number_format"


# -- L10 proxy claims ---------------------------------------------------------------------------


def test_l10_proxy_claims_follow_the_policy() -> None:
    """The seed refuses proxy claims; a policy allowing them needs the owner's name and
    authorisation, and records the proxy's own masked ID."""
    mall, _ = make_mall()
    item = found(mall)
    with pytest.raises(InvalidTransition, match="does not allow"):
        claim(mall, item.id, proxy=True, owner_name="王五", authorisation="signed letter")
    mall, _ = make_mall(policy=Policy.from_dict({"lost_found": {"proxy_claims": True}}))
    item = found(mall)
    with pytest.raises(InvalidTransition, match="authorisation"):
        claim(mall, item.id, proxy=True, owner_name="王五")
    item = claim(mall, item.id, proxy=True, owner_name="王五", authorisation="signed letter")
    c = item.fields["claims"][0]
    assert (c["proxy"], c["owner_name"], c["id_number"]) == (True, "王五", "**************1234")


# -- policy checks, register, replay --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"lost_found": {"default_category": "x"}}, "lost_found.default_category"),
        ({"lost_found": {"retention": {"general": "0 months"}}}, "lost_found.retention.general"),
        ({"lost_found": {"disposal": {"valuable": "bin"}}}, "lost_found.disposal.valuable"),
        (
            {"lost_found": {"disposal": {"valuable": "department:nowhere"}}},
            "lost_found.disposal.valuable",
        ),
        ({"lost_found": {"release_roles": ["janitor"]}}, "lost_found.release_roles"),
        ({"lost_found": {"supervisor_role": "boss"}}, "lost_found.supervisor_role"),
        ({"lost_found": {"failed_claims_flag": 0}}, "lost_found.failed_claims_flag"),
        ({"lost_found": {"id_visible": 30}}, "lost_found.id_visible"),
        ({"lost_found": {"match": {"window": "1 months"}}}, "lost_found.match.window"),
    ],
)
def test_bad_lost_found_policy_names_the_key(data: dict[str, object], key: str) -> None:
    """A wrong lost-and-found policy value fails at load with its dotted key."""
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(data)
    assert info.value.key == key


def test_the_register_masks_personal_data_unless_asked() -> None:
    """The register lists numbers, dates, features, state, place, claims and disposals for
    a period, with names masked (G7) unless revealed; ID numbers stay masked."""
    mall, _ = make_mall()
    a = found(mall)
    b = found(mall, category="umbrella")
    claim(mall, a.id)
    mall.lost_found.reject_claim(a.id, actor=DESK, reason="wrong colour")
    mall.lost_found.close_day(actor=DESK)
    return_to_owner(mall, b.id)
    rows = mall.lost_found.register(at(2026, 11, 1), at(2026, 12, 1), lang="en")
    assert [r.number for r in rows] == ["2026/11/001", "2026/11/002"]
    assert rows[0].finder == "customer 张*"
    assert rows[0].kept_at == "service-centre office (front desk)"
    assert rows[0].claims == (
        "#1 2026-11-20 10:00 李* resident identity card **************1234: rejected"
        " - wrong colour",
    )
    assert rows[1].state == "returned to the owner"
    assert rows[1].disposal.startswith("released 2026-11-20 10:00 to 李*")
    text = mall.lost_found.register_text(at(2026, 11, 1), at(2026, 12, 1))
    assert "| 编号 |" in text
    assert "张三" not in text
    assert RAW_ID not in text
    revealed = mall.lost_found.register(at(2026, 11, 1), at(2026, 12, 1), reveal=True)
    assert revealed[0].finder == "顾客 张三"
    assert mall.lost_found.register(at(2026, 12, 1), at(2027, 1, 1)) == []
    with pytest.raises(ValidationError, match="after start"):
        mall.lost_found.register(at(2026, 12, 1), at(2026, 11, 1))


def test_items_replay_exactly_from_their_history() -> None:
    """Every item, after timers, claims and disposal, replays to the stored record (G6)."""
    mall, clock = make_mall()
    a = found(mall, category="umbrella")
    b = found(mall)
    mall.lost_found.close_day(actor=DESK)
    claim(mall, b.id)
    mall.lost_found.reject_claim(b.id, actor=DESK, reason="no")
    clock.advance(days=100)
    mall.tick()
    mall.lost_found.dispose(a.id, actor=CS_HEAD, decision="donate")
    for rid in (a.id, b.id):
        assert mall.replay(rid) == mall.get(rid)


def test_staff_actors_need_a_known_role_to_close_the_day() -> None:
    """close_day refuses an actor whose role the policy does not know."""
    mall, _ = make_mall()
    with pytest.raises(PermissionDenied, match="unknown role"):
        mall.lost_found.close_day(actor=Actor("x", "visitor"))


def test_items_survive_a_policy_that_dropped_their_category() -> None:
    """An item whose category a later policy no longer lists is treated as the default
    category: its label, register line and owner contact still work."""
    mall, _clock = make_mall()
    item = found(mall, category="umbrella")
    mall.lost_found.close_day(actor=DESK)
    cats = {k: v for k, v in Policy.seed().lost_found.categories.items() if k != "umbrella"}
    policy = Policy(lost_found=LostFoundPolicy(categories=cats))
    later = mall  # a later policy comes through the recorded policy change (#14)
    manager = Actor("pm-1", "property_manager", "operations")  # G5: configure roles
    later.change_policy(policy, actor=manager, reason="umbrellas are no category any more")
    assert "其他 other" in later.lost_found.label(item.id)
    later.lost_found.contact_owner(item.id, actor=DESK, method="phone", reached=True)
    rows = later.lost_found.register(at(2026, 11, 1), at(2026, 12, 1), lang="both")
    assert rows[0].category == "其他 other"
    with pytest.raises(ValidationError, match="choose zh, en or both"):
        later.lost_found.register(at(2026, 11, 1), at(2026, 12, 1), lang="fr")


def test_l6_owner_contact_found_while_due_for_disposal_keeps_the_item_again() -> None:
    """An item due for disposal whose owner contact turns up goes back into storage
    until the longer retention ends (6 months), and cannot be disposed of meanwhile."""
    mall, clock = make_mall()
    item = found(mall, category="umbrella")
    mall.lost_found.close_day(actor=DESK)
    clock.set(at(2027, 3, 1, 10))
    mall.tick()
    assert mall.get(item.id).state == "due_disposal"
    kept = mall.lost_found.contact_owner(
        item.id, actor=DESK, method="card in the bag", reached=False, contact="13800000000"
    )
    assert (kept.state, kept.fields["retention_class"]) == ("stored", "with_contact")
    assert kept.fields["retention_until"] == "2027-05-20T10:00:00+08:00"
    assert "disposal_route" not in kept.fields  # absent again, not None (#14 Context.remove)
    with pytest.raises(InvalidTransition):
        mall.lost_found.dispose(item.id, actor=CS_HEAD, decision="donate")
    assert mall.replay(item.id) == mall.get(item.id)
    clock.set(at(2027, 5, 21, 10))
    mall.tick()
    again = mall.get(item.id)
    assert (again.state, again.fields["disposal_route"]) == ("due_disposal", "management")
    assert mall.replay(item.id) == again
