"""Masking of personal data (G7) for every output: names, phone numbers, addresses.

>>> mask_value("李雷")
'李*'
>>> mask_value("13800000000")
'138******00'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .engine.spec import WorkflowSpec

__all__ = ["mask_value", "personal_fields"]


def mask_value(value: Any) -> Any:
    """``value`` with all but a few characters replaced by ``*`` (non-strings unchanged,
    except lists, masked item by item)."""
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if not isinstance(value, str) or not value:
        return value
    digits = sum(c.isdigit() for c in value)
    if digits >= 7:  # phone or id number: keep the first 3 and last 2
        return value[:3] + "*" * max(1, len(value) - 5) + value[-2:]
    if "@" in value:
        user, _, domain = value.partition("@")
        return (user[:1] or "*") + "***@" + domain
    return value[:1] + "*" * max(1, len(value) - 1)


def personal_fields(specs: Iterable[WorkflowSpec]) -> frozenset[str]:
    """The names of every parameter declared ``personal`` in ``specs`` (G7)."""
    names: set[str] = set()
    for spec in specs:
        for ev in (spec.create, *spec.events):
            names.update(p.name for p in ev.params if p.personal)
    return frozenset(names)
