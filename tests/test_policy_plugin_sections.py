"""``mallops policy check`` and ``python -m mallops.policy`` know the plug-in sections:
the shipped plug-ins' by default and every ``--workflow``'s (#17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mallops.cli import main
from mallops.policy.__main__ import main as reference_main

ROOT = Path(__file__).resolve().parent.parent
NOTICE = f"{ROOT / 'examples' / 'notice_approval.py'}:NOTICE_WORKFLOW"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "ours.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_policy_check_accepts_the_shipped_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ``[recordings]`` section (a shipped plug-in, G7) is checked, not refused as unknown."""
    good = _write(tmp_path, '[recordings]\nmin_retention = "60 days"\n')
    assert main(["policy", "check", good, "--lang", "en"]) == 0
    assert "ok" in capsys.readouterr().out.lower()
    assert main(["policy", "show", "--policy", good, "--lang", "en"]) == 0
    assert 'recordings.min_retention = "60 days"' in capsys.readouterr().out


def test_policy_check_lists_every_error_of_plugin_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Mistakes in a shipped section and a ``--workflow`` section are all listed by key."""
    bad = _write(
        tmp_path,
        '[recordings]\nmin_retention = "0 days"\nmax_seconds = 0\n\n'
        '[notices]\nsign_within = "soon"\n',
    )
    code = main(["policy", "check", bad, "--workflow", NOTICE, "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 1
    for key in ("recordings.min_retention", "recordings.max_seconds", "notices.sign_within"):
        assert key in err, err


def test_policy_check_without_the_workflow_refuses_its_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without ``--workflow`` nobody said what ``[notices]`` is: an error naming it."""
    path = _write(tmp_path, '[notices]\nsign_within = "2 days"\n')
    assert main(["policy", "check", path, "--lang", "en"]) == 1
    assert "notices" in capsys.readouterr().err
    assert main(["policy", "check", path, "--workflow", NOTICE, "--lang", "en"]) == 0


def test_reference_has_shipped_and_workflow_sections(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m mallops.policy`` lists the shipped plug-ins' keys, and a
    ``--workflow``'s keys as well."""
    assert reference_main([]) == 0
    plain = capsys.readouterr().out
    assert "`recordings.min_retention`" in plain
    assert "`notices.sign_within`" not in plain
    assert reference_main(["--workflow", NOTICE]) == 0
    assert "`notices.sign_within`" in capsys.readouterr().out
