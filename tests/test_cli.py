"""The `mallops` command, run through its entry point in a subprocess (and one in-process
flow on a shared store): every command, bad input and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mallops import cli as cli_module

NOW = "--now=2026-09-30T10:00:00+08:00"
DESK = "--actor=desk-1:front_desk:customer_service"
COMPLAINT = [
    "-f", "channel=phone", "-f", "complainant=韩梅梅", "-f", "contact=13912345678",
    "-f", "location=B1 east restroom", "-f", "description=洗手间很脏", "-f", "demand=清洁",
]  # fmt: skip
COMMANDS = ["demo", "init", "open", "fire", "show", "list", "tick", "report", "export", "diagram",
            "policy"]  # fmt: skip
ENV = {**os.environ, "MALLOPS_LANG": "en"}  # these tests read the English messages


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOPS_LANG", "en")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mallops", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
        env=ENV,
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
    listed = run("list", "--store=:memory:").stdout.strip().splitlines()
    assert listed[0].split() == ["id", "kind", "state", "created", "owner", "department",
                                 "category", "overdue"]  # fmt: skip
    assert listed[1:] == ["0 record(s)"]
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


def test_flow_open_fire_show_list_tick_report(capsys: pytest.CaptureFixture[str]) -> None:
    """A complaint through init, open, fire, tick (C5 breach), list --overdue, show, report
    on the default store in the working directory (the test's temporary directory)."""
    main = cli_module.main
    assert main(["init"]) == 0
    assert capsys.readouterr().out.strip() == "created store mallops-store.json"
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
    assert capsys.readouterr().out.strip().splitlines()[-1] == "0 record(s)"
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


def console(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script ``mallops`` (the entry point), not ``python -m``."""
    script = Path(sys.executable).with_name("mallops")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mallops"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, check=False, cwd=cwd, timeout=180,
        env=ENV,
    )  # fmt: skip


def _ok(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 0, out.stderr
    return out.stdout


ENG = "--actor=eng-1:staff:engineering"
ENG_MGR = "--actor=eng-mgr:department_manager:engineering"


def test_r3_r5_f2_repair_flow_through_the_console_script(tmp_path: Path) -> None:
    """A tenant's repair order on a JSON store: open, dispatch, R3 breach seen by
    `list --kind repair --overdue`, arrive, complete, inspect (R5); the accepted
    external order opens its return visit (R6, F2), whose visit closes it (F5)."""
    store = f"--store={tmp_path / 'mall.json'}"
    _ok(console("init", store))
    t0 = "--now=2026-09-30T10:00:00+08:00"
    # G11: the repair names a registered tenant (T-000001)
    _ok(console("open", "tenant", store, DESK, t0, "-f", "unit=B1-101", "-f", "name=李记",
                "-f", "trade=retail", "-f", "contact=李雷", "-f", "phone=13800001111",
                "-f", "lease_start=2024-01-01"))  # fmt: skip
    out = _ok(console("open", "repair", store, DESK, t0, "--lang=en",
                      "-f", "source=tenant", "-f", "fault_type=water", "-f", "location=B1-101",
                      "-f", "description=水管漏水", "-f", "tenant=T-000001",
                      "-f", "reporter=李雷", "-f", "contact=13800001111"))  # fmt: skip
    assert out.strip() == "opened R-000001 (repair), state reported (reported)"
    _ok(console("fire", "R-000001", "dispatch", store, DESK, t0, "-f", "technician=eng-1"))
    late = "--now=2026-09-30T10:40:00+08:00"
    assert "timer_breached[response]" in _ok(console("tick", store, late))
    listed = json.loads(_ok(console("list", store, late, "--kind=repair", "--overdue", "--json")))
    assert [(r["id"], r["overdue"]) for r in listed] == [("R-000001", ["response"])]
    for event, actor, extra in (
        ("arrive", ENG, []),
        ("start", ENG, []),
        ("complete", ENG, ["-f", "work_done=换了阀门"]),
        ("inspect", ENG_MGR, ["-f", "passed=true"]),
    ):
        _ok(console("fire", "R-000001", event, store, actor, late, *extra))
    rv = json.loads(_ok(console("list", store, late, "--kind=return_visit", "--json")))
    assert [(r["id"], r["state"]) for r in rv] == [("RV-000001", "due")]
    shown = _ok(console("show", "RV-000001", store, late))
    assert "13800001111" not in shown
    assert "李雷" not in shown
    _ok(console("fire", "RV-000001", "visit", store, DESK, late, "-f", "method=phone",
                "-f", "speed=5", "-f", "result=4", "-f", "attitude=5"))  # fmt: skip
    repair = json.loads(_ok(console("show", "R-000001", store, late, "--json")))
    assert repair["state"] == "closed"
    assert repair["fields"]["contact"] != "13800001111"
    refused = console("open", "return_visit", store, DESK, late, "-f", "source=R-000001")
    assert_one_line_error(refused, 1)
    md = _ok(console("report", store, "--month=2026-09", "--format=markdown", "--lang=en",
                     "--now=2026-10-01T09:00:00+08:00"))  # fmt: skip
    assert "Repairs" in md
    assert "Return visits" in md
    assert "13800001111" not in md


def test_l1_l5_lost_item_flow_through_the_console_script(tmp_path: Path) -> None:
    """A found item: open (L1), a claim whose raw ID number the CLI masks before it is
    stored (L5, G7), a rejected claim, a verified one and the release."""
    store = f"--store={tmp_path / 'mall.json'}"
    _ok(console("init", store))
    now = "--now=2026-09-30T15:00:00+08:00"
    _ok(console("open", "lost_item", store, DESK, now,
                "-f", "found_at=2026-09-30T14:30:00+08:00", "-f", "place_found=1F 中庭",
                "-f", "description=黑色手机", "-f", "features=蓝色手机壳", "-f", "category=phone",
                "-f", "finder_type=customer", "-f", "finder_name=王芳",
                "-f", "finder_contact=13711112222"))  # fmt: skip
    claim = ["-f", "place=1F 中庭", "-f", "time=下午", "-f", "id_type=resident_id"]
    _ok(console("fire", "LF-000001", "claim", store, DESK, now, "-f", "claimant=张伟",
                "-f", "features=红色手机壳", "-f", "id_number=110101199001011234",
                *claim))  # fmt: skip
    _ok(console("fire", "LF-000001", "reject_claim", store, DESK, now, "--reason=特征不符"))
    _ok(console("fire", "LF-000001", "claim", store, DESK, now, "-f", "claimant=刘洋",
                "-f", "features=蓝色手机壳", "-f", "id_number=110101198502023456",
                *claim))  # fmt: skip
    _ok(console("fire", "LF-000001", "verify_claim", store, DESK, now,
                "-f", "features_match=yes", "-f", "id_checked=yes"))  # fmt: skip
    out = _ok(console("fire", "LF-000001", "release", store, DESK, now, "--lang=en"))
    assert out.strip().endswith("state released (returned to the owner)")
    revealed = _ok(console("show", "LF-000001", store, now, "--reveal", "--json"))
    assert "110101199001011234" not in revealed  # never stored raw (G7)
    assert "110101198502023456" not in revealed
    shown = _ok(console("show", "LF-000001", store, now))
    for secret in ("张伟", "刘洋", "王芳", "13711112222"):
        assert secret not in shown


def test_v1_v5_tenant_visit_and_suggestion_through_the_console_script(tmp_path: Path) -> None:
    """A tenant, an extra visit appointed by phone (V2) and completed with a suggestion
    (V3, V5): the suggestion is its own record, answered with `fire`."""
    store = f"--store={tmp_path / 'mall.json'}"
    _ok(console("init", store))
    now = "--now=2026-09-28T09:00:00+08:00"
    _ok(console("open", "tenant", store, DESK, now, "-f", "unit=2F-201", "-f", "name=李记服饰",
                "-f", "trade=retail", "-f", "contact=赵敏", "-f", "phone=13922223333",
                "-f", "lease_start=2024-01-01"))  # fmt: skip
    _ok(console("open", "visit", store, DESK, now, "-f", "tenant=T-000001", "-f", "unit=2F-201",
                "-f", "trade=retail", "-f", "tier=regular",
                "-f", "planned_at=2026-09-29T10:00:00+08:00",
                "-f", "due_at=2026-09-30T23:59:00+08:00"))  # fmt: skip
    ops = "--actor=ops-1:staff:operations"  # G5: the visiting department appoints (V2)
    _ok(console("fire", "V-000001", "appoint", store, ops, now,
                "-f", "at=2026-09-29T10:00:00+08:00", "-f", "phoned=yes"))  # fmt: skip
    later = "--now=2026-09-29T10:40:00+08:00"
    items = json.dumps([{"topic": "engineering", "text": "门口地砖松动"}], ensure_ascii=False)
    _ok(console("fire", "V-000001", "complete", store, ops, later, "-f", "form=meeting",
                "-f", "topics=engineering", "-f", "notes=交流经营情况",
                "-f", "satisfaction=satisfied", "-f", "confirmed_by=赵敏",
                "-f", f"suggestions={items}"))  # fmt: skip
    listed = json.loads(_ok(console("list", store, later, "--kind=suggestion", "--json")))
    assert [(r["id"], r["state"], r["tenant"]) for r in listed] == [
        ("S-000001", "raised", "T-000001")
    ]
    _ok(console("fire", "S-000001", "answer", store, ENG, later, "-f", "answer=已安排维修"))
    shown = _ok(console("show", "T-000001", store, later))
    assert "13922223333" not in shown
    assert "赵敏" not in shown


def test_default_json_store_end_to_end(tmp_path: Path) -> None:
    """In a fresh directory: `demo` writes mallops-store.json (the default store), then
    `report --store mallops-store.json`, `list` and `tick` work on it; a second `demo`
    continues it, one with another seed is refused and leaves it intact."""
    out = console("demo", "--days=3", "--tenants=20", "--lang=en", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    store = tmp_path / "mallops-store.json"
    assert store.is_file()
    assert "simulated 3 day(s) on mallops-store.json" in out.stdout
    report = json.loads(_ok(console("report", "--store", "mallops-store.json", "--month=2026-09",
                                    "--format=json", cwd=tmp_path)))  # fmt: skip
    sections = {s["key"] for s in report["sections"]}
    assert {"complaint", "repair", "return_visit", "lost_found"} <= sections
    kinds = {r["kind"] for r in json.loads(_ok(console("list", "--json", cwd=tmp_path)))}
    assert {"complaint", "repair", "return_visit", "lost_item", "tenant", "visit"} <= kinds
    assert _ok(console("tick", "--now=2026-09-04T12:00:00+08:00", cwd=tmp_path)).endswith(
        "event(s)\n"
    )
    before = store.read_bytes()
    refused = console("demo", "--days=1", "--seed=7", cwd=tmp_path)
    assert_one_line_error(refused, 1)
    assert "--seed 2026" in refused.stderr
    assert store.read_bytes() == before
    again = console("demo", "--days=1", "--tenants=20", "--quiet", "--lang=en", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "continued 1 day(s) on mallops-store.json" in again.stdout
