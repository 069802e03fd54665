"""Configuration that cannot drift (#14): the store records, per property, the policy
and calendar fingerprints and the workflow kinds; a process that differs refuses to
write unless it goes through the recorded ``Mall.change_policy``."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from mallops import (
    Actor,
    ConfigurationDrift,
    JsonStore,
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    Query,
    ValidationError,
)
from mallops.engine.config import CONFIG_KIND, ConfigGuard, config_id
from mallops.stores import Write
from mallops.testing import sample_record

from .conftest import CS_HEAD, DESK, GM, at
from .test_complaints import register

START = at(2026, 9, 30, 10)
SHORT = Policy.from_dict({"complaints": {"first_contact": {"duration": "1 hours"}}})
REPLAN = Policy.from_dict(
    {"complaints": {"first_contact": {"duration": "1 hours", "on_change": "restart"}}}
)
HOURS = Policy.from_dict({"calendar": {"working_hours": ["08:00-12:00", "13:00-17:00"]}})
HOLIDAY = Policy.from_dict({"calendar": {"years": {"2026": {"holidays": ["2026-10-09"]}}}})
OTHER_HOLIDAY = Policy.from_dict({"calendar": {"years": {"2026": {"holidays": ["2026-10-12"]}}}})
FIXTURES = Path(__file__).parent / "fixtures"


def snapshot(store: MemoryStore) -> list[object]:
    return [store.get(config_id("default")), *store.query(Query(property="default"))]


def test_first_write_records_the_configuration() -> None:
    """The first commit of a property writes its configuration record, outside every
    property's queries: fingerprints, policy name and the kinds it holds."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START))
    c = register(mall)
    config = store.get(config_id("default"))
    assert config.kind == CONFIG_KIND
    assert config.fields["kinds"] == ["complaint"]
    assert config.fields["policy"] == mall.configuration.policy_fp
    assert [r.id for r in mall.query()] == [c.id]
    assert config.history[0].event == "configure"


@pytest.mark.parametrize(
    ("policy", "what"), [(SHORT, "policy"), (HOURS, "calendar")], ids=["policy", "calendar"]
)
def test_a_process_with_another_policy_refuses_to_write(policy: Policy, what: str) -> None:
    """A second Mall with other timers or other holiday data cannot write to the
    property: ConfigurationDrift names the property and what differs; nothing changed."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START))
    c = register(mall)
    before = snapshot(store)
    other = Mall(store=store, clock=ManualClock(START.add(hours=5)), policy=policy)
    with pytest.raises(ConfigurationDrift) as info:
        other.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
    assert info.value.property == "default"
    assert info.value.differences[0].startswith(what)
    assert "'default'" in str(info.value)
    with pytest.raises(ConfigurationDrift):
        other.tick()
    with pytest.raises(ConfigurationDrift):
        register(other)
    assert snapshot(store) == before
    assert other.replay(c.id) == c  # reading and replaying stay possible


def test_holiday_data_for_a_new_year_is_recorded_but_changed_data_is_drift() -> None:
    """G9: data for a year the store has none for is an arrival (allowed, recorded as an
    extension of the configuration); other data for a year already used, or none for
    it, is drift."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START))
    c = register(mall)
    arrived = Mall(store=store, clock=ManualClock(START), policy=HOLIDAY)
    arrived.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
    config = store.get(config_id("default"))
    assert config.history[-1].event == "extend"
    assert config.history[-1].data["added_years"] == ["2026"]
    with pytest.raises(ConfigurationDrift, match="holiday data for 2026 differs"):
        register(Mall(store=store, clock=ManualClock(START), policy=OTHER_HOLIDAY))
    with pytest.raises(ConfigurationDrift, match="no holiday data for 2026"):
        register(mall)


def test_another_property_has_its_own_configuration() -> None:
    """Properties are configured separately (G11)."""
    store = MemoryStore()
    register(Mall(store=store, clock=ManualClock(START)))
    register(Mall(store=store, clock=ManualClock(START), policy=SHORT, property="hk"))
    assert (
        store.get(config_id("hk")).fields["policy"]
        != store.get(config_id("default")).fields["policy"]
    )


def test_a_process_without_a_kind_the_store_holds_refuses_to_write() -> None:
    """The property holds parcel records (a workflow this process lacks): its writes are
    refused, naming the kind."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START))
    register(mall)
    wider = ConfigGuard(lambda: store, "default", mall.policy, lambda: {*mall.services, "parcel"})
    parcel = sample_record("P-000001", kind="parcel", created_at=START, wake_at=START)
    config = wider.write_for({parcel.id: parcel}, START)
    assert config is not None
    store.commit([Write(parcel, 0), config])
    with pytest.raises(ConfigurationDrift, match="parcel"):
        register(mall)


def test_tick_reports_a_due_record_of_an_unknown_kind(caplog: pytest.LogCaptureFixture) -> None:
    """A due record whose kind this process does not know is reported by tick as an
    event and a log line, every tick, never skipped silently; the others are processed."""
    store = MemoryStore()
    clock = ManualClock(START)
    mall = Mall(store=store, clock=clock)
    c = register(mall)
    store.commit([Write(sample_record("P-000001", kind="parcel", wake_at=START), 0)])
    clock.advance(hours=4)
    with caplog.at_level(logging.WARNING, logger="mallops"):
        events = mall.tick()
    unknown = [e for e in events if e.type == "tick_unknown_kind"]
    assert [(e.record_id, e.data["kind"]) for e in unknown] == [("P-000001", "parcel")]
    assert "P-000001 is a parcel" in caplog.text
    assert any(e.record_id == c.id and e.type == "timer_breached" for e in events)
    assert [e.type for e in mall.tick()] == ["tick_unknown_kind"]


def test_change_policy_is_recorded_and_replans_by_each_timers_rule() -> None:
    """change_policy records who, when, why and both fingerprints; a timer whose rule is
    restart gets a fresh 1-hour allowance from the change (10:05 -> 11:05), recorded on
    the complaint as a _policy entry; the complaint still replays exactly; the old
    policy can no longer write."""
    store = MemoryStore()
    clock = ManualClock(START)
    mall = Mall(store=store, clock=clock)
    c = register(mall)
    old_fp = mall.configuration.policy_fp
    clock.advance(minutes=5)
    events = mall.change_policy(REPLAN, actor=GM, reason="faster first contact")
    assert "policy_changed" in [e.type for e in events]
    changed = mall.get(c.id)
    first = changed.timer("first_contact")
    assert first is not None
    assert first.due_at == at(2026, 9, 30, 11, 5)
    last = changed.history[-1]
    assert last.event == "_policy"
    assert last.data["old_policy"] == old_fp
    config = store.get(config_id("default"))
    entry = config.history[-1]
    assert (entry.event, entry.actor, entry.reason, entry.at) == (
        "change_policy",
        GM,
        "faster first contact",
        clock.now(),
    )
    assert (entry.data["old_policy"], entry.data["new_policy"]) == (old_fp, config.fields["policy"])
    assert mall.replay(c.id) == changed
    assert Mall(store=store, clock=clock).replay(c.id) == changed
    with pytest.raises(ConfigurationDrift):
        register(Mall(store=store, clock=clock))
    register(Mall(store=store, clock=clock, policy=REPLAN))  # the new policy writes


def test_change_policy_keeps_used_time_when_the_rule_is_keep() -> None:
    """first_contact's seed rule is keep: the time used stays used and the new 1-hour
    allowance applies (10:00 + 1 h); a timer the new policy plans no differently keeps
    its deadline (resolution)."""
    mall = Mall(store=MemoryStore(), clock=ManualClock(START))
    c = register(mall)
    resolution = c.timer("resolution")
    mall.change_policy(SHORT, actor=GM, reason="shorter")
    first = mall.get(c.id).timer("first_contact")
    assert first is not None
    assert first.due_at == at(2026, 9, 30, 11)
    assert mall.get(c.id).timer("resolution") == resolution
    later = register(mall)
    later_first = later.timer("first_contact")
    assert later_first is not None
    assert later_first.due_at == at(2026, 9, 30, 11)


def test_a_refused_policy_change_changes_nothing() -> None:
    """Bad arguments raise mallops errors and leave the store and the Mall as before."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START))
    register(mall)
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        mall.change_policy(SHORT, actor=Actor("x", "janitor"), reason="r")
    with pytest.raises(ValidationError, match="reason"):
        mall.change_policy(SHORT, actor=CS_HEAD, reason=" ")
    with pytest.raises(ValidationError, match="Policy"):
        mall.change_policy("short", actor=CS_HEAD, reason="r")  # type: ignore[arg-type]
    assert snapshot(store) == before
    assert mall.policy is not SHORT


def test_change_policy_fills_outcomes_of_old_entries(tmp_path: Path) -> None:
    """Records written before outcomes existed (fixture) get them at the policy change,
    so they too replay exactly under the new policy (G6)."""
    path = tmp_path / "mall.json"
    shutil.copy(FIXTURES / "mall-v1.json", path)
    with JsonStore(path) as store:
        clock = ManualClock(at(2026, 10, 2, 11))
        mall = Mall(store=store, clock=clock)
        mall.change_policy(SHORT, actor=GM, reason="shorter")
        for record in store.query(Query(property="default")):
            assert all(h.outcome is not None for h in record.history), record.id
            assert mall.replay(record.id) == record
        first = mall.get("C-000002").timer("first_contact")
        assert first is not None
        assert first.due_at == at(2026, 9, 30, 13)
