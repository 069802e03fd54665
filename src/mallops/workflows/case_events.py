"""Events complaints and repair orders share with the front desk (rules G12, G13).

- ``link`` 关联: relate the case to another record, recorded in its history.  The
  reception log (:mod:`mallops.frontdesk`) fires it when an enquiry is converted into
  the case (relation ``reception``) and when a person contacts the desk again about
  the open case (relation ``repeat_contact``), so both records link to each other.
- ``refer`` 报客服部负责人 and ``coordinate`` 协调结果 (G13, 001 4.7): a case the
  handling department or the front desk cannot coordinate is referred to the
  customer-service head (``cs_head``), who coordinates the departments; the referral
  and the agreed result are in the case's history (field ``referrals``: one entry per
  referral, its outcome filled in by ``coordinate``).  An outcome the departments did
  not agree on goes on to the property manager (001 3.1).

The events keep the case's state: a referral is coordination beside the handling, not a
step of it.
"""

from __future__ import annotations

from typing import Any

from ..engine.context import Context
from ..engine.spec import EventSpec, Param
from ..errors import ValidationError

__all__ = [
    "COORDINATORS",
    "LINKERS",
    "REFERRERS",
    "link_event",
    "open_referral",
    "referral_events",
]

REFERRERS = ("front_desk", "staff", "department_manager", "cs_head")
"""Who refers a difficult case (001 4.7: the handling department's head through the desk)."""

COORDINATORS = ("cs_head", "property_manager", "general_manager")
"""Who records the coordination outcome: the customer-service head and above (G13)."""

LINKERS = (
    "front_desk",
    "staff",
    "department_manager",
    "cs_head",
    "property_manager",
    "general_manager",
)
"""Who links records: every role (the same as the complaints' ``ANYONE``)."""


def _on_link(ctx: Context) -> None:
    ctx.link(ctx.param("relation"), ctx.param("record"))


def link_event(sources: tuple[str, ...], roles: tuple[str, ...] = LINKERS) -> EventSpec:
    """The ``link`` event: relate the record to any other one, in its history (a visit
    to a repair order, V5; a case to the reception it came from, G12)."""
    return EventSpec(
        "link",
        sources,
        None,
        roles,
        "关联",
        "link",
        params=(
            Param("relation", required=True, max_len=40, doc="what the other record is"),
            Param("record", required=True, max_len=128, doc="the other record's id", refers=()),
        ),
        effect=_on_link,
    )


def open_referral(fields: Any) -> dict[str, Any] | None:
    """The case's referral still waiting for its outcome (G13), or ``None``."""
    referrals = fields.get("referrals") if hasattr(fields, "get") else None
    if referrals and isinstance(referrals[-1], dict) and "outcome" not in referrals[-1]:
        return dict(referrals[-1])
    return None


def _guard_refer(ctx: Context) -> str | None:
    if open_referral(ctx.draft.fields) is not None:
        return "it is already referred to the customer-service head and waits for the outcome"
    return None


def _guard_coordinate(ctx: Context) -> str | None:
    if open_referral(ctx.draft.fields) is None:
        return "it is not referred to the customer-service head (refer it first, G13)"
    return None


def _on_refer(ctx: Context) -> None:
    referrals = list(ctx.get("referrals", []))
    referrals.append({"at": ctx.now, "by": ctx.actor.id, "difficulty": ctx.param("difficulty")})
    ctx.set("referrals", referrals)
    # rule G13: the customer-service head coordinates the departments
    ctx.emit("notify", role="cs_head", reason="referral", department=ctx.draft.department)


def _on_coordinate(ctx: Context) -> None:
    departments = list(ctx.param("departments") or [])
    for d in departments:
        if d not in ctx.policy.departments:
            raise ValidationError(
                f"departments: {d!r} is unknown; departments: {', '.join(ctx.policy.departments)}",
                field="departments",
            )
    agreed = bool(ctx.param("agreed", True))
    referrals = list(ctx.get("referrals", []))
    last = dict(referrals[-1])
    last.update(
        outcome=ctx.param("outcome"),
        agreed=agreed,
        departments=departments,
        coordinated_at=ctx.now,
        coordinated_by=ctx.actor.id,
    )
    referrals[-1] = last
    ctx.set("referrals", referrals)
    if not agreed:  # 001 3.1: beyond the head's remit, the property manager decides
        ctx.emit("notify", role="property_manager", reason="referral_not_agreed")


def referral_events(sources: tuple[str, ...]) -> tuple[EventSpec, EventSpec]:
    """The ``refer`` and ``coordinate`` events of a case open in ``sources`` (G13)."""
    refer = EventSpec(
        "refer",
        sources,
        None,
        REFERRERS,
        "报客服部负责人协调",
        "refer to the customer-service head",
        params=(
            Param(
                "difficulty",
                "text",
                required=True,
                doc="why the desk or the department cannot coordinate it (G13)",
            ),
        ),
        guard=_guard_refer,
        effect=_on_refer,
    )
    coordinate = EventSpec(
        "coordinate",
        sources,
        None,
        COORDINATORS,
        "记录协调结果",
        "record the coordination outcome",
        params=(
            Param("outcome", "text", required=True, doc="the result the departments agreed (G13)"),
            Param("agreed", "bool", doc="whether they agreed (default yes; no: property manager)"),
            Param("departments", "strlist", doc="the departments coordinated"),
        ),
        guard=_guard_coordinate,
        effect=_on_coordinate,
    )
    return refer, coordinate
