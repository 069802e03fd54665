"""The policy of notices and letters 发文 (rule O3; ``[letters]`` in the policy file).

Every number is policy data with a shipped default: the notice types (the monthly
fire-safety inspection notice, the rectification letter 整改函 of 003 篇3 4.8.1 and a
general notice), each with its signature deadline and, for letters that order a
rectification, the rectification deadline and its re-inspection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from mallops.errors import PolicyError
from mallops.plugins import Duration, policy_field

__all__ = [
    "LETTER_LADDER",
    "SEED_LETTER_TYPES",
    "LetterPolicy",
    "LetterType",
    "letters_section",
]


@attrs.frozen
class LetterType:
    """One kind of notice or letter 发文类型 (O3)."""

    zh: str = policy_field("", doc="Chinese label", rule="O3")
    en: str = policy_field("", doc="English label", rule="O3")
    sign_within: Duration = policy_field(
        Duration.parse("2 working days"),
        doc="a delivered notice of this type is signed for by the tenant within",
        rule="O3",
    )
    rectification: bool = policy_field(
        False,
        doc="the letter orders a rectification (整改函): its deadline runs from the "
        "signature and a re-inspection closes it",
        rule="O3",
    )
    rectify_within: Duration = policy_field(
        Duration.parse("5 working days"),
        doc="rectification deadline after the signature (when the letter gives none)",
        rule="O3",
    )
    monthly: bool = policy_field(
        False, doc="sent to every tenant each month (the report checks coverage)", rule="O3"
    )


SEED_LETTER_TYPES: dict[str, LetterType] = {
    "fire_safety_inspection": LetterType(
        "消防安全检查通知",
        "fire-safety inspection notice",
        Duration.parse("2 working days"),
        monthly=True,
    ),
    "rectification": LetterType(
        "整改函",
        "rectification letter",
        Duration.parse("1 working day"),
        rectification=True,
        rectify_within=Duration.parse("5 working days"),
    ),
    "general": LetterType("通知", "general notice", Duration.parse("3 working days")),
}
"""003 篇3 4.8.1: the monthly fire-safety inspection notice (with the security
department), the rectification letter sent after the inspection, and other notices."""

LETTER_LADDER = ("department_manager", "property_manager", "general_manager")


@attrs.frozen
class LetterPolicy:
    """Notices and letters 发文 (rule O3; ``[letters]`` in the policy file)."""

    types: Mapping[str, LetterType] = policy_field(
        SEED_LETTER_TYPES, doc="notice and letter types (zh/en, deadlines)", rule="O3"
    )
    chase_after: Duration = policy_field(
        Duration.parse("1 working day"),
        doc="still unsigned after the signature deadline: escalate again after",
        rule="O3",
    )
    rectify_again_within: Duration = policy_field(
        Duration.parse("3 working days"),
        doc="a failed re-inspection sets a further rectification deadline of",
        rule="O3",
    )
    failed_reinspections: int = policy_field(
        2,
        doc="failed re-inspections of one letter after which it escalates (each further "
        "failure escalates again)",
        rule="O3",
        unit="count",
    )
    ladder: tuple[str, ...] = policy_field(
        list(LETTER_LADDER),
        doc="who an overdue signature or rectification escalates to, one level per lapse",
        rule="O3",
    )

    def __attrs_post_init__(self) -> None:
        if not self.types:
            raise PolicyError("at least one notice type is needed", key="letters.types")
        for name, t in self.types.items():
            if not t.zh or not t.en:
                raise PolicyError(
                    "every notice type needs a zh and an en label (G5 labels)",
                    key=f"letters.types.{name}",
                )
            if t.sign_within.amount <= 0:
                raise PolicyError("must be longer than 0", key=f"letters.types.{name}.sign_within")
        if self.failed_reinspections < 1:
            raise PolicyError("must be at least 1", key="letters.failed_reinspections")
        if not self.ladder:
            raise PolicyError("the escalation ladder needs a role", key="letters.ladder")

    def type_of(self, name: str) -> LetterType:
        """The notice type ``name`` (``PolicyError`` naming the types if unknown)."""
        try:
            return self.types[name]
        except KeyError:
            raise PolicyError(
                f"unknown notice type {name!r}; types: {', '.join(self.types)}",
                key=f"letters.types.{name}",
            ) from None


def letters_section(policy: Any) -> LetterPolicy:
    """The ``[letters]`` section of ``policy``, or its defaults when the policy has none
    (a policy built without the shipped plug-ins' sections, e.g. handed to
    ``Mall.change_policy``)."""
    extensions = getattr(policy, "extensions", {})
    value = extensions.get("letters")
    return value if isinstance(value, LetterPolicy) else _DEFAULT


_DEFAULT = LetterPolicy()
