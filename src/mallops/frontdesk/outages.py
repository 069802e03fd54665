"""``mall.outages``: planned power and water cuts and their notices to tenants (rule O4).

001 4.10: once the desk learns of a cut from the department doing the work, it tells
the affected departments and tenants in time.  :meth:`OutageService.plan` registers the
cut (refused when it is too late to give the notice the policy requires, unless it is an
emergency cut); :meth:`notify` and :meth:`acknowledge` track each tenant;
:meth:`restore` reports the end.  Guide: docs/front-desk.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pendulum

from mallops.errors import ValidationError
from mallops.plugins import Actor, Record, Workflow, WorkflowService

from .outage_policy import OutagePolicy, outages_section
from .outage_report import outage_section
from .outage_rules import SECTION
from .outage_spec import OUTAGE

__all__ = ["OUTAGES", "OutageService"]


class OutageService(WorkflowService):
    """Power and water cuts announced to the tenants they affect (O4)."""

    @property
    def policy(self) -> OutagePolicy:
        """The ``[outages]`` policy section in force."""
        return outages_section(self.runtime.policy)

    def plan(
        self,
        *,
        actor: Actor,
        utility: str,
        area: str,
        starts_at: pendulum.DateTime,
        ends_at: pendulum.DateTime,
        tenants: Sequence[str],
        description: str | None = None,
        department: str | None = None,
        emergency: bool = False,
        emergency_reason: str | None = None,
    ) -> Record:
        """Register a planned cut of ``utility`` in ``area`` from ``starts_at`` to
        ``ends_at`` affecting ``tenants``.

        Raises ``ValidationError`` naming ``starts_at`` when the notice deadline
        (``outages.notice_before`` before the start, on the business calendar) has
        passed, unless ``emergency`` is true (then ``emergency_reason`` is required and
        the history records the short notice).
        """
        if isinstance(tenants, str) or not isinstance(tenants, Sequence):
            raise ValidationError("tenants: expected a list of tenant ids", field="tenants")
        params = _given(
            utility=utility,
            area=area,
            starts_at=starts_at,
            ends_at=ends_at,
            tenants=list(tenants),
            description=description,
            department=department,
            emergency=emergency,
            emergency_reason=emergency_reason,
        )
        return self.open(actor=actor, **params)

    def notify(
        self,
        outage: str,
        *,
        actor: Actor,
        tenants: Sequence[str] | None = None,
        method: str | None = None,
    ) -> Record:
        """Record that ``tenants`` (default: every affected tenant not yet told) were
        notified now, by ``method`` (``outages.methods``; written notice by default)."""
        if isinstance(tenants, str):
            raise ValidationError("tenants: expected a list of tenant ids", field="tenants")
        params = _given(tenants=None if tenants is None else list(tenants), method=method)
        return self.fire(outage, "notify", actor=actor, **params)

    def acknowledge(
        self, outage: str, *, actor: Actor, tenant: str, acknowledged_by: str | None = None
    ) -> Record:
        """Record ``tenant``'s acknowledgement of the notice (who, masked, G7)."""
        params = _given(tenant=tenant, acknowledged_by=acknowledged_by)
        return self.fire(outage, "acknowledge", actor=actor, **params)

    def restore(
        self,
        outage: str,
        *,
        actor: Actor,
        ended_at: pendulum.DateTime | None = None,
        note: str | None = None,
    ) -> Record:
        """Report the end of the cut (now, or ``ended_at``)."""
        return self.fire(outage, "restore", actor=actor, **_given(ended_at=ended_at, note=note))

    def cancel(self, outage: str, *, actor: Actor, reason: str) -> Record:
        """Call the cut off; the tenants already notified are listed to be told."""
        return self.fire(outage, "cancel", actor=actor, reason=reason)

    def unacknowledged(self, outage: str) -> list[str]:
        """The affected tenants of ``outage`` that have not acknowledged its notice."""
        notices = self.get(outage).fields.get("notices") or {}
        return [t for t, n in notices.items() if not n.get("acknowledged_at")]

    def upcoming(self) -> list[Record]:
        """Cuts not started yet, the earliest registered first."""
        return [r for r in self.query(is_open=True) if r.state != "in_progress"]


def _given(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


OUTAGES = Workflow(
    OUTAGE,
    OutageService,
    attribute="outages",
    policy_section=SECTION,
    policy_class=OutagePolicy,
    report_sections=(outage_section,),
)
"""Outage notices 停电/停水通知 (O4) as a plug-in: ``mall.outages``, policy ``[outages]``."""
