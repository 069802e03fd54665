"""A throwaway PostgreSQL server for tests and benchmarks (no mocks of the database).

:class:`TemporaryPostgres` runs ``initdb`` into a fresh temporary directory and starts the
server with ``pg_ctl`` listening only on a unix socket inside that directory (no TCP
port at all), then removes everything when stopped.  It finds the server binaries on
``PATH`` or under ``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package).

PostgreSQL refuses to run as root.  When the current user is root, the cluster is
created and run as the ``postgres`` system user (``runuser -u postgres``, which Debian's
package creates), and the directory is handed to that user; connecting needs no
password (``trust`` authentication on the socket, which only this machine can reach).

Durability is traded for speed (``fsync=off``): this server is for tests only.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from ..errors import StoreError

__all__ = ["TemporaryPostgres", "postgres_unavailable"]

_SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin")


def _bin_dir() -> Path | None:
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    candidates = sorted(
        (Path(p) for pattern in _SEARCH for p in glob.glob(pattern)),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
    )
    for path in reversed(candidates):
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    return None


def postgres_unavailable() -> str | None:
    """Why a :class:`TemporaryPostgres` cannot run here, or ``None`` if it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'mallops[postgres]')"
    if _bin_dir() is None:
        return (
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under "
            "/usr/lib/postgresql/*/bin; install them with apt-get install postgresql"
        )
    if os.geteuid() == 0:
        if _runuser() is None:
            return "running as root and runuser is missing: cannot start PostgreSQL as postgres"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


class TemporaryPostgres:
    """A PostgreSQL server in a temporary directory; a context manager.

    >>> with TemporaryPostgres() as pg:            # doctest: +SKIP
    ...     store = SqlStore(pg.url("mallops"))
    """

    def __init__(self, *, settings: dict[str, str] | None = None) -> None:
        self.settings = {
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "60",
            **(settings or {}),
        }
        self.dir: Path | None = None
        self._bin: Path | None = None

    def _run(self, *args: str) -> None:
        command = [str(a) for a in args]
        if os.geteuid() == 0:
            command = [_runuser() or "runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise StoreError(
                f"{' '.join(args[:2])} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-800:]}"
            )

    def start(self) -> TemporaryPostgres:
        """Create and start the cluster (``StoreError`` with the reason if impossible)."""
        reason = postgres_unavailable()
        if reason is not None:
            raise StoreError(reason)
        self._bin = _bin_dir()
        assert self._bin is not None
        self.dir = Path(tempfile.mkdtemp(prefix="mallops-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres", group="postgres")
        data = self.dir / "data"
        self._run(
            str(self._bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "mallops",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = " ".join(
            [f"-c listen_addresses='' -k {self.dir} -p 5432"]
            + [f"-c {k}={v}" for k, v in self.settings.items()]
        )
        try:
            self._run(
                str(self._bin / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(data),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                options,
            )
        except StoreError:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        return self

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL for database ``dbname`` over this server's socket."""
        return f"postgresql://mallops@/{dbname}?host={self.dir}&port=5432"

    def create_database(self, dbname: str) -> str:
        """Create database ``dbname`` (letters, digits, ``_``) and return its URL."""
        import psycopg

        if not dbname.replace("_", "").isalnum():
            raise StoreError(f"database name {dbname!r}: letters, digits and _ only")
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.url(dbname)

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        if self.dir is None or self._bin is None:
            return
        try:
            self._run(
                str(self._bin / "pg_ctl"), "stop", "-m", "immediate", "-D", f"{self.dir}/data"
            )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _runuser() -> str | None:
    """``runuser`` on the PATH, or in the sbin directories a non-login PATH may lack."""
    return shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
