"""Complaints (C1-C14) and their return visits (F1-F5)."""

from __future__ import annotations

import functools
import random
from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Actor, Record
from .data import (
    CHANNEL_WEIGHTS,
    COMPLAINT_TEXTS,
    GIVEN_NAMES,
    PLACES,
    SERVICE_HOURS,
    SURNAMES,
    Action,
    Tenant,
)
from .simulation import Generator, Simulation, random_hours, weighted


class ComplaintGenerator(Generator):
    """Complaints (C1-C14): arrivals by channel and category at the mall's hours, staff
    who are sometimes late (C5, C7, C8 breaches and escalations), public replies that
    need approval (C13), unhappy customers whose complaints reopen (C12)."""

    kind = "complaint"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        factor = 1.35 if day.isoweekday() >= 6 else 1.0
        count = max(0, round(rng.gauss(sim.config.complaints_per_day * factor, 2.5)))
        cats = tuple((k, v[0]) for k, v in COMPLAINT_TEXTS.items())
        times = sorted(
            day.add(hours=SERVICE_HOURS[0]).add(
                seconds=rng.randrange((SERVICE_HOURS[1] - SERVICE_HOURS[0]) * 3600)
            )
            for _ in range(count)
        )
        for when in times:
            category = weighted(rng, cats)
            _w, _dept, texts = COMPLAINT_TEXTS[category]
            description, demand = rng.choice(texts)
            tenant: Tenant | None = None
            if category in ("service", "promotion", "environment") and rng.random() < 0.45:
                # a few tenants draw most complaints (K4 repeat tenants)
                tenant = rng.choices(sim.tenants, weights=sim.tenant_weights)[0]
                location = tenant.unit
            else:
                location = weighted(rng, PLACES[category])
            roll = rng.random()
            severity = "major" if roll < 0.012 else ("important" if roll < 0.12 else None)
            params = {
                "channel": weighted(rng, CHANNEL_WEIGHTS),
                "complainant": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_NAMES, k=2)),
                "contact": "1" + rng.choice("3578") + "".join(rng.choices("0123456789", k=9)),
                "location": location,
                "description": description,
                "demand": demand,
                "severity": severity,
                "tenant": tenant.id if tenant else None,
            }
            actor = rng.choice(sim.staff.desk)
            sim.at(when, functools.partial(self._open, sim, actor, params))

    def _open(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return  # opened by the run that stopped in the middle of this day
        record = sim.mall.complaints.open(actor=actor, **params)
        sim.plan(self, record)

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        late = rng.random() < sim.config.late_rate
        svc = sim.mall.complaints
        staff = sim.staff
        dept = COMPLAINT_TEXTS.get(record.category or "", (0, "operations", ()))[1]
        worker = rng.choice(staff.staff.get(dept) or staff.staff["operations"])
        manager = staff.managers.get(dept, staff.gm)
        rid = record.id
        state = record.state
        if state == "registered":
            desk = rng.choice(staff.desk)
            delay = random_hours(rng, 2.5, 6) if late else random_hours(rng, 0.1, 0.8)
            return now + delay, lambda: svc.fire(
                rid, "assign", actor=desk, department=dept, assignee=worker.id
            )
        if state == "assigned":
            delay = random_hours(rng, 3.2, 9) if late else random_hours(rng, 0.2, 1.8)
            return now + delay, lambda: svc.fire(rid, "contact", actor=worker)
        if state == "contacted":
            if rng.random() < 0.05:
                return now + random_hours(rng, 1, 8), lambda: svc.fire(
                    rid, "dismiss", actor=manager, explanation="属租户经营行为，已向顾客解释"
                )
            promise = (now + random_hours(rng, 20, 70)).replace(minute=0, second=0, microsecond=0)
            delay = random_hours(rng, 0.3, 3)
            return now + delay, lambda: svc.fire(
                rid,
                "reply",
                actor=worker,
                message="已安排处理",
                promised_by=max(promise, sim.clock.now().add(hours=2)),
            )
        if state == "in_progress":
            promised = record.fields.get("promised_by")
            due = aware(promised, tz=sim.mall.calendar.tz) if promised else now.add(days=1)
            if late:
                when = max(now, due) + random_hours(rng, 6, 110)
            else:
                when = now + (max(due, now.add(hours=1)) - now) * rng.uniform(0.2, 0.95)
            return when, lambda: svc.fire(rid, "resolve", actor=worker, resolution="已处理完毕")
        if state == "pending_approval":
            delay = random_hours(rng, 1, 8)
            return now + delay, lambda: svc.fire(rid, "approve", actor=staff.cs_head)
        if state == "resolved":
            if sim.mall.policy.complaints.survey_by != "survey":
                return None  # the return visit (回访) asks the customer (C12, F2)
            desk = rng.choice(staff.desk)
            speed, result, attitude = answers(rng, sim.config.dissatisfied_rate)
            return now + random_hours(rng, 2, 26), lambda: svc.fire(
                rid, "survey", actor=desk, speed=speed, result=result, attitude=attitude
            )
        return None


def answers(rng: random.Random, unhappy_rate: float) -> tuple[int, int, int]:
    """Speed, result and attitude scores (C12): unhappy customers give a 1-3 somewhere."""
    unhappy = rng.random() < unhappy_rate
    scores = [rng.randint(1, 3) if unhappy else rng.randint(4, 5) for _ in range(3)]
    if unhappy:
        scores[rng.randrange(3)] = rng.randint(1, 3)
    elif rng.random() < 0.3:
        scores[rng.randrange(3)] = rng.randint(4, 5)
    return scores[0], scores[1], scores[2]


class ReturnVisitGenerator(Generator):
    """Return visits 回访 (F1-F6): mallops opens them when a complaint is resolved or an
    external repair accepted; a role the F3 permit allows calls the customer, who is
    sometimes not reachable (F4, a new try later) and sometimes unhappy (the source
    reopens, F5).  Tracking visits (事中, F1) get a contact every day or two."""

    kind = "return_visit"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        """None: return visits are opened by mallops itself (F2)."""

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        if record.state != "due":
            return None
        svc = sim.mall.return_visits
        rid = record.id
        actor = sim.staff.of_role(  # F3 and G5: of the department the visit belongs to
            str(record.fields.get("performer_role") or "gm"),
            rng,
            record.department or sim.mall.policy.return_visits.department,
        )
        stage = record.fields.get("stage")
        if stage == "during":  # F1: keep the customer informed while the source waits
            return now + random_hours(rng, 18, 40), lambda: svc.fire(
                rid, "track", actor=actor, method="phone", note="告知处理进度"
            )
        if stage != "after":
            return None
        tries = len(record.fields.get("attempts") or ())
        late = rng.random() < sim.config.late_rate
        if tries < 2 and rng.random() < sim.config.unreachable_rate:
            outcome = rng.choice(("not_reachable", "not_reachable", "busy"))
            delay = random_hours(rng, 1.2, 2.3) if tries else random_hours(rng, 1, 8)
            return now + delay, lambda: svc.fire(
                rid, "not_reached", actor=actor, method="phone", outcome=outcome
            )
        if late:
            delay = random_hours(rng, 12, 40)
        elif tries:  # call again when agreed (F4: retry_after)
            delay = random_hours(rng, 1.2, 2.3)
        else:
            delay = random_hours(rng, 0.5, 6)
        speed, result, attitude = answers(rng, sim.config.dissatisfied_rate)
        method = "on_site" if rng.random() < 0.1 else "phone"
        return now + delay, lambda: svc.fire(
            rid,
            "visit",
            actor=actor,
            method=method,
            speed=speed,
            result=result,
            attitude=attitude,
        )
