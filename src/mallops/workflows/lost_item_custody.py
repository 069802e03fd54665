"""Custody of a found item (rules L1-L4, L6-L8): intake, owner contact, numbering and
storage, retention and disposal; the guards, effects and timer plans of
``lost_found_spec.LOST_ITEM``.  Claims (L5, L10) are in ``lost_item_claims.py``.
"""

from __future__ import annotations

from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Mark, Timer
from ..engine.context import Context
from ..engine.timers import TimerPlan, plan_until
from ..errors import ValidationError
from .lost_found_rules import disposal_route, retention_due
from .lost_item_claims import open_claim

__all__ = [
    "guard_dispose",
    "on_contact_owner",
    "on_dispose",
    "on_expired",
    "on_finder_left",
    "on_front_desk_mark",
    "on_intake",
    "on_link_report",
    "on_number",
    "on_retention_extended",
    "on_retention_mark",
    "on_store_room",
    "permit_dispose",
    "plan_front_desk",
    "plan_retention",
]


def _found_at(ctx: Context) -> pendulum.DateTime:
    return aware(ctx.get("found_at"), field="found_at", tz=ctx.calendar.tz)


def _retention(ctx: Context) -> tuple[str, pendulum.DateTime]:
    return retention_due(
        ctx.policy.lost_found,
        ctx.calendar,
        category=ctx.draft.category or "",
        has_contact=bool(ctx.get("has_owner_contact")),
        found_at=_found_at(ctx),
    )


def plan_retention(ctx: Context) -> TimerPlan:
    """The retention timer's plan: until the end of the item's retention (L6)."""
    _, due = _retention(ctx)
    return plan_until(ctx.now, due)


def _front_desk_until(ctx: Context) -> pendulum.DateTime:
    return ctx.calendar.add(_found_at(ctx), ctx.policy.lost_found.front_desk_period)


def plan_front_desk(ctx: Context) -> TimerPlan | None:
    """The front-desk timer's plan, or ``None`` when its days are already over (L4)."""
    due = _front_desk_until(ctx)
    return plan_until(ctx.now, due) if due > ctx.now else None


def on_front_desk_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    """Front-desk days over: a numbered item moves to the store room (L4)."""
    if mark.kind == "breach" and ctx.draft.fields.get("place") == "service_centre":
        ctx.follow("to_store_room")  # rule L4


def on_retention_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    """Retention over: the item falls due for disposal (L6)."""
    if mark.kind == "breach" and ctx.draft.state in ("registered", "stored"):
        ctx.follow("retention_expired")  # rule L6


def on_intake(ctx: Context) -> None:
    """``intake``: record what was found, where, by whom, and its retention (L1, L6)."""
    # rule L1: place, time, description and features, category, finder, owner clue
    found_at = ctx.param("found_at")
    if found_at > ctx.now:
        raise ValidationError(
            f"found_at: {found_at.isoformat()} is in the future (now {ctx.now.isoformat()})",
            field="found_at",
        )
    finder_type = ctx.param("finder_type")
    if finder_type == "employee" and not ctx.param("finder_department"):
        raise ValidationError(
            "finder_department: required when an employee found the item (L7 routes "
            "low-value items back to that department)",
            field="finder_department",
        )
    d = ctx.draft
    d.category = ctx.param("category") or ctx.policy.lost_found.default_category
    d.location = ctx.param("place_found")
    d.owner = ctx.actor.id
    d.department = ctx.actor.department or "customer_service"
    for name in (
        "found_at",
        "description",
        "features",
        "finder_type",
        "finder_name",
        "finder_department",
        "finder_contact",
        "owner_clue",
        "owner_contact",
    ):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.set("desk", ctx.param("desk") or "service_desk")
    ctx.set("place", "service_desk")
    ctx.set("has_owner_contact", ctx.param("owner_contact") is not None)
    ctx.set("claims", [])
    ctx.set("contact_attempts", [])
    ctx.set("failed_claims", 0)
    cls, due = _retention(ctx)
    if due <= ctx.now:
        raise ValidationError(
            f"found_at: the retention of this item ({cls}) already ended on "
            f"{due.isoformat()}; register items when they are handed in",
            field="found_at",
        )
    ctx.set("retention_class", cls)
    ctx.set("retention_until", due)


def on_contact_owner(ctx: Context) -> None:
    """``contact_owner``: record the attempt; owner contact lengthens retention (L2, L6)."""
    # rule L2: every attempt is recorded; a reached owner may claim at once (L5)
    attempts = list(ctx.get("contact_attempts", []))
    attempts.append(
        {
            "at": ctx.now.isoformat(),
            "by": ctx.actor.id,
            "method": ctx.param("method"),
            "reached": ctx.param("reached"),
            "note": ctx.param("note"),
        }
    )
    ctx.set("contact_attempts", attempts)
    if ctx.param("contact") is not None:
        ctx.set("owner_contact", ctx.param("contact"))
    if ctx.param("reached"):
        ctx.set("owner_reached", True)
        ctx.emit("owner_reached", number=ctx.get("number"))
    if not ctx.get("has_owner_contact") and (ctx.param("contact") or ctx.param("reached")):
        ctx.set("has_owner_contact", True)
        cls, due = _retention(ctx)  # rule L6: owner contact known -> its retention
        ctx.set("retention_class", cls)
        if due != aware(ctx.get("retention_until"), tz=ctx.calendar.tz):
            ctx.set("retention_until", due)
            # rule L6 (L2, L7): the longer retention of an item with owner contact runs
            # from when it was found.  Not yet ended: an item due for disposal is kept
            # again until it ends (its disposal route dropped); ended as well: it stays
            # due for disposal on its route, the contact recorded (a claim, L5, may still
            # release it to the owner first).
            if due > ctx.now:
                if ctx.draft.state == "due_disposal":
                    ctx.follow("retention_extended")
                else:
                    ctx.start_timer("retention", plan_until(ctx.now, due))


def on_retention_extended(ctx: Context) -> None:
    """An item due for disposal whose owner contact turns up is kept again (L6)."""
    # rule L6: an item due for disposal whose owner contact turns up is kept again; a
    # stored item has no disposal case nor route (they are decided when it falls due)
    ctx.remove("disposal_case")
    ctx.remove("disposal_route")
    due = aware(ctx.get("retention_until"), tz=ctx.calendar.tz)
    ctx.start_timer("retention", plan_until(ctx.now, due))
    ctx.emit("retention_extended", number=ctx.get("number"), until=due)


def on_number(ctx: Context) -> None:
    """``number_item``: number the item and move it to the service centre (L3)."""
    # rule L3: to the service-centre office, numbered YYYY/MM/NNN
    for name in ("number", "seq", "period"):
        ctx.set(name, ctx.param(name))
    ctx.set("numbered_by", ctx.param("by"))
    ctx.set("numbered_at", ctx.now)
    ctx.set("place", "service_centre")
    if _front_desk_until(ctx) <= ctx.now:
        ctx.follow("to_store_room")  # rule L4: its front-desk days are already over


def on_store_room(ctx: Context) -> None:
    """``to_store_room``: the item moves to the store room (L4)."""
    ctx.set("place", "store_room")  # rule L4
    ctx.set("moved_to_store_room_at", ctx.now)
    ctx.stop_timer("front_desk")


def _set_route(ctx: Context) -> None:
    case, route = disposal_route(
        ctx.policy.lost_found,
        category=ctx.draft.category or "",
        finder_type=ctx.get("finder_type"),
        finder_department=ctx.get("finder_department"),
        finder_left=bool(ctx.get("finder_left")),
    )
    ctx.set("disposal_case", case)
    ctx.set("disposal_route", route)


def on_expired(ctx: Context) -> None:
    """``retention_expired``: decide the disposal route and announce it (L7, L8)."""
    _set_route(ctx)  # rule L7 (L8 in the statutory policy)
    ctx.emit("disposal_due", number=ctx.get("number"), route=ctx.get("disposal_route"))


def on_finder_left(ctx: Context) -> None:
    """``finder_left``: record it; an item due for disposal is re-routed (L7)."""
    ctx.set("finder_left", True)
    if ctx.draft.state == "due_disposal":
        _set_route(ctx)


def permit_dispose(ctx: Context) -> str | None:
    """``dispose``: only the policy's disposal roles (L7)."""
    roles = ctx.policy.lost_found.disposal.roles
    if ctx.actor.role in roles:
        return None
    return f"the policy lets only {', '.join(roles)} record disposals (L7)"


def guard_dispose(ctx: Context) -> str | None:
    """``dispose``: no open claim, and what the route needs recorded (L7)."""
    if open_claim(ctx) is not None:
        return "a claim is open on this item: release it to the owner or reject the claim first"
    route = ctx.get("disposal_route")
    d = ctx.policy.lost_found.disposal
    if route == "management":
        if ctx.actor.role not in d.decision_roles:
            return (
                "this item goes to a management decision (L7); the decision is recorded by "
                f"one of: {', '.join(d.decision_roles)}"
            )
        if not ctx.param("decision"):
            return "a management decision must say what was decided (decision)"
    elif route != "destroy" and not ctx.param("received_by"):
        return f"route {route}: name who received the item (received_by)"
    return None


def on_dispose(ctx: Context) -> None:
    """``dispose``: record the disposal on its route (L7, L8)."""
    route = ctx.get("disposal_route")
    record: dict[str, Any] = {
        "at": ctx.now.isoformat(),
        "by": ctx.actor.id,
        "route": route,
        "received_by": ctx.param("received_by"),
        "decision": ctx.param("decision"),
        "receipt": ctx.param("receipt"),
    }
    if route == "management":
        record["decided_by"] = ctx.actor.id
        record["decided_by_name"] = ctx.actor.name
    notice = ctx.policy.lost_found.disposal.public_notice
    if route == "police" and notice is not None:
        record["notice_until"] = ctx.calendar.add(ctx.now, notice).isoformat()  # rule L8
    ctx.set("disposal", record)
    ctx.set("place", "destroyed" if route == "destroy" else "handed_over")


def on_link_report(ctx: Context) -> None:
    """``link_report``: link the item with a matching lost report."""
    ctx.link("lost_report", ctx.param("report"))
