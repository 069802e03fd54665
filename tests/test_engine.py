"""The engine: definition-time validation, atomic events, timers as durable data (G10)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from mallops import Duration, InvalidDefinition, InvalidTransition, Mall, ManualClock, Policy
from mallops.engine import timers as T
from mallops.engine.context import Context
from mallops.engine.engine import Engine
from mallops.plugins import (
    EventSpec,
    Param,
    StateSpec,
    TimerSpec,
    Workflow,
    WorkflowService,
    WorkflowSpec,
)

from .conftest import CLEANER, DESK, at

CAL = Policy.seed().build_calendar()
ROLES = ("front_desk",)


def spec(**changes: Any) -> WorkflowSpec:
    """A small valid workflow: new -> doing -> done, with a 'hold' pause state."""
    base: dict[str, Any] = {
        "kind": "job",
        "zh": "任务",
        "en": "job",
        "prefix": "J",
        "states": (
            StateSpec("new", "新", "new"),
            StateSpec("doing", "做", "doing"),
            StateSpec("hold", "停", "on hold"),
            StateSpec("done", "完", "done", final=True),
        ),
        "initial": "new",
        "create": EventSpec("open", (), None, ROLES, "开", "open", params=(Param("title"),)),
        "events": (
            EventSpec("start", ("new",), "doing", ROLES, "始", "start"),
            EventSpec("hold", ("doing",), "hold", ROLES, "停", "hold"),
            EventSpec("go_on", ("hold",), "doing", ROLES, "续", "resume"),
            EventSpec("finish", ("doing",), "done", ROLES, "完", "finish"),
        ),
        "timers": (
            TimerSpec(
                "work",
                "工",
                "work",
                ("open",),
                ("done",),
                lambda ctx: T.plan_for(Duration(10, "hours"), ctx.calendar, warn_at=0.5),
                pauses_in=lambda _p: ("hold",),
            ),
        ),
    }
    base.update(changes)
    return WorkflowSpec(**base)


class TestDefinitionValidation:
    def test_a_valid_spec_builds(self) -> None:
        """The reference spec is accepted."""
        assert spec().state_names == ("new", "doing", "hold", "done")

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"initial": "nowhere"}, "initial state 'nowhere'"),
            (
                {"events": (EventSpec("start", ("new",), "nowhere", ROLES, "", ""),)},
                "unknown state 'nowhere'",
            ),
            (
                {"events": (EventSpec("start", ("gone",), "done", ROLES, "", ""),)},
                "unknown state 'gone'",
            ),
            (
                {
                    "events": (
                        EventSpec("start", ("new",), "doing", ROLES, "", ""),
                        EventSpec("finish", ("doing",), "done", ROLES, "", ""),
                    ),
                    "timers": (),
                },
                "unreachable states: hold",
            ),
            (
                {
                    "events": (
                        EventSpec("start", ("new",), "doing", ROLES, "", ""),
                        EventSpec("hold", ("doing",), "hold", ROLES, "", ""),
                        EventSpec("finish", ("doing",), "done", ROLES, "", ""),
                    ),
                    "timers": (),
                },
                "dead end: no event leaves state 'hold'",
            ),
            ({"events": (EventSpec("start", ("new",), "doing", (), "", ""),)}, "names no role"),
            (
                {"timers": (TimerSpec("t", "", "", ("nope",), (), lambda c: None),)},
                "starts on unknown event 'nope'",
            ),
            (
                {"timers": (TimerSpec("t", "", "", ("start",), ("limbo",), lambda c: None),)},
                "stops in unknown state 'limbo'",
            ),
            ({"kind": "Bad Kind"}, "lower_snake"),
        ],
    )
    def test_invalid_definitions_are_refused_when_declared(
        self, changes: dict[str, Any], message: str
    ) -> None:
        """transitions accepts an unknown destination until fired; mallops refuses at once."""
        with pytest.raises(InvalidDefinition, match=message):
            spec(**changes)

    def test_roles_missing_from_the_policy_are_refused_at_binding(self) -> None:
        """A spec naming a role the policy lacks cannot be bound to that policy."""
        s = spec(
            events=(*spec().events, EventSpec("audit", ("doing",), None, ("auditor",), "", ""))
        )
        with pytest.raises(InvalidDefinition, match="role 'auditor'"):
            Engine(s, Policy.seed(), CAL)

    def test_policy_pause_state_must_exist(self) -> None:
        """A timer the policy pauses in an unknown state is refused at binding."""
        bad = TimerSpec("t", "", "", ("open",), (), lambda c: None, pauses_in=lambda _p: ("x",))
        with pytest.raises(InvalidDefinition, match="unknown state 'x'"):
            Engine(spec(timers=(bad,)), Policy.seed(), CAL)

    def test_no_model_is_ever_bound_to_the_machine(self, mall: Mall) -> None:
        """Records are never added to the shared transitions machine (no add_model)."""
        c = mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="a",
            contact="b",
            location="c",
            description="d",
            demand="e",
        )
        mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
        assert mall.complaints.engine._machine.models == []


def job_mall(clock: ManualClock, s: WorkflowSpec | None = None) -> tuple[Mall, WorkflowService]:
    mall = Mall(clock=clock, workflows=[Workflow(s or spec())])
    return mall, mall.service("job")


class TestEvents:
    def test_a_failing_effect_changes_nothing(self, clock: ManualClock) -> None:
        """An effect that raises half-way leaves the record, its timers and the store as
        they were."""

        def explode(ctx: Context) -> None:
            ctx.set("half", True)
            ctx.stop_timer("work")
            raise InvalidTransition("boom")

        events = (
            *spec().events,
            EventSpec("blow", ("doing",), None, ROLES, "", "", effect=explode),
        )
        mall, jobs = job_mall(clock, spec(events=events))
        r = jobs.open(actor=DESK, title="t")
        r = jobs.fire(r.id, "start", actor=DESK)
        with pytest.raises(InvalidTransition, match="boom"):
            jobs.fire(r.id, "blow", actor=DESK)
        assert mall.get(r.id) is r

    def test_guard_failure_explains_why(self, clock: ManualClock) -> None:
        """A failing guard raises InvalidTransition with the guard's sentence."""
        guarded = EventSpec(
            "finish", ("doing",), "done", ROLES, "", "", guard=lambda c: "the form is not signed"
        )
        events = (*(e for e in spec().events if e.name != "finish"), guarded)
        _, jobs = job_mall(clock, spec(events=events))
        r = jobs.fire(jobs.open(actor=DESK).id, "start", actor=DESK)
        with pytest.raises(InvalidTransition, match="the form is not signed"):
            jobs.fire(r.id, "finish", actor=DESK)

    def test_wrong_state_names_state_event_and_allowed(self, clock: ManualClock) -> None:
        """Firing from the wrong state says the state, the event and what is possible."""
        _, jobs = job_mall(clock)
        r = jobs.open(actor=DESK)
        with pytest.raises(InvalidTransition) as info:
            jobs.fire(r.id, "finish", actor=DESK)
        err = info.value
        assert (err.state, err.event, err.allowed) == ("new", "finish", ("start",))


class TestTimersG10:
    def test_g10_pause_moves_a_wall_deadline_by_the_paused_time(self, clock: ManualClock) -> None:
        """A wall timer paused for 2 h falls due 2 h later; no running timer is closed."""
        _, jobs = job_mall(clock)
        r = jobs.fire(jobs.open(actor=DESK).id, "start", actor=DESK)
        assert r.timer("work").due_at == at(2026, 9, 30, 20)  # type: ignore[union-attr]
        clock.advance(hours=1)
        r = jobs.fire(r.id, "hold", actor=DESK)
        paused = r.timer("work")
        assert paused is not None
        assert (paused.status, paused.due_at, r.wake_at) == ("paused", None, None)
        clock.advance(hours=2)
        r = jobs.fire(r.id, "go_on", actor=DESK)
        assert r.timer("work").due_at == at(2026, 9, 30, 22)  # type: ignore[union-attr]
        r = jobs.fire(r.id, "finish", actor=DESK)
        assert all(not t.active for t in r.timers)
        assert r.timer("work").status == "met"  # type: ignore[union-attr]

    def test_g10_working_pause_overnight_moves_nothing(self) -> None:
        """A working-time timer paused from closing to opening keeps its deadline."""
        plan = T.plan_for(Duration(4, "working hours"), CAL)
        t = T.start("x", plan, at(2026, 9, 29, 16), CAL)
        assert t.due_at == at(2026, 9, 30, 11)
        t = T.pause(t, at(2026, 9, 29, 18), None, CAL)
        t = T.resume(t, at(2026, 9, 30, 9), CAL)
        assert t.due_at == at(2026, 9, 30, 11)

    def test_g10_a_breach_happens_after_the_deadline_not_at_it(self, clock: ManualClock) -> None:
        """Stopping exactly at the deadline is met; the ticker fires only after it."""
        mall, jobs = job_mall(clock)
        r = jobs.fire(jobs.open(actor=DESK).id, "start", actor=DESK)
        clock.set(at(2026, 9, 30, 20))
        assert [e.type for e in mall.tick()] == ["timer_warning"]
        r = jobs.fire(r.id, "finish", actor=DESK)
        assert r.timer("work").status == "met"  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("mode", "due"),
        [
            ("keep", at(2026, 9, 30, 13)),  # 2 of 3 hours used; 1 h left
            ("restart", at(2026, 9, 30, 15)),
            ("recompute", at(2026, 9, 30, 13)),
        ],
    )
    def test_timer_change_modes_are_explicit(self, mode: str, due: Any) -> None:
        """keep / restart / recompute give the documented deadlines after a change at +2 h."""
        plan = T.plan_for(Duration(3, "hours"), CAL)
        t = T.start("x", plan, at(2026, 9, 30, 10), CAL)
        t = T.rebase(t, plan, mode, at(2026, 9, 30, 12), None, CAL)
        assert t.due_at == due

    def test_reopen_keep_counts_the_closed_time_as_paused(self) -> None:
        """Re-planning a stopped timer with keep resumes from the time used before it stopped."""
        plan = T.plan_for(Duration(3, "hours"), CAL)
        t = T.start("x", plan, at(2026, 9, 30, 10), CAL)
        t = T.stop(t, at(2026, 9, 30, 11), None, CAL)
        kept = T.rebase(t, plan, "keep", at(2026, 9, 30, 15), None, CAL)
        assert kept.due_at == at(2026, 9, 30, 17)
        recomputed = T.rebase(t, plan, "recompute", at(2026, 9, 30, 15), None, CAL)
        assert recomputed.due_at == at(2026, 9, 30, 15)

    def test_time_is_attributed_to_the_departments_that_held_the_record(
        self, mall: Mall, clock: ManualClock
    ) -> None:
        """A breach can be traced: the first-contact time is split by department."""
        c = mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="a",
            contact="b",
            location="c",
            description="d",
            demand="e",
        )
        clock.advance(hours=1)
        mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
        clock.advance(hours=3)
        c = mall.complaints.fire(c.id, "contact", actor=CLEANER)
        t = c.timer("first_contact")
        assert t is not None
        assert dict(t.by_department) == {"customer_service": 3600, "cleaning": 3 * 3600}
        assert (t.status, t.breached_at) == ("breached", at(2026, 9, 30, 13))

    def test_warnings_are_held_back_outside_working_hours(self, clock: ManualClock) -> None:
        """A quiet warning due at night fires at the next opening, not at 3 a.m."""
        plan = T.TimerPlan(
            "wall", 20 * 3600, (("warning", 17 * 3600, 0), ("breach", 20 * 3600, 0)), True
        )
        t = T.start("x", plan, at(2026, 9, 29, 10), CAL)
        assert t.marks[0].due_at == at(2026, 9, 30, 9)  # 03:00 held until 09:00
        loud = T.start("x", attrs.evolve(plan, quiet=False), at(2026, 9, 29, 10), CAL)
        assert loud.marks[0].due_at == at(2026, 9, 30, 3)


class TestTick:
    def test_tick_is_idempotent_and_catches_up_in_order(
        self, mall: Mall, clock: ManualClock
    ) -> None:
        """After a week without ticking every missed mark fires once, in time order, each
        at its own due time; a second tick emits nothing."""
        for place in ("L1", "L2", "L3"):
            mall.complaints.open(
                actor=DESK,
                channel="phone",
                complainant="a",
                contact="b",
                location=place,
                description="d",
                demand="e",
            )
            clock.advance(minutes=10)
        clock.advance(days=7)
        events = mall.tick()
        times = [e.at for e in events]
        assert times == sorted(times)
        assert len([e for e in events if e.type == "escalated"]) == 6
        assert all(e.at < clock.now() for e in events)
        assert mall.tick() == []

    def test_user_event_first_fires_overdue_marks(self, mall: Mall, clock: ManualClock) -> None:
        """Firing an event on a record whose deadline passed unticked records the breach
        first, at its own time, so the history stays chronological."""
        c = mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="a",
            contact="b",
            location="c",
            description="d",
            demand="e",
        )
        clock.advance(hours=4)
        c = mall.complaints.fire(c.id, "assign", actor=DESK, department="cleaning", assignee="x")
        assert [h.event for h in c.history] == ["open", "_timer", "_timer", "assign"]
        assert [h.at for h in c.history] == sorted(h.at for h in c.history)
        assert mall.replay(c.id) == c


class TestTickFailures:
    def test_g9_a_record_that_cannot_fire_does_not_hold_up_the_others(
        self, clock: ManualClock
    ) -> None:
        """A mark whose handling raises (here a CalendarError, as when a follow-up needs a
        year without holiday data) leaves that record unchanged, is reported as a
        tick_failed event, and every other record still fires; the next tick retries."""
        from mallops import CalendarError

        def on_mark(ctx: Context, timer: object, mark: object) -> None:
            if ctx.get("title") == "bad":
                raise CalendarError("no holiday data for 2027", year=2027)

        def remember(ctx: Context) -> None:
            ctx.set("title", ctx.param("title"))

        base = spec()
        timer = attrs.evolve(base.timers[0], on_mark=on_mark)
        create = attrs.evolve(base.create, effect=remember)
        mall, jobs = job_mall(clock, spec(timers=(timer,), create=create))
        bad = jobs.open(actor=DESK, title="bad")
        good = jobs.open(actor=DESK, title="good")
        clock.advance(hours=6)
        events = mall.tick()
        assert [(e.type, e.record_id) for e in events] == [
            ("tick_failed", bad.id),
            ("timer_warning", good.id),
        ]
        assert events[0].data["error_type"] == "CalendarError"
        assert mall.get(bad.id) == bad
        assert [e.type for e in mall.tick()] == ["tick_failed"]
