"""The found-item workflow 失物 (rules L1-L10): states, events, timers.  Its guards
and effects are in ``lost_item_custody.py`` (intake, storage, retention, disposal) and
``lost_item_claims.py`` (claims, L5 and L10).

State diagram and the rules behind each step: docs/lost-and-found.md.  Storage place
and number live in ``fields`` (``place``, ``number``); claims are a list in
``fields["claims"]``.  The service (``mall.lost_found``) is in ``lost_found.py``.
"""

from __future__ import annotations

from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..policy import Policy
from .lost_found_rules import FINDER_TYPES
from .lost_item_claims import (
    guard_claim,
    guard_reject,
    guard_release,
    guard_verify,
    on_claim,
    on_reject,
    on_release,
    on_verify,
    permit_release,
)
from .lost_item_custody import (
    guard_dispose,
    on_contact_owner,
    on_dispose,
    on_expired,
    on_finder_left,
    on_front_desk_mark,
    on_intake,
    on_link_report,
    on_number,
    on_retention_extended,
    on_retention_mark,
    on_store_room,
    permit_dispose,
    plan_front_desk,
    plan_retention,
)

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
        effect=on_intake,
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
            effect=on_contact_owner,
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
            guard=guard_claim,
            effect=on_claim,
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
            guard=guard_verify,
            effect=on_verify,
        ),
        EventSpec(
            "reject_claim",
            OPEN_ITEM_STATES,
            None,
            ANYONE,
            "驳回认领",
            "reject the claim",
            guard=guard_reject,
            effect=on_reject,
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
            guard=guard_release,
            permit=permit_release,
            effect=on_release,
        ),
        EventSpec(
            "number_item",
            ("registered",),
            "stored",
            (),
            "编号入库",
            "number and store",
            effect=on_number,
            system=True,
        ),
        EventSpec(
            "to_store_room",
            ("stored", "due_disposal"),
            None,
            (),
            "移至资料库",
            "move to the store room",
            effect=on_store_room,
            system=True,
        ),
        EventSpec(
            "retention_expired",
            ("registered", "stored"),
            "due_disposal",
            (),
            "保管期满",
            "retention ended",
            effect=on_expired,
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
            effect=on_retention_extended,
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
            effect=on_retention_extended,
            system=True,
        ),
        EventSpec(
            "finder_left",
            OPEN_ITEM_STATES,
            None,
            ANYONE,
            "拾获者已离职",
            "finder has left",
            effect=on_finder_left,
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
            guard=guard_dispose,
            permit=permit_dispose,
            effect=on_dispose,
        ),
        EventSpec(
            "link_report",
            OPEN_ITEM_STATES,
            None,
            (),
            "关联失物报告",
            "link a lost report",
            effect=on_link_report,
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
            plan_front_desk,
            on_mark=on_front_desk_mark,
        ),
        TimerSpec(
            "retention",
            "保管期限",
            "retention period",
            ("intake",),
            ("due_disposal",),
            plan_retention,
            on_mark=on_retention_mark,
        ),
    ),
    ladder=lambda p: (p.lost_found.supervisor_role,),
)
