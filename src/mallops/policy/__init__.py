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
from typing import Any, TypeVar

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
from .feed import FeedPolicy
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

_S = TypeVar("_S")

__all__ = [
    "AccessPolicy",
    "CalendarPolicy",
    "CategoryPolicy",
    "ComplaintPolicy",
    "DisposalPolicy",
    "EscalationPolicy",
    "FaultTypePolicy",
    "FeedPolicy",
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
    "field",
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
    feed: FeedPolicy = field(FeedPolicy(), doc="the durable event feed", rule="G6")
    access: AccessPolicy = field(AccessPolicy(), doc="who may act on a record", rule="G5")
    extensions: Mapping[str, Any] = attrs.field(
        factory=dict, kw_only=True, repr=False, metadata={"extensions": True}
    )
    """Sections of plug-in workflows by name (``section()`` reads one; docs/workflows.md)."""

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
        if self.return_visits.department not in self.departments:
            raise PolicyError(
                f"unknown department {self.return_visits.department!r}; departments: "
                f"{', '.join(self.departments)}",
                key="return_visits.department",
            )
        self.lost_found.check_references(roles, self.departments)
        self.check_role(self.access.manager_role, "access.manager_role")
        for i, role in enumerate(self.access.configure_roles):
            self.check_role(role, f"access.configure_roles[{i}]")

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
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        base: Policy | None = None,
        sections: Mapping[str, type[Any]] | None = None,
    ) -> Policy:
        """``base`` (default: the seed) with ``data`` merged over it; tables merge key by key.

        ``sections`` names the plug-in workflows' policy sections and their classes
        (``Workflow.policy_section``); any other unknown top-level key is an error.
        """
        if not isinstance(data, Mapping):
            raise PolicyError(f"a policy is a table of keys, got {type(data).__name__}")
        start = base if base is not None else cls.seed()
        known = {**{n: type(v) for n, v in start.extensions.items()}, **(sections or {})}
        if "extensions" in data:
            raise PolicyError(
                "unknown key; write a plug-in's section by its name", key="extensions"
            )
        core = {k: v for k, v in data.items() if k not in known}
        ext = {k: data[k] for k in known if k in data}

        def build() -> Policy:
            policy = structure_class(cls, core, "", start)
            return policy.with_sections(known, data=ext) if known else policy

        # every mistake of the file at once (`mallops policy check`), not the first only
        return collect_errors(build)

    @classmethod
    def from_toml(
        cls,
        path: str | Path,
        *,
        base: Policy | None = None,
        sections: Mapping[str, type[Any]] | None = None,
    ) -> Policy:
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
            return cls.from_dict(data, base=base, sections=sections)
        except PolicyError as exc:
            many = exc.errors if len(exc.errors) > 1 else ()
            raise PolicyError(f"{p}: {exc.reason}", key=exc.key, errors=many) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (as in a TOML file) that ``from_dict`` turns back into this policy
        (plug-in sections at the top level, by name)."""
        result: dict[str, Any] = {
            f.name: unstructure(getattr(self, f.name))
            for f in attrs.fields(Policy)
            if f.name != "extensions"
        }
        result.update({name: unstructure(v) for name, v in self.extensions.items()})
        return result

    # -- plug-in sections -----------------------------------------------------------------

    def with_sections(
        self, sections: Mapping[str, type[Any]], *, data: Mapping[str, Any] | None = None
    ) -> Policy:
        """This policy with the plug-in ``sections`` present: ``data`` (by section name)
        merged over the current values or the class defaults.  Errors name the dotted
        key, as for the built-in sections."""
        core = {f.name for f in attrs.fields(Policy)}
        ext = dict(self.extensions)
        for name, section_cls in sections.items():
            if name in core:
                raise PolicyError(f"{name!r} is a built-in section of the policy", key=name)
            current = ext.get(name)
            if current is not None and not isinstance(current, section_cls):
                raise PolicyError(
                    f"section {name!r} holds a {type(current).__name__}, not a "
                    f"{section_cls.__name__}",
                    key=name,
                )
            value = (data or {}).get(name, {})
            if not isinstance(value, Mapping):
                raise PolicyError(f"expected a table, got {value!r}", key=name)
            # tables merge key by key onto the class defaults, as the built-in sections
            # merge onto the seed (a [letters.types.general] keeps the other types)
            base = current if current is not None else _defaults(section_cls)
            ext[name] = structure_class(section_cls, value, name, base)
        if ext == dict(self.extensions):
            return self
        return attrs.evolve(self, extensions=ext)

    def section(self, name: str, cls: type[_S]) -> _S:
        """The plug-in section ``name``, checked to be a ``cls`` (``PolicyError`` if the
        policy has no such section)."""
        value = self.extensions.get(name)
        if not isinstance(value, cls):
            have = ", ".join(self.extensions) or "(none)"
            raise PolicyError(f"no policy section {name!r} of {cls.__name__}; sections: {have}")
        return value

    def build_calendar(self) -> BusinessCalendar:
        """The business calendar of this policy."""
        return self.calendar.build()

    def check_role(self, role: str, key: str) -> None:
        """Raise ``PolicyError`` unless ``role`` is a role of this policy."""
        if role not in self.roles:
            raise PolicyError(f"unknown role {role!r}; roles: {', '.join(self.roles)}", key=key)


def _defaults(section_cls: type[Any]) -> Any:
    """An instance of ``section_cls`` with its defaults, or ``attrs.NOTHING`` when a
    field has no default (then only the given data builds it)."""
    try:
        return section_cls()
    except TypeError:
        return attrs.NOTHING


def reference_markdown(sections: Mapping[str, type[Any]] | None = None) -> str:
    """The policy reference (``docs/policy.md``), generated from the policy classes;
    ``sections`` adds plug-in workflows' sections (``python -m mallops.policy
    --workflow module:NAME``)."""
    seed = Policy.seed().with_sections(sections or {})
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
    rows = reference_rows(Policy, seed)
    for name, value in seed.extensions.items():
        rows.extend(reference_rows(type(value), value, name))
    for row in rows:
        cells = [c.replace("|", "\\|") for c in row]
        key, tp, default, unit, rule, doc = cells
        lines.append(f"| `{key}` | {tp} | {default} | {unit} | {rule} | {doc} |")
    lines.append("")
    return "\n".join(lines)
