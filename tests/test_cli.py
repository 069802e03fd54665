"""The `mallops` command, run through its entry point in a subprocess (and one in-process
flow on a shared store): every command, bad input and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mallops import MemoryStore
from mallops import cli as cli_module

NOW = "--now=2026-09-30T10:00:00+08:00"
DESK = "--actor=desk-1:front_desk:customer_service"
COMPLAINT = [
    "-f", "channel=phone", "-f", "complainant=韩梅梅", "-f", "contact=13912345678",
    "-f", "location=B1 east restroom", "-f", "description=洗手间很脏", "-f", "demand=清洁",
]  # fmt: skip
COMMANDS = ["demo", "open", "fire", "show", "list", "tick", "report", "diagram", "policy"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mallops", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], code: int) -> None:
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("mallops")
    assert "error:" in out.stderr


def test_help_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    """`--help` works for the command and every subcommand, exit 0."""
    out = run("--help")
    assert out.returncode == 0
    assert run("report", "--help").returncode == 0
    for name in COMMANDS:
        assert name in out.stdout
        assert cli_module.main([name, "--help"]) == 0, name
        assert "--store" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nonsense"],
        ["open", "complaint", *COMPLAINT],  # no --actor
        ["open", "complaint", "--actor=nobody", *COMPLAINT],
        ["open", "complaint", DESK, "-f", "channel"],
        ["open", "complaint", DESK, "--now=yesterday"],
        ["report", "--format=pdf"],
        ["diagram", "complaint", "--format=svg"],
        ["list", "--limit=0"],
        ["policy", "check"],
    ],
    ids=lambda a: " ".join(a) or "(none)",
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    """Malformed command lines: usage on stderr, exit 2, no traceback."""
    assert_one_line_error(run("--store=:memory:", *args), 2)


@pytest.mark.parametrize(
    "args",
    [
        ["open", "complaint", DESK, NOW, *COMPLAINT[:-2]],  # demand missing (G2)
        ["open", "complaint", DESK, NOW, *COMPLAINT, "-f", "channel2=x"],
        ["open", "parcel", DESK, NOW, *COMPLAINT],
        ["open", "complaint", "--actor=x:astronaut", NOW, *COMPLAINT],
        ["fire", "C-000001", "assign", DESK],
        ["show", "C-000001"],
        ["show", "../../etc/passwd"],
        ["report", "--month=2026-13"],
        ["report", "--month=2026-09", "--from=2026-09-01", "--to=2026-09-02"],
        ["report", "--month=2026-09", "--output=/nonexistent-dir/r.html"],
        ["diagram", "parcel"],
        ["demo", "--days=0"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_mallops_errors_exit_1(args: list[str]) -> None:
    """Wrong values, states or records: one line on stderr, exit 1, no traceback."""
    assert_one_line_error(run("--store=:memory:", *args), 1)


def test_open_masks_personal_data_in_json() -> None:
    """`open --json` prints the record with the complainant and contact masked (G7)."""
    out = run("open", "complaint", "--store=:memory:", DESK, NOW, "--json", *COMPLAINT)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["id"] == "C-000001"
    assert data["state"] == "registered"
    assert data["category"] == "environment"
    assert "13912345678" not in out.stdout
    assert "韩梅梅" not in out.stdout
    assert data["fields"]["contact"] == "139******78"


def test_open_human_output() -> None:
    """Human output names the record and its state in the chosen language."""
    out = run("open", "complaint", "--store=:memory:", DESK, NOW, "--lang=en", *COMPLAINT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "opened C-000001 (complaint), state registered (registered)"


def test_list_tick_report_on_an_empty_store() -> None:
    """list, tick and report work on an empty store."""
    assert run("list", "--store=:memory:").stdout.strip() == "0 record(s)"
    assert json.loads(run("list", "--store=:memory:", "--json").stdout) == []
    assert run("tick", "--store=:memory:", NOW).stdout.strip() == "0 event(s)"
    out = run("report", "--store=:memory:", NOW, "--month=2026-09", "--format=json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == 0


def test_diagram_command() -> None:
    """`diagram complaint` prints Mermaid (default) or DOT in zh or en."""
    out = run("diagram", "complaint", "--lang=en")
    assert out.stdout.startswith("stateDiagram-v2")
    assert "registered --> assigned: assign" in out.stdout
    out = run("diagram", "complaint", "--format=dot", "--lang=zh")
    assert out.stdout.startswith("digraph complaint {")
    assert "已登记" in out.stdout


def test_policy_show_and_check(tmp_path: Path) -> None:
    """`policy show` prints TOML that `policy check` accepts; a wrong key is exit 1."""
    shown = run("policy", "show")
    assert shown.returncode == 0
    assert 'complaints.first_contact.duration = "3 hours"' in shown.stdout
    assert "targets.customer_satisfaction = 0.9" in shown.stdout
    good = tmp_path / "good.toml"
    good.write_text(shown.stdout, encoding="utf-8")
    out = run("policy", "check", str(good))
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[targets]\ncustomer_satisfaction = 1.5\n", encoding="utf-8")
    out = run("policy", "check", str(bad))
    assert_one_line_error(out, 1)
    assert "targets.customer_satisfaction" in out.stderr
    assert_one_line_error(run("policy", "check", str(tmp_path / "missing.toml")), 1)


def test_demo_small_writes_the_html_report(tmp_path: Path) -> None:
    """`demo` with small sizes prints the report and the HTML file's path."""
    out = run("demo", "--store=:memory:", "--days=3", "--tenants=10", "--lang=en", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Customer-service monthly report 2026-09-01 – 2026-09-03" in out.stdout
    html = tmp_path / "mallops-report-2026-09.html"
    assert f"HTML report: {html}" in out.stdout
    assert "<svg" in html.read_text(encoding="utf-8")
    assert "simulated 3/3 days" in out.stderr


@pytest.fixture
def shared_store(monkeypatch: pytest.MonkeyPatch) -> MemoryStore:
    """One store for several in-process commands (until a file store is merged)."""
    store = MemoryStore()
    monkeypatch.setattr(store, "close", lambda: None)
    monkeypatch.setattr(cli_module, "open_store", lambda _location: store)
    return store


def test_flow_open_fire_show_list_tick_report(
    shared_store: MemoryStore, capsys: pytest.CaptureFixture[str]
) -> None:
    """A complaint through open, fire, tick (C5 breach), list --overdue, show, report."""
    main = cli_module.main
    assert main(["open", "complaint", DESK, NOW, *COMPLAINT]) == 0
    assert main(["fire", "C-000001", "assign", DESK, NOW, "-f", "department=cleaning",
                 "-f", "assignee=wang"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["tick", "--now=2026-09-30T14:00:00+08:00"]) == 0
    assert "timer_breached[first_contact]" in capsys.readouterr().out
    assert main(["list", "--overdue", "--now=2026-09-30T14:00:00+08:00", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == ["C-000001"]
    assert "first_contact" in listed[0]["overdue"]
    assert main(["list", "--state=closed"]) == 0
    assert capsys.readouterr().out.strip() == "0 record(s)"
    assert main(["show", "C-000001", "--now=2026-09-30T14:00:00+08:00"]) == 0
    shown = capsys.readouterr().out
    assert "assign" in shown
    assert "breached 2026-09-30 13:00" in shown
    assert "13912345678" not in shown
    assert "韩梅梅" not in shown
    assert main(["show", "C-000001", "--reveal", "--json"]) == 0
    assert "13912345678" in capsys.readouterr().out
    assert main(["fire", "C-000001", "reply", DESK, "-f", "message=x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mallops: error: C-000001: cannot reply a complaint in state 'assigned'")
    assert err.count("\n") == 1
    assert main(["report", "--month=2026-09", "--format=markdown", "--lang=en",
                 "--now=2026-10-01T09:00:00+08:00"]) == 0  # fmt: skip
    md = capsys.readouterr().out
    assert "| complaint · first contact | 1 | 0 | 1 |" in md
    assert "13912345678" not in md
