"""Masking of personal data (G7) for every output: names, phone numbers, addresses.

A parameter declared ``personal`` is masked whole (:func:`mask_value`); free text
(descriptions, notes, reasons) has the personal data it *contains* masked
(:func:`mask_text`): mainland mobile and landline numbers, resident ID numbers,
passport and travel-permit numbers and e-mail addresses.

>>> mask_value("李雷")
'李*'
>>> mask_value("13800000000")
'138******00'
>>> mask_text("请回电 13800000000 或 li.lei@example.com")
'请回电 138******00 或 l***@example.com'
"""

from __future__ import annotations

from collections.abc import Iterable

from .domain.personal import mask_free_text, mask_text, mask_value
from .engine.spec import WorkflowSpec

__all__ = ["mask_free_text", "mask_text", "mask_value", "personal_fields"]


def personal_fields(specs: Iterable[WorkflowSpec]) -> frozenset[str]:
    """The names of every parameter declared ``personal`` in ``specs`` (G7)."""
    names: set[str] = set()
    for spec in specs:
        for ev in (spec.create, *spec.events):
            names.update(p.name for p in ev.params if p.personal)
    return frozenset(names)
