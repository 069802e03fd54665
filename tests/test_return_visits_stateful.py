"""Stateful property test: complaints, repairs and return visits driven together.

Random events by random actors, clock jumps and ticks; after every step the F/R rules
hold over the whole store:

* every resolved source that needs one has exactly one open 事后 return visit (F2, R6),
  and no source outside its resolved state has one;
* no source is closed without its satisfied return visit (F5; closed-with-explanation
  complaints and internal repairs excepted), internal repairs never get any (R6);
* every reopen of a source goes with an unsatisfied return visit (F5);
* history replay reproduces every record (G6);
* an operation that raised changed nothing.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mallops import Mall, MallopsError, ManualClock, MemoryStore, Record

from .conftest import CS_HEAD, DEPT_MANAGER, DESK, GM, STAFF, at

ACTORS = (GM, GM, DEPT_MANAGER, CS_HEAD, STAFF, DESK)
RESOLVED = {"complaint": "resolved", "repair": "accepted"}


def _later(mall: Mall, hours: int) -> Any:
    return mall.now().add(hours=hours)


def _params(draw: Any, mall: Mall, kind: str, event: str) -> dict[str, Any]:
    hours = st.integers(1, 72)
    rating = st.integers(1, 5) | st.just(4)  # satisfied (all >= 4) often enough
    table: dict[str, dict[str, Any]] = {
        "assign": {"department": "cleaning", "assignee": "clean-1"},
        "reply": {"message": "on it", "promised_by": _later(mall, draw(hours))},
        "recommit": {"promised_by": _later(mall, draw(hours)), "reason": "parts late"},
        "resolve": {"resolution": "done"},
        "dismiss": {"explanation": "outside our remit"},
        "dispatch": {"technician": "tech-1"},
        "wait_parts": {"note": "ordered"},
        "wait_access": {"note": "shop closed"},
        "commit_time": {"promised_by": _later(mall, draw(hours))},
        "complete": {"work_done": "fixed"},
        "inspect": {"passed": draw(st.booleans())},
        "cannot_complete": {"reason": "needs the landlord"},
        "cancel": {"reason": "duplicate"},
        "set_urgency": {"urgency": draw(st.sampled_from(["urgent", "normal"])), "reason": "r"},
        "visit": {
            "method": draw(st.sampled_from(["phone", "on_site"])),
            "speed": draw(rating),
            "result": draw(rating | st.just(5)),
            "attitude": draw(rating | st.just(5)),
        },
        "not_reached": {
            "method": "phone",
            "outcome": draw(st.sampled_from(["busy", "not_reachable"])),
        },
        "track": {"method": "phone", "note": "still waiting"},
    }
    return dict(table.get(event, {}))


# progress events are listed more than once so that random runs reach the deep states
EVENTS = {
    "complaint": (
        *("assign", "contact", "reply", "resolve", "approve") * 3,
        "recommit",
        "dismiss",
    ),
    "repair": (
        *("dispatch", "arrive", "start", "complete", "inspect", "resume") * 3,
        "wait_parts",
        "wait_access",
        "commit_time",
        "cannot_complete",
        "cancel",
        "set_urgency",
    ),
    "return_visit": ("visit", "visit", "visit", "not_reached", "track"),
}


class FollowUps(RuleBasedStateMachine):
    """Complaints, repairs and their return visits under random operations."""

    @initialize()
    def start(self) -> None:
        self.clock = ManualClock(at(2026, 9, 28, 9))
        self.mall = Mall(MemoryStore(), self.clock)

    def _all(self) -> list[Record]:
        return self.mall.query()

    def _few_open(self) -> bool:
        return len(self.mall.query(kind=("complaint", "repair"), is_open=True)) < 3

    @precondition(lambda self: self._few_open())
    @rule(
        severity=st.sampled_from(["general", "important", "major"]),
        channel=st.sampled_from(["phone", "phone", "weibo"]),
    )
    def open_complaint(self, severity: str, channel: str) -> None:
        self.mall.complaints.open(
            actor=DESK,
            channel=channel,
            complainant="李雷",
            contact="13800000000",
            location="B1",
            description="restroom is dirty",
            demand="clean it",
            severity=severity,
        )

    @precondition(lambda self: self._few_open())
    @rule(
        source=st.sampled_from(["tenant", "customer", "staff", "inspection"]),
        fault=st.sampled_from(["water", "lighting", "hvac"]),
        major=st.booleans(),
    )
    def report_repair(self, source: str, fault: str, major: bool) -> None:
        self.mall.repairs.report(
            actor=DESK,
            source=source,
            fault_type=fault,
            location="L2",
            description="broken",
            major=major,
            plan="fix it" if major else None,
        )

    @rule(data=st.data())
    def fire_again(self, data: st.DataObject) -> None:
        self.fire(data)

    @rule(data=st.data())
    def fire(self, data: st.DataObject) -> None:
        records = self._all()
        if not records:
            return
        live = [r for r in records if r.is_open]
        record = data.draw(st.sampled_from(live or records))
        if data.draw(st.integers(0, 9)) < 8:  # mostly an event the state allows, by anyone
            actor = data.draw(st.sampled_from(ACTORS))
            allowed = set(self.mall.allowed_events(record.id, actor))
            events = [e for e in EVENTS[record.kind] if e in allowed] or list(EVENTS[record.kind])
        else:  # sometimes anything, to exercise refusals
            actor = data.draw(st.sampled_from(ACTORS))
            events = list(EVENTS[record.kind])
        event = data.draw(st.sampled_from(events))
        params = _params(data.draw, self.mall, record.kind, event)
        reason = params.pop("reason", None)
        before = self._all()
        try:
            self.mall.fire(record.id, event, actor=actor, reason=reason, **params)
        except MallopsError:
            # an operation that raised changed nothing (timers due before it included)
            assert self._all() == before

    @rule(minutes=st.integers(1, 60 * 30))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.mall.tick()

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def follow_up_rules_hold(self) -> None:
        records = self._all() if hasattr(self, "mall") else []
        visits: dict[str, list[Record]] = {}
        for r in records:
            if r.kind == "return_visit":
                visits.setdefault(str(r.fields["source"]), []).append(r)
        for r in records:
            if r.kind not in RESOLVED:
                continue
            mine = visits.get(r.id, [])
            after = [v for v in mine if v.fields["stage"] == "after"]
            open_after = [v for v in after if v.is_open]
            satisfied = [v for v in after if v.state == "satisfied"]
            unsatisfied = [v for v in after if v.state == "unsatisfied"]
            internal = r.kind == "repair" and not r.fields["external"]
            if internal:
                assert mine == [], f"{r.id}: internal work got a return visit (R6)"
                continue
            if r.state == RESOLVED[r.kind]:
                assert len(open_after) == 1, f"{r.id}: {len(open_after)} open visits (F2)"
            else:
                assert open_after == [], f"{r.id} in {r.state} has an open visit"
            if r.state == "closed":
                assert len(satisfied) == 1, f"{r.id} closed without a satisfied visit (F5)"
            else:
                assert satisfied == []
            reopens = [h for h in r.history if h.event == "reopen"]
            event(f"{r.kind} reached {r.state}" + (" after a reopen" if reopens else ""))
            assert len(reopens) == len(unsatisfied), f"{r.id}: reopen without unsatisfied (F5)"
            assert {h.data["return_visit"] for h in reopens} == {v.id for v in unsatisfied}
            if not r.is_open or r.state == RESOLVED[r.kind]:
                assert not any(v.is_open for v in mine if v.fields["stage"] == "during")

    @invariant()
    def history_replays_every_record(self) -> None:
        if not hasattr(self, "mall"):
            return
        checked: dict[str, int] = self.__dict__.setdefault("checked", {})
        for r in self._all():
            if checked.get(r.id) != r.version:  # each version of each record, once
                assert self.mall.replay(r.id) == r
                checked[r.id] = r.version


TestFollowUps = FollowUps.TestCase
TestFollowUps.settings = settings(settings(), stateful_step_count=60)
