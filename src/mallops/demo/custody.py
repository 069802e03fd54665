"""Temporary storage (O1) and parcels (O2) in the demo: the front desk's custody work."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

import pendulum

from ..domain.records import SYSTEM, Actor, Record
from ..frontdesk.deposit import DepositService
from ..frontdesk.parcel import IncomingParcelService, OutgoingParcelService
from .data import SERVICE_HOURS, Action
from .simulation import Generator, Simulation, person_name, phone_number, random_hours

_DEPOSITS = (
    ("购物袋两个", 2, None),
    ("行李箱一个", 1, None),
    ("婴儿推车", 1, None),
    ("雨伞一把", 1, "umbrella"),
    ("羽绒服一件", 1, "clothing"),
    ("手提电脑包", 1, "electronics"),
)
_DESTINATIONS = ("上海市浦东新区", "北京市朝阳区", "广州市天河区", "深圳市南山区", "杭州市西湖区")
_CONTENTS = ("合同文件", "发票", "宣传物料", "样品", "图纸")
_CARRIERS = (("sf", 5), ("ems", 2), ("jd", 2), ("zto", 3), ("yto", 2), ("yunda", 1))


def _at_open_hours(rng: random.Random, day: pendulum.DateTime, n: int) -> list[pendulum.DateTime]:
    low, high = SERVICE_HOURS[0] * 3600, (SERVICE_HOURS[1] - 1) * 3600
    return sorted(day.add(seconds=rng.randrange(low, high)) for _ in range(n))


def _staff_steps(record: Record) -> list[str]:
    return [h.event for h in record.history if h.actor != SYSTEM]


class _Opening(Generator):
    """Queues ``opener(params)`` at each arrival and plans the new record."""

    def _queue(
        self, sim: Simulation, when: pendulum.DateTime, opener: Callable[[], Record]
    ) -> None:
        def run() -> None:
            if sim.clock.now() <= sim.resume_after:
                return
            sim.plan(self, opener())

        sim.at(when, run)


class DepositGenerator(_Opening):
    """Deposits (O1): shoppers and tenants' staff leave bags at the desk; most come back
    the same day with the receipt, a few lose it (identity check, L5), a few never come
    back (handed to lost and found after the custody period)."""

    kind = "deposit"
    PER_DAY = 4

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        count = max(0, round(rng.gauss(self.PER_DAY, 1.2)))
        for when in _at_open_hours(rng, day, count):
            items, pieces, category = rng.choice(_DEPOSITS)
            params: dict[str, Any] = {
                "depositor": person_name(rng),
                "contact": phone_number(rng),
                "items": items,
                "pieces": pieces,
                "category": category,
            }
            if rng.random() < 0.15:
                params |= {"valuables": "笔记本电脑", "valuables_check": "sealed"}
                params["seal_number"] = f"F-{rng.randrange(1000, 9999)}"
            if rng.random() < 0.2:
                params["custody"] = "paid"
            if rng.random() < 0.3:
                params["tenant"] = rng.choice(sim.tenants).id
            actor = rng.choice(sim.staff.desk)
            opener = functools.partial(
                sim.mall.registry.of("deposit", DepositService).deposit, actor=actor, **params
            )
            self._queue(sim, when, opener)

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.registry.of("deposit", DepositService)
        rid = record.id
        desk = rng.choice(sim.staff.desk)
        fate = sim.rng(rid, "fate").random()
        steps = _staff_steps(record)
        f = record.fields
        if fate < 0.04:
            return None  # never collected: the custody timer hands it over (O1)
        if fate < 0.12 and steps[-1] == "deposit":  # the receipt is lost (L5)
            claim = {"claimant": f["depositor"], "items": f["items"], "id_type": "resident_id"}
            number = "".join(rng.choices("0123456789", k=18))
            return now + random_hours(rng, 1, 8), lambda: svc.lost_receipt(
                rid, actor=desk, id_number=number, **claim
            )
        if steps[-1] == "lost_receipt":
            return now + random_hours(rng, 0.05, 0.2), lambda: svc.verify_identity(
                rid, actor=desk, items_match=True, id_checked=True
            )
        if steps[-1] == "verify_identity":
            return now + random_hours(rng, 0.01, 0.1), lambda: svc.return_verified(rid, actor=desk)
        back = now + random_hours(rng, 1, 10 if fate < 0.85 else 72)
        return back, lambda: svc.return_item(
            rid, actor=desk, receipt=f["receipt"], collected_by=f["depositor"]
        )


class OutgoingParcelGenerator(_Opening):
    """Outgoing parcels (O2): departments send documents and samples on working days;
    the head approves (rarely rejects), the desk hands them to a courier, most arrive in
    a day or two; urgent ones give a wanted arrival time."""

    kind = "outgoing_parcel"
    PER_DAY = 3
    DEPARTMENTS = ("operations", "finance", "marketing", "engineering", "customer_service")

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        if not sim.mall.calendar.is_working_day(day.date()):
            return
        count = max(0, round(rng.gauss(self.PER_DAY, 1.0)))
        for when in _at_open_hours(rng, day, count):
            dept = rng.choice(self.DEPARTMENTS)
            urgent = rng.random() < 0.15
            params: dict[str, Any] = {
                "department": dept,
                "sender": person_name(rng),
                "recipient": person_name(rng),
                "destination": rng.choice(_DESTINATIONS),
                "contents": rng.choice(_CONTENTS),
                "billing": "private" if rng.random() < 0.1 else "company",
                "urgent": urgent,
            }
            if urgent:
                params["wanted_by"] = when.add(hours=rng.choice((24, 30, 48)))
            actor = sim.staff.of_role("staff", rng, dept)
            self._queue(
                sim,
                when,
                functools.partial(
                    sim.mall.registry.of("outgoing_parcel", OutgoingParcelService).request,
                    actor=actor,
                    **params,
                ),
            )

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.registry.of("outgoing_parcel", OutgoingParcelService)
        rid = record.id
        desk = rng.choice(sim.staff.desk)
        head = sim.staff.of_role("department_manager", rng, record.department or "operations")
        if record.state == "requested":
            if sim.rng(rid, "reject").random() < 0.05:
                return now + random_hours(rng, 0.5, 4), lambda: svc.fire(
                    rid, "reject", actor=head, reason="可改用电子版"
                )
            return now + random_hours(rng, 0.3, 4), lambda: svc.approve(rid, actor=head)
        if record.state == "approved":
            carrier = rng.choices([c for c, _ in _CARRIERS], [w for _, w in _CARRIERS])[0]
            cost = None if carrier in ("sf", "ems", "jd", "zto") else f"{rng.randrange(8, 15)}.00"
            tracking = f"{carrier.upper()}{rng.randrange(10**9, 10**10)}"
            return now + random_hours(rng, 0.5, 6), lambda: svc.send(
                rid, actor=desk, carrier=carrier, tracking_number=tracking, cost=cost
            )
        if record.state == "sent":
            return now + random_hours(rng, 18, 60), lambda: svc.deliver(rid, actor=desk)
        return None


class IncomingParcelGenerator(_Opening):
    """Incoming parcels (O2): couriers bring parcels for the staff and tenants; the desk
    signs and notifies; most are collected within hours, some wait past the collection
    deadline and escalate while reminders repeat."""

    kind = "incoming_parcel"
    PER_DAY = 6

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        count = max(0, round(rng.gauss(self.PER_DAY, 2.0)))
        for when in _at_open_hours(rng, day, count):
            carrier = rng.choices([c for c, _ in _CARRIERS], [w for _, w in _CARRIERS])[0]
            params: dict[str, Any] = {
                "carrier": carrier,
                "tracking_number": f"{carrier.upper()}{rng.randrange(10**9, 10**10)}",
                "recipient": person_name(rng),
                "recipient_contact": phone_number(rng),
            }
            if rng.random() < 0.4:
                params["tenant"] = rng.choice(sim.tenants).id
            else:
                params["department"] = rng.choice(OutgoingParcelGenerator.DEPARTMENTS)
            actor: Actor = rng.choice(sim.staff.desk)
            self._queue(
                sim,
                when,
                functools.partial(
                    sim.mall.registry.of("incoming_parcel", IncomingParcelService).log,
                    actor=actor,
                    **params,
                ),
            )

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.registry.of("incoming_parcel", IncomingParcelService)
        rid = record.id
        desk = rng.choice(sim.staff.desk)
        if record.state == "logged":
            return now + random_hours(rng, 0.1, 1), lambda: svc.notify(rid, actor=desk, via="phone")
        if record.state == "notified":
            slow = sim.rng(rid, "slow").random() < 0.1
            wait = random_hours(rng, 30, 90) if slow else random_hours(rng, 0.5, 20)
            signer = record.fields["recipient"]
            return now + wait, lambda: svc.sign(rid, actor=desk, signed_by=signer)
        return None
