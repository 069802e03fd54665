"""``mallops demo``: one simulated month of a mid-size mall, then its monthly report.

The simulation is seeded and reproducible.  It is made of per-kind *generators*
(:data:`GENERATORS`): each one creates the day's arrivals of its kind of record and, for
every open record, plans the next staff action from the record's state.  Planning from
the stored state (with a random stream derived from the seed, the record id and its
version) is what lets a second run on the same store continue exactly where the first
stopped: nothing but the store is needed to resume.

Extension point: when the repair, return-visit, lost-and-found and tenant-visit
workflows are registered on :class:`~mallops.mall.Mall`, add a generator class for each
(``kind = "repair"`` ...) to :data:`GENERATORS`; :func:`run_demo` uses every generator
whose kind is in ``mall.services`` and ignores the others.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import random
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
import pendulum

from .clock import ManualClock, aware
from .domain.events import DomainEvent
from .domain.records import SYSTEM, Actor, Record
from .errors import InvalidTransition, ValidationError
from .mall import Mall
from .policy import Policy
from .stores.protocol import CounterWrite, Store

__all__ = ["GENERATORS", "DemoConfig", "DemoResult", "Generator", "Simulation", "run_demo"]

TZ = "Asia/Shanghai"
Action = Callable[[], object]


@attrs.frozen
class DemoConfig:
    """Sizes and rates of the simulated mall (all overridable from the command line)."""

    seed: int = 2026
    days: int = 30
    tenants: int = 200
    start: str | None = None  # YYYY-MM-DD; default 2026-09-01 (kept in the store)
    complaints_per_day: float = 11.0
    late_rate: float = 0.10  # share of staff actions that come late (timers breach)
    dissatisfied_rate: float = 0.12  # share of customers unhappy with the result (C12)
    unreachable_rate: float = 0.15  # share of return-visit calls nobody answers (F4)
    repairs_per_day: float = 9.0
    fail_rate: float = 0.10  # share of repairs failing their first inspection (R5)
    items_per_day: float = 6.0  # items handed in at the service desks (L1)
    claim_rate: float = 0.55  # share of found items whose owner comes for them (L5)
    false_claim_rate: float = 0.12  # share of claims that fail verification (L5)
    lost_reports_per_day: float = 1.5
    missed_visit_rate: float = 0.10  # tenant visits the tenant was not there for (V2)
    suggestion_rate: float = 0.35  # visits where the tenant makes suggestions (V5)

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.seed < 2**31:
            raise ValidationError("seed: must be 0 .. 2^31-1", field="seed")
        if not 1 <= self.days <= 366:
            raise ValidationError("days: must be 1 .. 366", field="days")
        if not 1 <= self.tenants <= 5000:
            raise ValidationError("tenants: must be 1 .. 5000", field="tenants")
        if not 0 < self.complaints_per_day <= 500:
            raise ValidationError("complaints_per_day: must be in (0, 500]", field="rate")


@attrs.frozen
class Tenant:
    """A simulated tenant: id, unit, trade and tier."""

    id: str
    unit: str
    trade: str
    anchor: bool


@attrs.frozen
class DemoResult:
    """What a run did: the mall (on the store), the period it simulated and its size."""

    mall: Mall
    start: pendulum.DateTime
    end: pendulum.DateTime
    days_run: int
    continued: bool
    events: int


# -- the simulated mall ------------------------------------------------------------------

_TRADES = ("retail", "retail", "retail", "restaurant", "restaurant", "entertainment", "service")
_FLOORS = ("B1", "1F", "2F", "3F", "4F", "5F")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞")
# where problems of each category happen, with the hot spots weighted up (K4, C9)
PLACES: dict[str, tuple[tuple[str, int], ...]] = {
    "environment": (
        *((f"{f} 洗手间", 2) for f in _FLOORS),
        ("B1 东侧洗手间", 6),
        ("3F 美食广场", 5),
        ("1F 中庭", 2),
        ("B1 垃圾房", 2),
    ),
    "facilities": (
        *((f"{f} 扶梯口", 2) for f in _FLOORS),
        *((f"{f} 电梯厅", 1) for f in _FLOORS),
        ("2F 北侧扶梯", 5),
        ("B2 停车场出口", 3),
        ("4F 影院通道", 2),
    ),
    "security": (("B1 停车场 C 区", 4), ("B2 停车场出口", 2), ("1F 中庭", 2), ("1F 南门入口", 1)),
    "service": (("1F 服务台", 3), ("B1 停车场收费处", 3), ("1F 南门入口", 1)),
    "promotion": (("1F 中庭", 3), ("会员中心", 2)),
    "publicity": (("1F 中庭", 2), ("2F 连廊", 1)),
    "planning": (("3F 导视牌", 2), ("1F 北门", 1)),
    "other": (("B1 停车场收费处", 2), ("1F 服务台", 1)),
}
CHANNEL_WEIGHTS = (
    ("phone", 30),
    ("walk_in", 25),
    ("wechat", 16),
    ("online_form", 7),
    ("email", 4),
    ("letter", 3),
    ("sms", 4),
    ("website", 6),
    ("weibo", 5),
)
# category -> (weight, handling department, [(description, demand)])
COMPLAINT_TEXTS: dict[str, tuple[int, str, tuple[tuple[str, str], ...]]] = {
    "environment": (
        30,
        "cleaning",
        (
            ("洗手间很脏，有异味", "尽快清洁"),
            ("垃圾桶满了没人清理，很臭", "及时清理垃圾"),
            ("地面有积水和垃圾，卫生太差", "加强保洁"),
            ("店铺装修噪音太大", "控制噪音时间"),
        ),
    ),
    "facilities": (
        26,
        "engineering",
        (
            ("扶梯突然停了，差点摔倒", "检修扶梯并说明原因"),
            ("空调不制冷，太热了", "尽快修好空调"),
            ("电梯按钮失灵", "维修电梯"),
            ("天花板漏水滴到顾客身上", "修好漏水并赔偿"),
            ("走廊照明灯坏了好几盏", "更换灯具"),
        ),
    ),
    "service": (
        18,
        "customer_service",
        (
            ("店员态度很差，不理人", "店铺道歉"),
            ("保安说话粗鲁，服务差", "处理该员工"),
            ("前台服务态度怠慢", "改进服务"),
        ),
    ),
    "security": (
        9,
        "security",
        (
            ("停车场手机被盗，监控看不到", "调取监控协助报警"),
            ("有人在中庭打架，没人管", "加强安全巡逻"),
            ("消防通道被货物堵住", "清理消防通道"),
        ),
    ),
    "promotion": (8, "marketing", (("促销活动优惠不兑现", "按宣传兑现优惠"),)),
    "publicity": (4, "marketing", (("广告海报内容与实际不符", "更正宣传"),)),
    "planning": (3, "operations", (("商场布局调整后找不到店", "增加指示牌"),)),
    "other": (2, "operations", (("停车收费标准不清楚", "公示收费标准"),)),
}
SERVICE_HOURS = (10, 22)  # when customers complain (the mall's opening hours)
# fault type -> (weight, [(description, where)]); "unit" means the tenant's own unit
FAULTS: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "water": (
        14,
        (("水管漏水", "unit"), ("洗手间下水堵塞", "B1 东侧洗手间"), ("水龙头坏了", "unit")),
    ),
    "electricity": (12, (("插座没电", "unit"), ("跳闸停电", "unit"), ("配电箱异响", "B1 配电房"))),
    "elevator": (8, (("扶梯异响", "2F 北侧扶梯"), ("电梯门关不上", "1F 电梯厅"))),
    "fire_safety": (4, (("烟感报警器误报", "unit"), ("消防栓箱门损坏", "3F 美食广场"))),
    "hvac": (16, (("空调不制冷", "unit"), ("新风机噪音大", "4F 影院通道"))),
    "lighting": (14, (("照明灯不亮", "unit"), ("走廊灯闪烁", "2F 连廊"))),
    "doors_locks": (10, (("门锁坏了", "unit"), ("卷帘门卡住", "unit"))),
    "civil": (8, (("地砖松动", "1F 中庭"), ("吊顶脱落", "unit"))),
    "weak_current": (6, (("网络断了", "unit"), ("广播没声音", "1F 中庭"))),
    "other": (3, (("招牌灯箱损坏", "unit"),)),
}
# lost-item category -> (weight, [(description, features)])
ITEMS: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "phone": (12, (("黑色手机", "屏幕有裂纹，蓝色手机壳"), ("白色手机", "背面贴有卡通贴纸"))),
    "wallet": (10, (("棕色钱包", "内有会员卡若干"), ("红色长款钱包", "拉链有磨损"))),
    "documents": (8, (("身份证", "卡套为透明塑料"), ("工作证和门禁卡", "挂绳为蓝色"))),
    "keys": (10, (("钥匙串", "三把钥匙和一个小熊挂件"), ("车钥匙", "带有品牌标志"))),
    "umbrella": (14, (("黑色长柄伞", "伞柄为木质"), ("折叠伞", "蓝白格子图案"))),
    "bag": (9, (("购物袋", "内有衣物一件"), ("双肩包", "灰色，侧袋有水杯"))),
    "clothing": (9, (("儿童外套", "粉色，口袋有纸巾"), ("围巾", "格子羊毛"))),
    "toy": (7, (("毛绒玩具", "白色小兔"), ("儿童水壶", "印有卡通图案"))),
    "electronics": (6, (("蓝牙耳机", "白色充电盒"), ("充电宝", "黑色，带数据线"))),
    "jewellery": (3, (("银手链", "刻有字母"),)),
    "watch": (2, (("手表", "金属表带"),)),
    "food": (4, (("蛋糕盒", "未开封"),)),
    "other": (6, (("雨衣", "透明"), ("文件袋", "内有合同复印件"))),
}
ITEM_PLACES = (
    ("1F 中庭", 4),
    ("3F 美食广场", 6),
    ("4F 影院通道", 3),
    ("B1 停车场 C 区", 3),
    ("2F 连廊", 2),
    ("1F 南门入口", 2),
    *((f"{f} 洗手间", 1) for f in _FLOORS),
)
ID_TYPES = (("resident_id", 90), ("passport", 4), ("hk_macao_permit", 3), ("driving_licence", 3))
REPAIR_SOURCES = (("tenant", 50), ("customer", 8), ("staff", 27), ("inspection", 15))


def _weighted(rng: random.Random, items: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


class Staff:
    """The mall's staff as actors (G5)."""

    def __init__(self, policy: Policy) -> None:
        self.desk = [Actor(f"desk-{i}", "front_desk", "customer_service") for i in (1, 2, 3)]
        self.staff: dict[str, list[Actor]] = {}
        self.managers: dict[str, Actor] = {}
        for dept in policy.departments:
            prefix = dept[:3]
            self.staff[dept] = [Actor(f"{prefix}-{i}", "staff", dept) for i in (1, 2, 3)]
            self.managers[dept] = Actor(f"{prefix}-mgr", "department_manager", dept)
        self.cs_head = Actor("cs-head", "cs_head", "customer_service")
        self.gm = Actor("gm", "general_manager", "operations")
        self.pm = Actor("pm", "property_manager", "operations")

    def of_role(self, role: str, rng: random.Random, department: str = "customer_service") -> Actor:
        """Someone holding ``role`` (of ``department`` where the role has one)."""
        if role == "front_desk":
            return rng.choice(self.desk)
        if role == "staff":
            return rng.choice(self.staff.get(department) or self.staff["operations"])
        if role == "department_manager":
            return self.managers.get(department) or self.managers["operations"]
        if role == "cs_head":
            return self.cs_head
        if role == "property_manager":
            return self.pm
        return self.gm


class Simulation:
    """The event queue, the manual clock and the hourly ticker of one demo run."""

    def __init__(self, mall: Mall, clock: ManualClock, config: DemoConfig, tenants: list[Tenant]):
        self.mall = mall
        self.clock = clock
        self.config = config
        self.tenants = tenants
        self.staff = Staff(mall.policy)
        self.tenant_weights = [8 if i % 17 == 3 else 1 for i in range(len(tenants))]
        self._queue: list[tuple[float, int, Action]] = []
        self._seq = 0
        self._pending: dict[str, int] = {}
        self.next_tick = clock.now().start_of("hour").add(hours=1)
        self.events = 0
        self.resume_after = clock.now().subtract(seconds=1)
        self.day_index = 0
        self.generators: dict[str, Generator] = {}
        self._touched: list[str] = []
        mall.subscribe(self._on_event)

    def _on_event(self, event: DomainEvent) -> None:
        # records mallops opens or moves by itself (return visits opened when a
        # complaint is resolved, a complaint reopened by an unhappy visit) get planned
        if event.type in ("created", "transitioned") and event.kind in self.generators:
            self._touched.append(event.record_id)

    def _plan_touched(self) -> None:
        while self._touched:
            rid = self._touched.pop(0)
            if rid in self._pending:
                continue
            record = self.mall.get(rid)
            self.plan(self.generators[record.kind], record)

    def rng(self, *key: object) -> random.Random:
        """A random stream determined by the seed and ``key`` alone."""
        return random.Random(":".join(str(k) for k in (self.config.seed, *key)))

    def at(self, when: pendulum.DateTime, action: Action) -> None:
        """Run ``action`` at ``when``."""
        self._seq += 1
        heapq.heappush(self._queue, (when.timestamp(), self._seq, action))

    def plan(self, generator: Generator, record: Record) -> None:
        """Ask ``generator`` for the record's next action and queue it (one per record)."""
        if not record.is_open:
            self._pending.pop(record.id, None)
            return
        # plan from the last staff step, never from the clock or the timer entries, so a
        # run that resumes from the store plans exactly what an uninterrupted one did
        steps = [
            h for h in record.history if h.actor != SYSTEM or h.seq == 1 or h.event in _RESTARTS
        ]
        rng = self.rng(record.id, len(steps))
        step = generator.next_step(self, record, steps[-1].at, rng)
        if step is None:
            return
        when, action = step
        self._seq += 1
        token = self._seq
        self._pending[record.id] = token
        rid = record.id

        def run() -> None:
            if self._pending.get(rid) != token:
                return
            del self._pending[rid]
            with contextlib.suppress(InvalidTransition):
                action()  # a refused action (the record moved meanwhile) is planned again
            current = self.mall.get(rid)
            if rid not in self._pending:
                self.plan(generator, current)
            self._plan_touched()

        heapq.heappush(self._queue, (when.timestamp(), token, run))

    def run_until(self, end: pendulum.DateTime) -> None:
        """Process every action before ``end``, ticking the timers every hour."""
        while self._queue and self._queue[0][0] < end.timestamp():
            ts, _seq, action = heapq.heappop(self._queue)
            when = pendulum.from_timestamp(ts, tz=self.mall.calendar.tz)
            self._tick_until(when)
            if when > self.clock.now():
                self.clock.set(when)
            action()
        self._tick_until(end)
        if end > self.clock.now():
            self.clock.set(end)

    def _tick_until(self, when: pendulum.DateTime) -> None:
        while self.next_tick <= when:
            if self.next_tick > self.clock.now():
                self.clock.set(self.next_tick)
            self.events += len(self.mall.tick())
            self._plan_touched()
            self.next_tick = self.next_tick.add(hours=1)


_RESTARTS = frozenset({"reopen"})  # system events after which staff act again


class Generator:
    """One kind of record in the simulation: daily arrivals and staff behaviour."""

    kind: ClassVar[str] = ""

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        """Queue the day's new records."""
        raise NotImplementedError

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        """The next staff action on an open ``record`` and when it happens; ``now`` is
        the time of the record's last staff step."""
        raise NotImplementedError

    def resume(self, sim: Simulation) -> None:
        """Plan every open record of this kind (used when a run continues)."""
        for record in sim.mall.query(kind=self.kind, is_open=True):
            sim.plan(self, record)


def _hours(rng: random.Random, low: float, high: float) -> pendulum.Duration:
    return pendulum.duration(seconds=int(rng.uniform(low, high) * 3600))


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
            category = _weighted(rng, cats)
            _w, _dept, texts = COMPLAINT_TEXTS[category]
            description, demand = rng.choice(texts)
            tenant: Tenant | None = None
            if category in ("service", "promotion", "environment") and rng.random() < 0.45:
                # a few tenants draw most complaints (K4 repeat tenants)
                tenant = rng.choices(sim.tenants, weights=sim.tenant_weights)[0]
                location = tenant.unit
            else:
                location = _weighted(rng, PLACES[category])
            roll = rng.random()
            severity = "major" if roll < 0.012 else ("important" if roll < 0.12 else None)
            params = {
                "channel": _weighted(rng, CHANNEL_WEIGHTS),
                "complainant": rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=2)),
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
            delay = _hours(rng, 2.5, 6) if late else _hours(rng, 0.1, 0.8)
            return now + delay, lambda: svc.fire(
                rid, "assign", actor=desk, department=dept, assignee=worker.id
            )
        if state == "assigned":
            delay = _hours(rng, 3.2, 9) if late else _hours(rng, 0.2, 1.8)
            return now + delay, lambda: svc.fire(rid, "contact", actor=worker)
        if state == "contacted":
            if rng.random() < 0.05:
                return now + _hours(rng, 1, 8), lambda: svc.fire(
                    rid, "dismiss", actor=manager, explanation="属租户经营行为，已向顾客解释"
                )
            promise = (now + _hours(rng, 20, 70)).replace(minute=0, second=0, microsecond=0)
            delay = _hours(rng, 0.3, 3)
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
                when = max(now, due) + _hours(rng, 6, 110)
            else:
                when = now + (max(due, now.add(hours=1)) - now) * rng.uniform(0.2, 0.95)
            return when, lambda: svc.fire(rid, "resolve", actor=worker, resolution="已处理完毕")
        if state == "pending_approval":
            delay = _hours(rng, 1, 8)
            return now + delay, lambda: svc.fire(rid, "approve", actor=staff.cs_head)
        if state == "resolved":
            if sim.mall.policy.complaints.survey_by != "survey":
                return None  # the return visit (回访) asks the customer (C12, F2)
            desk = rng.choice(staff.desk)
            speed, result, attitude = answers(rng, sim.config.dissatisfied_rate)
            return now + _hours(rng, 2, 26), lambda: svc.fire(
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
        actor = sim.staff.of_role(str(record.fields.get("performer_role") or "gm"), rng)
        stage = record.fields.get("stage")
        if stage == "during":  # F1: keep the customer informed while the source waits
            return now + _hours(rng, 18, 40), lambda: svc.fire(
                rid, "track", actor=actor, method="phone", note="告知处理进度"
            )
        if stage != "after":
            return None
        tries = len(record.fields.get("attempts") or ())
        late = rng.random() < sim.config.late_rate
        if tries < 2 and rng.random() < sim.config.unreachable_rate:
            outcome = rng.choice(("not_reachable", "not_reachable", "busy"))
            delay = _hours(rng, 1.2, 2.3) if tries else _hours(rng, 1, 8)
            return now + delay, lambda: svc.fire(
                rid, "not_reached", actor=actor, method="phone", outcome=outcome
            )
        if late:
            delay = _hours(rng, 12, 40)
        elif tries:  # call again when agreed (F4: retry_after)
            delay = _hours(rng, 1.2, 2.3)
        else:
            delay = _hours(rng, 0.5, 6)
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


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=2))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choices("0123456789", k=9))


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
            fault = _weighted(rng, faults)
            description, where = rng.choice(FAULTS[fault][1])
            source = _weighted(rng, REPAIR_SOURCES)
            params: dict[str, Any] = {"source": source, "fault_type": fault}
            if source == "tenant" or (where == "unit" and source != "customer"):
                tenant = rng.choice(sim.tenants)
                params |= {"location": tenant.unit, "description": description}
                if source == "tenant":
                    params |= {"tenant": tenant.id, "reporter": _name(rng), "contact": _phone(rng)}
            else:
                location = where if where != "unit" else _weighted(rng, PLACES["facilities"])
                params |= {"location": location, "description": description}
            if source == "customer":
                params |= {"reporter": _name(rng), "contact": _phone(rng), "channel": "phone"}
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
                promise = (now + _hours(rng, 20, 60)).replace(minute=0, second=0, microsecond=0)
                return now + _hours(rng, 0.2, 1), lambda: svc.fire(
                    rid,
                    "wait_parts",
                    actor=tech,
                    note="需订购配件",
                    promised_by=max(promise, sim.clock.now().add(hours=4)),
                )
            return now + _hours(rng, 0.3, 4), lambda: svc.fire(
                rid, "complete", actor=tech, work_done="已修复并试运行"
            )
        if state == "waiting_parts":
            promised = record.fields.get("promised_by")
            due = aware(promised, tz=sim.mall.calendar.tz) if promised else now.add(days=1)
            when = max(due, now) + _hours(rng, 2, 30) if late else now + (due - now) * 0.6
            return when, lambda: svc.fire(rid, "resume", actor=tech)
        if state == "completed":
            rounds = len(record.fields.get("inspections") or ())
            passed = rng.random() >= (sim.config.fail_rate if rounds == 0 else 0.3)
            findings = None if passed else "仍有渗漏，需返工"
            return now + _hours(rng, 0.5, 6), lambda: svc.fire(
                rid, "inspect", actor=manager, passed=passed, findings=findings
            )
        if state == "rework":
            return now + _hours(rng, 1, 6), lambda: svc.fire(
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
            category = _weighted(rng, cats)
            description, features = rng.choice(ITEMS[category][1])
            params: dict[str, Any] = {
                "found_at": found_at,
                "place_found": _weighted(rng, ITEM_PLACES),
                "description": description,
                "features": features,
                "category": category,
            }
            if rng.random() < 0.4:
                params |= {"finder_type": "employee", "finder_department": "cleaning"}
            else:
                params |= {
                    "finder_type": "customer",
                    "finder_name": _name(rng),
                    "finder_contact": _phone(rng),
                }
            if category in ("phone", "documents", "wallet") and rng.random() < 0.5:
                params |= {"owner_clue": "物品内有联系方式", "owner_contact": _phone(rng)}
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
        wait = _hours(fate, 0.5, 8 * 24)
        events = [h.event for h in record.history if h.actor != SYSTEM]
        claims = list(record.fields.get("claims") or ())
        last = events[-1]
        if record.fields.get("owner_contact") and "contact_owner" not in events:
            return now + _hours(rng, 0.2, 2), lambda: svc.contact_owner(
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
        when = now + (_hours(rng, 2, 48) if claims else wait)
        when = when.set(hour=max(SERVICE_HOURS[0], min(when.hour, SERVICE_HOURS[1] - 1)))
        name, id_number = _name(rng), _id_number(rng)
        features = record.fields.get("features") if genuine else "黑色，没有什么特别的"
        return max(when, now), lambda: svc.claim(
            rid,
            actor=desk,
            claimant=name,
            features=str(features),
            place=str(record.location) if genuine else "不记得了",
            time="当天下午",
            id_type=_weighted(rng, ID_TYPES),
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
            category = _weighted(rng, cats)
            description, _features = rng.choice(ITEMS[category][1])
            params = {
                "reporter": _name(rng),
                "contact": _phone(rng),
                "description": description,
                "category": category,
                "place": _weighted(rng, ITEM_PLACES),
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
                    "name": f"{r.choice(_SURNAMES)}记{r.choice(_SHOPS)}",
                    "trade": tenant.trade,
                    "tier": "anchor" if tenant.anchor else "regular",
                    "contact": _name(r),
                    "phone": _phone(r),
                    "lease_start": lease,
                    # every demo tenant is in the mall for the simulated month and beyond
                    "lease_end": pendulum.date(
                        max(lease.year + r.choice((3, 5, 8, 10)), day.year + 1), 12, 31
                    ),
                }
                when = day.add(hours=7, seconds=i)
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
        answer_in = _hours(rng, 24 * 8, 24 * 12) if late else _hours(rng, 4, 24 * 5)
        if record.state == "raised":
            if rng.random() < 0.4:
                return now + _hours(rng, 1, 20), lambda: svc.fire(
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
            return now + _hours(rng, 24, 24 * 10), lambda: svc.fire(
                rid, "solve", actor=worker, resolution="已落实"
            )
        return None


GENERATORS: tuple[type[Generator], ...] = (
    TenantGenerator,
    VisitGenerator,
    SuggestionGenerator,
    ComplaintGenerator,
    ReturnVisitGenerator,
    RepairGenerator,
    LostItemGenerator,
    LostReportGenerator,
)
"""Generator classes by kind; a kind is simulated only when ``mall.services`` has it."""


# -- runs on a store ---------------------------------------------------------------------

_SEED = "demo:seed"
_START = "demo:start"
_DONE = "demo:day"
_TARGET = "demo:target"
_SEGMENT = "demo:segment"
DEFAULT_START = "2026-09-01"


def make_tenants(config: DemoConfig) -> list[Tenant]:
    """The mall's tenants (some anchors, some restaurants), from the seed."""
    rng = random.Random(f"{config.seed}:tenants")
    out = []
    for i in range(1, config.tenants + 1):
        floor = _FLOORS[i % len(_FLOORS)]
        trade = (
            "restaurant" if floor in ("3F", "B1") and rng.random() < 0.6 else rng.choice(_TRADES)
        )
        # the ids of the tenant records the demo registers first, in this order (G4)
        out.append(Tenant(f"T-{i:06d}", f"{floor}-{100 + i:03d}", trade, rng.random() < 0.05))
    return out


def _move(store: Store, name: str, value: int) -> None:
    current = store.counter(name)
    if value > current:
        store.commit([], [CounterWrite(name, current, value)])


def _parse_start(value: str) -> pendulum.DateTime:
    try:
        d = pendulum.Date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"start: {value!r} is not a date (YYYY-MM-DD)", field="start"
        ) from None
    return pendulum.datetime(d.year, d.month, d.day, tz=TZ)


def run_demo(
    store: Store,
    config: DemoConfig | None = None,
    *,
    policy: Policy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Simulate ``config.days`` days on ``store``, or continue the demo already on it.

    A store that holds a demo continues it: an interrupted run is finished, a finished
    one is extended by ``config.days``.  A store holding other records, or a demo with
    another seed or start, is refused with ``ValidationError`` and left untouched.
    """
    config = config or DemoConfig()
    seed_mark = store.counter(_SEED)
    probe = Mall(store=store, clock=ManualClock(_parse_start(DEFAULT_START)), policy=policy)
    existing = probe.query(limit=1)
    if seed_mark == 0 and existing:
        raise ValidationError(
            "this store already holds records that are not from the demo; "
            "give the demo its own store (--store demo.json)",
            field="store",
        )
    continued = seed_mark != 0
    if continued:
        if seed_mark != config.seed + 1:
            raise ValidationError(
                f"this store holds a demo run with seed {seed_mark - 1}; run again with "
                f"--seed {seed_mark - 1} to continue it, or use another --store",
                field="seed",
            )
        stored = str(store.counter(_START))
        start = _parse_start(f"{stored[:4]}-{stored[4:6]}-{stored[6:]}")
        if config.start is not None and _parse_start(config.start) != start:
            raise ValidationError(
                f"this store holds a demo that started on {start.to_date_string()}; "
                "drop --start to continue it",
                field="start",
            )
    else:
        start = _parse_start(config.start or DEFAULT_START)
        _move(store, _START, int(start.format("YYYYMMDD")))
        _move(store, _SEED, config.seed + 1)
    done = store.counter(_DONE)
    target = store.counter(_TARGET)
    if done >= target:
        _move(store, _SEGMENT, done + 1)  # stored +1: counters start at 0
        target = done + config.days
        _move(store, _TARGET, target)
    segment = store.counter(_SEGMENT) - 1

    records = probe.query()
    latest = max((r.updated_at for r in records), default=start)
    day0 = start.add(days=done)
    clock = ManualClock(max(day0, latest))
    mall = Mall(store=store, clock=clock, policy=policy)
    sim = Simulation(mall, clock, config, make_tenants(config))
    created = [r.created_at for r in records if r.created_at >= day0]
    if created:
        sim.resume_after = max(created)
    generators = [g() for g in GENERATORS if g.kind in mall.services]
    sim.generators = {g.kind: g for g in generators}
    for g in generators:
        g.resume(sim)
    total = target - done
    for i, day_index in enumerate(range(done, target)):
        day = start.add(days=day_index)
        sim.day_index = day_index
        # one durable commit per simulated day, its progress mark included; the simulation
        # reacts to events inside the day, so they are delivered as each step is staged
        with mall.bulk(hold_events=False):
            for g in generators:
                g.arrivals(sim, day, sim.rng(g.kind, "arrivals", day_index))
            sim.run_until(day.add(days=1))
            _move(mall.store, _DONE, day_index + 1)
        if progress is not None:
            progress(i + 1, total)
    return DemoResult(
        mall=mall,
        start=start.add(days=segment),
        end=start.add(days=target),
        days_run=total,
        continued=continued,
        events=sim.events,
    )
