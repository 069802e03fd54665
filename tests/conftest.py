"""Shared fixtures: a manual clock at a known working time, a mall, and staff actors."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy

ROOT = Path(__file__).resolve().parent.parent
# tests run in their own temporary directory (see _in_tmp_path): Hypothesis keeps its
# example database at the repository root all the same
_DATABASE = DirectoryBasedExampleDatabase(str(ROOT / ".hypothesis" / "examples"))
settings.register_profile(
    "default",
    max_examples=40,
    deadline=None,
    database=_DATABASE,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=400,
    deadline=None,
    database=_DATABASE,
    suppress_health_check=[HealthCheck.too_slow],
)
# CI explores a fixed set of examples (derandomized), so a landing never depends on
# luck; local runs keep exploring new examples every time.
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_default_profile = "ci" if os.environ.get("CI") else "default"
settings.load_profile(os.environ.get("MALLOPS_HYPOTHESIS_PROFILE", _default_profile))

TZ = "Asia/Shanghai"

# -- no test writes outside its temporary directory ------------------------------------------

_IGNORED = {".git", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"}


def _tree() -> dict[str, tuple[int, int]]:
    """Every file of the repository with its size and mtime (caches and the venv aside)."""
    found: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [
            d for d in dirnames if d not in _IGNORED and not d.endswith((".egg-info", "venv"))
        ]
        for name in filenames:
            path = os.path.join(dirpath, name)
            with contextlib.suppress(OSError):
                st = os.stat(path)
                found[os.path.relpath(path, ROOT)] = (st.st_size, st.st_mtime_ns)
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_TREE] = _tree()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test created, changed or removed a file of the repository."""
    before = session.config.stash.get(_TREE, None)
    if before is None:
        return
    after = _tree()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "tests wrote inside the repository: " + ", ".join(changed[:20]), red=True
            )


_TREE = pytest.StashKey[dict[str, tuple[int, int]]]()


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own temporary directory, so a command writing to the
    working directory (``mallops demo``'s report) writes there."""
    monkeypatch.chdir(tmp_path)


def at(*args: int) -> pendulum.DateTime:
    """An aware time in the mall's timezone."""
    return pendulum.datetime(*args, tz=TZ)


DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")
STAFF = Actor("tech-1", "staff", "engineering", "Tech One")
CLEANER = Actor("clean-1", "staff", "cleaning", "Cleaner One")
DEPT_MANAGER = Actor("dm-1", "department_manager", "engineering", "Manager One")
CS_HEAD = Actor("cs-1", "cs_head", "customer_service", "Head One")
PROPERTY_MANAGER = Actor("pm-1", "property_manager", "operations", "PM One")
GM = Actor("gm-1", "general_manager", "operations", "GM One")


@pytest.fixture
def clock() -> ManualClock:
    """Wednesday 2026-09-30 10:00, a working day before the National Day holiday."""
    return ManualClock(at(2026, 9, 30, 10))


@pytest.fixture
def policy() -> Policy:
    return Policy.seed()


@pytest.fixture
def mall(clock: ManualClock, policy: Policy) -> Mall:
    return Mall(store=MemoryStore(), clock=clock, policy=policy)
