"""Exact replay (G6): a record replays from its history to itself, whatever the policy
and the calendar are at replay time, because each history entry records its outcome."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mallops import Actor, Mall, MallopsError, ManualClock, MemoryStore, Policy, Record
from mallops.domain.outcome import replay_entry
from mallops.workflows.complaints import COMPLAINT

from .conftest import CLEANER, DESK, at
from .test_complaints import register
from .test_complaints_stateful import params_for

ROLES = list(Policy.seed().roles)
EVENTS = [e for e in COMPLAINT.event_names if not e.startswith("_")]
START = at(2026, 9, 30, 10)


def changed_policy() -> Policy:
    """Other timers, another escalation ladder, other working hours, and 2026-10-09 and
    2026-10-12 declared holidays (G9 data arriving later)."""
    return Policy.from_dict(
        {
            "complaints": {
                "first_contact": {"duration": "1 hours"},
                "handling": {"duration": "1 working days"},
                "escalation": {"ladder": ["cs_head", "general_manager"], "after": ["2 hours"]},
            },
            "calendar": {
                "working_hours": ["08:00-11:00", "14:00-20:00"],
                "years": {"2026": {"holidays": ["2026-10-09", "2026-10-12"]}},
            },
        }
    )


def test_g6_replay_keeps_the_stored_deadline_after_the_policy_changes() -> None:
    """The issue's case: first contact is 3 h when the complaint is registered at 10:00
    (due 13:00); with first contact changed to 1 h the replay still says 13:00."""
    store = MemoryStore()
    mall = Mall(store=store, clock=ManualClock(START))
    c = register(mall)
    first = c.timer("first_contact")
    assert first is not None
    assert first.due_at == at(2026, 9, 30, 13)
    later = Mall(store=store, clock=ManualClock(START), policy=changed_policy())
    replayed = later.replay(c.id)
    assert replayed == c
    replayed_first = replayed.timer("first_contact")
    assert replayed_first is not None
    assert replayed_first.due_at == at(2026, 9, 30, 13)


def test_g6_outcomes_record_only_what_the_event_changed() -> None:
    """An entry's outcome names the fields and timers the event changed, nothing else."""
    mall = Mall(store=MemoryStore(), clock=ManualClock(START))
    c = register(mall)
    c = mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
    opened, assigned = c.history
    assert opened.outcome is not None
    assert assigned.outcome is not None
    assert opened.outcome.state == "registered"
    assert {"complainant", "contact", "description"} <= set(opened.outcome.fields)
    assert assigned.outcome.state == "assigned"
    assert assigned.outcome.values["department"] == "cleaning"
    assert "complainant" not in assigned.outcome.fields
    assert "complainant" not in repr(assigned.outcome)
    assert "张三" not in repr(opened.outcome)  # G7: names, never values


def test_replay_entry_refuses_an_entry_without_outcome() -> None:
    """The pure replay step says which entry lacks its outcome."""
    mall = Mall(store=MemoryStore(), clock=ManualClock(START))
    c = register(mall)
    legacy = c.history[0].__class__(1, c.created_at, DESK, "open", None, "registered", {})
    try:
        replay_entry(None, legacy, record_id=c.id, kind=c.kind, property=c.property)
    except ValueError as exc:
        assert "#1 records no outcome" in str(exc)
    else:  # pragma: no cover - the assertion documents the failure
        raise AssertionError("an entry without outcome replayed")


@given(st.data())
def test_g6_replay_equals_stored_after_policy_and_holiday_change(data: st.DataObject) -> None:
    """Records built under the seed policy by random operations, ticks and time steps
    replay to the stored record under a policy with other timers, other working hours
    and other holiday data (G6)."""
    store = MemoryStore()
    clock = ManualClock(START)
    mall = Mall(store=store, clock=clock)
    ids: list[str] = [register(mall).id]
    for _ in range(data.draw(st.integers(1, 14), label="steps")):
        step = data.draw(st.sampled_from(["open", "fire", "fire", "fire", "tick"]))
        clock.advance(hours=data.draw(st.integers(0, 30), label="hours"))
        try:
            if step == "open":
                ids.append(register(mall).id)
            elif step == "tick":
                mall.tick()
            else:
                rid = data.draw(st.sampled_from(ids))
                event = data.draw(st.sampled_from(EVENTS))
                role = data.draw(st.sampled_from(ROLES))
                actor = CLEANER if role == "staff" else Actor(f"{role}-1", role, "cleaning")
                params = params_for(event, data, mall)
                reason = params.pop("reason", None)
                mall.fire(rid, event, actor=actor, reason=reason, **params)
        except MallopsError:
            pass
    mall.tick()
    later = Mall(store=store, clock=ManualClock(clock.now()), policy=changed_policy())
    stored: list[Record] = mall.query()
    assert len(stored) >= len(ids)
    for record in stored:
        assert later.replay(record.id) == record, f"{record.id} does not replay"
