"""Who may act on a record (G3, G5, C4, C5, R2): the policy side of the access rules.

The rules themselves live in :mod:`mallops.engine.access`; the workflow definitions
name one per event (``EventSpec.who``).  This section says which role counts as a
department's manager and lets an operator replace the rule of any event.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..errors import PolicyError
from ._load import field

ACCESS_RULES = ("any", "handler", "assignee")
"""The access rules an event may name (see :mod:`mallops.engine.access`)."""


@attrs.frozen
class AccessPolicy:
    """Which actors of the allowed roles may act on a given record."""

    manager_role: str = field(
        "department_manager",
        doc="the role that manages its own department's records; roles that outrank it "
        "may act on every record",
        rule="G5",
    )
    events: Mapping[str, str] = field(
        {},
        doc="access rule per event, `kind.event` -> any | handler | assignee, replacing "
        'the workflow\'s own (e.g. `complaint.contact = "any"` lets the front desk make '
        "the first contact, C5)",
        rule="G5",
    )
    configure_roles: tuple[str, ...] = field(
        ("property_manager", "general_manager"),
        doc="roles that may change a property's policy or accept new workflow definitions "
        "(`Mall.change_policy`, `Mall.change_workflows`), recorded in its configuration",
        rule="G5",
    )

    def __attrs_post_init__(self) -> None:
        if not self.configure_roles:
            raise PolicyError(
                "at least one role must be able to change the configuration",
                key="access.configure_roles",
            )
        for key, rule in self.events.items():
            kind, dot, event = key.partition(".")
            if not dot or not kind or not event:
                raise PolicyError(
                    f"{key!r} is not `kind.event` (e.g. complaint.contact)",
                    key=f"access.events.{key}",
                )
            if rule not in ACCESS_RULES:
                raise PolicyError(
                    f"unknown access rule {rule!r}; rules: {', '.join(ACCESS_RULES)}",
                    key=f"access.events.{key}",
                )
