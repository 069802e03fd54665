"""The wheel check of CI (.ci/wheel_check.py, issue 21): its metadata readers and file
checks, and that .ci/run runs it after the README's test command and fails with it.

The check itself (build, fresh venvs, demo, CLI, contract suite, every extra) runs in
CI; it needs the package registry, so the suite tests its parts here."""

from __future__ import annotations

import email.message
import io
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from ._ci_scripts import CI, load

wheel_check = load("wheel_check")
ROOT = CI.parent


def _metadata(lines: list[tuple[str, str]]) -> email.message.Message:
    message = email.message.Message()
    for key, value in lines:
        message[key] = value
    return message


def test_extras_are_read_from_the_metadata() -> None:
    metadata = _metadata(
        [
            ("Provides-Extra", "postgres"),
            ("Provides-Extra", "testing"),
            ("Provides-Extra", "empty"),
            ("Requires-Dist", "attrs>=24.1"),
            ("Requires-Dist", 'psycopg[binary]>=3.1; extra == "postgres"'),
            ("Requires-Dist", "pytest<10,>=8; extra == 'testing'"),
            ("Requires-Dist", 'hypothesis<7; python_version >= "3.11" and extra == "testing"'),
        ]
    )
    assert wheel_check.extras_of(metadata) == {
        "postgres": ["psycopg"],
        "testing": ["pytest", "hypothesis"],
        "empty": [],
    }


def _wheel(tmp_path: Path, files: dict[str, str]) -> Path:
    path = tmp_path / "mallops-0.2.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


GOOD = {
    "mallops/__init__.py": "",
    "mallops/py.typed": "",
    "mallops-0.2.0.dist-info/METADATA": "Name: mallops\nVersion: 0.2.0\n",
    "mallops-0.2.0.dist-info/licenses/LICENSE": "MIT License",
    "mallops-0.2.0.dist-info/entry_points.txt": "[console_scripts]\nm = a:b\n[hypothesis]\n",
}


def test_a_complete_wheel_passes(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, GOOD)
    wheel_check.check_wheel_files(wheel)
    assert wheel_check.wheel_metadata(wheel)["Version"] == "0.2.0"


@pytest.mark.parametrize(
    ("drop", "add", "why"),
    [
        ("mallops/py.typed", {}, "missing mallops/py.typed"),
        ("mallops-0.2.0.dist-info/licenses/LICENSE", {}, "no LICENSE"),
        (None, {"tests/test_x.py": ""}, "files outside the package: ['tests']"),
        (None, {"mallops-0.2.0.dist-info/entry_points.txt": "[console_scripts]\n"}, "hypothesis"),
    ],
)
def test_an_incomplete_wheel_fails(
    tmp_path: Path, drop: str | None, add: dict[str, str], why: str
) -> None:
    files = {k: v for k, v in GOOD.items() if k != drop} | add
    with pytest.raises(wheel_check.CheckFailed, match=re.escape(why)):
        wheel_check.check_wheel_files(_wheel(tmp_path, files))


def _sdist(tmp_path: Path, names: list[str]) -> Path:
    path = tmp_path / "mallops-0.2.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name in names:
            info = tarfile.TarInfo(f"mallops-0.2.0/{name}")
            tf.addfile(info, io.BytesIO(b""))
    return path


def test_sdist_needs_license_readme_and_py_typed(tmp_path: Path) -> None:
    full = ["LICENSE", "README.md", "pyproject.toml", "src/mallops/py.typed"]
    wheel_check.check_sdist_files(_sdist(tmp_path, full))
    with pytest.raises(wheel_check.CheckFailed, match="LICENSE"):
        wheel_check.check_sdist_files(_sdist(tmp_path, full[1:]))


def test_a_failed_step_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(argv: list[object], cwd: Path, *, want: str | None = None) -> str:
        raise wheel_check.CheckFailed("python -m build: exit 1")

    monkeypatch.setattr(wheel_check, "run", broken)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(wheel_check.tempfile, "mkdtemp", lambda prefix: str(work))
    assert wheel_check.main([]) == 1
    assert "wheel-check: FAILED: python -m build: exit 1" in capsys.readouterr().err
    assert not work.exists()  # cleaned up


def test_ci_runs_the_wheel_check_after_the_readme_command() -> None:
    """The README's test command stays verbatim; the wheel check follows it; nothing
    swallows a failure (set -e, the pip half of the `&&` checked, no `|| true`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "python3 -m pip install -e '.[dev]' && python3 -m pytest"
    assert command in readme
    lines = (CI / "run").read_text(encoding="utf-8").splitlines()
    assert "set -euo pipefail" in lines
    at = lines.index(command)
    check = lines.index("python3 .ci/wheel_check.py")
    assert at < check
    assert any(re.search(r"exit \"\$readme_status\"", line) for line in lines[at:check])
    assert not any("|| true" in line for line in lines[at:])
