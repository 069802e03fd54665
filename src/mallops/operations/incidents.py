"""``mall.incidents``: emergencies 突发事件 run on their plans (rule E1).

The spec is :data:`~mallops.operations.incident_spec.INCIDENT`; the report section is
:func:`~mallops.operations.incident_report.incident_section`; docs/operations.md has
the diagram and an example.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from mallops.domain import Actor, Record
from mallops.plugins import Workflow, WorkflowService

from .incident_policy import IncidentPolicy
from .incident_report import incident_section, since_registration
from .incident_spec import INCIDENT

__all__ = ["INCIDENTS", "IncidentService", "ResponseTimes", "response_times"]


@attrs.frozen
class ResponseTimes:
    """An incident's response times in seconds (E1): registration to the first step and
    to closing (``None`` while it has not happened)."""

    first_step: int | None
    closed: int | None


def response_times(record: Record) -> ResponseTimes:
    """The response times of one incident record (E1), from its history."""
    return ResponseTimes(
        since_registration(record, ("step", "skip_step")),
        since_registration(record, ("review", "false_alarm")),
    )


class IncidentService(WorkflowService):
    """Incidents: open at once on the type's plan, steps in order, notices, review (E1)."""

    def register(
        self,
        *,
        actor: Actor,
        type: str,
        location: str,
        description: str,
        tenants: Sequence[str] = (),
        reported_by: str | None = None,
        major: bool = False,
        notice: str | None = None,
    ) -> Record:
        """Open an incident of ``type`` (E1): the general manager is told at once, the
        plan's roles are notified and the affected ``tenants`` get the first notice."""
        params: dict[str, object] = {
            "type": type,
            "location": location,
            "description": description,
            "tenants": list(tenants),
            "major": major,
        }
        if reported_by is not None:
            params["reported_by"] = reported_by
        if notice is not None:
            params["notice"] = notice
        return self.open(actor=actor, **params)

    def step(self, record_id: str, step: str, *, actor: Actor, note: str | None = None) -> Record:
        """Record the plan's next step ``step`` as done by ``actor`` now (E1: in order)."""
        extra = {"note": note} if note is not None else {}
        return self.fire(record_id, "step", actor=actor, step=step, **extra)

    def skip_step(self, record_id: str, step: str, *, actor: Actor, reason: str) -> Record:
        """Skip the plan's next step ``step``; a skipped step needs a reason (E1)."""
        return self.fire(record_id, "skip_step", actor=actor, reason=reason, step=step)

    def notify(
        self, record_id: str, message: str, *, actor: Actor, tenants: Sequence[str] = ()
    ) -> Record:
        """Send a progress notice to ``tenants`` (default: every affected tenant)."""
        extra: dict[str, Any] = {"tenants": list(tenants)} if tenants else {}
        return self.fire(record_id, "notify", actor=actor, message=message, **extra)

    def stand_down(self, record_id: str, *, actor: Actor, message: str | None = None) -> Record:
        """End the response once every step is settled; the tenants are told."""
        extra = {"message": message} if message is not None else {}
        return self.fire(record_id, "stand_down", actor=actor, **extra)

    def review(
        self,
        record_id: str,
        *,
        actor: Actor,
        summary: str,
        cause: str | None = None,
        lessons: str | None = None,
    ) -> Record:
        """Close the incident with its review (E1)."""
        extra = {k: v for k, v in (("cause", cause), ("lessons", lessons)) if v is not None}
        return self.fire(record_id, "review", actor=actor, summary=summary, **extra)

    def false_alarm(self, record_id: str, *, actor: Actor, reason: str) -> Record:
        """Close an incident that was a false alarm, saying why."""
        return self.fire(record_id, "false_alarm", actor=actor, reason=reason)

    def response_times(self, record: Record | str) -> ResponseTimes:
        """The incident's response times (E1): registration to first step, to closing."""
        return response_times(self.get(record) if isinstance(record, str) else record)

    def active(self) -> list[Record]:
        """Incidents not closed yet, the oldest first."""
        return self.query(is_open=True)


INCIDENTS = Workflow(
    INCIDENT,
    IncidentService,
    attribute="incidents",
    policy_section="incidents",
    policy_class=IncidentPolicy,
    report_sections=(incident_section,),
)
"""The incident workflow (E1) as a plug-in."""
