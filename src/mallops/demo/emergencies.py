"""Incidents (E1), drills (E2) and satisfaction-survey campaigns (K5) in the demo.

Volumes of a mid-sized mall: an incident every week or so (a lift entrapment, a power
or water cut, a blocked drain, now and then a fire alarm that turns out false), every
drill plan scheduled on the first day (the fire and evacuation drill due within the
month, the lift-rescue drill due early and held late), and one campaign per audience
in the current survey window, answered over the following days.
"""

from __future__ import annotations

import functools
import random
from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Record
from ..operations.drills import DrillService
from ..operations.incidents import IncidentService
from ..operations.surveys import SurveyService
from .data import SERVICE_HOURS, Action
from .simulation import Generator, Simulation, person_name, random_hours, weighted

_INCIDENTS = (
    ("lift_entrapment", 4, "电梯停在两层之间，有人被困"),
    ("power_failure", 2, "局部区域突然停电"),
    ("water_cut", 2, "卫生间突然停水"),
    ("blocked_drain", 3, "餐饮区排水管堵塞，地面积水"),
    ("fire", 2, "烟感报警，B1 有烟味"),
    ("equipment_failure", 1, "生活水泵停转"),
)
_PLACES = ("1F 中庭", "2F 东侧", "3F 观光电梯", "B1 餐饮区", "4F 影院入口", "B2 停车场")


def _incidents(sim: Simulation) -> IncidentService:
    return sim.mall.runtime.services.of("incident", IncidentService)


def _drills(sim: Simulation) -> DrillService:
    return sim.mall.runtime.services.of("drill", DrillService)


def _surveys(sim: Simulation) -> SurveyService:
    return sim.mall.runtime.services.of("survey", SurveyService)


def _closing(day: pendulum.DateTime, rng: random.Random) -> pendulum.DateTime:
    return day.add(hours=SERVICE_HOURS[0]).add(
        seconds=rng.randrange((SERVICE_HOURS[1] - SERVICE_HOURS[0]) * 3600)
    )


class IncidentGenerator(Generator):
    """Incidents (E1): registered by the desk, the plan's steps taken by the department
    on duty (a step now and then skipped by the manager with a reason), progress notices
    to the tenants nearby, stand-down and the review the next days; fire alarms that
    turn out false."""

    kind = "incident"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        if sim.day_index % 30 != 9 and rng.random() >= 0.12:
            return
        kind = (
            "lift_entrapment"
            if sim.day_index % 30 == 9
            else weighted(rng, tuple((k, w) for k, w, _ in _INCIDENTS))
        )
        text = next(t for k, _, t in _INCIDENTS if k == kind)
        tenants = [t.id for t in rng.sample(sim.tenants, k=min(3, len(sim.tenants)))]
        params = {
            "type": kind,
            "location": rng.choice(_PLACES),
            "description": text,
            "tenants": tenants,
            "reported_by": person_name(rng),
        }
        actor = rng.choice(sim.staff.desk)
        sim.at(_closing(day, rng), functools.partial(self._open, sim, actor, params))

    def _open(self, sim: Simulation, actor: Any, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        sim.plan(self, _incidents(sim).register(actor=actor, **params))

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = _incidents(sim)
        rid = record.id
        dept = record.department or "security"
        worker = rng.choice(sim.staff.staff.get(dept) or sim.staff.staff["security"])
        manager = sim.staff.managers.get(dept) or sim.staff.managers["security"]
        minutes = pendulum.duration
        if record.state == "recovered":
            return now + random_hours(rng, 20, 50), lambda: svc.review(
                rid, actor=sim.staff.pm, summary="按预案处置完毕", lessons="复核预案联系人"
            )
        steps = record.fields.get("steps") or []
        pending = [s for s in steps if s["status"] == "pending"]
        if not pending:
            return now + minutes(minutes=rng.randrange(10, 60)), lambda: svc.stand_down(
                rid, actor=manager
            )
        step = pending[0]["key"]
        first = len(pending) == len(steps)
        if first and record.fields.get("type") == "fire" and rng.random() < 0.7:
            return now + minutes(minutes=rng.randrange(4, 12)), lambda: svc.false_alarm(
                rid, actor=manager, reason="烟感误报：餐饮油烟"
            )
        late = rng.random() < sim.config.late_rate
        wait = minutes(minutes=rng.randrange(2, 14) if first and not late else rng.randrange(5, 40))
        if not first and rng.random() < 0.3 and len(record.fields.get("notices") or []) < 3:
            return now + wait, lambda: svc.notify(rid, "处置进行中，请暂勿前往该区域", actor=worker)
        if not first and rng.random() < 0.08:
            return now + wait, lambda: svc.skip_step(
                rid, step, actor=manager, reason="现场情况不需要此步骤"
            )
        return now + wait, lambda: svc.step(rid, step, actor=worker)


# -- drills (E2) ----------------------------------------------------------------------------

_DRILL_DUE = {  # days from the run's first day, hour: fire within the month, lift early
    "fire_evacuation": (17, 18),
    "lift_entrapment": (6, 10),
    "power_failure": (120, 10),
    "flood": (240, 10),
}


class DrillGenerator(Generator):
    """Drills (E2): every plan scheduled on the first day; most drills held a day or two
    before they are due, some only after falling overdue (escalated)."""

    kind = "drill"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        if sim.day_index != 0:
            return
        sim.at(day.add(hours=9, minutes=30), functools.partial(self._schedule, sim, day))

    def _schedule(self, sim: Simulation, day: pendulum.DateTime) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        manager = sim.staff.managers["security"]
        for key, (days, hour) in _DRILL_DUE.items():
            if _drills(sim).query(is_open=True, category=key):
                continue
            due = day.add(days=days).replace(hour=hour)
            sim.plan(self, _drills(sim).start(actor=manager, plan=key, due_at=due))

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        if record.state not in ("scheduled", "overdue"):
            return None
        due = aware(record.fields["due_at"], tz=sim.mall.calendar.tz)
        late = record.category == "lift_entrapment" or rng.random() < sim.config.late_rate
        when = due.add(days=rng.randrange(3, 9)) if late else due.subtract(days=rng.randrange(1, 3))
        when = max(when.replace(hour=15, minute=0), now.add(minutes=5))
        rid = record.id
        dept = record.department or "security"
        lead = sim.staff.managers.get(dept) or sim.staff.managers["security"]
        people = rng.randrange(40, 160)
        findings = rng.choice(
            ("疏散通道有堆物", "应急广播音量不足", "部分员工不熟悉集合点", "演练顺利，未见明显问题")
        )
        return when, lambda: _drills(sim).hold(
            rid,
            actor=lead,
            participants=people,
            findings=findings,
            departments=[dept, "customer_service"],
        )


# -- satisfaction surveys (K5) ------------------------------------------------------------------


class SurveyGenerator(Generator):
    """Satisfaction surveys (K5): one campaign per audience in the current window,
    planned on the third day, answered over the next two weeks, closed by the
    customer-service head."""

    kind = "survey"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        if sim.day_index % 30 != 2:
            return
        per_year = min(12, sim.mall.policy.targets.surveys_per_year)
        if per_year < 1:
            return  # the policy asks for no surveys
        window = (day.month - 1) * per_year // 12 + 1
        for audience, sample in (("tenants", min(30, len(sim.tenants))), ("customers", 50)):
            params = {"audience": audience, "year": day.year, "window": window, "sample": sample}
            sim.at(day.add(hours=10), functools.partial(self._plan, sim, params))

    def _plan(self, sim: Simulation, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        for r in _surveys(sim).query(category=params["audience"]):
            if (r.fields.get("year"), r.fields.get("window")) == (params["year"], params["window"]):
                return  # this window's campaign exists (a continued run)
        sim.plan(self, _surveys(sim).plan(actor=sim.staff.cs_head, **params))

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = _surveys(sim)
        rid = record.id
        head = sim.staff.cs_head
        if record.state == "planned":
            return now + random_hours(rng, 20, 26), lambda: svc.fire(rid, "start", actor=head)
        if record.state != "running":
            return None
        answers = record.fields.get("answers") or []
        if len(answers) >= int(record.fields["sample"]) * 0.8:
            return now + random_hours(rng, 2, 24), lambda: svc.fire(rid, "close", actor=head)
        n = len(answers)  # each respondent answers once (the sample never exceeds them)
        if record.category == "tenants":
            respondent = f"{person_name(rng)}（{sim.tenants[n].id}）"  # the shop's contact
        else:
            respondent = f"{person_name(rng)}-{n + 1}"

        def rating() -> int:
            return int(weighted(rng, ((5, 60), (4, 35), (3, 4), (2, 1))))

        ratings = {"speed": rating(), "result": rating(), "attitude": rating()}
        extra = {q: rating() for q in record.fields.get("questions", [])[3:]}
        clerk = rng.choice(sim.staff.desk)
        return now + random_hours(rng, 1, 7), lambda: svc.answer(
            rid,
            actor=clerk,
            respondent=respondent,
            answers=extra,
            speed=ratings["speed"],
            result=ratings["result"],
            attitude=ratings["attitude"],
        )
