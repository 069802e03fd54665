"""The demo's configuration, result and the tables its generators draw from."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pendulum

from ..errors import ValidationError
from ..mall import Mall

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

TRADES = ("retail", "retail", "retail", "restaurant", "restaurant", "entertainment", "service")
FLOORS = ("B1", "1F", "2F", "3F", "4F", "5F")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
)
# where problems of each category happen, with the hot spots weighted up (K4, C9)
PLACES: dict[str, tuple[tuple[str, int], ...]] = {
    "environment": (
        *((f"{f} 洗手间", 2) for f in FLOORS),
        ("B1 东侧洗手间", 6),
        ("3F 美食广场", 5),
        ("1F 中庭", 2),
        ("B1 垃圾房", 2),
    ),
    "facilities": (
        *((f"{f} 扶梯口", 2) for f in FLOORS),
        *((f"{f} 电梯厅", 1) for f in FLOORS),
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
    *((f"{f} 洗手间", 1) for f in FLOORS),
)
ID_TYPES = (("resident_id", 90), ("passport", 4), ("hk_macao_permit", 3), ("driving_licence", 3))
REPAIR_SOURCES = (("tenant", 50), ("customer", 8), ("staff", 27), ("inspection", 15))
