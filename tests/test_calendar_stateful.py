"""Hypothesis state machine over year-end intake (G2, G9): complaints opened and handled
across 2026/2027 without 2027 data, the 2027 schedule arriving at a random moment.

After every step: no operation failed for missing holiday data, every record replays to
the stored one (replay runs under the calendar in force: records opened before the 2027
data arrived are left to the configuration-aware replay), fired marks stay fired across
a re-plan, provisional timers exist only for years the calendar in force lacks (or until
the first tick under the new one), history is chronological, and a second tick at the
same time emits nothing.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mallops import CalendarError, Mall, MallopsError, ManualClock, MemoryStore, Policy, Record

from .conftest import DESK, at

WITH_2027 = Policy.from_dict(
    {"calendar": {"years": {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}}}}
)  # a TEST schedule for 2027, not the official one


class YearEnd(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(at(2026, 12, 28, 9))
        self.store = MemoryStore()
        self.mall = Mall(store=self.store, clock=self.clock)
        self.fired: dict[tuple[str, str, int], object] = {}
        self.before_switch: set[str] = set()
        self.switched = False

    def _records(self) -> list[Record]:
        return self.mall.query()

    @rule()
    def open(self) -> None:
        self.mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="Li Lei",
            contact="13800000000",
            location="B1 restroom",
            description="dirty",
            demand="clean",
        )

    @rule(hours=st.integers(min_value=1, max_value=60))
    def advance(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def tick(self) -> None:
        events = self.mall.tick()
        assert not [e for e in events if e.type == "tick_failed"], events
        assert [e for e in self.mall.tick() if e.type != "calendar_horizon"] == []

    @precondition(lambda self: not self.switched)
    @rule(replan=st.booleans())
    def schedule_published(self, replan: bool) -> None:
        self.before_switch = {r.id for r in self._records()}
        self.mall = Mall(store=self.store, clock=self.clock, policy=WITH_2027)
        self.switched = True  # Mall adds its plug-ins' sections: not the same object
        if replan:
            self.mall.replan_provisional(reason="2027 schedule")

    @rule(data=st.data())
    def handle(self, data: st.DataObject) -> None:
        records = [r for r in self._records() if r.is_open]
        if not records:
            return
        record = data.draw(st.sampled_from(records))
        event = data.draw(st.sampled_from(["assign", "contact", "resolve"]))
        params = {
            "assign": {"department": "cleaning", "assignee": "Wang"},
            "contact": {},
            "resolve": {"resolution": "cleaned"},
        }[event]
        try:
            self.mall.fire(record.id, event, actor=DESK, **params)
        except CalendarError as exc:  # G9: never for missing holiday data
            raise AssertionError(f"{event} failed for holiday data: {exc}") from exc
        except MallopsError:
            pass  # a wrong state or role: allowed to fail, tested elsewhere

    @invariant()
    def consistent(self) -> None:
        calendar = self.mall.calendar
        for r in self._records():
            if r.id not in self.before_switch:
                assert self.mall.replay(r.id) == r
            assert [h.at for h in r.history] == sorted(h.at for h in r.history)
            for t in r.timers:
                if t.provisional_year is not None:
                    assert t.status == "running"
                    assert not calendar.covers(t.provisional_year) or (
                        self.switched  # tick/replan_provisional not run yet
                    )
                for i, m in enumerate(t.marks):
                    key = (r.id, t.name, i)
                    if key in self.fired and t.restarts == 0:
                        assert m.fired_at == self.fired[key], "a fired mark was un-fired"
                    if m.fired_at is not None:
                        self.fired.setdefault(key, m.fired_at)


TestYearEnd = YearEnd.TestCase
TestYearEnd.settings = settings(
    stateful_step_count=25, suppress_health_check=[HealthCheck.too_slow], deadline=None
)
