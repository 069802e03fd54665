"""The found-item workflow 失物 (rules L1-L10): states, events, timers.

State diagram and the rules behind each step: docs/lost-and-found.md.  Storage place
and number live in ``fields`` (``place``, ``number``); claims are a list in
``fields["claims"]``.  The service (``mall.lost_found``) is in ``lost_found.py``.
"""

from __future__ import annotations

from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Mark, Timer
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_until
from ..errors import ValidationError
from ..policy import Policy
from .lost_found_rules import FINDER_TYPES, disposal_route, is_masked, planned_retention

__all__ = ["ANYONE", "LOST_ITEM", "OPEN_ITEM_STATES", "item_categories"]

OPEN_ITEM_STATES = ("registered", "stored", "due_disposal")
ANYONE = (
    "front_desk",
    "staff",
    "department_manager",
    "cs_head",
    "property_manager",
    "general_manager",
)


def item_categories(p: Policy) -> tuple[str, ...]:
    return tuple(p.lost_found.categories)


def _departments(p: Policy) -> tuple[str, ...]:
    return tuple(p.departments)


def _id_types(p: Policy) -> tuple[str, ...]:
    return tuple(p.lost_found.id_types)


def _finder_types(_p: Policy) -> tuple[str, ...]:
    return tuple(FINDER_TYPES)


def _found_at(ctx: Context) -> pendulum.DateTime:
    return aware(ctx.get("found_at"), field="found_at", tz=ctx.calendar.tz)


def _claims(ctx: Context) -> list[dict[str, Any]]:
    return [dict(c) for c in ctx.get("claims", [])]


def _open_claim(ctx: Context) -> dict[str, Any] | None:
    claims = ctx.get("claims", [])
    if claims and claims[-1]["status"] in ("pending", "verified"):
        return dict(claims[-1])
    return None


def _put_claim(ctx: Context, claim: dict[str, Any]) -> None:
    claims = _claims(ctx)
    claims[-1] = claim
    ctx.set("claims", claims)


# -- retention and storage (L4, L6) ------------------------------------------------------


def _retention(ctx: Context) -> tuple[str, pendulum.DateTime, int | None]:
    return planned_retention(  # G9: a year without holiday data is planned provisionally
        ctx.policy.lost_found,
        ctx.calendar,
        category=ctx.draft.category or "",
        has_contact=bool(ctx.get("has_owner_contact")),
        found_at=_found_at(ctx),
    )


def _plan_retention(ctx: Context) -> TimerPlan:
    _, due, year = _retention(ctx)
    return plan_until(ctx.now, due, provisional_year=year)


def _replan_retention(ctx: Context) -> TimerPlan:
    cls, due, year = _retention(ctx)  # G9: the year's data arrived (rules L6, L8)
    ctx.set("retention_class", cls)
    ctx.set("retention_until", due)
    return plan_until(ctx.now, due, provisional_year=year, clamp=True)


def _front_desk_until(ctx: Context) -> tuple[pendulum.DateTime, int | None]:
    period = ctx.policy.lost_found.front_desk_period
    return ctx.calendar.planned(lambda cal: cal.add(_found_at(ctx), period))


def _plan_front_desk(ctx: Context, *, clamp: bool = False) -> TimerPlan | None:
    due, year = _front_desk_until(ctx)
    if due <= ctx.now and not clamp:
        return None
    return plan_until(ctx.now, due, provisional_year=year, clamp=clamp)


def _on_front_desk_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach" and ctx.draft.fields.get("place") == "service_centre":
        ctx.follow("to_store_room")  # rule L4


def _on_retention_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach" and ctx.draft.state in ("registered", "stored"):
        ctx.follow("retention_expired")  # rule L6


# -- effects -------------------------------------------------------------------------------


def _on_intake(ctx: Context) -> None:
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
    cls, due, _ = _retention(ctx)
    if due <= ctx.now:
        raise ValidationError(
            f"found_at: the retention of this item ({cls}) already ended on "
            f"{due.isoformat()}; register items when they are handed in",
            field="found_at",
        )
    ctx.set("retention_class", cls)
    ctx.set("retention_until", due)


def _on_contact_owner(ctx: Context) -> None:
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
        cls, due, _ = _retention(ctx)  # rule L6: owner contact known -> its retention
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
                    ctx.start_timer("retention", _plan_retention(ctx))


def _on_retention_extended(ctx: Context) -> None:
    # rule L6: an item due for disposal whose owner contact turns up is kept again; a
    # stored item has no disposal case nor route (they are decided when it falls due)
    ctx.remove("disposal_case")
    ctx.remove("disposal_route")
    due = aware(ctx.get("retention_until"), tz=ctx.calendar.tz)
    ctx.start_timer("retention", _plan_retention(ctx))
    ctx.emit("retention_extended", number=ctx.get("number"), until=due)


def _guard_claim(ctx: Context) -> str | None:
    p = ctx.policy.lost_found
    if _open_claim(ctx) is not None:
        return "a claim is already open on this item; verify and release, or reject it first"
    if not is_masked(ctx.param("id_number"), p.id_visible):
        return "id_number must be stored masked (G7); claim through mall.lost_found.claim"
    if ctx.param("proxy"):
        if not p.proxy_claims:
            return "the policy does not allow claims on the owner's behalf (L10)"
        if not ctx.param("owner_name") or not ctx.param("authorisation"):
            return "a proxy claim needs the owner's name and the owner's authorisation (L10)"
    return None


def _on_claim(ctx: Context) -> None:
    # rule L5: what the claimant states and which document was seen (number masked)
    claims = _claims(ctx)
    claim = {
        "n": len(claims) + 1,
        "at": ctx.now.isoformat(),
        "by": ctx.actor.id,
        "status": "pending",
    }
    for name in (
        "claimant",
        "features",
        "place",
        "time",
        "id_type",
        "id_number",
        "proxy",
        "owner_name",
        "authorisation",
    ):
        claim[name] = ctx.param(name)
    claim["proxy"] = bool(claim["proxy"])
    claims.append(claim)
    ctx.set("claims", claims)


def _guard_verify(ctx: Context) -> str | None:
    claim = _open_claim(ctx)
    if claim is None or claim["status"] != "pending":
        return "there is no pending claim to verify"
    if not (ctx.param("features_match") and ctx.param("id_checked")):
        return (
            "a claim is verified only when the stated features match and the identity "
            "document was checked (L5); otherwise reject it with a reason"
        )
    return None


def _on_verify(ctx: Context) -> None:
    claim = _open_claim(ctx)
    assert claim is not None
    claim.update(status="verified", verified_by=ctx.actor.id, verified_at=ctx.now.isoformat())
    _put_claim(ctx, claim)


def _guard_reject(ctx: Context) -> str | None:
    return None if _open_claim(ctx) is not None else "there is no open claim to reject"


def _on_reject(ctx: Context) -> None:
    # rule L5: a failed verification is recorded and the item stays
    claim = _open_claim(ctx)
    assert claim is not None
    claim.update(
        status="rejected",
        rejected_by=ctx.actor.id,
        rejected_at=ctx.now.isoformat(),
        reason=ctx.reason,
    )
    _put_claim(ctx, claim)
    failed = int(ctx.get("failed_claims", 0)) + 1
    ctx.set("failed_claims", failed)
    if failed >= ctx.policy.lost_found.failed_claims_flag and not ctx.get("flagged"):
        ctx.set("flagged", True)  # rule L5: repeated failed claims -> the supervisor
        ctx.escalate(1, "failed_claims")


def _permit_release(ctx: Context) -> str | None:
    roles = ctx.policy.lost_found.release_roles
    if ctx.actor.role in roles:
        return None
    return f"the policy lets only {', '.join(roles)} release items (L5)"


def _guard_release(ctx: Context) -> str | None:
    claim = _open_claim(ctx)
    if claim is None or claim["status"] != "verified":
        return "an item is released only to a verified claim (L5); record and verify a claim"
    return None


def _on_release(ctx: Context) -> None:
    claim = _open_claim(ctx)
    assert claim is not None
    claim["status"] = "released"
    _put_claim(ctx, claim)
    ctx.set(
        "release",
        {
            "at": ctx.now.isoformat(),
            "by": ctx.actor.id,
            "taken_by": ctx.param("taken_by") or claim["claimant"],
            "id_type": claim["id_type"],
            "id_number": claim["id_number"],
            "claim": claim["n"],
            "note": ctx.param("note"),
        },
    )
    ctx.set("place", "returned")


def _on_number(ctx: Context) -> None:
    # rule L3: to the service-centre office, numbered YYYY/MM/NNN
    for name in ("number", "seq", "period"):
        ctx.set(name, ctx.param(name))
    ctx.set("numbered_by", ctx.param("by"))
    ctx.set("numbered_at", ctx.now)
    ctx.set("place", "service_centre")
    if _front_desk_until(ctx)[0] <= ctx.now:
        ctx.follow("to_store_room")  # rule L4: its front-desk days are already over


def _on_store_room(ctx: Context) -> None:
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


def _on_expired(ctx: Context) -> None:
    _set_route(ctx)  # rule L7 (L8 in the statutory policy)
    ctx.emit("disposal_due", number=ctx.get("number"), route=ctx.get("disposal_route"))


def _on_finder_left(ctx: Context) -> None:
    ctx.set("finder_left", True)
    if ctx.draft.state == "due_disposal":
        _set_route(ctx)


def _permit_dispose(ctx: Context) -> str | None:
    roles = ctx.policy.lost_found.disposal.roles
    if ctx.actor.role in roles:
        return None
    return f"the policy lets only {', '.join(roles)} record disposals (L7)"


def _guard_dispose(ctx: Context) -> str | None:
    if _open_claim(ctx) is not None:
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


def _on_dispose(ctx: Context) -> None:
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
        until, year = ctx.calendar.planned(lambda cal: cal.add(ctx.now, notice))  # rule L8, G9
        record["notice_until"] = until.isoformat()
        if year is not None:
            record["notice_provisional_year"] = year
    ctx.set("disposal", record)
    ctx.set("place", "destroyed" if route == "destroy" else "handed_over")


def _on_link_report(ctx: Context) -> None:
    ctx.link("lost_report", ctx.param("report"))


LOST_ITEM = WorkflowSpec(
    kind="lost_item",
    zh="失物",
    en="found item",
    prefix="LF",
    states=(
        StateSpec("registered", "已登记（服务台）", "registered at the desk"),
        StateSpec("stored", "保管中", "in storage"),
        StateSpec("due_disposal", "待处置", "due for disposal"),
        StateSpec("released", "已认领", "returned to the owner", final=True),
        StateSpec("disposed", "已处置", "disposed of", final=True),
    ),
    initial="registered",
    create=EventSpec(
        "intake",
        (),
        None,
        ANYONE,
        "登记拾获物品",
        "register a found item",
        params=(
            Param("found_at", "datetime", required=True, doc="when it was found (L1)"),
            Param("place_found", required=True, doc="where it was found (L1)"),
            Param("description", "text", required=True, doc="what it is (L1)"),
            Param("features", "text", required=True, doc="distinguishing features (L1)"),
            Param("category", "choice", choices=item_categories, doc="item category (L1, L6)"),
            Param("finder_type", "choice", required=True, choices=_finder_types, doc="L1"),
            Param("finder_name", personal=True, doc="who found it"),
            Param("finder_department", "choice", choices=_departments, doc="employee finders"),
            Param("finder_contact", personal=True, doc="the finder's phone"),
            Param("owner_clue", "text", personal=True, doc="anything that names the owner"),
            Param("owner_contact", personal=True, doc="the owner's contact, if known (L6)"),
            Param("desk", doc="the service desk that took it in"),
        ),
        effect=_on_intake,
    ),
    events=(
        EventSpec(
            "contact_owner",
            OPEN_ITEM_STATES,
            None,
            ANYONE,
            "联系失主",
            "contact the owner",
            params=(
                Param("method", required=True, doc="phone, WeChat, broadcast ..."),
                Param("reached", "bool", required=True),
                Param("contact", personal=True, doc="the contact used or found"),
                Param("note", "text"),
            ),
            effect=_on_contact_owner,
        ),
        EventSpec(
            "claim",
            OPEN_ITEM_STATES,
            None,
            ANYONE,
            "认领登记",
            "record a claim",
            params=(
                Param("claimant", required=True, personal=True, doc="who claims (L5)"),
                Param("features", "text", required=True, doc="features the claimant states"),
                Param("place", required=True, doc="where the claimant says it was lost"),
                Param("time", required=True, doc="when the claimant says it was lost"),
                Param("id_type", "choice", required=True, choices=_id_types),
                Param("id_number", required=True, personal=True, doc="masked (G7)"),
                Param("proxy", "bool", doc="claiming for the owner (L10)"),
                Param("owner_name", personal=True, doc="the owner, for a proxy claim"),
                Param("authorisation", "text", doc="the owner's authorisation (L10)"),
            ),
            guard=_guard_claim,
            effect=_on_claim,
        ),
        EventSpec(
            "verify_claim",
            OPEN_ITEM_STATES,
            None,
            ANYONE,
            "核验认领",
            "verify the claim",
            params=(
                Param("features_match", "bool", required=True),
                Param("id_checked", "bool", required=True),
                Param("note", "text"),
            ),
            guard=_guard_verify,
            effect=_on_verify,
        ),
        EventSpec(
            "reject_claim",
            OPEN_ITEM_STATES,
            None,
            ANYONE,
            "驳回认领",
            "reject the claim",
            guard=_guard_reject,
            effect=_on_reject,
            reason_required=True,
        ),
        EventSpec(
            "release",
            OPEN_ITEM_STATES,
            "released",
            ANYONE,
            "交还失主",
            "release to the owner",
            params=(Param("taken_by", personal=True), Param("note", "text")),
            guard=_guard_release,
            permit=_permit_release,
            effect=_on_release,
        ),
        EventSpec(
            "number_item",
            ("registered",),
            "stored",
            (),
            "编号入库",
            "number and store",
            effect=_on_number,
            system=True,
        ),
        EventSpec(
            "to_store_room",
            ("stored", "due_disposal"),
            None,
            (),
            "移至资料库",
            "move to the store room",
            effect=_on_store_room,
            system=True,
        ),
        EventSpec(
            "retention_expired",
            ("registered", "stored"),
            "due_disposal",
            (),
            "保管期满",
            "retention ended",
            effect=_on_expired,
            system=True,
        ),
        EventSpec(  # rule L3: an item never numbered goes back to the desk's day
            "retention_extended",
            ("due_disposal",),
            "registered",
            (),
            "延长保管",
            "retention extended",
            guard=lambda c: None if c.get("number") is None else "numbered",
            effect=_on_retention_extended,
            system=True,
        ),
        EventSpec(
            "retention_extended",
            ("due_disposal",),
            "stored",
            (),
            "延长保管",
            "retention extended",
            guard=lambda c: "not numbered" if c.get("number") is None else None,
            effect=_on_retention_extended,
            system=True,
        ),
        EventSpec(
            "finder_left",
            OPEN_ITEM_STATES,
            None,
            ANYONE,
            "拾获者已离职",
            "finder has left",
            effect=_on_finder_left,
        ),
        EventSpec(
            "dispose",
            ("due_disposal",),
            "disposed",
            ANYONE,
            "处置",
            "dispose",
            params=(
                Param("received_by", doc="who received it (department, police)"),
                Param("decision", "text", doc="what management decided (L7)"),
                Param("receipt", doc="hand-over receipt number"),
            ),
            guard=_guard_dispose,
            permit=_permit_dispose,
            effect=_on_dispose,
        ),
        EventSpec(
            "link_report",
            OPEN_ITEM_STATES,
            None,
            (),
            "关联失物报告",
            "link a lost report",
            effect=_on_link_report,
            system=True,
        ),
    ),
    timers=(
        TimerSpec(
            "front_desk",
            "前台存放期",
            "front-desk period",
            ("number_item",),
            (),
            _plan_front_desk,
            on_mark=_on_front_desk_mark,
            replan=lambda ctx: _plan_front_desk(ctx, clamp=True),  # G9
        ),
        TimerSpec(
            "retention",
            "保管期限",
            "retention period",
            ("intake",),
            ("due_disposal",),
            _plan_retention,
            on_mark=_on_retention_mark,
            replan=_replan_retention,  # G9
        ),
    ),
    ladder=lambda p: (p.lost_found.supervisor_role,),
)
