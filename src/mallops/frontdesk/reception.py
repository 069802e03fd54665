"""The reception log 接待记录 as a shipped plug-in (rules G12, G13; docs/front-desk.md).

:data:`RECEPTION_WORKFLOW` bundles the spec (:mod:`.reception_spec`), the service
``mall.receptions`` (:mod:`.reception_service`), the ``[reception]`` policy section
(:mod:`.reception_policy`), the links both ways (:mod:`.reception_links`) and the report
sections (:mod:`.reception_report`: the reception log, and the difficult cases referred
to the customer-service head, G13, whose events are on complaints and repair orders).
"""

from __future__ import annotations

from mallops.plugins import Workflow

from .reception_links import RECEPTION_REACTIONS
from .reception_policy import ReceptionPolicy
from .reception_report import reception_section, referral_section
from .reception_service import ReceptionService, RepeatCandidate
from .reception_spec import RECEPTION

__all__ = [
    "RECEPTION",
    "RECEPTION_WORKFLOW",
    "ReceptionPolicy",
    "ReceptionService",
    "RepeatCandidate",
]

RECEPTION_WORKFLOW = Workflow(
    RECEPTION,
    ReceptionService,
    attribute="receptions",
    policy_section="reception",
    policy_class=ReceptionPolicy,
    reactions=RECEPTION_REACTIONS,
    report_sections=(reception_section, referral_section),
)
"""The reception log (G12) and the difficult-case report (G13)."""
