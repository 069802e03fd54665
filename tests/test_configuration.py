"""Configuration that cannot drift (#14): the store records, per property, the policy
and calendar fingerprints, the workflow kinds and each kind's definition fingerprint; a
process that differs refuses to write unless it goes through the recorded
``Mall.change_policy`` or ``Mall.change_workflows`` (G5: configure roles only)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
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
    PolicyError,
    Query,
    Record,
    SqlStore,
    ValidationError,
)
from mallops.engine.config import CONFIG_KIND, ConfigGuard, config_id
from mallops.engine.fingerprints import DEFINITION_PARTS, definition_fingerprint
from mallops.plugins import EventSpec, Param, StateSpec, Workflow, WorkflowSpec, load_workflow
from mallops.stores import Write
from mallops.testing import sample_record

from .conftest import CLEANER, CS_HEAD, DESK, GM, at
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
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "notice_approval.py"


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


# -- workflow definitions (#14) ------------------------------------------------------------

NOTICE_WORKFLOW = load_workflow(f"{EXAMPLE}:NOTICE_WORKFLOW")
NOTICE = NOTICE_WORKFLOW.spec
BOSS = Actor("pm-1", "property_manager", "operations")
# the same kind, its creating event with one parameter more: an upgraded definition
NEWER_NOTICE = attrs.evolve(
    NOTICE_WORKFLOW,
    spec=attrs.evolve(
        NOTICE, create=attrs.evolve(NOTICE.create, params=(*NOTICE.create.params, Param("note")))
    ),
)


def notice(mall: Mall) -> Record:
    return mall.service("notice").open(actor=DESK, title="通知", body="内容", tenant="T-1")


def toy(first: str) -> Workflow:
    """A two-state plug-in whose open state is called ``first``."""
    return Workflow(
        WorkflowSpec(
            kind="toy",
            zh="样例",
            en="toy",
            prefix="TY",
            states=(StateSpec(first, "开", "open"), StateSpec("done", "完", "done", final=True)),
            initial=first,
            create=EventSpec("open", (), None, ("front_desk",), "开", "open"),
            events=(EventSpec("finish", (first,), "done", ("front_desk",), "完", "finish"),),
        )
    )


def test_a_definition_fingerprint_covers_the_definition_not_its_labels() -> None:
    """Labels do not count; a parameter more changes the params part (and the whole)
    only; the digest is the same in another process (no hash randomisation)."""
    policy = Mall(workflows=[NOTICE_WORKFLOW]).policy
    fp = definition_fingerprint(NOTICE, policy)
    assert fp == definition_fingerprint(attrs.evolve(NOTICE, zh="别的", en="other"), policy)
    newer = definition_fingerprint(NEWER_NOTICE.spec, policy)
    assert sorted(p for p in fp if fp[p] != newer[p]) == ["digest", "params"]
    assert set(fp) == {*DEFINITION_PARTS, "digest"}
    code = (
        "from mallops import Mall; from mallops.engine.fingerprints import definition_fingerprint;"
        "from mallops.plugins import load_workflow;"
        f"wf = load_workflow({str(EXAMPLE)!r} + ':NOTICE_WORKFLOW');"
        "print(definition_fingerprint(wf.spec, Mall(workflows=[wf]).policy)['digest'])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "7"}
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, check=False, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == fp["digest"], out.stderr


def test_a_process_with_another_definition_refuses_to_write_until_it_is_recorded() -> None:
    """A process whose notice workflow has another definition cannot write (the error
    names the kind and the part); Mall.change_workflows records the new one (who, when,
    why, the parts and both digests), then it writes and the old definition cannot."""
    store = MemoryStore()
    clock = ManualClock(START)
    mall = Mall(store=store, clock=clock, workflows=[NOTICE_WORKFLOW])
    n = notice(mall)
    config = store.get(config_id("default"))
    assert config.fields["definitions"]["notice"] == mall.configuration.definitions["notice"]
    before = snapshot(store)
    newer = Mall(store=store, clock=clock, workflows=[NEWER_NOTICE])
    with pytest.raises(ConfigurationDrift) as info:
        notice(newer)
    assert len(info.value.differences) == 1
    assert info.value.differences[0].startswith("workflow notice: its definition differs")
    assert "(params;" in info.value.differences[0]
    with pytest.raises(ConfigurationDrift, match="workflow notice"):
        register(newer)  # any write of the property, not only the changed kind's
    with pytest.raises(ConfigurationDrift, match="workflow notice"):
        newer.change_policy(newer.policy, actor=GM, reason="r")  # definitions first
    with pytest.raises(PermissionDenied, match=r"access\.configure_roles"):
        newer.change_workflows(actor=CS_HEAD, reason="upgrade")
    with pytest.raises(ValidationError, match="reason"):
        newer.change_workflows(actor=GM, reason="")
    assert snapshot(store) == before
    clock.advance(minutes=5)
    events = newer.change_workflows(actor=BOSS, reason="notices take a note")
    assert [e.type for e in events] == ["workflows_changed"]
    entry = store.get(config_id("default")).history[-1]
    assert (entry.event, entry.actor, entry.reason, entry.at) == (
        "change_workflows",
        BOSS,
        "notices take a note",
        clock.now(),
    )
    changed = entry.data["changed"]["notice"]
    assert changed["parts"] == ["params"]
    assert (changed["old"], changed["new"]) == (
        mall.configuration.definitions["notice"]["digest"],
        newer.configuration.definitions["notice"]["digest"],
    )
    notice(newer)
    assert newer.get(n.id) == n  # records are untouched
    with pytest.raises(ConfigurationDrift, match="workflow notice"):
        notice(mall)
    assert newer.change_workflows(actor=GM, reason="again") == []  # nothing differs


def test_change_workflows_refuses_a_definition_lacking_a_state_records_are_in() -> None:
    """A definition without a state some records are in cannot replace the recorded one
    (they could never move on); once those records left the state, it can."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START), workflows=[toy("waiting")])
    t = mall.service("toy").open(actor=DESK)
    renamed = Mall(store=store, clock=ManualClock(START), workflows=[toy("pending")])
    before = snapshot(store)
    with pytest.raises(ConfigurationDrift, match="records are in waiting"):
        renamed.change_workflows(actor=GM, reason="rename the state")
    assert snapshot(store) == before
    mall.service("toy").fire(t.id, "finish", actor=DESK)
    renamed.change_workflows(actor=GM, reason="rename the state")
    assert renamed.service("toy").open(actor=DESK).state == "pending"


def test_a_store_without_definition_fingerprints_records_them_on_its_next_write() -> None:
    """A configuration written before definitions were fingerprinted (0.2) keeps
    working: the next write records them in an extend entry."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START))
    c = register(mall)
    config = store.get(config_id("default"))
    old_fields = {k: v for k, v in config.fields.items() if k != "definitions"}
    store.commit([Write(attrs.evolve(config, fields=old_fields), config.version)])
    later = Mall(store=store, clock=ManualClock(START))
    later.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
    config = store.get(config_id("default"))
    assert config.history[-1].event == "extend"
    assert config.history[-1].data["added_definitions"] == ["complaint"]
    assert config.fields["definitions"] == {
        "complaint": later.configuration.definitions["complaint"]
    }


@pytest.mark.parametrize("fixture", ["mall-v1.json", "mall-v1.sqlite"])
def test_an_old_store_opens_and_records_its_definitions(tmp_path: Path, fixture: str) -> None:
    """The v1 fixtures (no configuration record) open, write and then hold the
    definition fingerprint of each kind they hold."""
    path = tmp_path / fixture
    shutil.copy(FIXTURES / fixture, path)
    store = JsonStore(path) if fixture.endswith(".json") else SqlStore(f"sqlite:///{path}")
    try:
        mall = Mall(store=store, clock=ManualClock(at(2026, 10, 2, 11)))
        mall.complaints.fire("C-000002", "contact", actor=CLEANER, note="called")
        config = store.get(config_id("default"))
        assert config.fields["definitions"] == {
            k: mall.configuration.definitions[k] for k in ("complaint", "return_visit")
        }
    finally:
        store.close()


def test_only_the_configure_roles_change_the_policy() -> None:
    """G5: change_policy is for access.configure_roles (property and general manager by
    default); a policy may name others; its roles must exist and not be empty."""
    mall = Mall(store=MemoryStore(), clock=ManualClock(START))
    register(mall)
    with pytest.raises(PermissionDenied, match=r"access\.configure_roles") as info:
        mall.change_policy(SHORT, actor=CS_HEAD, reason="shorter")
    assert info.value.allowed == ("property_manager", "general_manager")
    mall.change_policy(SHORT, actor=BOSS, reason="shorter")
    heads = Policy.from_dict({"access": {"configure_roles": ["cs_head"]}})
    own = Mall(store=MemoryStore(), clock=ManualClock(START), policy=heads)
    shorter = Policy.from_dict({"access": {"configure_roles": ["cs_head"]}}, base=SHORT)
    own.change_policy(shorter, actor=CS_HEAD, reason="shorter")
    with pytest.raises(PolicyError, match="unknown role") as bad:
        Policy.from_dict({"access": {"configure_roles": ["janitor"]}})
    assert bad.value.key == "access.configure_roles[0]"
    with pytest.raises(PolicyError) as empty:
        Policy.from_dict({"access": {"configure_roles": []}})
    assert empty.value.key == "access.configure_roles"
