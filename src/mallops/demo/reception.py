"""The reception log (G12) and difficult cases (G13) in the demo.

Calls and visits at the desk through the mall's hours: most are enquiries answered on
the spot (a few the next day, past the answer deadline), some are complaints or repair
requests converted into their records, a few tenants' remarks become suggestions, and
about one in ten is a person calling again about a matter still open, linked to it by
the clerk from the proposals.  A few open complaints and repair orders a day are
referred to the customer-service head, who records the outcome within hours (G13).
"""

from __future__ import annotations

import contextlib
import functools
import random
from typing import Any

import pendulum

from ..domain.records import Actor, Record
from ..errors import InvalidTransition, ValidationError
from ..frontdesk.reception import ReceptionService
from .data import CHANNEL_WEIGHTS, SERVICE_HOURS, Action
from .simulation import Generator, Simulation, person_name, phone_number, random_hours, weighted

TOPICS = (
    ("opening_hours", 14),
    ("parking", 18),
    ("leasing", 6),
    ("promotion", 12),
    ("fees", 5),
    ("fit_out", 4),
    ("facilities", 6),
    ("lost_found", 5),
    ("complaint", 9),
    ("repair", 8),
    ("other", 6),
)
MATTERS = {
    "opening_hours": "国庆期间营业到几点？",
    "parking": "停车怎么收费，会员有优惠吗？",
    "leasing": "想了解招商政策和空铺情况",
    "promotion": "本周末有什么活动？",
    "fees": "物业费的缴费方式",
    "fit_out": "装修申请需要什么材料",
    "facilities": "母婴室在几楼",
    "lost_found": "昨天在 3F 丢了一把伞",
    "complaint": "店员态度很差，要求处理",
    "repair": "店内空调不制冷",
    "other": "建议增加休息座椅",
}
FAULTS = ("hvac", "water", "lighting", "electricity", "doors_locks")
DIFFICULTIES = (
    "涉及工程部与营运部，两部门对责任划分意见不一",
    "租户拒绝配合整改，受理部门协调不成",
    "顾客要求赔偿，超出受理部门权限",
)
OUTCOMES = (
    "客服部负责人召集工程部、营运部协调：工程部两日内修复，营运部跟进租户",
    "与租户负责人面谈，约定本周内整改完毕",
    "按规定给予顾客停车券补偿，顾客接受",
)


def _desk(sim: Simulation) -> ReceptionService:
    return sim.mall.registry.of("reception", ReceptionService)


class ReceptionGenerator(Generator):
    """Calls and visits at the desk (G12) and referrals of difficult cases (G13)."""

    kind = "reception"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        factor = 1.3 if day.isoweekday() >= 6 else 1.0
        count = max(0, round(rng.gauss(sim.config.complaints_per_day * 1.6 * factor, 3)))
        span = (SERVICE_HOURS[1] - SERVICE_HOURS[0]) * 3600
        times = sorted(
            day.add(hours=SERVICE_HOURS[0], seconds=rng.randrange(span)) for _ in range(count)
        )
        for when in times:
            actor = rng.choice(sim.staff.desk)
            if rng.random() < 0.1:
                sim.at(when, functools.partial(self._again, sim, actor, rng.random()))
                continue
            topic = weighted(rng, TOPICS)
            tenant = rng.choice(sim.tenants) if rng.random() < 0.3 else None
            params: dict[str, Any] = {
                "channel": weighted(rng, CHANNEL_WEIGHTS),
                "person": person_name(rng),
                "contact": phone_number(rng),
                "topic": topic,
                "matter": MATTERS[topic],
                "location": tenant.unit if tenant else rng.choice(("1F 服务台", "B2 停车场", None)),
                "tenant": tenant.id if tenant else None,
            }
            sim.at(when, functools.partial(self._open, sim, actor, params))
        for _ in range(rng.choice((0, 1, 1, 2))):  # G13: the day's difficult cases
            when = day.add(seconds=rng.randrange(10 * 3600, 15 * 3600))
            sim.at(when, functools.partial(self._refer, sim, rng.random(), rng.randrange(3)))

    def _open(self, sim: Simulation, actor: Actor, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return  # logged by the run that stopped in the middle of this day
        record = _desk(sim).log(actor=actor, **{k: v for k, v in params.items() if v})
        sim.plan(self, record)

    def _again(self, sim: Simulation, actor: Actor, pick: float) -> None:
        """Someone calls again about an open complaint or repair order (G12)."""
        if sim.clock.now() <= sim.resume_after:
            return
        matters = [r for r in sim.mall.query(kind=("complaint", "repair"), is_open=True)
                   if r.fields.get("contact")]  # fmt: skip
        if not matters:
            return
        m = matters[int(pick * len(matters))]
        person = m.fields.get("complainant") or m.fields.get("reporter") or "顾客"
        record = _desk(sim).log(
            actor=actor, channel="phone", person=str(person), contact=str(m.fields["contact"]),
            topic=m.kind, matter="询问之前反映的问题处理进度", location=m.location,
        )  # fmt: skip
        sim.plan(self, record)

    def _refer(self, sim: Simulation, pick: float, which: int) -> None:
        """A case the department cannot coordinate goes to the customer-service head."""
        if sim.clock.now() <= sim.resume_after:
            return
        cases = sim.mall.query(kind=("complaint", "repair"), state=("in_progress", "dispatched"))
        cases = [c for c in cases if not c.fields.get("referrals")]
        if not cases:
            return
        case = cases[int(pick * len(cases))]
        service = sim.mall.service(case.kind)
        with contextlib.suppress(InvalidTransition):
            service.fire(case.id, "refer", actor=sim.staff.desk[0], difficulty=DIFFICULTIES[which])
            if which < 2:  # the third waits for the head past the report
                sim.at(
                    sim.clock.now().add(hours=2 + which),
                    functools.partial(self._coordinate, sim, case.id, which, pick < 0.8),
                )

    def _coordinate(self, sim: Simulation, case_id: str, which: int, agreed: bool) -> None:
        case = sim.mall.get(case_id)
        with contextlib.suppress(InvalidTransition):
            sim.mall.service(case.kind).fire(
                case_id, "coordinate", actor=sim.staff.cs_head, outcome=OUTCOMES[which],
                agreed=agreed,  # the departments did not agree: the property manager decides
            )  # fmt: skip

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = _desk(sim)
        desk = rng.choice(sim.staff.desk)
        rid = record.id
        soon = now + random_hours(rng, 0.02, 0.3)

        def answer() -> None:
            svc.answer(rid, actor=desk, answer="已当场答复")

        repeat = [c for c in svc.candidates(rid) if "contact" in c.matched_on]
        if repeat:
            matter = repeat[0].record_id
            return soon, lambda: self._safely(
                lambda: svc.link_repeat(rid, actor=desk, matter=matter), answer
            )
        topic = record.category
        if topic == "complaint" and record.location:
            return soon, lambda: self._safely(lambda: svc.to_complaint(rid, actor=desk), answer)
        if topic == "repair" and record.location:
            fault = rng.choice(FAULTS)
            return soon, lambda: self._safely(
                lambda: svc.to_repair(rid, actor=desk, fault_type=fault), answer
            )
        if topic == "other" and record.tenant and rng.random() < 0.5:
            return soon, lambda: self._safely(
                lambda: svc.to_suggestion(rid, actor=desk, topic="property_service"), answer
            )
        late = rng.random() < sim.config.late_rate  # a callback the next day (G12 timer)
        when = now + (random_hours(rng, 20, 30) if late else random_hours(rng, 0.02, 0.3))
        return when, answer

    @staticmethod
    def _safely(operation: Any, fallback: Any) -> None:
        """Convert or link; if the target refuses, the enquiry is answered instead (never
        the same refused step again)."""
        try:
            operation()
        except ValidationError:
            fallback()
