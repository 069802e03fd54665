"""The static checks CI demands run as part of the test suite: ruff and mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_is_clean() -> None:
    """`ruff check` finds nothing in src, tests, examples and benchmarks."""
    out = _run("ruff", "check", "src", "tests", "examples", "benchmarks")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_is_clean() -> None:
    """`ruff format --check` would change nothing."""
    out = _run("ruff", "format", "--check", "src", "tests", "examples", "benchmarks")
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict_is_clean() -> None:
    """`mypy --strict src` reports no error."""
    out = _run("mypy", "--strict", "src")
    assert out.returncode == 0, out.stdout + out.stderr
