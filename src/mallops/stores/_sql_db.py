"""The two SQL dialects behind :class:`~mallops.stores.sql_store.SqlStore`.

One small interface — run a statement, fetch rows, a write transaction, list tables,
explain a query — with one class per driver: the standard library's ``sqlite3`` and
psycopg 3.  SQL is written once with ``?`` placeholders; the PostgreSQL class turns them
into psycopg's ``%s``.  Every driver exception is turned into a mallops error here
(``StoreError``, ``ConflictError`` for serialization failures and deadlocks,
``CorruptStoreError`` for a file that is not a database), so none escapes the store.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConflictError, CorruptStoreError, StoreError, ValidationError

__all__ = ["Database", "PostgresDatabase", "SqliteDatabase", "open_database"]

Params = Sequence[Any]

_BUSY_TIMEOUT_S = 30.0
_SCHEMA_LOCK_KEY = 0x6D616C6C6F7073  # "mallops": the advisory lock that serializes migrations


class Database:
    """A connection to one database, used under the store's lock (one thread at a time)."""

    where: str
    """The database, for messages (no password)."""
    text_id = "TEXT"
    """The column type of ids: compared byte-wise, so ordering matches Python's."""
    dialect = ""

    def run(self, sql: str, params: Params = ()) -> int:
        """Execute one statement; the number of rows it changed."""
        raise NotImplementedError

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Execute one query; its rows."""
        raise NotImplementedError

    def transaction(self, *, schema_lock: bool = False) -> contextlib.AbstractContextManager[None]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        raise NotImplementedError

    def tables(self) -> set[str]:
        """Names of the tables visible to this connection."""
        raise NotImplementedError

    def explain(self, sql: str, params: Params = ()) -> str:
        """The query plan of ``sql`` as text."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection."""
        raise NotImplementedError


def open_database(url: str) -> Database:
    """The database at ``url`` (``sqlite:///path``, ``postgresql://...``)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return SqliteDatabase(url)
    if scheme in {"postgresql", "postgres", "postgresql+psycopg"}:
        return PostgresDatabase(url)
    raise ValidationError(
        f"{url!r} is not a SQL store URL; use sqlite:///relative.db, sqlite:////abs/path.db "
        "or postgresql://user@host/dbname",
        field="url",
    )


# -- SQLite ----------------------------------------------------------------------------------


class SqliteDatabase(Database):
    """SQLite through the standard library, in WAL mode with ``synchronous=FULL``.

    Writes take the database's write lock at their start (``BEGIN IMMEDIATE``) and wait
    up to 30 s for it; reads run in autocommit and see every committed write.
    """

    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        if not url.startswith("sqlite:///"):
            raise ValidationError(
                f"{url!r}: a SQLite URL is sqlite:///relative/path.db or sqlite:////abs/path.db",
                field="url",
            )
        path = url[len("sqlite:///") :]
        if not path or "?" in path:
            raise ValidationError(
                f"{url!r}: give a database file after sqlite:/// (no query parameters)",
                field="url",
            )
        self.where = f"SQLite database {path}"
        with self._guard():
            if path != ":memory:" and not Path(path).parent.is_dir():
                raise StoreError(f"{self.where}: directory {Path(path).parent} does not exist")
            self._conn = sqlite3.connect(
                path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            try:
                self._refuse_foreign()
                self._conn.execute("PRAGMA journal_mode=WAL").fetchall()
                self._conn.execute("PRAGMA synchronous=FULL")
            except BaseException:
                self._conn.close()
                raise

    def _refuse_foreign(self) -> None:
        """A database with tables but no ``mallops_migrations`` belongs to something else:
        refuse it before anything (even the journal mode) is changed in the file."""
        names = {
            str(r[0])
            for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "mallops_migrations" in names:
            return
        if names & {"mallops_records", "mallops_counters", "mallops_links"}:
            return  # checked (and refused) by the schema with its own message
        foreign = sorted(n for n in names if not n.startswith("sqlite_"))
        if foreign:
            raise CorruptStoreError(
                f"{self.where} is not a mallops database (it holds the tables "
                f"{', '.join(foreign[:5])}); refusing to use or change it"
            )

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "not a database" in text or "malformed" in text:
                raise CorruptStoreError(
                    f"{self.where} is not a readable database: {text}"
                ) from None
            if "locked" in text or "busy" in text:
                raise StoreError(
                    f"{self.where} stayed locked by another process for {_BUSY_TIMEOUT_S:.0f} s; "
                    "nothing was written, try again"
                ) from None
            raise StoreError(f"{self.where}: {text}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"{self.where}: {exc}") from None

    def run(self, sql: str, params: Params = ()) -> int:
        with self._guard():
            return self._conn.execute(sql, params).rowcount

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self._guard():
            return self._conn.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def transaction(self, *, schema_lock: bool = False) -> Iterator[None]:
        self.run("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            raise
        try:
            self.run("COMMIT")
        except StoreError:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            raise

    def tables(self) -> set[str]:
        return {r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def explain(self, sql: str, params: Params = ()) -> str:
        return "\n".join(str(r[-1]) for r in self.rows(f"EXPLAIN QUERY PLAN {sql}", params))

    def close(self) -> None:
        with self._guard():
            self._conn.close()


# -- PostgreSQL ------------------------------------------------------------------------------


def _redact(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError as exc:
        raise ValidationError(
            f"the PostgreSQL URL is malformed ({exc}); expected "
            "postgresql://user:password@host:port/dbname",
            field="url",
        ) from None
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


_PLACEHOLDER = re.compile(r"\?")


class PostgresDatabase(Database):
    """PostgreSQL through psycopg 3, in autocommit with explicit write transactions
    (READ COMMITTED: a conditional ``UPDATE ... WHERE version = ?`` re-checks the row a
    concurrent transaction changed, so a stale write changes no row)."""

    dialect = "postgresql"
    text_id = 'TEXT COLLATE "C"'

    def __init__(self, url: str) -> None:
        self._url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.where = f"PostgreSQL database {_redact(self._url)}"
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "the PostgreSQL store needs psycopg 3: pip install 'mallops[postgres]'"
            ) from None
        self._psycopg = psycopg
        self._closed = False
        self._conn = self._connect()

    def _connect(self) -> Any:
        with self._guard():
            kwargs: dict[str, Any] = {"autocommit": True}
            if "connect_timeout" not in self._url:
                kwargs["connect_timeout"] = 10
            return self._psycopg.connect(self._url, **kwargs)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        errors = self._psycopg.errors
        try:
            yield
        except (errors.SerializationFailure, errors.DeadlockDetected) as exc:
            raise ConflictError(
                f"{self.where}: a concurrent transaction won ({exc.sqlstate}); nothing was "
                "written, reload and retry"
            ) from None
        except self._psycopg.OperationalError as exc:
            raise StoreError(f"{self.where}: {str(exc).strip()}") from None
        except self._psycopg.Error as exc:
            raise StoreError(f"{self.where}: {str(exc).strip()}") from None

    def _live(self) -> Any:
        if self._closed:
            raise StoreError(f"{self.where}: the store was closed; open a new SqlStore")
        if self._conn.closed or self._conn.broken:
            self._conn = self._connect()  # the server restarted or the network dropped
        return self._conn

    def run(self, sql: str, params: Params = ()) -> int:
        with self._guard():
            cur = self._live().execute(_PLACEHOLDER.sub("%s", sql), params)
            return int(cur.rowcount)

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self._guard():
            cur = self._live().execute(_PLACEHOLDER.sub("%s", sql), params)
            return list(cur.fetchall())

    @contextlib.contextmanager
    def transaction(self, *, schema_lock: bool = False) -> Iterator[None]:
        with self._guard():
            tx = self._live().transaction()
            tx.__enter__()
        try:
            if schema_lock:
                self.rows("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK_KEY,))
            yield
        except BaseException as exc:
            with contextlib.suppress(self._psycopg.Error):
                tx.__exit__(type(exc), exc, exc.__traceback__)
            raise
        with self._guard():
            tx.__exit__(None, None, None)

    def tables(self) -> set[str]:
        return {
            r[0]
            for r in self.rows(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }

    def explain(self, sql: str, params: Params = ()) -> str:
        return "\n".join(str(r[0]) for r in self.rows(f"EXPLAIN {sql}", params))

    def close(self) -> None:
        self._closed = True
        with self._guard():
            self._conn.close()
