"""What each kind of source (complaint, repair order) means for its return visits
(rules F1-F3, R6, C10): the state it waits in, who visits, when tracking starts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ..domain.records import Record
from ..policy import Policy

__all__ = ["ACCOUNT", "SOURCES", "SOURCE_LINK", "STAGES", "SourceRules"]

SOURCE_LINK = "return_visit_of"
STAGES = ("after", "during", "account")
ACCOUNT = "account"


# -- sources: what each kind of source means for its return visits ------------------------------


@attrs.frozen
class SourceRules:
    """How a kind of source record meets the return-visit rules."""

    resolved: str  # the state in which it waits for its return visit (F2)
    contact_fields: tuple[str, str]  # (name, phone) fields copied to the visit
    requires_visit: Callable[[Policy, Record], bool]
    performer: Callable[[Policy, Record], str]  # lowest role allowed to visit (F3)
    due: Callable[[Policy], Any]
    deferred: Callable[[Policy, Record | None, Record], bool]  # starts tracking (F1)


def _commitment_breached(before: Record | None, after: Record) -> bool:
    t = after.timer("commitment")
    if t is None or t.breached_at is None:
        return False
    old = before.timer("commitment") if before is not None else None
    return old is None or old.breached_at != t.breached_at


def _complaint_performer(p: Policy, r: Record) -> str:
    sev = p.complaints.severities.get(r.severity or "")
    return (
        sev.followup_role
        if sev is not None
        else p.complaints.severities[p.complaints.default_severity].followup_role
    )  # rule C10


def _repair_performer(p: Policy, r: Record) -> str:
    return p.repairs.major_followup_role if r.fields.get("major") else p.repairs.followup_role


def _repair_deferred(p: Policy, before: Record | None, after: Record) -> bool:
    if not after.fields.get("external"):
        return False
    entered_wait = after.state.startswith("waiting_") and (
        before is None or before.state != after.state
    )
    return entered_wait or _commitment_breached(before, after)


SOURCES: dict[str, SourceRules] = {
    "complaint": SourceRules(
        resolved="resolved",
        contact_fields=("complainant", "contact"),
        requires_visit=lambda p, _r: p.complaints.survey_by == "return_visit",
        performer=_complaint_performer,
        due=lambda p: p.return_visits.complaint_due,
        deferred=lambda p, b, a: (
            p.return_visits.tracking_for_complaints and _commitment_breached(b, a)
        ),
    ),
    "repair": SourceRules(
        resolved="accepted",
        contact_fields=("reporter", "contact"),
        requires_visit=lambda _p, r: bool(r.fields.get("external")),  # rule R6
        performer=_repair_performer,
        due=lambda p: p.return_visits.repair_due,
        deferred=_repair_deferred,
    ),
}


# -- timers ------------------------------------------------------------------------------------
