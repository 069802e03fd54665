"""The policy of outage notices 停电/停水通知 (rule O4; ``[outages]`` in the policy file).

001 4.10 says only that the desk tells the departments and the tenants "in time" (及时)
once it learns of a power or water cut; the numbers here are mallops' defaults, policy
data like every other: notice at least 2 working days before the cut, acknowledgement
1 working day before it, the end reported within an hour of the planned end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from mallops.errors import PolicyError
from mallops.plugins import Duration, Label, policy_field

__all__ = [
    "OUTAGE_LADDER",
    "SEED_METHODS",
    "SEED_UTILITIES",
    "OutagePolicy",
    "outages_section",
]

SEED_UTILITIES: dict[str, Label] = {
    "power": Label("停电", "power cut"),
    "water": Label("停水", "water cut"),
    "gas": Label("停气", "gas cut"),
}
SEED_METHODS: dict[str, Label] = {
    "written_notice": Label("书面通知", "written notice"),
    "phone": Label("电话", "phone"),
    "wechat": Label("微信", "WeChat"),
    "in_person": Label("当面告知", "in person"),
}
OUTAGE_LADDER = ("department_manager", "property_manager", "general_manager")


@attrs.frozen
class OutagePolicy:
    """Outage notices to tenants (rule O4; ``[outages]`` in the policy file)."""

    utilities: Mapping[str, Label] = policy_field(
        SEED_UTILITIES, doc="what is cut (zh/en)", rule="O4"
    )
    methods: Mapping[str, Label] = policy_field(
        SEED_METHODS, doc="how a tenant is told (zh/en)", rule="O4"
    )
    notice_before: Duration = policy_field(
        Duration.parse("2 working days"),
        doc="every affected tenant is notified at least this long before the cut "
        "(counted backwards on the business calendar)",
        rule="O4",
    )
    acknowledge_before: Duration = policy_field(
        Duration.parse("1 working day"),
        doc="every notified tenant acknowledges at least this long before the cut, else "
        "the outage escalates",
        rule="O4",
    )
    end_report_within: Duration = policy_field(
        Duration.parse("1h"),
        doc="the end of the cut is reported within this long after its planned end, else "
        "the outage escalates",
        rule="O4",
    )
    ladder: tuple[str, ...] = policy_field(
        list(OUTAGE_LADDER),
        doc="who a late notice, a missing acknowledgement or an unreported end escalates "
        "to, one level per lapse",
        rule="O4",
    )

    def __attrs_post_init__(self) -> None:
        for name, table in (("utilities", self.utilities), ("methods", self.methods)):
            if not table:
                raise PolicyError("at least one entry is needed", key=f"outages.{name}")
            for key, label in table.items():
                if not label.zh or not label.en:
                    raise PolicyError("needs a zh and an en label", key=f"outages.{name}.{key}")
        if not self.ladder:
            raise PolicyError("the escalation ladder needs a role", key="outages.ladder")


def outages_section(policy: Any) -> OutagePolicy:
    """The ``[outages]`` section of ``policy``, or its defaults when the policy has none
    (a policy built without the shipped plug-ins' sections, e.g. handed to
    ``Mall.change_policy``)."""
    extensions = getattr(policy, "extensions", {})
    value = extensions.get("outages")
    return value if isinstance(value, OutagePolicy) else _DEFAULT


_DEFAULT = OutagePolicy()
