"""The seven built-in workflows, as :class:`~mallops.workflows.bundle.Workflow` values.

``Mall`` registers these through the same path as a plug-in's workflows (no special
case); their reactions come from the one reaction table (``reactions.py``).  The
lost-and-found workflow is two kinds of record: found items and lost reports.
"""

from __future__ import annotations

from .bundle import Workflow
from .complaints import COMPLAINT, ComplaintService
from .lost_found import LOST_ITEM, LostFoundService
from .lost_reports import LOST_REPORT, LostReportService
from .reactions import BUILTIN_REACTIONS
from .repairs import REPAIR, RepairService
from .return_visits import RETURN_VISIT, ReturnVisitService
from .runtime import Reaction
from .suggestions import SUGGESTION, SuggestionService
from .tenants import TENANT, TenantService
from .visit_spec import VISIT
from .visits import VisitService

__all__ = ["BUILTIN_WORKFLOWS"]


def _rows(kind: str) -> tuple[Reaction, ...]:
    """The rows of the one table that ``kind``'s workflow brings (those it is the source of)."""
    return tuple(r for r in BUILTIN_REACTIONS if r.source == kind)


BUILTIN_WORKFLOWS: tuple[Workflow, ...] = tuple(
    Workflow(spec, service, attribute, reactions=_rows(spec.kind))
    for spec, service, attribute in (
        (COMPLAINT, ComplaintService, "complaints"),
        (REPAIR, RepairService, "repairs"),
        (RETURN_VISIT, ReturnVisitService, "return_visits"),
        (TENANT, TenantService, "tenants"),
        (VISIT, VisitService, "visits"),
        (SUGGESTION, SuggestionService, "suggestions"),
        (LOST_ITEM, LostFoundService, "lost_found"),
        (LOST_REPORT, LostReportService, None),
    )
)
"""Complaints, repairs, return visits, tenants, visits, suggestions, lost and found."""
