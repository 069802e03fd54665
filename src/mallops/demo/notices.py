"""Notices and letters 发文 (O3) and outage notices 停电/停水通知 (O4) in the demo."""

from __future__ import annotations

import functools
import random
from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Actor, Record
from ..frontdesk.letters import LetterService
from ..frontdesk.outages import OutageService
from .data import Action
from .simulation import Generator, Simulation, person_name, random_hours

_GENERAL = (
    ("营业时间调整通知", "国庆期间营业时间调整为10:00-22:00"),
    ("装修施工管理通知", "夜间施工须提前申请，22:00后方可进场"),
    ("广告位使用通知", "中庭广告位本月起统一申请"),
    ("垃圾分类通知", "餐饮垃圾须于每日21:30前送至B2垃圾房"),
)
_FINDINGS = ("消防通道堆放杂物", "灭火器过期", "应急照明损坏", "私拉电线", "疏散指示不亮")
_AREAS = ("B1 美食广场", "1F 东区", "2F 西区", "3F 餐饮区", "4F 影城区")
_WORKS = {
    "power": ("配电柜例行检修", "高压开关柜更换", "变压器保养"),
    "water": ("供水管道改造", "二次供水水箱清洗", "阀门更换"),
    "gas": ("燃气管道检测",),
}


def _letters(sim: Simulation) -> LetterService:
    return sim.mall.registry.of("letter", LetterService)


def _outages(sim: Simulation) -> OutageService:
    return sim.mall.registry.of("outage", OutageService)


def _step(when: pendulum.DateTime, action: Action) -> tuple[pendulum.DateTime, Action]:
    return when, action


def _first_working_day(sim: Simulation, day: pendulum.DateTime) -> bool:
    cal = sim.mall.calendar.lenient()
    if not cal.is_working_day(day.date()):
        return False
    d = day.start_of("month")
    while d < day:
        if cal.is_working_day(d.date()):
            return False
        d = d.add(days=1)
    return True


class LetterGenerator(Generator):
    """Notices and letters (O3): on the first working day of each month the security
    department drafts the fire-safety inspection notice to every trading tenant (4.8.1);
    approvals, seal requests, seals, deliveries and signatures follow, some late
    (signature escalations); after the inspection about one tenant in ten gets a
    rectification letter 整改函, re-inspected, sometimes failed; a general notice now and
    then."""

    kind = "letter"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        security = sim.staff.staff["security"][0]
        if _first_working_day(sim, day):
            sim.at(day.add(hours=9, minutes=30), functools.partial(self._monthly, sim, security))
        if rng.random() < 0.35:
            title, body = rng.choice(_GENERAL)
            params = {"type": "general", "title": title, "body": body}
            params["tenant"] = rng.choice(sim.tenants).id
            actor = sim.staff.staff["operations"][rng.randrange(3)]
            when = day.add(seconds=int(rng.uniform(9.5, 16.5) * 3600))
            sim.at(when, functools.partial(self._draft, sim, actor, params))

    def _monthly(self, sim: Simulation, actor: Actor) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        month = sim.clock.now().format("M")
        for record in _letters(sim).monthly_notice(
            actor=actor,
            title=f"{month}月消防安全检查通知",
            body="安全部将于本月逐户进行消防安全检查，请做好准备",
        ):
            sim.plan(self, record)

    def _draft(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        sim.plan(self, _letters(sim).draft(actor=actor, **params))

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = _letters(sim)
        staff = sim.staff
        rid = record.id
        dept = record.department or "operations"
        desk = rng.choice(staff.desk)
        late = rng.random() < sim.config.late_rate
        state = record.state
        if state == "draft":
            boss = staff.managers.get(dept) or staff.managers["operations"]
            return _step(now + random_hours(rng, 0.5, 4), lambda: svc.approve(rid, actor=boss))
        if state == "approved":
            return _step(now + random_hours(rng, 0.3, 3), lambda: svc.request_seal(rid, actor=desk))
        if state == "seal_requested":
            return _step(now + random_hours(rng, 1, 20), lambda: svc.seal(rid, actor=staff.gm))
        if state == "sealed":
            to = person_name(rng)
            return _step(
                now + random_hours(rng, 0.5, 20),
                lambda: svc.deliver(rid, actor=desk, delivered_to=to),
            )
        if state == "delivered":  # rule O3: signed within the type's deadline, or late
            hours = (30, 110) if late else (0.2, 20)
            name = person_name(rng)
            return _step(
                now + random_hours(rng, *hours), lambda: svc.sign(rid, actor=desk, signed_by=name)
            )
        if state == "signed":
            inspect = record.fields.get("type") == "fire_safety_inspection"
            rectify = inspect and rng.random() < 0.1
            delay = random_hours(rng, 48, 140) if inspect else random_hours(rng, 2, 48)
            return _step(now + delay, functools.partial(self._archive, sim, record, desk, rectify))
        if state == "rectifying":  # rule O3: re-inspected by the letter's department
            inspector = rng.choice(staff.staff.get(dept) or staff.staff["security"])
            due = record.timer("rectification")
            base = due.due_at if due is not None and due.due_at else now.add(days=3)
            when = base + random_hours(rng, 2, 40) if late else now + (base - now) * 0.8
            passed = rng.random() >= 0.25
            days = None if passed else rng.choice((None, 2, 3))
            return _step(
                max(when, now.add(minutes=5)),
                lambda: svc.reinspect(rid, actor=inspector, passed=passed, rectify_days=days),
            )
        if state == "rectified":
            return _step(now + random_hours(rng, 1, 24), lambda: svc.archive(rid, actor=desk))
        return None

    def _archive(self, sim: Simulation, record: Record, desk: Actor, rectify: bool) -> None:
        """File the notice; after the inspection, a rectification letter if needed."""
        svc = _letters(sim)
        svc.archive(record.id, actor=desk, folder=f"{record.created_at.format('YYYY/MM')}/发文")
        if rectify:
            rng = sim.rng(record.id, "rectify")
            found = rng.sample(_FINDINGS, k=rng.randint(1, 2))
            letter = svc.rectification_for(
                record.id,
                actor=sim.staff.staff["security"][1],
                title="消防安全整改通知函",
                body="经消防安全检查，发现以下问题，请限期整改：" + "；".join(found),
                items=found,
                rectify_days=rng.choice((None, 3, 5)),
            )
            sim.plan(self, letter)


class OutageGenerator(Generator):
    """Outage notices (O4): a few planned power and water cuts a month, each announced to
    the tenants of its area days ahead (some notices go out late, some tenants never
    acknowledge: escalations); now and then an emergency cut with short notice; the
    cut starts by itself and engineering reports its end, sometimes after the plan."""

    kind = "outage"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        if rng.random() >= 0.16:
            return
        utility = rng.choice(("power", "power", "power", "water", "water", "gas"))
        emergency = rng.random() < 0.2
        planned_at = day.add(seconds=int(rng.uniform(9.5, 16) * 3600))
        if emergency:
            starts = planned_at + random_hours(rng, 1, 5)
        else:
            starts = (day + pendulum.duration(days=rng.randint(4, 9))).add(
                hours=rng.choice((0, 1, 2, 22, 23))
            )
        starts = starts.replace(minute=0, second=0, microsecond=0)
        notice = _outages(sim).policy.notice_before
        while not emergency and sim.mall.calendar.lenient().subtract(starts, notice) < planned_at:
            starts = starts.add(days=7)  # rule O4: planned early enough to give notice
        count = rng.randint(2, 8)
        tenants = [t.id for t in rng.sample(sim.tenants, k=min(count, len(sim.tenants)))]
        params: dict[str, Any] = {
            "utility": utility,
            "area": rng.choice(_AREAS),
            "starts_at": starts,
            "ends_at": starts + random_hours(rng, 1, 6),
            "tenants": tenants,
            "description": rng.choice(_WORKS[utility]),
        }
        if emergency:
            params |= {"emergency": True, "emergency_reason": "设备突发故障，须立即停机抢修"}
        actor = rng.choice(sim.staff.staff["engineering"])
        sim.at(planned_at, functools.partial(self._plan, sim, actor, params))

    def _plan(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        sim.plan(self, _outages(sim).plan(actor=actor, **params))

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = _outages(sim)
        rid = record.id
        desk = rng.choice(sim.staff.desk)
        late = rng.random() < sim.config.late_rate
        notices: dict[str, dict[str, Any]] = record.fields.get("notices") or {}
        starts = aware(record.fields["starts_at"], tz=sim.mall.calendar.tz)
        if record.state == "planned":
            waiting = [t for t, n in notices.items() if not n.get("notified_at")]
            batch = waiting if rng.random() < 0.7 else waiting[: max(1, len(waiting) // 2)]
            delay = random_hours(rng, 40, 90) if late else random_hours(rng, 0.2, 6)
            method = rng.choice(("written_notice", "written_notice", "phone", "wechat"))
            if now + delay >= starts:
                return None  # too late: the cut starts first (and is planned again then)
            return _step(
                now + delay, lambda: svc.notify(rid, actor=desk, tenants=batch, method=method)
            )
        if record.state == "notified":
            waiting = [t for t, n in notices.items() if not n.get("acknowledged_at")]
            if rng.random() < sim.config.late_rate / 2:
                return None  # nobody chases this tenant: the acknowledgement escalates
            tenant = waiting[0]
            name = person_name(rng)
            when = now + random_hours(rng, 0.2, 5)
            if when >= starts:
                return None  # the cut starts first
            return _step(
                when,
                lambda: svc.acknowledge(rid, actor=desk, tenant=tenant, acknowledged_by=name),
            )
        if record.state == "in_progress":  # rule O4: the end is reported
            engineer = rng.choice(sim.staff.staff["engineering"])
            ends = aware(record.fields["ends_at"], tz=sim.mall.calendar.tz)
            extra = random_hours(rng, 0.5, 3) if late else random_hours(rng, -0.4, 0.4)
            when = max(ends + extra, now.add(minutes=10))
            return _step(when, lambda: svc.restore(rid, actor=engineer))
        return None  # waiting for the cut to start by itself (then planned again)
