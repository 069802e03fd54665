"""Repair-order policy (rules R1-R8, G8)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..duration import Duration
from ..errors import PolicyError
from ._load import field
from .core import TIMER_CHANGE_MODES, Label

REPAIR_TIMERS = ("response", "commitment")
WAITING_STATES = ("waiting_parts", "waiting_access")


@attrs.frozen
class UrgencyPolicy:
    """An urgency level (R2) and its response time (R3)."""

    zh: str = field("", doc="Chinese label", rule="R2")
    en: str = field("", doc="English label", rule="R2")
    rank: int = field(0, doc="order of urgency (higher is dispatched first)", rule="R2")
    response: Duration = field(
        Duration(30, "minutes"), doc="technician on site within this time", rule="R3"
    )


@attrs.frozen
class FaultTypePolicy:
    """A fault type (R1) and the urgency it gets when the reporter names none (R2)."""

    zh: str = field("", doc="Chinese label", rule="R1")
    en: str = field("", doc="English label", rule="R1")
    urgency: str | None = field(
        None, doc="urgency of this fault type (none: the policy's default urgency)", rule="R2"
    )
    department: str = field("engineering", doc="department that repairs it", rule="R2")
    qualified: Mapping[str, tuple[str, ...]] = field(
        {},
        doc="departments qualified for it -> their qualified technicians (an empty list: "
        "any of its staff); none listed: any technician of `department`",
        rule="R2",
    )

    def qualified_departments(self) -> tuple[str, ...]:
        """The departments whose technicians may be dispatched to this fault type (R2)."""
        return tuple(self.qualified) or (self.department,)

    def refuses(self, department: str, technician: str) -> str | None:
        """Why ``technician`` of ``department`` is not qualified for it (R2), or ``None``."""
        allowed = self.qualified_departments()
        if department not in allowed:
            return (
                f"the {department} department is not qualified for {self.en or 'this fault'} "
                f"(R2); qualified: {', '.join(allowed)}"
            )
        listed = self.qualified.get(department, ())
        if listed and technician not in listed:
            return (
                f"technician {technician!r} is not qualified for {self.en or 'this fault'} "
                f"in {department} (R2); qualified: {', '.join(listed)}"
            )
        return None


SEED_URGENCIES: dict[str, UrgencyPolicy] = {
    "urgent": UrgencyPolicy("紧急", "urgent", 2, Duration(15, "minutes")),
    "normal": UrgencyPolicy("一般", "normal", 1, Duration(30, "minutes")),
}

SEED_FAULT_TYPES: dict[str, FaultTypePolicy] = {
    "water": FaultTypePolicy("给排水", "water supply & drainage", "urgent"),
    "electricity": FaultTypePolicy("供电", "electricity", "urgent"),
    "gas": FaultTypePolicy("燃气", "gas", "urgent"),
    "elevator": FaultTypePolicy("电梯扶梯", "elevator & escalator", "urgent"),
    "fire_safety": FaultTypePolicy("消防设施", "fire-safety equipment", "urgent"),
    "hvac": FaultTypePolicy("空调通风", "air conditioning & ventilation"),
    "lighting": FaultTypePolicy("照明", "lighting"),
    "doors_locks": FaultTypePolicy("门窗锁具", "doors & locks"),
    "civil": FaultTypePolicy("土建装饰", "building fabric & finishes"),
    "weak_current": FaultTypePolicy("弱电系统", "low-voltage systems"),
    "other": FaultTypePolicy("其他", "other"),
}


SEED_WORKS_PARTS: dict[str, Label] = {
    "unit": Label("商铺内", "inside a unit"),
    "public": Label("公共区域", "public area"),
    "exterior": Label("外立面及室外", "exterior"),
    "back_of_house": Label("后场及设备房", "back of house & plant rooms"),
}


@attrs.frozen
class RepairPolicy:
    """Everything that decides how repair orders are handled."""

    urgencies: Mapping[str, UrgencyPolicy] = field(
        SEED_URGENCIES, doc="urgency levels and response times (24/7 wall clock)", rule="R3"
    )
    default_urgency: str = field(
        "normal", doc="urgency when neither the reporter nor the fault type gives one", rule="R2"
    )
    fault_types: Mapping[str, FaultTypePolicy] = field(
        SEED_FAULT_TYPES, doc="fault types", rule="R1"
    )
    sources: tuple[str, ...] = field(
        ["tenant", "customer", "staff", "inspection"],
        doc="who may report a repair (an inspection finding included)",
        rule="R1",
    )
    external_sources: tuple[str, ...] = field(
        ["tenant", "customer"],
        doc="sources with a tenant or customer behind them (they get a return visit)",
        rule="R6",
    )
    response_warn_at: float | None = field(
        0.5,
        doc="fraction of the response time at which a warning fires",
        rule="R3",
        unit="fraction",
    )
    on_urgency_change: str = field(
        "recompute",
        doc="response timer when the urgency changes: keep, restart or recompute",
        rule="R3",
    )
    pauses: Mapping[str, tuple[str, ...]] = field(
        {},
        doc="timer (response, commitment) -> waiting states that pause it; none by default",
        rule="R4",
    )
    ladder: tuple[str, ...] = field(
        ["department_manager", "property_manager", "general_manager"],
        doc="roles of escalation levels 1, 2, ...; a response breach reaches level 1",
        rule="R3",
    )
    escalate_after_breach: tuple[Duration, ...] = field(
        [Duration(1, "hours"), Duration(3, "hours")],
        doc="each next level this long after the previous, while nobody is on site "
        "(the documents give no number)",
        rule="R3",
    )
    rework_escalate_after: int = field(
        2,
        doc="failed inspections after which the order escalates to level 1 (0 = never)",
        rule="R5",
    )
    commitment_warn_at: float | None = field(
        0.75, doc="warning point of a committed completion time", rule="G8", unit="fraction"
    )
    explain_role: str = field(
        "front_desk",
        doc="role told to explain a completion time later than today to the customer",
        rule="G8",
    )
    major_report_to: tuple[str, ...] = field(
        ["department_manager", "property_manager"],
        doc="roles told at once of a major fault (time, place, symptom, plan)",
        rule="R7",
    )
    followup_role: str = field(
        "front_desk", doc="lowest role allowed to do a repair's return visit", rule="F3"
    )
    major_followup_role: str = field(
        "general_manager", doc="lowest role allowed to do a major fault's return visit", rule="F3"
    )

    works_parts: Mapping[str, Label] = field(
        SEED_WORKS_PARTS, doc="parts of the mall works are scheduled on", rule="R10"
    )
    outside_trading_parts: tuple[str, ...] = field(
        ["public", "exterior"],
        doc="parts whose major works are scheduled outside trading hours",
        rule="R10",
    )
    trading_hours_urgencies: tuple[str, ...] = field(
        ["urgent"],
        doc="urgencies whose major works may still be scheduled in trading hours (R3)",
        rule="R10",
    )

    def __attrs_post_init__(self) -> None:
        for key in ("outside_trading_parts",):
            for part in getattr(self, key):
                if part not in self.works_parts:
                    raise PolicyError(
                        f"{part!r} is not a part; parts: {', '.join(self.works_parts)}", key=key
                    )
        for urgency in self.trading_hours_urgencies:
            if urgency not in self.urgencies:
                raise PolicyError(
                    f"{urgency!r} is not an urgency; urgencies: {', '.join(self.urgencies)}",
                    key="trading_hours_urgencies",
                )
        if not self.urgencies:
            raise PolicyError("at least one urgency is needed", key="urgencies")
        for name, u in self.urgencies.items():
            if u.response.basis == "calendar" or u.response.amount <= 0:
                raise PolicyError(
                    "a response time is a positive wall or working duration",
                    key=f"urgencies.{name}.response",
                )
        if self.default_urgency not in self.urgencies:
            raise PolicyError(
                f"{self.default_urgency!r} is not an urgency; urgencies: "
                f"{', '.join(self.urgencies)}",
                key="default_urgency",
            )
        if not self.fault_types:
            raise PolicyError("at least one fault type is needed", key="fault_types")
        for name, f in self.fault_types.items():
            if f.urgency is not None and f.urgency not in self.urgencies:
                raise PolicyError(
                    f"{f.urgency!r} is not an urgency; urgencies: {', '.join(self.urgencies)}",
                    key=f"fault_types.{name}.urgency",
                )
        if not self.sources:
            raise PolicyError("at least one source is needed", key="sources")
        for s in self.external_sources:
            if s not in self.sources:
                raise PolicyError(
                    f"{s!r} is not a source; sources: {', '.join(self.sources)}",
                    key="external_sources",
                )
        for name in ("response_warn_at", "commitment_warn_at"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise PolicyError(f"must be between 0 and 1 (exclusive), got {value}", key=name)
        if self.on_urgency_change not in TIMER_CHANGE_MODES:
            raise PolicyError(
                f"not one of {', '.join(TIMER_CHANGE_MODES)}", key="on_urgency_change"
            )
        for timer, states in self.pauses.items():
            if timer not in REPAIR_TIMERS:
                raise PolicyError(
                    f"unknown timer {timer!r}; timers: {', '.join(REPAIR_TIMERS)}",
                    key=f"pauses.{timer}",
                )
            for s in states:
                if s not in WAITING_STATES:
                    raise PolicyError(
                        f"{s!r} is not a waiting state; waiting states: "
                        f"{', '.join(WAITING_STATES)}",
                        key=f"pauses.{timer}",
                    )
        if not self.ladder or len(set(self.ladder)) != len(self.ladder):
            raise PolicyError("a ladder of distinct roles, at least one", key="ladder")
        if len(self.escalate_after_breach) >= len(self.ladder):
            raise PolicyError(
                f"{len(self.escalate_after_breach)} steps after the breach need "
                f"{len(self.escalate_after_breach) + 1} ladder levels, the ladder has "
                f"{len(self.ladder)}",
                key="escalate_after_breach",
            )
        if any(d.amount <= 0 for d in self.escalate_after_breach):
            raise PolicyError("every step must be positive", key="escalate_after_breach")
        bases = {d.basis for d in self.escalate_after_breach}
        bases |= {u.response.basis for u in self.urgencies.values()}
        if len(bases) > 1:
            raise PolicyError(
                "response times and the steps after a breach must all be wall time "
                "or all working time",
                key="escalate_after_breach",
            )
        if self.rework_escalate_after < 0:
            raise PolicyError("must be 0 or more", key="rework_escalate_after")
