"""Storage: the protocol and its backends; :func:`open_store` picks one from a location."""

from __future__ import annotations

from pathlib import Path

from ..errors import ValidationError
from .memory import MemoryStore
from .protocol import Store
from .sql_store import SqlStore

__all__ = ["open_store"]

_SQL_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+psycopg://")


def open_store(location: str | Path) -> Store:
    """Open the store at ``location``: ``":memory:"`` gives a fresh :class:`MemoryStore`.

    Each backend adds the locations it serves here (file paths, database URLs).
    """
    if str(location) == ":memory:":
        return MemoryStore()
    if str(location).lower().startswith(_SQL_SCHEMES):
        return SqlStore(str(location))  # sqlite:///ops.db, postgresql://user@host/db
    raise ValidationError(
        f"no store backend serves {str(location)!r}; supported locations: ':memory:', "
        "'sqlite:///path.db', 'postgresql://user@host/dbname'",
        field="store",
    )
