"""The ``[inspections]`` policy section: areas, frequencies, windows, escalation (R8, R9, K1).

Every number of the inspection, patrol and hazard workflows is here, with its shipped
default (docs/policy.md lists them; docs/operations.md explains them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from mallops.errors import PolicyError
from mallops.plugins import Duration, policy_field

__all__ = [
    "FOLLOW_UPS",
    "SECTION",
    "AreaPolicy",
    "FrequencyPolicy",
    "InspectionPolicy",
    "inspection_policy",
]

SECTION = "inspections"
"""The policy section's name (``[inspections]`` in the policy file)."""

FOLLOW_UPS = ("repair", "hazard", "none")
"""What a failed checklist item becomes (R8, R9): a repair order, a hazard report to
security, or nothing beyond the note (a cleaning fault put right on the spot)."""


@attrs.frozen
class AreaPolicy:
    """An equipment or area that plans inspect (R9), and what its failed items become."""

    zh: str = policy_field("", doc="Chinese label", rule="R9")
    en: str = policy_field("", doc="English label", rule="R9")
    department: str = policy_field("engineering", doc="department that inspects it", rule="R9")
    follow_up: str = policy_field(
        "repair", doc="a failed item becomes: repair, hazard or none", rule="R8"
    )
    fault_type: str | None = policy_field(
        None, doc="fault type of the repair order a failed item opens (R1)", rule="R8"
    )
    compliance: bool = policy_field(
        False, doc="its rounds score cleaning and greening compliance (K1)", rule="K1"
    )
    patrol: bool = policy_field(
        False, doc="a security patrol: checkpoints in order instead of a checklist", rule="R9"
    )


@attrs.frozen
class FrequencyPolicy:
    """How often rounds fall due (R9) and how long each stays open before it escalates."""

    zh: str = policy_field("", doc="Chinese label", rule="R9")
    en: str = policy_field("", doc="English label", rule="R9")
    days: int = policy_field(0, doc="days between rounds (with `months`)", rule="R9")
    months: int = policy_field(0, doc="calendar months between rounds (with `days`)", rule="R9")
    window: Duration = policy_field(
        Duration(1, "working days"),
        doc="a round on the business calendar is done within this (working time)",
        rule="R9",
    )
    window_24x7: Duration = policy_field(
        Duration(1, "days"), doc="a round of a 24x7 plan is done within this", rule="R9"
    )


def _f(zh: str, en: str, days: int, months: int, window: str, wall: str) -> FrequencyPolicy:
    return FrequencyPolicy(zh, en, days, months, Duration.parse(window), Duration.parse(wall))


SEED_FREQUENCIES: dict[str, FrequencyPolicy] = {
    "daily": _f("每日", "daily", 1, 0, "8 working hours", "8 hours"),
    "weekly": _f("每周", "weekly", 7, 0, "2 working days", "2 days"),
    "monthly": _f("每月", "monthly", 0, 1, "3 working days", "3 days"),
    "quarterly": _f("每季度", "quarterly", 0, 3, "5 working days", "7 days"),
    "yearly": _f("每年", "yearly", 0, 12, "10 working days", "14 days"),
}

SEED_AREAS: dict[str, AreaPolicy] = {
    "lift": AreaPolicy("电梯扶梯", "lifts & escalators", fault_type="elevator"),
    "air_conditioning": AreaPolicy("空调系统", "air conditioning", fault_type="hvac"),
    "lighting": AreaPolicy("照明系统", "lighting", fault_type="lighting"),
    "fire_system": AreaPolicy("消防系统", "fire systems", fault_type="fire_safety"),
    "water_pump": AreaPolicy("水泵房", "water pumps", fault_type="water"),
    "public_area": AreaPolicy("公共区域", "public areas", "operations", fault_type="civil"),
    "exterior": AreaPolicy("外立面及室外", "exterior", fault_type="civil"),
    "common_parts": AreaPolicy(
        "共用部位安全普查", "safety survey of common parts", "engineering", "hazard"
    ),
    "cleaning_zone": AreaPolicy("保洁区域", "cleaning zone", "cleaning", "none", compliance=True),
    "greening_zone": AreaPolicy("绿化区域", "greening zone", "cleaning", "none", compliance=True),
    "security_patrol": AreaPolicy("安全巡逻", "security patrol", "security", "hazard", patrol=True),
}


@attrs.frozen
class InspectionPolicy:
    """Inspection plans, rounds and patrols (R8, R9), hazards, compliance (K1)."""

    areas: Mapping[str, AreaPolicy] = policy_field(
        SEED_AREAS, doc="equipment and areas inspected, by key", rule="R9"
    )
    frequencies: Mapping[str, FrequencyPolicy] = policy_field(
        SEED_FREQUENCIES, doc="how often rounds fall due, by key", rule="R9"
    )
    escalate_after_breach: tuple[Duration, ...] = policy_field(
        [Duration(1, "working days")],
        doc="each next level this long (working time) after a business-calendar round's "
        "deadline passed, while it is not done (the documents give no number)",
        rule="R9",
    )
    escalate_after_breach_24x7: tuple[Duration, ...] = policy_field(
        [Duration(1, "days")],
        doc="the same for the rounds of 24x7 plans (wall-clock time)",
        rule="R9",
    )
    ladder: tuple[str, ...] = policy_field(
        ["department_manager", "property_manager"],
        doc="roles told when a round or patrol is late (levels 1, 2, ...)",
        rule="R9",
    )
    hazard_department: str = policy_field(
        "security", doc="department a hazard report goes to", rule="R9"
    )
    hazard_within: Duration = policy_field(
        Duration(24, "hours"), doc="a hazard report is dealt with within this", rule="R9"
    )
    hazard_ladder: tuple[str, ...] = policy_field(
        ["department_manager", "property_manager"],
        doc="roles told when a hazard is not dealt with in time",
        rule="R9",
    )
    missed_checkpoints_escalate: bool = policy_field(
        True, doc="a patrol finished with missed checkpoints escalates to level 1", rule="R9"
    )

    def __attrs_post_init__(self) -> None:
        if not self.areas:
            raise PolicyError("at least one area is needed", key="areas")
        for name, a in self.areas.items():
            if a.follow_up not in FOLLOW_UPS:
                raise PolicyError(
                    f"{a.follow_up!r} is not one of {', '.join(FOLLOW_UPS)}",
                    key=f"areas.{name}.follow_up",
                )
        if not self.frequencies:
            raise PolicyError("at least one frequency is needed", key="frequencies")
        for name, f in self.frequencies.items():
            if f.days < 0 or f.months < 0 or f.days + f.months == 0:
                raise PolicyError(
                    "give days or months between rounds (at least one above 0)",
                    key=f"frequencies.{name}",
                )
            if f.window.basis != "working":
                raise PolicyError(
                    f"expected working time such as '2 working days', got {f.window}",
                    key=f"frequencies.{name}.window",
                )
            if f.window_24x7.basis != "wall" or f.window_24x7.amount == 0:
                raise PolicyError(
                    f"expected wall-clock time such as '2 days', got {f.window_24x7}",
                    key=f"frequencies.{name}.window_24x7",
                )
        for key, basis in (
            ("escalate_after_breach", "working"),
            ("escalate_after_breach_24x7", "wall"),
        ):
            for i, step in enumerate(getattr(self, key)):
                if step.basis != basis or step.amount == 0:
                    raise PolicyError(
                        f"expected positive {basis} time, got {step}", key=f"{key}[{i}]"
                    )
        if self.hazard_within.basis != "wall" or self.hazard_within.amount == 0:
            raise PolicyError(
                f"expected wall-clock time such as '24 hours', got {self.hazard_within}",
                key="hazard_within",
            )


def inspection_policy(policy: Any) -> InspectionPolicy:
    """The ``[inspections]`` section of ``policy`` (its defaults when the file has none)."""
    got: InspectionPolicy = policy.section(SECTION, InspectionPolicy)
    return got
