"""Stateful property test of call recordings (G7): random calls attached to random
complaints, cases closed, links added, time passing and ticks; after every step:

* a recording is never purged before its minimum retention is over (G7);
* never while a case linked to it is open at the purge time (G7);
* after a tick no recording is left past a due retention check (purged or held);
* a held recording is held by cases that were open when it was held;
* the reference is gone exactly when the recording is purged;
* mallops' own invariants (replay, timers, history; ``check_invariants``);
* an operation that raised changed nothing.

Checked once against a broken rule (open cases ignored): the property fails.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mallops import Mall, MallopsError, ManualClock, MemoryStore, Record
from mallops.operations import recording_service
from mallops.operations.recording_service import RecordingService
from mallops.testing import check_invariants

from .conftest import CS_HEAD, DESK, STAFF, at

CHANNELS = ("hotline", "phone", "radio", "counter", "wechat_voice")


def _state_as_of(record: Record, when: pendulum.DateTime) -> str | None:
    state = None
    for h in record.history:
        if h.at > when:
            break
        state = h.to_state
    return state


def _cases(record: Record) -> list[str]:
    return [link.record_id for link in record.links if link.relation == "case"]


class Recordings(RuleBasedStateMachine):
    """Recordings and the complaints they belong to under random operations."""

    @initialize()
    def start(self) -> None:
        self.clock = ManualClock(at(2026, 9, 1, 10))
        self.mall = Mall(MemoryStore(), self.clock)
        self.svc = self.mall.registry.of("recording", RecordingService)
        self.ticked_at = self.clock.now()

    def _snapshot(self) -> dict[str, Record]:
        return {r.id: r for r in self.mall.query()}

    def _attempt(self, operation: Any) -> Any:
        before = self._snapshot()
        try:
            return operation()
        except MallopsError:
            assert self._snapshot() == before, "a failed operation changed the store"
            return None

    def _complaints(self, *, is_open: bool | None = None) -> list[Record]:
        found = self.mall.query(kind="complaint")
        return [c for c in found if is_open is None or c.is_open == is_open]

    @precondition(lambda self: len(self._complaints(is_open=True)) < 4)
    @rule()
    def open_case(self) -> None:
        self.mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="李雷",
            contact="13800000000",
            location="B1",
            description="空调不制冷",
            demand="尽快维修",
            severity="general",
        )

    @precondition(lambda self: bool(self._complaints(is_open=True)))
    @rule(data=st.data())
    def close_case(self, data: st.DataObject) -> None:
        case = data.draw(st.sampled_from(self._complaints(is_open=True)))
        self._attempt(
            lambda: self.mall.complaints.fire(
                case.id, "dismiss", actor=CS_HEAD, explanation="不属于物业范围"
            )
        )

    @rule(
        data=st.data(),
        days_ago=st.integers(0, 40),
        seconds=st.integers(-5, 4 * 3600 + 5),
        channel=st.sampled_from((*CHANNELS, "pigeon")),
        checksum=st.sampled_from(("ab" * 32, "sha1:" + "c" * 40, "nonsense")),
    )
    def attach(
        self, data: st.DataObject, days_ago: int, seconds: int, channel: str, checksum: str
    ) -> None:
        cases = [c.id for c in self._complaints()]
        case = data.draw(st.sampled_from([*cases, None, "C-999999"]))
        recorded_at = self.clock.now().subtract(
            days=days_ago, minutes=data.draw(st.integers(0, 90))
        )
        self._attempt(
            lambda: self.svc.attach(
                actor=DESK,
                reference=f"pbx://hotline/{self.clock.now().int_timestamp}.wav",
                checksum=checksum,
                duration=seconds,
                channel=channel,
                recorded_at=recorded_at,
                case=case,
            )
        )

    @precondition(lambda self: bool(self.mall.query(kind="recording")))
    @rule(data=st.data())
    def link(self, data: st.DataObject) -> None:
        recording = data.draw(st.sampled_from(self.mall.query(kind="recording")))
        targets = [c.id for c in self._complaints()] + [recording.id, "C-999999"]
        case = data.draw(st.sampled_from(targets))
        self._attempt(lambda: self.svc.link(recording.id, actor=STAFF, case=case))

    @rule(hours=st.integers(1, 24 * 40))
    def advance(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def tick(self) -> None:
        self.mall.tick()
        self.ticked_at = self.clock.now()

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def g7_retention_holds(self) -> None:
        if not hasattr(self, "mall"):
            return
        for r in self.mall.query(kind="recording"):
            purge = next((h for h in r.history if h.event == "purge"), None)
            assert (r.state == "purged") == (purge is not None)
            assert ("reference" in r.fields) == (r.state != "purged"), r.id
            if purge is not None:
                retain_until = pendulum.parse(r.fields["retain_until"])
                assert purge.at >= retain_until, f"{r.id} purged before its retention ended"
                for cid in _cases(r):
                    case = self.mall.get(cid)
                    if case.kind == "recording":
                        continue
                    state = _state_as_of(case, purge.at)
                    assert state in self.mall.service(case.kind).engine.spec.final_states, (
                        f"{r.id} purged at {purge.at} while its case {cid} was {state}"
                    )
            for hold in (h for h in r.history if h.event == "hold"):
                assert hold.data["cases"], f"{r.id} held by no case"
                for cid in hold.data["cases"]:
                    case = self.mall.get(cid)
                    assert case.kind != "recording"
                    finals = self.mall.service(case.kind).engine.spec.final_states
                    assert _state_as_of(case, hold.at) not in finals, (r.id, cid)
            if r.is_open:
                assert r.state in ("retained", "held")
                assert r.wake_at is not None, f"{r.id}: no retention check planned"
                if self.clock.now() == self.ticked_at:
                    assert r.wake_at >= self.ticked_at, f"{r.id}: a due check was left"

    @invariant()
    def mallops_invariants(self) -> None:
        if hasattr(self, "mall"):
            check_invariants(self.mall)


TestRecordings = Recordings.TestCase


def test_G7_the_property_fails_when_open_cases_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A broken rule (the decision never sees an open case) is caught by the invariant."""
    monkeypatch.setattr(recording_service, "open_cases", lambda *_args: [])
    quick = settings(
        max_examples=300,
        stateful_step_count=30,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    with pytest.raises(AssertionError, match="while its case"):
        run_state_machine_as_test(Recordings, settings=quick)
