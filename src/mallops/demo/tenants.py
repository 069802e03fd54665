"""Tenants (G4), tenant visits (V1-V3) and their suggestions (V4, V5)."""

from __future__ import annotations

import functools
import random
from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Actor, Record
from .data import SURNAMES, Action
from .simulation import Generator, Simulation, person_name, phone_number, random_hours

_SHOPS = (
    "服饰",
    "餐厅",
    "咖啡",
    "书店",
    "眼镜",
    "童装",
    "数码",
    "美妆",
    "火锅",
    "影城",
    "健身",
    "超市",
)
_TIER_TRADE = {"restaurant": "restaurant", "entertainment": "entertainment", "service": "service"}


class TenantGenerator(Generator):
    """Tenants (G4) and the annual visit plan (V1): on the demo's first day the mall's
    tenants are registered (some anchors, many restaurants on B1 and 3F, some accounts
    new this year) and the year's visits planned with ``mall.visits.plan_year``; each
    1 January the new year is planned."""

    kind = "tenant"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        ops = sim.staff.managers.get(sim.mall.policy.visits.department) or sim.staff.gm
        if sim.day_index == 0:
            for i, tenant in enumerate(sim.tenants):
                r = sim.rng("tenant", tenant.id)
                new = r.random() < 0.15
                if new:  # new accounts visited monthly in their first year (F7, V1)
                    lease = day.subtract(days=r.randrange(20, 330)).date()
                else:
                    lease = pendulum.date(r.randrange(2016, 2025), r.randrange(1, 13), 1)
                params = {
                    "unit": tenant.unit,
                    "name": f"{r.choice(SURNAMES)}记{r.choice(_SHOPS)}",
                    "trade": tenant.trade,
                    "tier": "anchor" if tenant.anchor else "regular",
                    "contact": person_name(r),
                    "phone": phone_number(r),
                    "lease_start": lease,
                    # every demo tenant is in the mall for the simulated month and beyond
                    "lease_end": pendulum.date(
                        max(lease.year + r.choice((3, 5, 8, 10)), day.year + 1), 12, 31
                    ),
                }
                # at the start of the first day, before any record names them (G11)
                when = day.add(microseconds=i)
                sim.at(when, functools.partial(self._open, sim, ops, params))
        if sim.day_index == 0 or (day.month == 1 and day.day == 1):
            sim.at(day.add(hours=8), functools.partial(self._plan, sim, ops, day.year))
        if sim.day_index > 0 and day.isoweekday() == 1:
            sim.at(day.add(hours=9), functools.partial(self._visit_hot_tenants, sim, ops, day))

    def _visit_hot_tenants(self, sim: Simulation, actor: Actor, day: pendulum.DateTime) -> None:
        """Each Monday the operations manager adds a visit (outside the plan) to every
        tenant concerned by complaints repeatedly in the past week (K4)."""
        if sim.clock.now() <= sim.resume_after:
            return
        week = sim.mall.query(kind="complaint", created_from=day.subtract(days=7), created_to=day)
        counts: dict[str, int] = {}
        for r in week:
            if r.tenant:
                counts[r.tenant] = counts.get(r.tenant, 0) + 1
        minimum = sim.mall.policy.targets.hot_spot_min
        visit_day = day.add(days=1)
        while not sim.mall.calendar.is_working_day(visit_day.date()):
            visit_day = visit_day.add(days=1)
        for i, tenant in enumerate(sorted(t for t, n in counts.items() if n >= minimum)):
            open_visits = sim.mall.visits.query(tenant=tenant, is_open=True)
            if any(not v.fields.get("plan_key") for v in open_visits):
                continue  # an extra visit is already on its way
            when = visit_day.add(days=i // 4).replace(
                hour=(10, 15)[i % 2], minute=(i % 4 // 2) * 30
            )
            while not sim.mall.calendar.is_working_day(when.date()):
                when = when.add(days=1)
            sim.mall.visits.schedule(tenant, actor=actor, planned_at=when)

    def _open(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        sim.mall.tenants.register(actor=actor, **params)

    def _plan(self, sim: Simulation, actor: Actor, year: int) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        sim.mall.visits.plan_year(year, actor=actor)  # rule V1; idempotent

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        return None  # tenants stay; leases end beyond a demo month


_TOPIC_TEXTS = {
    "property_service": "希望延长货梯使用时间",
    "engineering": "店铺门口地砖松动，建议更换",
    "security": "夜间停车场照明不足",
    "environment": "后通道垃圾清运不及时",
    "publicity": "希望在导视屏增加店铺信息",
    "promotion": "建议周末增加联合促销活动",
    "planning": "建议调整中庭活动时间避开高峰",
}


class VisitGenerator(Generator):
    """Tenant visits (V1-V4): the visit is agreed by phone a few days ahead (V2), made
    at the agreed time and confirmed by the tenant (V3); some tenants are not there
    (missed, rescheduled), some make suggestions (V5)."""

    kind = "visit"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        """None: visits come from the annual plan (V1)."""

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.visits
        rid = record.id
        visitor = sim.staff.of_role("staff", rng, sim.mall.policy.visits.department)
        tz = sim.mall.calendar.tz
        f = record.fields
        if record.state == "planned":
            planned = aware(f["planned_at"], tz=tz)
            when = max(now, planned.subtract(days=rng.randint(1, 4)).replace(hour=10))
            if when >= planned:
                when = max(now, planned.subtract(hours=2))
            return when, lambda: svc.appoint(
                rid, actor=visitor, at=planned, phoned=True, visitor=visitor.id
            )
        if record.state == "appointed":
            # the appointed visitor records the visit (V3; access rule "assignee", G5)
            team = sim.staff.staff.get(sim.mall.policy.visits.department, [])
            visitor = next((a for a in team if a.id == record.owner), visitor)
            at = aware(f["appointment_at"], tz=tz)
            if rng.random() < sim.config.missed_visit_rate:
                return max(now, at.add(minutes=20)), lambda: svc.fire(
                    rid, "miss", actor=visitor, reason="租户负责人不在"
                )
            topics = sorted(set(rng.sample(sorted(_TOPIC_TEXTS), k=rng.randint(1, 3))))
            suggestions = []
            if rng.random() < sim.config.suggestion_rate:
                for topic in rng.sample(topics, k=1 if rng.random() < 0.7 else len(topics)):
                    suggestions.append({"topic": topic, "text": _TOPIC_TEXTS[topic]})
            roll = rng.random()
            mood = "satisfied" if roll < 0.8 else ("fair" if roll < 0.95 else "dissatisfied")
            tenant = sim.mall.tenants.tenant(str(record.tenant))
            return max(now, at.add(minutes=rng.randint(25, 50))), lambda: svc.complete(
                rid,
                actor=visitor,
                form="meeting" if rng.random() < 0.7 else "inspection",
                topics=topics,
                notes="走访交流经营情况",
                satisfaction=mood,
                confirmed_by=str(tenant.contact or "店长"),
                suggestions=suggestions,
            )
        if record.state == "missed":  # a new time a few working days later (V2)
            day = now.add(days=rng.randint(2, 5))
            while not sim.mall.calendar.is_working_day(day.date()):
                day = day.add(days=1)
            planned = day.replace(hour=15 if rng.random() < 0.5 else 10, minute=0, second=0)
            return now.add(hours=rng.randint(1, 20)), lambda: svc.fire(
                rid, "reschedule", actor=visitor, planned_at=planned
            )
        return None


class SuggestionGenerator(Generator):
    """Tenant suggestions (V5): forwarded in writing to the department head or answered
    by the visitor, within a week (some late: the answer timer breaches and escalates);
    most answered ones are then solved."""

    kind = "suggestion"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        """None: suggestions are raised by completed visits (V5)."""

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.suggestions
        rid = record.id
        dept = record.department or "operations"
        worker = sim.staff.of_role("staff", rng, dept)
        head = sim.staff.of_role("department_manager", rng, dept)
        late = rng.random() < sim.config.late_rate * 1.5
        answer_in = random_hours(rng, 24 * 8, 24 * 12) if late else random_hours(rng, 4, 24 * 5)
        if record.state == "raised":
            if rng.random() < 0.4:
                return now + random_hours(rng, 1, 20), lambda: svc.fire(
                    rid, "forward", actor=worker, head=head.id, report="书面报告部门负责人"
                )
            return now + answer_in, lambda: svc.fire(
                rid, "answer", actor=worker, answer="已答复租户处理安排"
            )
        if record.state == "forwarded":
            return now + answer_in, lambda: svc.fire(
                rid, "answer", actor=head, answer="部门已书面答复"
            )
        if record.state == "answered" and rng.random() < 0.7:
            return now + random_hours(rng, 24, 24 * 10), lambda: svc.fire(
                rid, "solve", actor=worker, resolution="已落实"
            )
        return None
