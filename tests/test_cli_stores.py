"""Stores, help and errors of the `mallops` command (issue 17): only `demo` and `init`
create a store, `--version`, `open --help`, "did you mean", every policy error, a
CLI-worded naive-datetime error, exports with a BOM, masking and XLSX."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from mallops import __version__
from mallops.cli import main

NOW = "--now=2026-09-30T10:00:00+08:00"
LATE = "--now=2026-09-30T14:00:00+08:00"
DESK = "--actor=desk-1:front_desk:customer_service"
COMPLAINT = [
    "-f", "channel=phone", "-f", "complainant=韩梅梅", "-f", "contact=13912345678",
    "-f", "location=B1 east restroom", "-f", "description=洗手间很脏", "-f", "demand=清洁",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOPS_LANG", "en")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["tick", NOW],
        ["show", "C-000001"],
        ["report", NOW, "--month=2026-09"],
        ["export"],
        ["open", "complaint", DESK, NOW, *COMPLAINT],
        ["fire", "C-000001", "assign", DESK],
        ["list", "--store=nothere.json"],
        ["list", "--store=sqlite:///nothere.db"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_missing_store_is_refused_and_not_created(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command but demo and init refuses a missing store, naming its path, and
    leaves the directory as it was (no empty store created)."""
    code, _out, err = _run(capsys, *argv)
    assert code == 1
    store = next((a.split("=", 1)[1] for a in argv if a.startswith("--store=")), None)
    assert f"store {store or 'mallops-store.json'} does not exist" in err
    assert "mallops init" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_init_creates_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`init` creates the store; a second `init` refuses and leaves it unchanged."""
    assert _run(capsys, "init")[0] == 0
    store = tmp_path / "mallops-store.json"
    before = store.read_bytes()
    code, _, err = _run(capsys, "init")
    assert code == 1
    assert "already exists" in err
    assert store.read_bytes() == before
    code, out, _ = _run(capsys, "init", "--store=sqlite:///ops.db", "--json")
    assert code == 0
    assert json.loads(out) == {"store": "sqlite:///ops.db", "created": True}
    assert (tmp_path / "ops.db").is_file()
    code, out, _ = _run(capsys, "list", "--store=sqlite:///ops.db")
    assert code == 0
    assert out.strip().endswith("0 record(s)")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`mallops --version` prints the package's version."""
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"mallops {__version__}"


def test_open_help_lists_kinds_and_fields(capsys: pytest.CaptureFixture[str]) -> None:
    """`open --help` lists every kind with its fields, required ones starred."""
    code, out, _ = _run(capsys, "open", "--help")
    assert code == 0
    assert "complaint (complaint): channel*, complainant*, contact*" in out
    assert "repair (repair order): source*, fault_type*" in out
    assert "lost_item (found item): found_at*" in out


@pytest.fixture
def store(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["init"]) == 0
    assert main(["open", "complaint", DESK, NOW, *COMPLAINT]) == 0
    capsys.readouterr()
    return "mallops-store.json"


def test_did_you_mean(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped event, kind, command or column gets the closest name and the list."""
    code, _, err = _run(capsys, "fire", "C-000001", "asign", DESK)
    assert code == 1
    assert "a complaint has no event 'asign' (did you mean assign?); events: classify" in err
    code, _, err = _run(capsys, "open", "complant", DESK, *COMPLAINT)
    assert "unknown record kind 'complant' (did you mean complaint?)" in err
    code, _, err = _run(capsys, "list", "--kind=repiar")
    assert "(did you mean repair?)" in err
    code, _, err = _run(capsys, "export", "--columns=id,stat")
    assert "unknown column 'stat' (did you mean state?)" in err


def test_naive_datetime_speaks_cli(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A time without offset is refused with the fix in command-line terms."""
    code, _, err = _run(capsys, "list", "--now=2026-09-30T10:00:00")
    assert code == 2
    assert "--now: '2026-09-30T10:00:00' has no UTC offset" in err
    assert "2026-09-30T10:00:00+08:00" in err
    code, _, err = _run(capsys, "open", "complaint", DESK, NOW, *COMPLAINT,
                        "-f", "occurred_at=2026-09-30 09:00")  # fmt: skip
    assert code == 1
    assert "occurred_at: '2026-09-30 09:00' has no UTC offset" in err
    assert "pendulum" not in err


def test_policy_check_lists_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three wrong keys: three errors listed, exit 1; a good file passes."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[targets]\ncustomer_satisfaction = 1.5\n"
        '[complaints.first_contact]\nduration = "soon"\n'
        "[complaints]\nnonsense = 1\n",
        encoding="utf-8",
    )
    code, _, err = _run(capsys, "policy", "check", str(bad))
    assert code == 1
    assert "targets.customer_satisfaction" in err
    assert "complaints.first_contact" in err
    assert "nonsense" in err
    assert err.strip().splitlines()[-1] == f"mallops: error: {bad}: 3 error(s)"
    code, out, _ = _run(capsys, "policy", "check", str(bad), "--json")
    found = json.loads(out)
    assert found["ok"] is False
    assert len(found["errors"]) == 3
    assert {"key", "message"} == set(found["errors"][0])
    good = tmp_path / "good.toml"
    good.write_text("[targets]\ncustomer_satisfaction = 0.8\n", encoding="utf-8")
    assert _run(capsys, "policy", "check", str(good))[0] == 0


def _csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "no UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_csv_masked_with_bom(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`export` writes chosen columns with zh or en headers, personal data masked unless
    --reveal (G7), starting with the UTF-8 BOM."""
    code, out, _ = _run(capsys, "export", "--columns=id,state,channel,contact,complainant")
    assert code == 0
    assert _csv(out) == [
        ["id", "state", "channel", "contact", "complainant"],
        ["C-000001", "registered", "phone", "139******78", "韩**"],
    ]
    code, out, _ = _run(capsys, "export", "--lang=zh", "--columns=id,state_label,contact",
                        "--reveal")  # fmt: skip
    assert _csv(out) == [["编号", "状态名称", "contact"], ["C-000001", "已登记", "13912345678"]]
    code, out, _ = _run(capsys, "export", "--kind=repair")
    assert _csv(out)[1:] == []
    code, out, _ = _run(capsys, "export", "-o", "out.csv", "--overdue", LATE)
    assert code == 0
    rows = _csv(Path("out.csv").read_text(encoding="utf-8"))
    assert rows[0][-1] == "overdue timers"
    assert "first_contact" in rows[1][-1]


def test_export_xlsx(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    """XLSX through openpyxl (the `xlsx` extra), the same rows, masked."""
    openpyxl = pytest.importorskip("openpyxl")
    code, out, err = _run(capsys, "export", "-o", "r.xlsx", "--columns=id,contact")
    assert code == 0, err
    assert out.strip() == "exported 1 record(s) to r.xlsx"
    rows = list(openpyxl.load_workbook("r.xlsx").active.iter_rows(values_only=True))
    assert rows == [("id", "contact"), ("C-000001", "139******78")]
    code, _, err = _run(capsys, "export", "--format=xlsx")
    assert code == 1
    assert "--output" in err


def test_report_csv_has_bom(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The report's CSV starts with the byte-order mark (Excel on Chinese Windows)."""
    code, out, _ = _run(capsys, "report", "--month=2026-09", "--format=csv", NOW)
    assert code == 0
    assert _csv(out)[0] == ["section", "table", "row", "column", "value"]
