"""Complaint policy (rules C1-C14, G8)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..duration import Duration
from ..errors import PolicyError
from ._load import field
from .core import EscalationPolicy, TimerPolicy


@attrs.frozen
class CategoryPolicy:
    """A complaint category (C1) and the keywords that suggest it (C2)."""

    zh: str = field("", doc="Chinese label", rule="C1")
    en: str = field("", doc="English label", rule="C1")
    keywords: tuple[str, ...] = field([], doc="words in a description that suggest it", rule="C2")
    handling: Duration | None = field(
        None, doc="handling deadline for this category (overrides the default)", rule="C7"
    )


@attrs.frozen
class SeverityPolicy:
    """A severity level (C3) and what it routes (C10, C14)."""

    zh: str = field("", doc="Chinese label", rule="C3")
    en: str = field("", doc="English label", rule="C3")
    rank: int = field(0, doc="order of severity (higher is more severe)", rule="C3")
    report_to: str | None = field(
        None, doc="role told at once when a complaint has this severity", rule="C10"
    )
    escalate_to_level: int = field(
        0, doc="escalation level reached at registration (0 = none)", rule="C14"
    )
    followup_role: str = field(
        "front_desk", doc="lowest role allowed to do the return visit", rule="C10"
    )
    handling: Duration | None = field(
        None, doc="handling deadline at this severity (wins over the category's)", rule="C7"
    )


SEED_CATEGORIES: dict[str, CategoryPolicy] = {
    "facilities": CategoryPolicy(
        "设施设备",
        "facilities & equipment",
        (
            "电梯",
            "扶梯",
            "空调",
            "照明",
            "灯",
            "漏水",
            "水管",
            "停电",
            "设备",
            "门禁",
            "elevator",
            "escalator",
            "air conditioning",
            "leak",
            "light",
            "broken",
        ),
    ),
    "environment": CategoryPolicy(
        "环境卫生",
        "environment & sanitation",
        (
            "卫生",
            "脏",
            "异味",
            "臭",
            "垃圾",
            "洗手间",
            "厕所",
            "清洁",
            "噪音",
            "虫",
            "dirty",
            "smell",
            "restroom",
            "toilet",
            "garbage",
            "noise",
        ),
    ),
    "security": CategoryPolicy(
        "安全",
        "security",
        ("安全", "被盗", "小偷", "打架", "消防", "监控", "偷", "theft", "stolen", "fight", "fire"),
    ),
    "service": CategoryPolicy(
        "服务态度",
        "service attitude",
        ("态度", "服务差", "不理", "辱骂", "粗鲁", "怠慢", "rude", "attitude", "impolite"),
    ),
    "engineering": CategoryPolicy("工程", "engineering", ("工程", "装修", "施工", "renovation")),
    "publicity": CategoryPolicy("宣传", "publicity", ("宣传", "广告", "海报", "advert")),
    "promotion": CategoryPolicy("推广", "promotion", ("促销", "活动", "优惠", "promotion")),
    "planning": CategoryPolicy("企划", "planning", ("企划", "布局", "规划", "layout")),
    "other": CategoryPolicy("其他", "other", ()),
}

SEED_SEVERITIES: dict[str, SeverityPolicy] = {
    "general": SeverityPolicy("一般", "general", 1, None, 0, "front_desk"),
    "important": SeverityPolicy(
        "重要", "important", 2, "department_manager", 0, "department_manager"
    ),
    "major": SeverityPolicy("重大", "major", 3, "general_manager", 2, "general_manager"),
}


@attrs.frozen
class ComplaintPolicy:
    """Everything that decides how complaints are handled."""

    categories: Mapping[str, CategoryPolicy] = field(
        SEED_CATEGORIES, doc="complaint categories", rule="C1"
    )
    default_category: str = field(
        "other", doc="category when no keyword matches and none is given", rule="C2"
    )
    severities: Mapping[str, SeverityPolicy] = field(SEED_SEVERITIES, doc="severities", rule="C3")
    default_severity: str = field("general", doc="severity at registration", rule="C3")
    public_channels: tuple[str, ...] = field(
        ["website", "weibo"], doc="channels whose replies are public", rule="C13"
    )
    approval_required: bool = field(
        True, doc="replies on public channels need approval before publication", rule="C13"
    )
    approver_roles: tuple[str, ...] = field(
        ["cs_head", "property_manager", "general_manager"],
        doc="roles that may approve a public reply",
        rule="C13",
    )
    first_contact: TimerPolicy = field(
        TimerPolicy(Duration(3, "hours"), warn_at=0.75, quiet_warnings=False),
        doc="first contact with the complainant",
        rule="C5",
    )
    handling: TimerPolicy = field(
        TimerPolicy(Duration(4, "working days"), warn_at=0.75, quiet_warnings=True),
        doc="formal reply / handling deadline",
        rule="C7",
    )
    commitment_warn_at: float | None = field(
        0.75, doc="warning point of a committed completion time", rule="G8", unit="fraction"
    )
    escalation: EscalationPolicy = field(
        EscalationPolicy(), doc="unresolved-complaint escalation ladder", rule="C8"
    )
    recurrence_count: int = field(
        3, doc="occurrences (same tenant or location, same category) that escalate", rule="C9"
    )
    recurrence_window: Duration = field(
        Duration(90, "days"), doc="window in which occurrences are counted", rule="C9"
    )
    recurrence_level: int = field(1, doc="escalation level a recurrence reaches", rule="C9")
    rating_scale: int = field(5, doc="satisfaction answers run from 1 to this", rule="C12")
    satisfied_min: int = field(4, doc="every answer at least this counts as satisfied", rule="C12")
    reopen_escalate_after: int = field(
        2, doc="reopens after which the complaint escalates to level 1 (0 = never)", rule="C12"
    )
    survey_by: str = field(
        "return_visit",
        doc="who carries the satisfaction survey: 'return_visit' (a 回访 record) "
        "or 'survey' (an event on the complaint)",
        rule="C12",
    )

    def __attrs_post_init__(self) -> None:
        if self.default_category not in self.categories:
            raise PolicyError(
                f"{self.default_category!r} is not a category; "
                f"categories: {', '.join(self.categories)}",
                key="default_category",
            )
        if self.default_severity not in self.severities:
            raise PolicyError(
                f"{self.default_severity!r} is not a severity; "
                f"severities: {', '.join(self.severities)}",
                key="default_severity",
            )
        if self.recurrence_count < 2:
            raise PolicyError("must be at least 2", key="recurrence_count")
        if self.recurrence_window.basis == "working" or self.recurrence_window.amount <= 0:
            raise PolicyError(
                "must be a positive wall or calendar duration", key="recurrence_window"
            )
        if not 1 <= self.satisfied_min <= self.rating_scale:
            raise PolicyError(
                f"must be between 1 and rating_scale ({self.rating_scale})", key="satisfied_min"
            )
        if self.reopen_escalate_after < 0:
            raise PolicyError("must be 0 or more", key="reopen_escalate_after")
        if self.survey_by not in ("return_visit", "survey"):
            raise PolicyError("must be 'return_visit' or 'survey'", key="survey_by")
        if self.commitment_warn_at is not None and not 0 < self.commitment_warn_at < 1:
            raise PolicyError("must be between 0 and 1", key="commitment_warn_at")
        levels = len(self.escalation.ladder)
        for name, sev in self.severities.items():
            if not 0 <= sev.escalate_to_level <= levels:
                raise PolicyError(
                    f"level {sev.escalate_to_level} is not on the ladder (levels 1..{levels})",
                    key=f"severities.{name}.escalate_to_level",
                )
        if not 1 <= self.recurrence_level <= levels:
            raise PolicyError(f"level is not on the ladder (1..{levels})", key="recurrence_level")
