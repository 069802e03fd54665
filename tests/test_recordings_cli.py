"""Call recordings (G7) through the command line: the generic ``open/fire/show/list``
serve the kind (zh labels accepted for the channel), ``recordings register`` exports
the retention register in zh/en as text, CSV, JSON or XLSX, masked by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mallops.cli import main

SHA = "cd" * 32
NOW = ["--now", "2026-09-01T10:00:00+08:00"]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, (argv, captured.err)
    return captured.out


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "rec.json")
    _cli(capsys, "init", "--store", path)
    return path


def _open(capsys: pytest.CaptureFixture[str], store: str, *fields: str) -> str:
    out = _cli(
        capsys,
        "open",
        "recording",
        "--store",
        store,
        "--actor",
        "desk-1:front_desk:customer_service",
        "--field",
        "reference=pbx://hotline/0001.wav",
        "--field",
        f"checksum={SHA}",
        "--field",
        "duration=95",
        *[x for f in fields for x in ("--field", f)],
        "--json",
        *NOW,
    )
    return str(json.loads(out)["id"])


def test_G7_open_fire_show_list_serve_recordings(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    """``open recording`` takes the channel by its Chinese label; ``fire link`` attaches
    it to another record; ``show`` and ``list`` name it in zh."""
    rid = _open(capsys, store, "channel=微信语音", "caller=13800000000")
    shown = json.loads(_cli(capsys, "show", rid, "--store", store, "--json", *NOW))
    assert shown["state"] == "retained"
    assert shown["fields"]["source_channel"] == "wechat_voice"
    assert shown["fields"]["caller"] != "13800000000"  # masked (G7)
    other = _open(capsys, store, "channel=服务热线")
    _cli(
        capsys,
        *("fire", rid, "link", "--store", store, "--actor", "desk-1:front_desk"),
        *("--field", f"case={other}", *NOW),
    )
    shown = json.loads(_cli(capsys, "show", rid, "--store", store, "--json", *NOW))
    assert shown["links"] == [["case", other]]
    listed = _cli(capsys, "list", "--kind", "recording", "--store", store, "--lang", "zh", *NOW)
    assert "保存中" in listed
    assert rid in listed


def test_G7_bad_channel_is_refused_in_the_users_language(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    """A channel that is no recording channel is an error naming the field and the keys."""
    code = main(
        [
            *("open", "recording", "--store", store, "--actor", "desk-1:front_desk"),
            *("--field", "reference=x", "--field", f"checksum={SHA}", "--field", "duration=5"),
            *("--field", "channel=信鸽", "--lang", "en", *NOW),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "channel" in err
    assert "hotline" in err


def test_G7_register_export_in_zh_and_en(
    capsys: pytest.CaptureFixture[str], store: str, tmp_path: Path
) -> None:
    """The register as text (zh headings), JSON (named fields), CSV with a BOM (en) and
    XLSX; callers masked unless ``--reveal``."""
    _open(capsys, store, "channel=hotline", "caller=13800000000")
    text = _cli(capsys, "recordings", "register", "--store", store, "--lang", "zh", *NOW)
    assert text.splitlines()[0].startswith("编号\t状态\t来源")
    assert "服务热线（24小时）" in text
    assert "13800000000" not in text
    rows = json.loads(_cli(capsys, "recordings", "register", "--store", store, "--json", *NOW))
    assert rows[0]["state"] in ("保存中", "retained")
    assert rows[0]["checksum"] == f"sha256:{SHA}"
    csv_path = tmp_path / "register.csv"
    _cli(
        capsys,
        *("recordings", "register", "--store", store, "--lang", "en", "--format", "csv"),
        *("-o", str(csv_path), "--reveal", *NOW),
    )
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "id,state,channel" in data.decode("utf-8-sig")
    assert "13800000000" in data.decode("utf-8-sig")
    pytest.importorskip("openpyxl")
    xlsx = tmp_path / "register.xlsx"
    _cli(capsys, "recordings", "register", "--store", store, "-o", str(xlsx), *NOW)
    assert xlsx.stat().st_size > 0
