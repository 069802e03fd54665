"""Storage: the protocol and its backends; :func:`open_store` picks one from a location."""

from __future__ import annotations

from pathlib import Path

from ..errors import ValidationError
from .memory import MemoryStore
from .protocol import CounterWrite, Query, Store, Write
from .sql_store import SqlStore

__all__ = ["CounterWrite", "MemoryStore", "Query", "SqlStore", "Store", "Write", "open_store"]

_SQL_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+psycopg://")


def open_store(location: str | Path) -> Store:
    """Open the store at ``location``: ``":memory:"`` gives a fresh :class:`MemoryStore`;
    a path ending in ``.json``, or an existing JSON store file, a ``JsonStore``;
    ``sqlite:///path.db`` or ``postgresql://user@host/db`` a ``SqlStore``.

    Each backend adds the locations it serves here (file paths, database URLs).
    """
    if not isinstance(location, str | Path) or not str(location) or "\x00" in str(location):
        raise ValidationError(
            f"store: expected a path or URL, got {location!r}; supported locations: "
            "':memory:', a path ending in '.json', 'sqlite:///path.db', "
            "'postgresql://user@host/dbname'",
            field="store",
        )
    if str(location) == ":memory:":
        return MemoryStore()
    if str(location).lower().startswith(_SQL_SCHEMES):
        return SqlStore(str(location))  # sqlite:///ops.db, postgresql://user@host/db
    if str(location).endswith(".json") or _is_json_store(Path(location)):
        from .json_store import JsonStore

        return JsonStore(location)
    raise ValidationError(
        f"no store backend serves {str(location)!r}; supported locations: ':memory:', "
        "a path ending in '.json' (or an existing JSON store file), "
        "'sqlite:///path.db', 'postgresql://user@host/dbname'",
        field="store",
    )


def _is_json_store(path: Path) -> bool:
    """Whether ``path`` is an existing file that starts like a mallops JSON store."""
    try:
        with path.open("rb") as f:
            first = f.read(4096)
    except (OSError, ValueError):
        return False
    return first.startswith(b'{"crc":"') and b'"format":"mallops-json-store"' in first
