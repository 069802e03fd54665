"""Griffe extension for the API reference: mallops' docstrings cite names with Sphinx
roles (``:class:`Mall```, ``:func:`~mallops.x.y```); show them as code (``Mall``, ``y``)
instead of the raw role markup."""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|exc|data|obj):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    name = match[2].rsplit(".", 1)[-1] if match[1] else match[2]
    return f"`{name}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx cross-reference roles in every docstring into code spans."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called by griffe for every object it loads."""
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_code, obj.docstring.value)
