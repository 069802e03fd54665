"""The reception log's numbers and labels: ``[reception]`` in the policy file (G12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from mallops.errors import PolicyError
from mallops.plugins import Context, Duration, Label, policy_field

__all__ = [
    "CONVERSION_KINDS",
    "REPEAT_KINDS",
    "SEED_TOPICS",
    "ReceptionPolicy",
    "reception_policy",
    "topic_choices",
]

SEED_TOPICS: dict[str, Label] = {
    "opening_hours": Label("营业时间", "opening hours"),
    "parking": Label("停车", "parking"),
    "leasing": Label("招商租赁", "leasing"),
    "promotion": Label("促销活动", "promotions and events"),
    "fees": Label("物业收费", "property fees"),
    "fit_out": Label("装修手续", "fit-out procedures"),
    "facilities": Label("设施设备", "facilities and equipment"),
    "lost_found": Label("失物招领", "lost and found"),
    "complaint": Label("投诉", "complaint"),
    "repair": Label("报修", "repair request"),
    "other": Label("其他", "other"),
}
"""Seed topics of a reception (001 4.3 来访事由; 004 客服员岗位职责: 报事、投诉、报修、咨询)."""

CONVERSION_KINDS = ("complaint", "repair", "suggestion")
"""What an enquiry can be converted into (G12)."""

REPEAT_KINDS = ("complaint", "repair", "suggestion", "reception")
"""The kinds a repeat contact can be linked to (G12)."""


def _check_kinds(value: Any, allowed: tuple[str, ...], key: str) -> tuple[str, ...]:
    kinds = tuple(value)
    for kind in kinds:
        if kind not in allowed:
            raise PolicyError(
                f"unknown kind {kind!r}; kinds: {', '.join(allowed)}", key=f"reception.{key}"
            )
    return kinds


@attrs.frozen
class ReceptionPolicy:
    """The reception log 接待记录 (``[reception]`` in the policy file, rules G12, G13)."""

    topics: Mapping[str, Label] = policy_field(
        SEED_TOPICS, doc="topics of a call or visit (来访事由)", rule="G12"
    )
    answer_within: Duration = policy_field(
        Duration.parse("1 working day"),
        doc="an enquiry not answered on the spot is answered within (001 4.6: the same day)",
        rule="G12",
    )
    answer_warn_at: float = policy_field(
        0.5, doc="warn when this fraction of the answer time is used", rule="G12"
    )
    ladder: tuple[str, ...] = policy_field(
        ["cs_head", "property_manager"],
        doc="who an unanswered enquiry escalates to, level by level (001 3.1)",
        rule="G12",
    )
    escalate_after: Duration = policy_field(
        Duration.parse("1 working day"),
        doc="still unanswered after the deadline: the next level after",
        rule="G12",
    )
    repeat_kinds: tuple[str, ...] = policy_field(
        list(REPEAT_KINDS),
        doc="open records a repeat contact is matched against and linked to",
        rule="G12",
    )
    max_candidates: int = policy_field(
        10, doc="at most this many repeat-contact proposals, best first", rule="G12"
    )

    def __attrs_post_init__(self) -> None:
        if not self.topics:
            raise PolicyError("at least one topic is needed", key="reception.topics")
        _check_kinds(self.repeat_kinds, REPEAT_KINDS, "repeat_kinds")
        if not 0 < self.answer_warn_at < 1:
            raise PolicyError(
                f"{self.answer_warn_at} is not between 0 and 1", key="reception.answer_warn_at"
            )
        if self.max_candidates < 1:
            raise PolicyError(
                f"{self.max_candidates} is not a positive number", key="reception.max_candidates"
            )


def reception_policy(policy: Any) -> ReceptionPolicy:
    """The ``[reception]`` section of ``policy`` (a :class:`ReceptionPolicy`)."""
    section: ReceptionPolicy = policy.section("reception", ReceptionPolicy)
    return section


def topic_choices(policy: Any) -> tuple[str, ...]:
    """The topic keys of the policy (G12)."""
    return tuple(reception_policy(policy).topics)


def policy_of(ctx: Context) -> ReceptionPolicy:
    """The ``[reception]`` section in force for an event."""
    return reception_policy(ctx.policy)
