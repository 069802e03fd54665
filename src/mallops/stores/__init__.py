"""Storage: the protocol and its backends; :func:`open_store` picks one from a location."""

from __future__ import annotations

from pathlib import Path

from ..errors import ValidationError
from .memory import MemoryStore
from .protocol import Store

__all__ = ["open_store"]


def open_store(location: str | Path) -> Store:
    """Open the store at ``location``: ``":memory:"`` gives a fresh :class:`MemoryStore`.

    Each backend adds the locations it serves here (file paths, database URLs).
    """
    if str(location) == ":memory:":
        return MemoryStore()
    raise ValidationError(
        f"no store backend serves {str(location)!r}; supported locations: ':memory:'",
        field="store",
    )
