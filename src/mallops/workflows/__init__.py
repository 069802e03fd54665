"""The built-in workflows: their services (``mall.complaints`` ...) and read models.

Each workflow is a spec (``*_spec.py`` or the top of its module), a service and its
read models; all seven are registered by :class:`~mallops.Mall` as plug-ins
(:data:`BUILTIN_WORKFLOWS`, docs/architecture.md).  To write your own workflow use
:mod:`mallops.plugins` (docs/workflows.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builtin import BUILTIN_WORKFLOWS
    from .case_events import link_event, open_referral, referral_events
    from .complaints import ComplaintService
    from .lost_found import LostFoundService, RegisterRow
    from .lost_reports import ItemMatch, LostReportService
    from .repairs import RepairService
    from .return_visits import ReturnVisitService, ReturnVisitStats, timeliness
    from .suggestions import IssueRow, IssueSummary, SuggestionService
    from .tenants import Tenant, TenantService
    from .visit_reports import Coverage, TierCoverage
    from .visits import PlanResult, VisitService

# imported on first use: the policy layer imports workflow helpers (visit_plan) while
# it is being built, so this package must not import every workflow eagerly
_LAZY: dict[str, str] = {
    "BUILTIN_WORKFLOWS": "builtin",
    "link_event": "case_events",
    "open_referral": "case_events",
    "referral_events": "case_events",
    "ComplaintService": "complaints",
    "LostFoundService": "lost_found",
    "RegisterRow": "lost_found",
    "ItemMatch": "lost_reports",
    "LostReportService": "lost_reports",
    "RepairService": "repairs",
    "ReturnVisitService": "return_visits",
    "ReturnVisitStats": "return_visits",
    "timeliness": "return_visits",
    "IssueRow": "suggestions",
    "IssueSummary": "suggestions",
    "SuggestionService": "suggestions",
    "Tenant": "tenants",
    "TenantService": "tenants",
    "Coverage": "visit_reports",
    "TierCoverage": "visit_reports",
    "PlanResult": "visits",
    "VisitService": "visits",
}

__all__ = [
    "BUILTIN_WORKFLOWS",
    "ComplaintService",
    "Coverage",
    "IssueRow",
    "IssueSummary",
    "ItemMatch",
    "LostFoundService",
    "LostReportService",
    "PlanResult",
    "RegisterRow",
    "RepairService",
    "ReturnVisitService",
    "ReturnVisitStats",
    "SuggestionService",
    "Tenant",
    "TenantService",
    "TierCoverage",
    "VisitService",
    "link_event",
    "open_referral",
    "referral_events",
    "timeliness",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
