"""Inspection plans, rounds, patrols and hazards in the demo (R8, R9, K1).

On its first day the mall's managers set up their plans (lifts, cleaning and greening
zones, pumps, air conditioning, fire systems, the exterior, the yearly safety survey of
common parts, a night security patrol); from then on the ticker opens the rounds and the
staff do them: most items pass, some fail (a repair order or a hazard report follows,
R8), now and then a round is started late (it escalates) or a guard skips a checkpoint.
"""

from __future__ import annotations

import functools
import random
from typing import Any

import pendulum

from ..domain.records import Record
from ..operations.inspection_policy import inspection_policy
from ..operations.inspection_service import (
    HazardService,
    InspectionPlanService,
    InspectionRoundService,
    PatrolService,
)
from .data import Action
from .simulation import Generator, Simulation, random_hours

_PLANS: tuple[dict[str, Any], ...] = (
    {
        "area": "lift",
        "title": "客梯扶梯日检",
        "location": "A区客梯及扶梯",
        "checklist": ["门机运行", "平层精度", "紧急呼叫", "扶梯梳齿板"],
        "frequency": "daily",
    },
    {
        "area": "cleaning_zone",
        "title": "中庭及走廊保洁检查",
        "location": "1F-4F 中庭及走廊",
        "checklist": ["地面无污渍", "垃圾桶清理", "玻璃护栏", "扶手消毒", "标识清洁"],
        "frequency": "daily",
        "calendar": "24x7",
    },
    {
        "area": "cleaning_zone",
        "title": "公共卫生间保洁检查",
        "location": "各层公共卫生间",
        "checklist": ["地面干燥", "洁具清洁", "无异味", "纸品补充"],
        "frequency": "daily",
        "calendar": "24x7",
    },
    {
        "area": "greening_zone",
        "title": "室内外绿化检查",
        "location": "广场及中庭绿植",
        "checklist": ["植物长势", "浇水施肥", "无枯枝黄叶", "花盆清洁"],
        "frequency": "weekly",
    },
    {
        "area": "water_pump",
        "title": "生活水泵房周检",
        "location": "B2 水泵房",
        "checklist": ["水泵运行", "压力表读数", "无渗漏"],
        "frequency": "weekly",
    },
    {
        "area": "air_conditioning",
        "title": "空调机组周检",
        "location": "屋面冷站及各层空调机房",
        "checklist": ["冷水机组", "风机盘管", "过滤网"],
        "frequency": "weekly",
    },
    {
        "area": "fire_system",
        "title": "消防系统月检",
        "location": "消防控制室及各层",
        "checklist": ["烟感报警", "喷淋末端试水", "消火栓", "应急照明"],
        "frequency": "monthly",
    },
    {
        "area": "exterior",
        "title": "外立面月检",
        "location": "外立面及广场",
        "checklist": ["幕墙玻璃", "广告牌固定", "地面铺装"],
        "frequency": "monthly",
    },
    {
        "area": "common_parts",
        "title": "共用部位年度安全普查",
        "location": "全场共用部位",
        "checklist": ["楼梯间", "消防通道", "屋面", "设备房"],
        "frequency": "yearly",
    },
    {
        "area": "security_patrol",
        "title": "夜间安全巡逻",
        "location": "全场",
        "checklist": ["北门", "地下车库B1", "地下车库B2", "中庭", "南门", "卸货区"],
        "frequency": "daily",
        "calendar": "24x7",
        "starts_at_hour": 22,
    },
)
_FAIL = {"cleaning_zone": 0.05, "greening_zone": 0.06}  # K1: about 94 % compliance
_NOTES = {
    "cleaning_zone": "清洁不到位，已现场整改",
    "greening_zone": "绿植缺水发黄，已补浇",
}


class InspectionPlanGenerator(Generator):
    """The plans, made by the departments' managers on the demo's first day (R9)."""

    kind = "inspection_plan"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        if sim.day_index != 0:
            return
        for i, spec in enumerate(_PLANS):
            params = {k: v for k, v in spec.items() if k != "starts_at_hour"}
            params["starts_at"] = day.add(hours=spec.get("starts_at_hour", 7), minutes=i)
            sim.at(day.add(hours=7, minutes=i), functools.partial(self._open, sim, params))

    def _open(self, sim: Simulation, params: dict[str, Any]) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        dept = inspection_policy(sim.mall.policy).areas[params["area"]].department
        sim.mall.runtime.services.of("inspection_plan", InspectionPlanService).create(
            actor=sim.staff.managers[dept], **params
        )

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        return None  # plans run by themselves


class InspectionRoundGenerator(Generator):
    """Rounds done item by item; failed items become repairs or hazards (R8, R9)."""

    kind = "inspection_round"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        return None  # opened by their plans' schedule (tick)

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.runtime.services.of("inspection_round", InspectionRoundService)
        rid = record.id
        dept = record.department or "engineering"
        worker = sim.staff.staff[dept][int(rid[-1]) % 3]
        if record.state == "due":
            late = rng.random() < sim.config.late_rate / 2
            delay = random_hours(rng, 10, 30) if late else random_hours(rng, 0.2, 3)
            return now + delay, lambda: svc.start(rid, actor=worker)
        if record.state != "in_progress":
            return None
        done = {r["item"] for r in record.fields.get("results", [])}
        left = [i for i in record.fields["items"] if i not in done]
        when = now + pendulum.duration(seconds=rng.randrange(120, 900))
        if not left:
            return when, lambda: svc.complete(rid, actor=worker)
        item = left[0]
        area = str(record.fields.get("area"))
        if rng.random() < _FAIL.get(area, 0.06):
            note = _NOTES.get(area, f"{item}异常，需维修")
            return when, lambda: svc.check(rid, actor=worker, item=item, passed=False, note=note)
        return when, lambda: svc.check(rid, actor=worker, item=item, passed=True)


class PatrolGenerator(Generator):
    """Night patrols: checkpoints in order, now and then one skipped or a hazard (R9)."""

    kind = "patrol"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        return None

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.runtime.services.of("patrol", PatrolService)
        rid = record.id
        guard = sim.staff.staff["security"][int(rid[-1]) % 3]
        when = now + pendulum.duration(seconds=rng.randrange(300, 900))
        if record.state == "due":
            return when, lambda: svc.start(rid, actor=guard)
        if record.state != "on_patrol":
            return None
        reached = [v["checkpoint"] for v in record.fields.get("visits", [])]
        items = list(record.fields["items"])
        rest = items[items.index(reached[-1]) + 1 :] if reached else items
        if not rest:
            return when, lambda: svc.finish(rid, actor=guard)
        checkpoint = rest[0]
        if len(rest) > 1 and rng.random() < 0.03:  # rule R9: a checkpoint skipped
            checkpoint = rest[1]
        if rng.random() < 0.04 and not record.fields.get("hazards"):
            text = "消防通道堆放杂物"
            return when, lambda: svc.report_hazard(
                rid, actor=guard, checkpoint=checkpoint, description=text
            )
        return when, lambda: svc.check_in(rid, actor=guard, checkpoint=checkpoint)


class HazardGenerator(Generator):
    """Security takes each hazard report on and makes the place safe."""

    kind = "hazard"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        return None

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        svc = sim.mall.runtime.services.of("hazard", HazardService)
        rid = record.id
        guard = sim.staff.staff["security"][0]
        if record.state == "reported":
            return now + random_hours(rng, 0.2, 2), lambda: svc.fire(rid, "take", actor=guard)
        if record.state == "handling":
            action = "已清理并设置警示"
            return now + random_hours(rng, 1, 20), lambda: svc.resolve(
                rid, actor=guard, action=action
            )
        return None
