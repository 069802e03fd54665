"""Emergency plans 应急预案 as policy data (rule E1): the incident types, who is told at
once and the ordered steps of each plan (``[incidents]`` in the policy file).

The seed types follow 004 第八章 应急措施 and RULES.md E1: sudden water, power or gas cuts,
blocked drains, lift and pump failures, fire, flood and typhoon, criminal and
public-order events, gas leaks and electric shock, suspicious objects.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from mallops.errors import PolicyError
from mallops.plugins import Duration, Label, policy_field

__all__ = ["SEED_INCIDENT_TYPES", "IncidentPolicy", "IncidentTypePolicy"]


@attrs.frozen
class IncidentTypePolicy:
    """One incident type and its plan: who is told at once, the steps in order (E1)."""

    zh: str = policy_field("", doc="Chinese label", rule="E1")
    en: str = policy_field("", doc="English label", rule="E1")
    notify: tuple[str, ...] = policy_field(
        ("general_manager",),
        doc="roles told at once when an incident of this type opens",
        rule="E1",
    )
    departments: tuple[str, ...] = policy_field(
        ("security",), doc="departments called out (the first one leads)", rule="E1"
    )
    steps: Mapping[str, Label] = policy_field(
        {}, doc="the plan's steps, in the order they are taken", rule="E1"
    )


def _steps(*items: tuple[str, str, str]) -> dict[str, Label]:
    return {key: Label(zh, en) for key, zh, en in items}


def _type(
    zh: str, en: str, departments: tuple[str, ...], *steps: tuple[str, str, str]
) -> IncidentTypePolicy:
    return IncidentTypePolicy(
        zh=zh,
        en=en,
        notify=("general_manager", "property_manager", "department_manager"),
        departments=departments,
        steps=_steps(*steps),
    )


_ARRIVE = ("arrive", "人员到场", "staff on site")
_CHECK = ("check", "现场勘查确认", "check on site")
_RESTORE = ("restore", "恢复正常", "back to normal")

SEED_INCIDENT_TYPES: dict[str, IncidentTypePolicy] = {
    "fire": _type(
        "火警",
        "fire",
        ("security", "engineering"),
        ("alarm", "确认火情并报警119", "confirm the fire and call 119"),
        ("evacuate", "疏散顾客与员工", "evacuate customers and staff"),
        ("fight", "初期灭火、切断电源", "fight the early fire, cut the power"),
        ("guide", "引导消防车、保护现场", "guide the fire brigade, keep the scene"),
        _RESTORE,
    ),
    "flood": _type(
        "水浸/防汛防台",
        "flood or typhoon",
        ("engineering", "security"),
        ("shut_off", "关闭水源、堵漏排水", "shut off the water, block and pump"),
        ("protect", "转移物资、保护设备", "move goods, protect equipment"),
        _CHECK,
        _RESTORE,
    ),
    "water_cut": _type(
        "突然停水",
        "sudden water cut",
        ("engineering",),
        _CHECK,
        ("inform", "通知租户与顾客", "tell tenants and customers"),
        ("repair", "抢修或联系供水单位", "repair or call the water company"),
        _RESTORE,
    ),
    "power_failure": _type(
        "突然停电",
        "power failure",
        ("engineering", "security"),
        ("emergency_light", "启用应急照明、安抚顾客", "emergency lighting, reassure customers"),
        _CHECK,
        ("repair", "抢修或联系供电局", "repair or call the power company"),
        _RESTORE,
    ),
    "gas_cut": _type(
        "突然停气",
        "sudden gas cut",
        ("engineering",),
        _CHECK,
        ("inform", "通知餐饮租户", "tell the restaurants"),
        ("repair", "联系燃气公司抢修", "call the gas company"),
        _RESTORE,
    ),
    "blocked_drain": _type(
        "排水管道堵塞",
        "blocked drain",
        ("engineering", "cleaning"),
        _ARRIVE,
        ("clear", "疏通管道、清理现场", "clear the drain, clean up"),
        _RESTORE,
    ),
    "lift_entrapment": _type(
        "电梯困人",
        "lift entrapment",
        ("engineering", "security"),
        ("comfort", "对讲安抚被困人员", "talk to the people trapped"),
        ("call_maintainer", "通知电梯维保单位", "call the lift maintainer"),
        ("rescue", "救出被困人员", "free the people trapped"),
        ("stop_lift", "停梯检查", "take the lift out of service and check it"),
        _RESTORE,
    ),
    "equipment_failure": _type(
        "电梯、水泵等设备突然停转",
        "lift, pump or plant failure",
        ("engineering",),
        _ARRIVE,
        ("isolate", "隔离设备、设置警示", "isolate the plant, put up warnings"),
        ("repair", "抢修", "repair"),
        _RESTORE,
    ),
    "public_order": _type(
        "刑事、治安事件",
        "criminal or public-order event",
        ("security",),
        _ARRIVE,
        ("police", "报警110、保护现场", "call 110, keep the scene"),
        ("assist", "协助警方调查", "assist the police"),
        _RESTORE,
    ),
    "gas_leak": _type(
        "燃气泄漏",
        "gas leak",
        ("engineering", "security"),
        ("shut_valve", "关闭气阀、禁止明火", "close the valve, no naked flames"),
        ("ventilate", "开窗通风、疏散人员", "ventilate, evacuate"),
        ("call_gas", "通知燃气公司", "call the gas company"),
        _RESTORE,
    ),
    "electric_shock": _type(
        "触电事故",
        "electric shock",
        ("engineering", "security"),
        ("cut_power", "切断电源", "cut the power"),
        ("first_aid", "急救并拨打120", "first aid, call 120"),
        ("secure", "现场隔离检查", "isolate and check the scene"),
        _RESTORE,
    ),
    "suspicious_object": _type(
        "爆炸物或可疑物品",
        "suspicious object",
        ("security",),
        ("cordon", "隔离现场、疏散人员", "cordon off, evacuate"),
        ("police", "报警110", "call 110"),
        ("hand_over", "移交警方处理", "hand over to the police"),
        _RESTORE,
    ),
}


@attrs.frozen
class IncidentPolicy:
    """Incidents 突发事件 (``[incidents]``): the plans, who reviews, the response times."""

    types: Mapping[str, IncidentTypePolicy] = policy_field(
        SEED_INCIDENT_TYPES, doc="incident types and their emergency plans", rule="E1"
    )
    ladder: tuple[str, ...] = policy_field(
        ("property_manager", "general_manager"),
        doc="escalation ladder of an incident (its last level is told at registration)",
        rule="E1",
    )
    report_to: str = policy_field(
        "general_manager", doc="told immediately when an incident opens (as C14)", rule="E1"
    )
    first_step_within: Duration = policy_field(
        Duration(15, "minutes"), doc="the first step of the plan is taken within", rule="E1"
    )
    review_roles: tuple[str, ...] = policy_field(
        ("property_manager", "general_manager"),
        doc="who closes an incident with its review",
        rule="E1",
    )

    def __attrs_post_init__(self) -> None:
        if not self.types:
            raise PolicyError("at least one incident type is needed", key="types")
        for name, t in self.types.items():
            if not t.steps:
                raise PolicyError("a plan needs at least one step", key=f"types.{name}.steps")
            if not t.departments:
                raise PolicyError(
                    "a plan calls out at least one department", key=f"types.{name}.departments"
                )
        if self.report_to not in self.ladder:
            raise PolicyError(
                f"{self.report_to!r} is not on the ladder ({', '.join(self.ladder)})",
                key="report_to",
            )
        if self.first_step_within.basis != "wall" or self.first_step_within.amount <= 0:
            raise PolicyError(
                "must be a positive wall-clock duration such as '15 minutes'",
                key="first_step_within",
            )
        if not self.review_roles:
            raise PolicyError("at least one role reviews incidents", key="review_roles")
