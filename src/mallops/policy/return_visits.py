"""Return-visit policy 回访 (rules F1-F6, R6, C10, C12)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..duration import Duration
from ..errors import PolicyError
from ._load import field
from .core import Label

SEED_METHODS: dict[str, Label] = {
    "phone": Label("电话回访", "by phone"),
    "on_site": Label("上门回访", "on site"),
}


@attrs.frozen
class ReturnVisitPolicy:
    """When return visits fall due, how they are made and how often tracking happens.

    The satisfaction answers (speed, result, attitude) use the complaint policy's
    ``rating_scale`` and ``satisfied_min`` (C12), for every source.
    """

    methods: Mapping[str, Label] = field(
        SEED_METHODS, doc="ways of making a return visit", rule="F1"
    )
    repair_due: Duration = field(
        Duration(48, "hours"),
        doc="a repair's return visit is due this long after acceptance",
        rule="R6",
    )
    complaint_due: Duration = field(
        Duration(1, "working days"),
        doc="a complaint's return visit is due this long after it is resolved "
        "(the clerk visits the previous day's closed services)",
        rule="F2",
    )
    warn_at: float | None = field(
        0.75, doc="fraction of the due time at which a warning fires", rule="F6", unit="fraction"
    )
    ladder: tuple[str, ...] = field(
        ["cs_head"], doc="roles told when a return visit is overdue (levels 1, 2, ...)", rule="F6"
    )
    retry_after: Duration = field(
        Duration(2, "hours"),
        doc="a customer not reachable or busy is tried again this long later (unless a time "
        "is agreed)",
        rule="F4",
    )
    tracking_interval: Duration = field(
        Duration(2, "working days"),
        doc="tracking contacts (事中回访) are due this often while a source is deferred or "
        "past its commitment (the documents say only 'periodically')",
        rule="F1",
    )
    account_new_for: Duration = field(
        Duration(12, "months"), doc="an account is new for this long after it starts", rule="F7"
    )
    account_new_interval: Duration = field(
        Duration(1, "months"),
        doc="periodic visits of a new account fall due this often",
        rule="F7",
    )
    account_interval: Duration = field(
        Duration(3, "months"),
        doc="periodic visits of an older account fall due this often",
        rule="F7",
    )
    account_role: str = field(
        "front_desk", doc="lowest role allowed to make a periodic account visit", rule="F7"
    )
    department: str = field(
        "customer_service",
        doc="the department whose clerks make the return visits (the clerk visits the "
        "previous day's closed services); a visit that needs a department manager or "
        "higher (F3) belongs to its source's department",
        rule="F2",
    )
    tracking_for_complaints: bool = field(
        True, doc="complaints past their committed time get tracking contacts too", rule="F1"
    )

    def __attrs_post_init__(self) -> None:
        if not self.methods:
            raise PolicyError("at least one method is needed", key="methods")
        for name in ("repair_due", "complaint_due", "retry_after", "tracking_interval"):
            d: Duration = getattr(self, name)
            if d.basis == "calendar" or d.amount <= 0:
                raise PolicyError("must be a positive wall or working duration", key=name)
        for name in ("account_new_for", "account_new_interval", "account_interval"):
            if getattr(self, name).amount <= 0:
                raise PolicyError("must be positive", key=name)
        if self.warn_at is not None and not 0 < self.warn_at < 1:
            raise PolicyError(
                f"must be between 0 and 1 (exclusive), got {self.warn_at}", key="warn_at"
            )
        if not self.ladder or len(set(self.ladder)) != len(self.ladder):
            raise PolicyError("a ladder of distinct roles, at least one", key="ladder")
