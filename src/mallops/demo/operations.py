"""Repair orders (R1-R8), found items (L1-L8) and lost reports."""

from __future__ import annotations

import functools
import random
from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import SYSTEM, Actor, Record
from .data import (
    FAULTS,
    ID_TYPES,
    ITEM_PLACES,
    ITEMS,
    PLACES,
    REPAIR_SOURCES,
    SERVICE_HOURS,
    Action,
)
from .simulation import Generator, Simulation, person_name, phone_number, random_hours, weighted


class RepairGenerator(Generator):
    """Repair orders (R1-R8): faults reported day and night by tenants, customers,
    staff and patrols (internal orders, R6), technicians who are sometimes late (R3
    response breaches and escalations), waiting for parts with a committed time (G8,
    F1 tracking visits), failed inspections sent to rework (R5), the rare major fault
    reported to the managers (R7)."""

    kind = "repair"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        count = max(0, round(rng.gauss(sim.config.repairs_per_day, 2.0)))
        faults = tuple((k, v[0]) for k, v in FAULTS.items())
        times = []
        for _ in range(count):  # two thirds while the mall is open, the rest at night
            if rng.random() < 0.67:
                hour = rng.uniform(SERVICE_HOURS[0], SERVICE_HOURS[1])
            else:
                hour = rng.uniform(0, 24)
            times.append(day.add(seconds=int(hour * 3600)))
        for when in sorted(times):
            fault = weighted(rng, faults)
            description, where = rng.choice(FAULTS[fault][1])
            source = weighted(rng, REPAIR_SOURCES)
            params: dict[str, Any] = {"source": source, "fault_type": fault}
            if source == "tenant" or (where == "unit" and source != "customer"):
                tenant = rng.choice(sim.tenants)
                params |= {"location": tenant.unit, "description": description}
                if source == "tenant":
                    params |= {
                        "tenant": tenant.id,
                        "reporter": person_name(rng),
                        "contact": phone_number(rng),
                    }
            else:
                location = where if where != "unit" else weighted(rng, PLACES["facilities"])
                params |= {"location": location, "description": description}
            if source == "customer":
                params |= {
                    "reporter": person_name(rng),
                    "contact": phone_number(rng),
                    "channel": "phone",
                }
            if source == "inspection":
                params["inspection"] = f"巡检 {when.format('MM-DD')} 工程部"
            if rng.random() < 0.012:  # rule R7: a major fault, reported with its plan
                params |= {"major": True, "plan": "启动应急预案，工程部经理到场指挥"}
                params["urgency"] = "urgent"
            if source in ("staff", "inspection"):
                actor = rng.choice(sim.staff.staff["engineering"])
            else:
                actor = rng.choice(sim.staff.desk)
            sim.at(when, functools.partial(self._open, sim, actor, params))

    def _open(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        record = sim.mall.repairs.open(actor=actor, **params)
        sim.plan(self, record)

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.repairs
        staff = sim.staff
        rid = record.id
        late = rng.random() < sim.config.late_rate
        urgent = record.severity == "urgent"
        tech_id = record.owner or ""
        tech = next(
            (a for a in staff.staff["engineering"] if a.id == tech_id),
            staff.staff["engineering"][0],
        )
        manager = staff.managers["engineering"]
        minutes = pendulum.duration
        state = record.state
        if state == "reported":
            desk = rng.choice(staff.desk)
            worker = rng.choice(staff.staff["engineering"])
            delay = minutes(seconds=rng.randrange(60, 360))
            return now + delay, lambda: svc.fire(rid, "dispatch", actor=desk, technician=worker.id)
        if state == "dispatched":  # rule R3: on site within 15 / 30 minutes
            if late:
                delay = minutes(seconds=rng.randrange(35 * 60, 150 * 60))
            else:
                delay = minutes(seconds=rng.randrange(180, (9 if urgent else 22) * 60))
            return now + delay, lambda: svc.fire(rid, "arrive", actor=tech)
        if state == "on_site":
            return now + minutes(seconds=rng.randrange(120, 900)), lambda: svc.fire(
                rid, "start", actor=tech
            )
        if state == "in_progress":
            if rng.random() < 0.10 and not record.fields.get("waiting_note"):
                promise = (now + random_hours(rng, 20, 60)).replace(
                    minute=0, second=0, microsecond=0
                )
                return now + random_hours(rng, 0.2, 1), lambda: svc.fire(
                    rid,
                    "wait_parts",
                    actor=tech,
                    note="需订购配件",
                    promised_by=max(promise, sim.clock.now().add(hours=4)),
                )
            return now + random_hours(rng, 0.3, 4), lambda: svc.fire(
                rid, "complete", actor=tech, work_done="已修复并试运行"
            )
        if state == "waiting_parts":
            promised = record.fields.get("promised_by")
            due = aware(promised, tz=sim.mall.calendar.tz) if promised else now.add(days=1)
            when = max(due, now) + random_hours(rng, 2, 30) if late else now + (due - now) * 0.6
            return when, lambda: svc.fire(rid, "resume", actor=tech)
        if state == "completed":
            rounds = len(record.fields.get("inspections") or ())
            passed = rng.random() >= (sim.config.fail_rate if rounds == 0 else 0.3)
            findings = None if passed else "仍有渗漏，需返工"
            return now + random_hours(rng, 0.5, 6), lambda: svc.fire(
                rid, "inspect", actor=manager, passed=passed, findings=findings
            )
        if state == "rework":
            return now + random_hours(rng, 1, 6), lambda: svc.fire(
                rid, "complete", actor=tech, work_done="返工完成"
            )
        return None  # accepted: the return visit decides (R6, F5)


def _id_number(rng: random.Random) -> str:
    return "".join(rng.choices("0123456789", k=17)) + rng.choice("0123456789X")


class LostItemGenerator(Generator):
    """Lost and found (L1-L10): items handed in at the desks during the day, numbered
    and moved to the service centre at close of day (L3, ``close_day`` at 22:00),
    owners phoned when a clue gives a number (L2), claims verified against the stated
    features and an identity document — some rejected, a second failure flagging the
    item to the supervisor (L5) — and releases.  Retention runs three or six months
    (L6), so no item reaches disposal within a one-month demo."""

    kind = "lost_item"
    CLOSE_HOUR = 22

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        count = max(0, round(rng.gauss(sim.config.items_per_day, 1.5)))
        cats = tuple((k, v[0]) for k, v in ITEMS.items())
        found = sorted(
            day.add(seconds=rng.randrange(SERVICE_HOURS[0] * 3600, self.CLOSE_HOUR * 3600 - 600))
            for _ in range(count)
        )
        for found_at in found:
            category = weighted(rng, cats)
            description, features = rng.choice(ITEMS[category][1])
            params: dict[str, Any] = {
                "found_at": found_at,
                "place_found": weighted(rng, ITEM_PLACES),
                "description": description,
                "features": features,
                "category": category,
            }
            if rng.random() < 0.4:
                params |= {"finder_type": "employee", "finder_department": "cleaning"}
            else:
                params |= {
                    "finder_type": "customer",
                    "finder_name": person_name(rng),
                    "finder_contact": phone_number(rng),
                }
            if category in ("phone", "documents", "wallet") and rng.random() < 0.5:
                params |= {"owner_clue": "物品内有联系方式", "owner_contact": phone_number(rng)}
            handed_in = found_at.add(seconds=rng.randrange(60, 1200))
            actor = rng.choice(sim.staff.desk)
            sim.at(handed_in, functools.partial(self._open, sim, actor, params))
        desk = sim.staff.desk[0]
        sim.at(day.add(hours=self.CLOSE_HOUR), lambda: self._close(sim, desk))

    def _open(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        record = sim.mall.lost_found.intake(actor=actor, **params)
        sim.plan(self, record)

    def _close(self, sim: Simulation, actor: Actor) -> None:
        sim.mall.lost_found.close_day(actor=actor)  # rule L3; numbers only what is new

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        if record.state not in ("registered", "stored"):
            return None
        svc = sim.mall.lost_found
        rid = record.id
        desk = rng.choice(sim.staff.desk)
        fate = sim.rng(rid, "fate")  # what happens to this item, fixed once
        claimed = fate.random() < sim.config.claim_rate or bool(record.fields.get("owner_contact"))
        false_claims = 0
        while fate.random() < sim.config.false_claim_rate * 2 and false_claims < 2:
            false_claims += 1
        wait = random_hours(fate, 0.5, 8 * 24)
        events = [h.event for h in record.history if h.actor != SYSTEM]
        claims = list(record.fields.get("claims") or ())
        # an item another workflow handed over (an unclaimed deposit, say) has only
        # system entries so far
        last = events[-1] if events else None
        if record.fields.get("owner_contact") and "contact_owner" not in events:
            return now + random_hours(rng, 0.2, 2), lambda: svc.contact_owner(
                rid, actor=desk, method="phone", reached=rng.random() < 0.8
            )
        if last == "claim":
            genuine = len(claims) > false_claims
            return now + pendulum.duration(minutes=rng.randrange(5, 25)), lambda: svc.fire(
                rid,
                "verify_claim" if genuine else "reject_claim",
                actor=desk,
                reason=None if genuine else "所述特征与物品不符",
                **({"features_match": True, "id_checked": True} if genuine else {}),
            )
        if last == "verify_claim":
            return now + pendulum.duration(minutes=rng.randrange(2, 10)), lambda: svc.release(
                rid, actor=desk
            )
        if not claimed:
            return None  # kept until its retention ends (L6)
        genuine = len(claims) >= false_claims
        when = now + (random_hours(rng, 2, 48) if claims else wait)
        when = when.set(hour=max(SERVICE_HOURS[0], min(when.hour, SERVICE_HOURS[1] - 1)))
        name, id_number = person_name(rng), _id_number(rng)
        features = record.fields.get("features") if genuine else "黑色，没有什么特别的"
        return max(when, now), lambda: svc.claim(
            rid,
            actor=desk,
            claimant=name,
            features=str(features),
            place=str(record.location) if genuine else "不记得了",
            time="当天下午",
            id_type=weighted(rng, ID_TYPES),
            id_number=id_number,
        )


class LostReportGenerator(Generator):
    """Lost reports: customers describe what they lost; the desk looks for matching
    found items and links the best one (L9), or cancels the report after a week."""

    kind = "lost_report"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        count = max(0, round(rng.gauss(sim.config.lost_reports_per_day, 1.0)))
        cats = tuple((k, v[0]) for k, v in ITEMS.items())
        for _ in range(count):
            when = day.add(seconds=rng.randrange(SERVICE_HOURS[0] * 3600, SERVICE_HOURS[1] * 3600))
            category = weighted(rng, cats)
            description, _features = rng.choice(ITEMS[category][1])
            params = {
                "reporter": person_name(rng),
                "contact": phone_number(rng),
                "description": description,
                "category": category,
                "place": weighted(rng, ITEM_PLACES),
                "lost_from": when.subtract(hours=rng.randint(1, 30)),
                "lost_to": when.subtract(minutes=rng.randint(5, 50)),
            }
            actor = rng.choice(sim.staff.desk)
            sim.at(when, functools.partial(self._open, sim, actor, params))

    def _open(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        record = sim.mall.lost_found.reports.report(actor=actor, **params)
        sim.plan(self, record)

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        if record.state != "open":
            return None
        svc = sim.mall.lost_found
        rid = record.id
        desk = rng.choice(sim.staff.desk)
        # look for the item at once, the next day and three days later; then give up.
        # The slots follow from the report's time alone, so a resumed run keeps them.
        created = record.created_at
        slots = [created.add(minutes=30), created.add(days=1), created.add(days=3)]
        clock = sim.clock.now()
        upcoming = [t for t in slots if t > clock]
        if not upcoming:
            return max(clock, created.add(days=7)), lambda: svc.reports.fire(
                rid, "cancel", actor=desk, reason="一周内未找到，已告知顾客"
            )

        def look() -> None:
            matches = svc.suggest_matches(rid)
            if matches and matches[0].score >= 40:
                svc.match(rid, matches[0].item_id, actor=desk)

        return upcoming[0], look
