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

import re
from collections.abc import Iterable
from typing import Any

from .engine.spec import WorkflowSpec

__all__ = ["mask_free_text", "mask_text", "mask_value", "personal_fields"]

_NOT_WORD = r"(?<![0-9A-Za-z])"
_NO_WORD_AFTER = r"(?![0-9A-Za-z])"
_PERSONAL_IN_TEXT = re.compile(
    "|".join(
        (
            # e-mail addresses
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            # mainland resident ID numbers (18 characters: region, birth date, check)
            _NOT_WORD + r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"\d{3}[\dXx]" + _NO_WORD_AFTER,
            # mainland mobile numbers, optionally +86 and spaced or dashed 3-4-4
            r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)",
            # landline numbers with an area code (010-12345678, 0755 8888 6666)
            r"(?<!\d)0\d{2,3}[- ]\d{3,4}[- ]?\d{4}(?!\d)",
            # passports (E12345678, EA1234567, G...), HK/Macau/Taiwan permits (H, M, C, T...)
            _NOT_WORD + r"[A-Za-z]{1,2}\d{7,9}" + _NO_WORD_AFTER,
        )
    )
)


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


def mask_text(text: str) -> str:
    """``text`` with the phone numbers, resident ID numbers, passport numbers and
    e-mail addresses inside it masked (G7); the rest of the text is unchanged."""
    if not text:
        return text
    return _PERSONAL_IN_TEXT.sub(lambda m: str(mask_value(m.group(0))), text)


def mask_free_text(value: Any) -> Any:
    """``value`` with :func:`mask_text` applied to every string, also inside lists,
    tuples and mappings (keys are kept)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_free_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_free_text(v) for v in value)
    return value


def personal_fields(specs: Iterable[WorkflowSpec]) -> frozenset[str]:
    """The names of every parameter declared ``personal`` in ``specs`` (G7)."""
    names: set[str] = set()
    for spec in specs:
        for ev in (spec.create, *spec.events):
            names.update(p.name for p in ev.params if p.personal)
    return frozenset(names)
