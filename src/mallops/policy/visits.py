"""Tenant-visit policy (rules V1-V7, G4, G7): trades, tiers, the annual plan, visiting
hours and meal peaks, visit forms and topics, suggestion deadlines and their ladders."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..duration import Duration
from ..errors import PolicyError
from ._load import field
from .core import EscalationPolicy, Label, RolePolicy
from .visit_hours import VisitHours, parse_intervals

__all__ = [
    "LadderPolicy",
    "TierPolicy",
    "TopicPolicy",
    "TradePolicy",
    "VisitPolicy",
    "parse_intervals",
]

PRORATION_RULES = ("months", "full")
FREQUENCIES = ("tier", "account_age")


@attrs.frozen
class TradePolicy:
    """A tenant trade (业态) and whether meal peaks keep visitors away (V2)."""

    zh: str = field("", doc="Chinese label", rule="G4")
    en: str = field("", doc="English label", rule="G4")
    meal_peaks: bool = field(False, doc="never visited during the meal peaks", rule="V2")


@attrs.frozen
class TierPolicy:
    """A tenant tier (anchor store 主力店 or regular) and its visits a year (V1)."""

    zh: str = field("", doc="Chinese label", rule="V1")
    en: str = field("", doc="English label", rule="V1")
    visits_per_year: int = field(1, doc="visits a whole year of lease requires", rule="V1")


@attrs.frozen
class TopicPolicy:
    """A visit topic (V4) and the department answering suggestions about it (V5)."""

    zh: str = field("", doc="Chinese label", rule="V4")
    en: str = field("", doc="English label", rule="V4")
    department: str = field("operations", doc="department that answers it", rule="V5")


@attrs.frozen
class LadderPolicy:
    """A ladder climbed from a deadline: level 1 when the deadline is missed, each next
    level a step later."""

    ladder: tuple[str, ...] = field(
        ["department_manager", "general_manager"],
        doc="roles of levels 1, 2, ...; level 1 is told when the deadline is missed",
    )
    steps: tuple[Duration, ...] = field(
        [Duration(7, "days")], doc="each level after the first fires this long after the previous"
    )

    def __attrs_post_init__(self) -> None:
        # the shared ladder checks (non-empty, no repeats, one basis, positive steps)
        try:
            EscalationPolicy(ladder=self.ladder, after=self.steps)
        except PolicyError as exc:
            raise PolicyError(
                exc.reason, key="ladder" if exc.key == "ladder" else "steps"
            ) from None
        if len(self.steps) > len(self.ladder) - 1:
            raise PolicyError(
                f"{len(self.steps)} steps but only {len(self.ladder) - 1} levels after the first",
                key="steps",
            )

    def check_roles(self, roles: Mapping[str, RolePolicy], key: str) -> None:
        """Every role exists and each level outranks the previous one."""
        EscalationPolicy(ladder=self.ladder, after=()).check_roles(roles, key)


SEED_TRADES: dict[str, TradePolicy] = {
    "retail": TradePolicy("零售", "retail"),
    "restaurant": TradePolicy("餐饮", "restaurant", meal_peaks=True),
    "entertainment": TradePolicy("娱乐", "entertainment"),
    "service": TradePolicy("生活服务", "services"),
    "supermarket": TradePolicy("超市", "supermarket"),
    "other": TradePolicy("其他", "other"),
}

SEED_TIERS: dict[str, TierPolicy] = {
    "anchor": TierPolicy("主力店", "anchor store", 3),
    "regular": TierPolicy("非主力店", "regular store", 1),
}

SEED_TOPICS: dict[str, TopicPolicy] = {
    "property_service": TopicPolicy("物业服务", "property service", "customer_service"),
    "engineering": TopicPolicy("工程", "engineering", "engineering"),
    "security": TopicPolicy("安全", "security", "security"),
    "environment": TopicPolicy("环境", "environment", "cleaning"),
    "publicity": TopicPolicy("宣传", "publicity", "marketing"),
    "promotion": TopicPolicy("推广", "promotion", "marketing"),
    "planning": TopicPolicy("策划", "planning", "marketing"),
}

SEED_FORMS: dict[str, Label] = {
    "meeting": Label("开会交谈", "meeting"),
    "inspection": Label("现场查看", "on-site inspection"),
    "phone": Label("电话", "phone"),
}

SEED_SATISFACTION: dict[str, Label] = {
    "satisfied": Label("满意", "satisfied"),
    "fair": Label("基本满意", "fairly satisfied"),
    "dissatisfied": Label("不满意", "dissatisfied"),
}


@attrs.frozen
class VisitPolicy:
    """Everything that decides how tenants are registered, visited and answered."""

    trades: Mapping[str, TradePolicy] = field(SEED_TRADES, doc="tenant trades", rule="G4")
    tiers: Mapping[str, TierPolicy] = field(SEED_TIERS, doc="tenant tiers", rule="V1")
    default_tier: str = field("regular", doc="tier of a tenant registered without one", rule="V1")
    proration: str = field(
        "months",
        doc="a part-year lease needs 'months': visits x months leased / 12, rounded up "
        "(at least 1); or 'full': the whole year's number",
        rule="V1",
    )
    frequency: str = field(
        "tier",
        doc="what sets the visits a year: 'tier' (V1: the tier's visits_per_year) or "
        "'account_age' (F7: new_account_every / established_every)",
        rule="F7",
    )
    new_account_months: int = field(
        12, doc="an account is new for this many months from its lease start", rule="F7"
    )
    new_account_every: int = field(
        1, doc="months between visits of a new account (monthly)", rule="F7", unit="months"
    )
    established_every: int = field(
        3, doc="months between visits of an older account (quarterly)", rule="F7", unit="months"
    )
    department: str = field("operations", doc="department that plans and makes visits", rule="V1")
    visiting_hours: tuple[str, ...] = field(
        ["09:30-11:30", "14:00-17:30"],
        doc="when visits may take place on working days (the documents are silent)",
        rule="V2",
        unit="HH:MM-HH:MM",
    )
    meal_peaks: tuple[str, ...] = field(
        ["11:00-13:30", "17:00-19:30"],
        doc="meal peaks in which trades marked meal_peaks are never visited",
        rule="V2",
        unit="HH:MM-HH:MM",
    )
    visit_length: Duration = field(
        Duration(30, "minutes"),
        doc="length of a visit slot; it lies wholly in visiting hours",
        rule="V2",
    )
    forms: Mapping[str, Label] = field(SEED_FORMS, doc="visit forms", rule="V3")
    satisfaction: Mapping[str, Label] = field(
        SEED_SATISFACTION, doc="answers of the tenant's satisfaction confirmation", rule="V3"
    )
    topics: Mapping[str, TopicPolicy] = field(SEED_TOPICS, doc="visit topics", rule="V4")
    overdue: LadderPolicy = field(
        LadderPolicy(),
        doc="a planned visit not done by the end of its month climbs this ladder",
        rule="V1",
    )
    answer_within: Duration = field(
        Duration(7, "days"), doc="a suggestion is answered to the tenant within this", rule="V5"
    )
    answer_warn_at: float | None = field(
        0.75, doc="fraction of answer_within at which a warning fires", rule="V5", unit="fraction"
    )
    answer_escalation: LadderPolicy = field(
        LadderPolicy(steps=(Duration(3, "days"),)),
        doc="a suggestion not answered in time climbs this ladder",
        rule="V5",
    )
    copy_to: str = field(
        "general_manager", doc="role copied on every forwarded suggestion", rule="V5"
    )
    complaint_channel: str = field(
        "walk_in", doc="channel of a complaint opened from a visit suggestion", rule="V5"
    )
    visit_rate_target: float = field(
        1.0, doc="share of tenants visited as often as required", rule="V7", unit="fraction"
    )
    answer_rate_target: float = field(
        1.0, doc="share of suggestions answered within answer_within", rule="V7", unit="fraction"
    )

    def __attrs_post_init__(self) -> None:
        if not self.trades:
            raise PolicyError("at least one trade is needed", key="trades")
        if not self.tiers:
            raise PolicyError("at least one tier is needed", key="tiers")
        for name, tier in self.tiers.items():
            if not 1 <= tier.visits_per_year <= 52:
                raise PolicyError(
                    f"must be 1..52 (coverage 100 % needs at least one), got "
                    f"{tier.visits_per_year}",
                    key=f"tiers.{name}.visits_per_year",
                )
        if self.default_tier not in self.tiers:
            raise PolicyError(
                f"{self.default_tier!r} is not a tier; tiers: {', '.join(self.tiers)}",
                key="default_tier",
            )
        if self.proration not in PRORATION_RULES:
            raise PolicyError(
                f"{self.proration!r} is not one of {', '.join(PRORATION_RULES)}", key="proration"
            )
        if self.frequency not in FREQUENCIES:
            raise PolicyError(
                f"{self.frequency!r} is not one of {', '.join(FREQUENCIES)}", key="frequency"
            )
        if self.new_account_months < 0:
            raise PolicyError("must be 0 or more", key="new_account_months")
        for key in ("new_account_every", "established_every"):
            if not 1 <= getattr(self, key) <= 12:
                raise PolicyError(f"must be 1..12 months, got {getattr(self, key)}", key=key)
        if self.visit_length.basis != "wall" or self.visit_length.amount <= 0:
            raise PolicyError("must be a positive wall-clock duration", key="visit_length")
        if not self.visiting_hours:
            raise PolicyError("at least one interval is needed", key="visiting_hours")
        parse_intervals(self.visiting_hours, "visiting_hours")
        parse_intervals(self.meal_peaks, "meal_peaks")
        for key in ("forms", "satisfaction", "topics"):
            if not getattr(self, key):
                raise PolicyError("at least one entry is needed", key=key)
        if self.answer_within.basis == "calendar" or self.answer_within.amount <= 0:
            raise PolicyError("must be a positive wall or working duration", key="answer_within")
        if self.answer_warn_at is not None and not 0 < self.answer_warn_at < 1:
            raise PolicyError("must be between 0 and 1 (exclusive)", key="answer_warn_at")
        for key in ("visit_rate_target", "answer_rate_target"):
            if not 0 <= getattr(self, key) <= 1:
                raise PolicyError("must be between 0 and 1", key=key)
        # every trade must have somewhere to be visited (V2)
        hours = VisitHours.of(self)
        for name in self.trades:
            if not hours.starts(name):
                raise PolicyError(
                    f"trade {name!r} can never be visited: no {self.visit_length} slot in the "
                    "visiting hours lies outside the meal peaks",
                    key="visiting_hours",
                )

    def check_references(
        self,
        roles: Mapping[str, RolePolicy],
        departments: Mapping[str, Label],
        channels: Mapping[str, Label],
    ) -> None:
        """Roles, departments and channels named here exist in the whole policy."""
        self.overdue.check_roles(roles, "visits.overdue")
        self.answer_escalation.check_roles(roles, "visits.answer_escalation")
        if self.copy_to not in roles:
            raise PolicyError(f"unknown role {self.copy_to!r}", key="visits.copy_to")
        if self.department not in departments:
            raise PolicyError(f"unknown department {self.department!r}", key="visits.department")
        for name, topic in self.topics.items():
            if topic.department not in departments:
                raise PolicyError(
                    f"unknown department {topic.department!r}; departments: "
                    f"{', '.join(departments)}",
                    key=f"visits.topics.{name}.department",
                )
        if self.complaint_channel not in channels:
            raise PolicyError(
                f"unknown channel {self.complaint_channel!r}", key="visits.complaint_channel"
            )
