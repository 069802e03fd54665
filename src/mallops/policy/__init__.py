"""Policy: every number and list of the rulebook, as data with shipped defaults.

``Policy.seed()`` reproduces the source documents.  Operators override any key from a
TOML file (``Policy.from_toml``) or a dict (``Policy.from_dict``); overrides merge onto
the seed.  A mistake raises :class:`~mallops.errors.PolicyError` naming the dotted key
and the reason.  ``reference_markdown()`` renders ``docs/policy.md`` from the classes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..calendar import BusinessCalendar
from ..errors import PolicyError
from ._load import collect_errors, field, reference_rows, structure_class, unstructure
from .access import AccessPolicy
from .complaints import CategoryPolicy, ComplaintPolicy, SeverityPolicy
from .core import (
    SEED_CHANNELS,
    SEED_DEPARTMENTS,
    SEED_ROLES,
    CalendarPolicy,
    EscalationPolicy,
    Label,
    RolePolicy,
    TimerPolicy,
)
from .lost_found import (
    DisposalPolicy,
    ItemCategoryPolicy,
    LostFoundPolicy,
    MatchPolicy,
    RetentionPolicy,
)
from .repairs import FaultTypePolicy, RepairPolicy, UrgencyPolicy
from .return_visits import ReturnVisitPolicy
from .targets import TargetPolicy
from .visits import LadderPolicy, TierPolicy, TopicPolicy, TradePolicy, VisitPolicy

__all__ = [
    "AccessPolicy",
    "CalendarPolicy",
    "CategoryPolicy",
    "ComplaintPolicy",
    "DisposalPolicy",
    "EscalationPolicy",
    "FaultTypePolicy",
    "ItemCategoryPolicy",
    "Label",
    "LadderPolicy",
    "LostFoundPolicy",
    "MatchPolicy",
    "Policy",
    "RepairPolicy",
    "RetentionPolicy",
    "ReturnVisitPolicy",
    "RolePolicy",
    "SeverityPolicy",
    "TargetPolicy",
    "TierPolicy",
    "TimerPolicy",
    "TopicPolicy",
    "TradePolicy",
    "UrgencyPolicy",
    "VisitPolicy",
]


@attrs.frozen
class Policy:
    """The complete operating policy of one property."""

    name: str = field("seed", doc="a name for this policy, shown in reports")
    title: Label = field(
        Label("种子政策", "seed policy"),
        doc="the policy's display name in reports (a TOML file without one: its file name)",
    )
    properties: Mapping[str, Label] = field(
        {"default": Label("默认物业", "default property")},
        doc="display names of the properties (malls, buildings) by id",
        rule="G11",
    )
    calendar: CalendarPolicy = field(CalendarPolicy(), doc="working time", rule="G9")
    roles: Mapping[str, RolePolicy] = field(SEED_ROLES, doc="roles", rule="G5")
    departments: Mapping[str, Label] = field(
        SEED_DEPARTMENTS, doc="handling departments", rule="G5"
    )
    channels: Mapping[str, Label] = field(SEED_CHANNELS, doc="intake channels", rule="G1")
    complaints: ComplaintPolicy = field(ComplaintPolicy(), doc="complaints", rule="C1")
    targets: TargetPolicy = field(TargetPolicy(), doc="quality targets and reports", rule="K1")
    repairs: RepairPolicy = field(RepairPolicy(), doc="repair orders", rule="R1")
    return_visits: ReturnVisitPolicy = field(
        ReturnVisitPolicy(), doc="return visits (回访)", rule="F1"
    )
    visits: VisitPolicy = field(
        VisitPolicy(), doc="tenants, visit plans, visits and suggestions", rule="V1"
    )
    lost_found: LostFoundPolicy = field(LostFoundPolicy(), doc="lost and found", rule="L1")
    access: AccessPolicy = field(AccessPolicy(), doc="who may act on a record", rule="G5")

    def __attrs_post_init__(self) -> None:
        self._check_references()

    def _check_references(self) -> None:
        roles = self.roles
        if not roles:
            raise PolicyError("at least one role is needed", key="roles")
        if "system" in roles:
            raise PolicyError("'system' is reserved for mallops' own ticker", key="roles.system")
        c = self.complaints
        c.escalation.check_roles(roles, "complaints.escalation")
        for ch in c.public_channels:
            if ch not in self.channels:
                raise PolicyError(
                    f"unknown channel {ch!r}; channels: {', '.join(self.channels)}",
                    key="complaints.public_channels",
                )
        for role in c.approver_roles:
            if role not in roles:
                raise PolicyError(f"unknown role {role!r}", key="complaints.approver_roles")
        for name, sev in c.severities.items():
            for attr in ("report_to", "followup_role"):
                role = getattr(sev, attr)
                if role is not None and role not in roles:
                    raise PolicyError(
                        f"unknown role {role!r}; roles: {', '.join(roles)}",
                        key=f"complaints.severities.{name}.{attr}",
                    )
        self._check_follow_up_references()

    def _check_follow_up_references(self) -> None:
        roles = self.roles
        r = self.repairs
        EscalationPolicy(ladder=r.ladder, after=()).check_roles(roles, "repairs")
        EscalationPolicy(ladder=self.return_visits.ladder, after=()).check_roles(
            roles, "return_visits"
        )
        for attr in ("explain_role", "followup_role", "major_followup_role"):
            self.check_role(getattr(r, attr), f"repairs.{attr}")
        self.check_role(self.return_visits.account_role, "return_visits.account_role")
        for i, role in enumerate(r.major_report_to):
            self.check_role(role, f"repairs.major_report_to[{i}]")
        for name, ft in r.fault_types.items():
            if ft.department not in self.departments:
                raise PolicyError(
                    f"unknown department {ft.department!r}; departments: "
                    f"{', '.join(self.departments)}",
                    key=f"repairs.fault_types.{name}.department",
                )
            for dept in ft.qualified:
                if dept not in self.departments:
                    raise PolicyError(
                        f"unknown department {dept!r}; departments: {', '.join(self.departments)}",
                        key=f"repairs.fault_types.{name}.qualified.{dept}",
                    )

        self.visits.check_references(roles, self.departments, self.channels)
        self.lost_found.check_references(roles, self.departments)
        self.check_role(self.access.manager_role, "access.manager_role")

    # -- construction -------------------------------------------------------------------

    @classmethod
    def seed(cls) -> Policy:
        """The shipped policy: the numbers of the source documents (RULES.md)."""
        return cls()

    @classmethod
    def statutory(cls) -> Policy:
        """The seed with the statutory lost-and-found variant (L8): unclaimed items go to
        the police after 10 working days; only perishable or hazardous items are destroyed."""
        return cls(name="statutory", lost_found=LostFoundPolicy.statutory())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base: Policy | None = None) -> Policy:
        """``base`` (default: the seed) with ``data`` merged over it; tables merge key by key."""
        if not isinstance(data, Mapping):
            raise PolicyError(f"a policy is a table of keys, got {type(data).__name__}")
        start = base if base is not None else cls.seed()
        # every mistake of the file at once (`mallops policy check`), not the first only
        return collect_errors(lambda: structure_class(cls, data, "", start))

    @classmethod
    def from_toml(cls, path: str | Path, *, base: Policy | None = None) -> Policy:
        """Load overrides from a TOML file; errors name the file and the key."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {p}: {exc.strerror}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{p}: not valid TOML: {exc}") from None
        if "name" not in data:  # overrides are not "seed": name them after their file
            data["name"] = p.stem
        if "title" not in data:
            data["title"] = {"zh": f"{p.stem}（{p.name}）", "en": f"{p.stem} ({p.name})"}
        try:
            return cls.from_dict(data, base=base)
        except PolicyError as exc:
            many = exc.errors if len(exc.errors) > 1 else ()
            raise PolicyError(f"{p}: {exc.reason}", key=exc.key, errors=many) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (as in a TOML file) that ``from_dict`` turns back into this policy."""
        result = unstructure(self)
        assert isinstance(result, dict)
        return result

    def build_calendar(self) -> BusinessCalendar:
        """The business calendar of this policy."""
        return self.calendar.build()

    def check_role(self, role: str, key: str) -> None:
        """Raise ``PolicyError`` unless ``role`` is a role of this policy."""
        if role not in self.roles:
            raise PolicyError(f"unknown role {role!r}; roles: {', '.join(self.roles)}", key=key)


def reference_markdown() -> str:
    """The policy reference (``docs/policy.md``), generated from the policy classes."""
    seed = Policy.seed()
    lines = [
        "# Policy reference",
        "",
        "<!-- Generated by `python -m mallops.policy`; a test fails when this file drifts. -->",
        "",
        "Every key of the policy, with its type, the seed default, the unit and the rule it",
        "implements. Override any of them in a TOML file (`mallops policy check FILE`) or",
        "with `Policy.from_dict`; tables merge key by key onto the seed. Durations are",
        'written `"72h"`, `"15 minutes"`, `"4 working days"` or `"3 months"`.',
        "",
        "| key | type | default | unit | rule | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for row in reference_rows(Policy, seed):
        cells = [c.replace("|", "\\|") for c in row]
        key, tp, default, unit, rule, doc = cells
        lines.append(f"| `{key}` | {tp} | {default} | {unit} | {rule} | {doc} |")
    lines.append("")
    return "\n".join(lines)
