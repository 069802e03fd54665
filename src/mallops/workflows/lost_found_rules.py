"""Pure helpers of lost and found: labels, masking, retention classes, disposal routes.

No I/O and no records: functions of the policy and plain values, shared by the item
workflow, the register and the matching of lost reports.
"""

from __future__ import annotations

import re

import pendulum

from ..calendar import BusinessCalendar
from ..duration import Duration
from ..errors import ValidationError
from ..policy import ItemCategoryPolicy, LostFoundPolicy

__all__ = [
    "FINDER_TYPES",
    "MASK",
    "PLACES",
    "RETENTION_CLASSES",
    "ROUTES",
    "category_of",
    "disposal_route",
    "is_masked",
    "mask_id",
    "mask_name",
    "planned_retention",
    "retention_due",
    "route_label",
    "tokens",
]

MASK = "*"

#: Where an item is (L3, L4, L5, L7): exactly one of these at any time.
PLACES: dict[str, tuple[str, str]] = {
    "service_desk": ("服务台", "service desk"),
    "service_centre": ("服务中心办公室（前台）", "service-centre office (front desk)"),
    "store_room": ("资料库", "store room"),
    "returned": ("已交还失主", "returned to the owner"),
    "handed_over": ("已移交", "handed over"),
    "destroyed": ("已销毁", "destroyed"),
}
#: Who found it (L1).
FINDER_TYPES: dict[str, tuple[str, str]] = {
    "customer": ("顾客", "customer"),
    "employee": ("员工", "employee"),
}
#: Retention classes (L6).
RETENTION_CLASSES: dict[str, tuple[str, str]] = {
    "general": ("一般物品", "general item"),
    "valuable": ("贵重物品", "valuable"),
    "with_contact": ("有失主联系方式", "owner contact known"),
    "category": ("类别规定", "set by the category"),
}
#: Disposal routes (L7, L8), by target.
ROUTES: dict[str, tuple[str, str]] = {
    "management": ("管理层决定", "management decision"),
    "police": ("移交公安机关", "hand over to the police"),
    "destroy": ("销毁", "destroy"),
    "department": ("移交部门", "hand over to a department"),
}


def category_of(policy: LostFoundPolicy, name: str | None) -> ItemCategoryPolicy:
    """The policy's category ``name``; a category the policy no longer lists (it was
    changed after the item was registered) counts as the default category."""
    cat = policy.categories.get(name or "")
    return cat if cat is not None else policy.categories[policy.default_category]


def route_label(route: str, lang: str) -> str:
    """``department:finance`` -> ``移交部门 finance`` and the like, in ``lang``."""
    target, _, department = route.partition(":")
    zh, en = ROUTES.get(target, (target, target))
    text = zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"
    return f"{text} {department}" if department else text


_ID_CHARS = re.compile(r"^[A-Za-z0-9-]{4,30}$")


def mask_id(number: str, visible: int) -> str:
    """An identity-document number with all but its last ``visible`` characters masked
    (G7, L5).  Raises ``ValidationError`` for something that is no document number."""
    if not isinstance(number, str):
        raise ValidationError("id_number: expected text", field="id_number")
    clean = number.replace(" ", "")
    if not _ID_CHARS.match(clean):
        raise ValidationError(
            "id_number: expected 4 to 30 letters, digits or hyphens (the number on the "
            "identity document)",
            field="id_number",
        )
    keep = min(visible, len(clean) - 1)
    return MASK * (len(clean) - keep) + (clean[-keep:] if keep else "")


def is_masked(value: str, visible: int) -> bool:
    """Whether ``value`` is a number as :func:`mask_id` stores it."""
    keep = min(visible, len(value) - 1)
    head = value[: len(value) - keep]
    return bool(head) and set(head) == {MASK}


def mask_name(name: str | None) -> str:
    """A person's name for reports: the first character, the rest masked (G7)."""
    if not name:
        return ""
    return name[0] + MASK * (len(name) - 1)


def retention_due(
    policy: LostFoundPolicy,
    calendar: BusinessCalendar,
    *,
    category: str,
    has_contact: bool,
    found_at: pendulum.DateTime,
) -> tuple[str, pendulum.DateTime]:
    """The retention class of an item and when its retention ends (L6).

    A category with its own retention uses it; otherwise every class that applies
    (general, valuable, owner contact known) is computed from the time found and the
    latest end wins.  Working-day periods need holiday data for the years they cross.
    """
    cat = category_of(policy, category)
    if cat.retention is not None:
        return "category", calendar.add(found_at, cat.retention)
    r = policy.retention
    candidates: list[tuple[str, Duration]] = [("general", r.general)]
    if cat.valuable:
        candidates.append(("valuable", r.valuable))
    if has_contact:
        candidates.append(("with_contact", r.with_contact))
    best: tuple[str, pendulum.DateTime] | None = None
    for name, duration in candidates:
        due = calendar.add(found_at, duration)
        if best is None or due > best[1]:
            best = (name, due)
    assert best is not None
    return best


def planned_retention(
    policy: LostFoundPolicy,
    calendar: BusinessCalendar,
    *,
    category: str,
    has_contact: bool,
    found_at: pendulum.DateTime,
) -> tuple[str, pendulum.DateTime, int | None]:
    """:func:`retention_due` and the year planned by the calendar's fallback rule, or
    ``None`` (G9): a working-day retention (the statutory 10 working days, L8) reaching
    into a year without holiday data is planned provisionally, never refused."""
    (cls, due), year = calendar.planned(
        lambda cal: retention_due(
            policy, cal, category=category, has_contact=has_contact, found_at=found_at
        )
    )
    return cls, due, year


def disposal_route(
    policy: LostFoundPolicy,
    *,
    category: str,
    finder_type: str,
    finder_department: str | None,
    finder_left: bool,
) -> tuple[str, str]:
    """``(case, route)`` of an item whose retention ended (L7, L8).

    The first case that applies: perishable or hazardous, valuable, found by an
    employee still employed, other.  ``finder_department`` resolves to
    ``department:<the finder's department>``.
    """
    cat = category_of(policy, category)
    if cat.perishable_or_hazardous:
        case = "perishable_or_hazardous"
    elif cat.valuable:
        case = "valuable"
    elif finder_type == "employee" and finder_department and not finder_left:
        case = "employee_found"
    else:
        case = "other"
    route = policy.disposal.routes()[case]
    if route == "finder_department":
        route = f"department:{finder_department}" if finder_department else "management"
    return case, route


_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]+")


def tokens(text: str | None) -> frozenset[str]:
    """Words of ``text`` for matching: Latin words and digits (two characters or more),
    and for Chinese, every pair of adjacent characters (single characters alone)."""
    if not text:
        return frozenset()
    out: set[str] = set()
    for run in _WORD.findall(text.lower()):
        if run[0].isascii():
            if len(run) > 1:
                out.add(run)
        elif len(run) == 1:
            out.add(run)
        else:
            out.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(out)
