"""Intake never refused for missing holiday data; provisional timers re-planned (G2, G9)."""

from __future__ import annotations

from typing import Any

import pytest

from mallops import Actor, CalendarError, Mall, ManualClock, MemoryStore, Policy
from mallops.domain import SYSTEM
from mallops.domain.events import DomainEvent
from mallops.engine.replan import replan_changes, replan_record
from mallops.errors import PermissionDenied, PolicyError, ValidationError
from mallops.stores.codec import decode, encode

from .conftest import DESK, at

# A PLAUSIBLE TEST SCHEDULE for 2027, NOT the official one: the State Council had not
# published the 2027 schedule when this was written.  Holidays and adjusted working
# days (调休) shaped like recent years' notices, for testing only.
TEST_2027: dict[str, Any] = {
    "holidays": [
        "2027-01-01",
        *[f"2027-02-{d:02d}" for d in range(5, 13)],
        "2027-04-05",
        *[f"2027-05-{d:02d}" for d in range(1, 6)],
        "2027-06-09",
        "2027-09-15",
        *[f"2027-10-{d:02d}" for d in range(1, 8)],
    ],
    "workdays": ["2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"],
}
WITH_2027 = {"calendar": {"years": {"2027": TEST_2027}}}


def _open(mall: Mall) -> Any:
    return mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="Li Lei",
        contact="13800000000",
        location="B1 east restroom",
        description="restroom is dirty",
        demand="clean it",
    )


def _mall(policy: Policy | None = None, store: MemoryStore | None = None) -> tuple[Mall, Any]:
    clock = ManualClock(at(2026, 12, 28, 10))
    mall = Mall(store=store if store is not None else MemoryStore(), clock=clock, policy=policy)
    return mall, clock


def test_g9_done_when_complaint_registered_provisional_then_replanned_with_2027() -> None:
    """Issue 13's done-when: 2026-12-28 10:00, seed policy: the complaint is registered,
    its 4-working-day handling deadline is provisional (fallback: weekends off, no
    holidays: Fri 2027-01-01 10:00) and a ``timer_provisional`` event says so; a policy
    with ``calendar.years.2027`` re-plans it to Mon 2027-01-04 10:00 (1 January is a
    holiday), recorded in the history with old and new due time."""
    store = MemoryStore()
    mall, clock = _mall(store=store)
    seen: list[DomainEvent] = []
    mall.subscribe(seen.append)
    c = _open(mall)
    handling = c.timer("handling")
    assert handling is not None
    assert handling.provisional_year == 2027
    assert handling.due_at == at(2027, 1, 1, 10)
    provisional = [e for e in seen if e.type == "timer_provisional"]
    assert [(e.record_id, e.data["timer"], e.data["year"]) for e in provisional] == [
        (c.id, "handling", 2027)
    ]
    assert "2027" in provisional[0].data["message_zh"]
    # wall-clock timers need no holiday data: not provisional
    first_contact = c.timer("first_contact")
    assert first_contact is not None
    assert first_contact.provisional_year is None

    updated = Mall(store=store, clock=clock, policy=Policy.from_dict(WITH_2027))
    changes = updated.replan_provisional(reason="2027 schedule published")
    assert [(r.record_id, r.timer, r.year, r.old_due, r.new_due) for r in changes] == [
        (c.id, "handling", 2027, at(2027, 1, 1, 10), at(2027, 1, 4, 10))
    ]
    after = updated.get(c.id)
    entry = after.history[-1]
    assert (entry.event, entry.actor, entry.reason) == (
        "_replan",
        SYSTEM,
        "2027 schedule published",
    )
    assert entry.data["changes"] == [
        {
            "timer": "handling",
            "year": 2027,
            "old_due": "2027-01-01T10:00:00+08:00",
            "new_due": "2027-01-04T10:00:00+08:00",
            "provisional_year": None,
        }
    ]
    timer = after.timer("handling")
    assert timer is not None
    assert (timer.due_at, timer.provisional_year) == (at(2027, 1, 4, 10), None)
    assert updated.replay(c.id) == after
    assert updated.replan_provisional() == []  # nothing left to re-plan


def test_g9_tick_replans_by_itself_and_never_unfires() -> None:
    """tick() re-plans provisional timers once a calendar covers their year; the warning
    that fired under the provisional plan stays fired."""
    store = MemoryStore()
    mall, clock = _mall(store=store)
    c = _open(mall)
    clock.set(at(2026, 12, 31, 10, 30))  # the handling warning (75 %) fell due at 10:00
    fired = [e.type for e in mall.tick() if e.record_id == c.id]
    assert "timer_warning" in fired
    updated = Mall(store=store, clock=clock, policy=Policy.from_dict(WITH_2027))
    events = updated.tick()
    assert [e.type for e in events if e.type == "timer_replanned"] == ["timer_replanned"]
    timer = updated.get(c.id).timer("handling")
    assert timer is not None
    warning = next(m for m in timer.marks if m.kind == "warning")
    assert warning.fired_at == at(2026, 12, 31, 10)
    assert timer.due_at == at(2027, 1, 4, 10)
    assert updated.tick() == []  # the next tick finds nothing (idempotent)


def test_g9_a_mark_the_real_schedule_puts_in_the_past_fires_at_the_replan() -> None:
    """Opened Sat 2027-01-02 10:00 without data (fallback: weekend off) the deadline is
    Thu 01-07 18:00; a (test) schedule making 01-02 and 01-03 adjusted working days puts
    it at Wed 01-06 10:00, already past at the re-plan at 12:00: it falls due at the
    re-plan (never back in time), fires on the next tick, history stays chronological."""
    store = MemoryStore()
    clock = ManualClock(at(2027, 1, 2, 10))
    mall = Mall(store=store, clock=clock)
    c = _open(mall)
    handling = c.timer("handling")
    assert handling is not None
    assert (handling.due_at, handling.provisional_year) == (at(2027, 1, 7, 18), 2027)
    odd = {"calendar": {"years": {"2027": {"workdays": ["2027-01-02", "2027-01-03"]}}}}
    clock.set(at(2027, 1, 6, 12))
    updated = Mall(store=store, clock=clock, policy=Policy.from_dict(odd))
    (change,) = updated.replan_provisional()
    assert (change.old_due, change.new_due) == (at(2027, 1, 7, 18), at(2027, 1, 6, 12))
    clock.set(at(2027, 1, 6, 12, 0, 1))  # G10: a breach happens only after the deadline
    updated.tick()
    record = updated.get(c.id)
    assert [h.at for h in record.history] == sorted(h.at for h in record.history)
    timer = record.timer("handling")
    assert timer is not None
    assert timer.breached_at == at(2027, 1, 6, 12)


def test_g9_refuse_mode_keeps_the_old_behaviour() -> None:
    """``calendar.missing_year = "refuse"``: intake fails naming the year, nothing stored."""
    mall, _ = _mall(policy=Policy.from_dict({"calendar": {"missing_year": "refuse"}}))
    with pytest.raises(CalendarError, match="2027") as info:
        _open(mall)
    assert info.value.year == 2027
    assert mall.complaints.query() == []


def test_g9_missing_year_mode_is_checked() -> None:
    with pytest.raises(PolicyError, match=r"calendar\.missing_year"):
        Policy.from_dict({"calendar": {"missing_year": "guess"}})


def test_g9_operations_on_a_provisional_record_work_in_the_missing_year() -> None:
    """Assigning, pausing and resolving in January 2027 without data never fails: the
    elapsed working time is counted by the fallback rule too."""
    mall, clock = _mall()
    c = _open(mall)
    clock.set(at(2027, 1, 5, 10))
    c = mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="Wang")
    assert c.state == "assigned"
    assert mall.replay(c.id) == c


def test_g9_provisional_year_survives_the_store_codec_and_old_data_loads() -> None:
    """The durable field round-trips; a record stored before it existed still loads."""
    mall, _ = _mall()
    c = _open(mall)
    data = encode(c)
    assert decode(data) == c
    handling = next(t for t in data["timers"] if t["name"] == "handling")
    assert handling["provisional_year"] == 2027
    del handling["provisional_year"]
    old = decode(data)
    timer = old.timer("handling")
    assert timer is not None
    assert timer.provisional_year is None


def test_g9_replan_is_a_plain_function_for_other_operations() -> None:
    """``replan_changes``/``replan_record`` take a record, an engine (its calendar) and a
    time and return the new record and events, for a recorded policy change."""
    mall, clock = _mall()
    c = _open(mall)
    updated = Mall(store=mall.store, clock=clock, policy=Policy.from_dict(WITH_2027))
    engine = updated.complaints.engine
    assert replan_changes(c, mall.calendar, clock.now()) == ()
    assert [ch["timer"] for ch in replan_changes(c, engine.calendar, clock.now())] == ["handling"]
    result = replan_record(engine, c, clock.now())
    assert result is not None
    record, events = result
    assert record.version == c.version + 1
    assert [e.type for e in events] == ["timer_replanned"]
    assert mall.get(c.id) == c  # pure: nothing written


def test_g9_replan_refuses_a_bad_actor_or_reason() -> None:
    mall, _ = _mall()
    with pytest.raises(PermissionDenied, match="unknown role"):
        mall.replan_provisional(actor=Actor("x", "janitor"))
    with pytest.raises(ValidationError, match="actor"):
        mall.replan_provisional(actor="desk")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="reason"):
        mall.replan_provisional(reason="x" * 3000)


def test_g9_a_corrupt_provisional_year_is_a_store_error() -> None:
    from mallops.errors import CorruptStoreError

    mall, _ = _mall()
    data = encode(_open(mall))
    handling = next(t for t in data["timers"] if t["name"] == "handling")
    for bad in ("2027", True, 20.5):
        handling["provisional_year"] = bad
        with pytest.raises(CorruptStoreError, match="provisional_year"):
            decode(data)


def test_g9_the_lenient_twin_and_missing_years() -> None:
    """``lenient()`` answers a missing year by the fallback rule; ``missing_years``
    names the years a span needs without data."""
    cal = Policy.seed().build_calendar()
    assert cal.missing_years(at(2026, 12, 28), at(2028, 1, 3)) == (2027, 2028)
    assert cal.missing_years(at(2026, 1, 1), at(2026, 12, 31)) == ()
    loose = cal.lenient()
    assert loose.lenient() is loose
    assert cal.lenient() is loose
    assert loose.is_working_day(at(2027, 1, 1).date())  # Friday: no holidays known
    assert not loose.is_working_day(at(2027, 1, 2).date())  # Saturday: weekend
    with pytest.raises(CalendarError):
        cal.is_working_day(at(2027, 1, 1).date())
