"""The inspection workflows as plug-ins (R8, R9, K1): plans, rounds, patrols, hazards.

Guide: docs/operations.md.  Registered by :data:`mallops.operations.OPERATIONS_WORKFLOWS`.
"""

from __future__ import annotations

from mallops.plugins import ReportSection, Workflow

from .inspection_hazard import HAZARD
from .inspection_plan import PLAN
from .inspection_policy import SECTION, InspectionPolicy
from .inspection_reactions import INSPECTION_REACTIONS
from .inspection_report import inspection_section
from .inspection_round import ROUND
from .inspection_service import (
    HazardService,
    InspectionPlanService,
    InspectionRoundService,
    PatrolService,
)
from .patrol import PATROL

__all__ = [
    "HAZARDS",
    "INSPECTION_PLANS",
    "INSPECTION_ROUNDS",
    "INSPECTION_WORKFLOWS",
    "PATROLS",
]

_PLAN_ROW, _ROUND_ROW, _PATROL_ROW = INSPECTION_REACTIONS
_SECTIONS: tuple[ReportSection, ...] = (inspection_section,)

INSPECTION_PLANS = Workflow(
    PLAN,
    InspectionPlanService,
    attribute="inspection_plans",
    policy_section=SECTION,
    policy_class=InspectionPolicy,
    reactions=(_PLAN_ROW,),
    report_sections=_SECTIONS,
)
"""Inspection plans 巡检计划 (R9): ``mall.inspection_plans``."""

INSPECTION_ROUNDS = Workflow(
    ROUND,
    InspectionRoundService,
    attribute="inspection_rounds",
    policy_section=SECTION,
    policy_class=InspectionPolicy,
    reactions=(_ROUND_ROW,),
)
"""Inspection rounds 巡检任务 (R8, R9): ``mall.inspection_rounds``."""

PATROLS = Workflow(
    PATROL,
    PatrolService,
    attribute="patrols",
    policy_section=SECTION,
    policy_class=InspectionPolicy,
    reactions=(_PATROL_ROW,),
)
"""Security patrols 安全巡逻 (R9): ``mall.patrols``."""

HAZARDS = Workflow(
    HAZARD,
    HazardService,
    attribute="hazards",
    policy_section=SECTION,
    policy_class=InspectionPolicy,
)
"""Hazard reports 安全隐患 (R9): ``mall.hazards``."""

INSPECTION_WORKFLOWS = (INSPECTION_PLANS, INSPECTION_ROUNDS, PATROLS, HAZARDS)
"""The four, in registration order (rounds, patrols and hazards before the reactions
that open them are added: a mall registers all of them first)."""
