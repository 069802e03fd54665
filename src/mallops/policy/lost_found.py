"""Lost-and-found policy (rules L1-L10, G7).

``LostFoundPolicy()`` is the seed (the source documents, 003 篇5); ``LostFoundPolicy.statutory()``
is the variant that follows PRC Civil Code arts. 314-318 and Guangzhou's rule (L8):
unclaimed items go to the police after 10 working days, only perishable or hazardous
items are destroyed, and the police's public notice runs one year.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

import attrs

from ..duration import Duration
from ..errors import PolicyError
from ._load import field
from .core import Label

#: Disposal targets a route may name (L7, L8); ``department:<name>`` names a department.
ROUTE_TARGETS = ("management", "finder_department", "police", "destroy")
NUMBER_FIELDS = frozenset({"year", "month", "seq"})


@attrs.frozen
class ItemCategoryPolicy:
    """A category of found items (L1) and what it implies for retention and disposal."""

    zh: str = field("", doc="Chinese label", rule="L1")
    en: str = field("", doc="English label", rule="L1")
    valuable: bool = field(
        False, doc="a valuable (贵重物品): longer retention, own route", rule="L6"
    )
    perishable_or_hazardous: bool = field(
        False,
        doc="perishable or hazardous: the only items the statutory policy destroys",
        rule="L8",
    )
    retention: Duration | None = field(
        None, doc="retention for this category (overrides the class retention)", rule="L6"
    )


SEED_ITEM_CATEGORIES: dict[str, ItemCategoryPolicy] = {
    "watch": ItemCategoryPolicy("手表", "watch", True),
    "jewellery": ItemCategoryPolicy("珠宝首饰", "jewellery", True),
    "phone": ItemCategoryPolicy("手机", "mobile phone", True),
    "cash": ItemCategoryPolicy("现金", "cash", True),
    "documents": ItemCategoryPolicy("证件", "documents and cards", True),
    "wallet": ItemCategoryPolicy("钱包", "wallet or purse", True),
    "electronics": ItemCategoryPolicy("电子产品", "electronics"),
    "bag": ItemCategoryPolicy("箱包", "bag"),
    "clothing": ItemCategoryPolicy("衣物", "clothing"),
    "keys": ItemCategoryPolicy("钥匙", "keys"),
    "umbrella": ItemCategoryPolicy("雨伞", "umbrella"),
    "toy": ItemCategoryPolicy("玩具及儿童用品", "toys and children's items"),
    "food": ItemCategoryPolicy("食品", "food", perishable_or_hazardous=True),
    "hazardous": ItemCategoryPolicy("危险品", "hazardous item", perishable_or_hazardous=True),
    "other": ItemCategoryPolicy("其他", "other"),
}

SEED_ID_TYPES: dict[str, Label] = {
    "resident_id": Label("居民身份证", "resident identity card"),
    "passport": Label("护照", "passport"),
    "hk_macao_permit": Label("港澳居民来往内地通行证", "Home Return Permit (HK/Macao)"),
    "taiwan_permit": Label("台湾居民来往大陆通行证", "Taiwan Compatriot Permit"),
    "residence_permit": Label("居住证", "residence permit"),
    "driving_licence": Label("驾驶证", "driving licence"),
    "employee_card": Label("员工证", "employee card"),
}


def _positive(d: Duration, key: str) -> None:
    if d.amount <= 0:
        raise PolicyError(f"must be a positive duration, got {d}", key=key)


@attrs.frozen
class RetentionPolicy:
    """How long an unclaimed item is kept, by class (L6); the longest applicable wins."""

    general: Duration = field(
        Duration(3, "months"), doc="general items without owner contact", rule="L6"
    )
    valuable: Duration = field(
        Duration(6, "months"), doc="valuables (watches, jewellery…)", rule="L6"
    )
    with_contact: Duration = field(
        Duration(6, "months"), doc="items with owner contact information", rule="L6"
    )

    def __attrs_post_init__(self) -> None:
        for name in ("general", "valuable", "with_contact"):
            _positive(getattr(self, name), name)


@attrs.frozen
class DisposalPolicy:
    """Where an item goes when its retention ends (L7), or the statutory routes (L8).

    A route is ``management`` (a recorded management decision), ``finder_department``,
    ``department:<name>``, ``police`` or ``destroy``.  The first case that applies wins:
    perishable or hazardous, valuable, found by an employee still employed, other.
    """

    perishable_or_hazardous: str = field(
        "management", doc="route of perishable or hazardous items", rule="L7"
    )
    valuable: str = field("department:finance", doc="route of valuables", rule="L7")
    employee_found: str = field(
        "finder_department", doc="route of low-value items found by an employee", rule="L7"
    )
    other: str = field(
        "management",
        doc="route of items found by a customer or by an employee who has left",
        rule="L7",
    )
    roles: tuple[str, ...] = field(
        ["front_desk", "cs_head", "property_manager", "general_manager"],
        doc="roles that may record a disposal",
        rule="L7",
    )
    decision_roles: tuple[str, ...] = field(
        ["cs_head", "property_manager", "general_manager"],
        doc="roles whose decision a `management` route needs (the decider is recorded)",
        rule="L7",
    )
    public_notice: Duration | None = field(
        None,
        doc="public-notice period after a police hand-over; unclaimed after it, the item "
        "belongs to the state (Civil Code 318)",
        rule="L8",
    )

    def routes(self) -> dict[str, str]:
        """The four cases and their routes."""
        return {
            "perishable_or_hazardous": self.perishable_or_hazardous,
            "valuable": self.valuable,
            "employee_found": self.employee_found,
            "other": self.other,
        }

    def __attrs_post_init__(self) -> None:
        for case, route in self.routes().items():
            name = route.removeprefix("department:")
            if route not in ROUTE_TARGETS and not (route.startswith("department:") and name):
                raise PolicyError(
                    f"{route!r} is not a route; routes: {', '.join(ROUTE_TARGETS)} or "
                    "department:<name>",
                    key=case,
                )
        if not self.roles:
            raise PolicyError("at least one role must be able to record a disposal", key="roles")
        if self.public_notice is not None:
            _positive(self.public_notice, "public_notice")


@attrs.frozen
class MatchPolicy:
    """How lost reports are matched with found items (weights of the ranking)."""

    window: Duration = field(
        Duration(30, "days"), doc="found items are looked for up to this long after the loss"
    )
    limit: int = field(10, doc="at most this many suggestions", unit="items")
    category_weight: int = field(30, doc="score for the same category", unit="points")
    place_weight: int = field(
        20, doc="score for the same place (less for shared words)", unit="points"
    )
    word_weight: int = field(5, doc="score per description word in common", unit="points")
    time_weight: int = field(10, doc="score for a find close to the loss (falls over the window)")
    min_score: int = field(10, doc="suggestions below this score are left out", unit="points")

    def __attrs_post_init__(self) -> None:
        if self.window.basis != "wall" or self.window.amount <= 0:
            raise PolicyError("must be a positive wall-clock duration (hours, days)", key="window")
        for name in ("limit", "category_weight", "place_weight", "word_weight", "time_weight"):
            if getattr(self, name) < 0 or (name == "limit" and self.limit == 0):
                raise PolicyError("must be positive", key=name)
        if self.min_score < 0:
            raise PolicyError("must be 0 or more", key="min_score")


@attrs.frozen
class LostFoundPolicy:
    """Everything that decides how found items are kept, claimed and disposed of."""

    categories: Mapping[str, ItemCategoryPolicy] = field(
        SEED_ITEM_CATEGORIES, doc="categories of found items", rule="L1"
    )
    default_category: str = field("other", doc="category when none is given", rule="L1")
    number_format: str = field(
        "{year:04d}/{month:02d}/{seq:03d}",
        doc="item number (fields year, month, seq); the width grows past 999, never wraps",
        rule="L3",
    )
    front_desk_period: Duration = field(
        Duration(7, "days"), doc="kept at the front desk this long after it was found", rule="L4"
    )
    retention: RetentionPolicy = field(RetentionPolicy(), doc="retention by class", rule="L6")
    disposal: DisposalPolicy = field(DisposalPolicy(), doc="disposal routes", rule="L7")
    id_types: Mapping[str, Label] = field(
        SEED_ID_TYPES, doc="identity documents accepted for a claim", rule="L5"
    )
    id_visible: int = field(
        4,
        doc="characters of an ID number kept visible (the last ones); the rest is masked",
        rule="G7",
        unit="characters",
    )
    release_roles: tuple[str, ...] = field(
        ["front_desk", "cs_head", "property_manager", "general_manager"],
        doc="roles that may release an item to a verified claimant",
        rule="L5",
    )
    failed_claims_flag: int = field(
        2, doc="failed claims on one item that flag it for the supervisor", rule="L5"
    )
    supervisor_role: str = field("cs_head", doc="role flagged by repeated failed claims", rule="L5")
    proxy_claims: bool = field(
        False, doc="whether someone may claim for the owner (own ID plus authorisation)", rule="L10"
    )
    match: MatchPolicy = field(MatchPolicy(), doc="matching lost reports with found items")

    def __attrs_post_init__(self) -> None:
        if not self.categories:
            raise PolicyError("at least one category is needed", key="categories")
        if self.default_category not in self.categories:
            raise PolicyError(
                f"{self.default_category!r} is not a category; categories: "
                f"{', '.join(self.categories)}",
                key="default_category",
            )
        for name, cat in self.categories.items():
            if cat.retention is not None:
                _positive(cat.retention, f"categories.{name}.retention")
        self._check_number_format()
        _positive(self.front_desk_period, "front_desk_period")
        if not self.id_types:
            raise PolicyError("at least one identity document type is needed", key="id_types")
        if not 0 <= self.id_visible <= 8:
            raise PolicyError("must be 0..8 (an ID number must stay masked)", key="id_visible")
        if self.failed_claims_flag < 1:
            raise PolicyError("must be at least 1", key="failed_claims_flag")
        if not self.release_roles:
            raise PolicyError("at least one role must be able to release", key="release_roles")

    def _check_number_format(self) -> None:
        key = "number_format"
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(self.number_format) if f}
        except ValueError as exc:
            raise PolicyError(f"not a format string: {exc}", key=key) from None
        if used != NUMBER_FIELDS:
            raise PolicyError(
                f"must use exactly the fields {{year}}, {{month}} and {{seq}}; found "
                f"{', '.join(sorted(used)) or 'none'}",
                key=key,
            )
        try:
            samples = {self.format_number(2026, 11, s) for s in (1, 2, 999, 1000, 10000)}
        except (ValueError, TypeError) as exc:
            raise PolicyError(f"cannot format a number: {exc}", key=key) from None
        if len(samples) != 5:
            raise PolicyError("different sequence numbers must give different numbers", key=key)

    def format_number(self, year: int, month: int, seq: int) -> str:
        """The item number ``YYYY/MM/NNN`` (L3); past 999 the sequence widens (L9)."""
        return self.number_format.format(year=year, month=month, seq=seq)

    def check_references(
        self, roles: Mapping[str, object], departments: Mapping[str, object]
    ) -> None:
        """Roles and departments named here exist in the policy (called by ``Policy``)."""
        d = self.disposal
        for key, names in (
            ("release_roles", self.release_roles),
            ("disposal.roles", d.roles),
            ("disposal.decision_roles", d.decision_roles),
            ("supervisor_role", (self.supervisor_role,)),
        ):
            for role in names:
                if role not in roles:
                    raise PolicyError(
                        f"unknown role {role!r}; roles: {', '.join(roles)}",
                        key=f"lost_found.{key}",
                    )
        for case, route in d.routes().items():
            dept = route.removeprefix("department:")
            if route.startswith("department:") and dept not in departments:
                raise PolicyError(
                    f"unknown department {dept!r}; departments: {', '.join(departments)}",
                    key=f"lost_found.disposal.{case}",
                )

    @classmethod
    def statutory(cls) -> LostFoundPolicy:
        """The statutory variant (L8): police hand-over after 10 working days (Guangzhou,
        穗府办规〔2021〕1号), one-year public notice, only perishable or hazardous items
        destroyed."""
        period = Duration(10, "working days")
        return cls(
            retention=RetentionPolicy(period, period, period),
            disposal=DisposalPolicy(
                perishable_or_hazardous="destroy",
                valuable="police",
                employee_found="police",
                other="police",
                public_notice=Duration(12, "months"),
            ),
        )
