"""Letters (O3) and outage notices (O4) through the command line and `mallops serve`:
the generic open/fire/show/list serve the shipped kinds, choice fields accept their
Chinese labels, and the generated HTTP routes carry them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pendulum
import pytest

from mallops import ManualClock, MemoryStore
from mallops.cli import main
from mallops.server import ServerConfig, TokenBook, background, create_app

NOW = "--now=2026-10-08T10:00:00+08:00"
SEC = "--actor=sec-1:staff:security"
DESK = "--actor=desk-1:front_desk:customer_service"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """Run the command with ``--json`` and return its parsed output."""
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_o3_a_letter_through_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Rule O3: `mallops open letter` takes the notice type by its Chinese label;
    `fire`, `show` and `list` follow it through approval and the seal."""
    assert main(["init"]) == 0
    capsys.readouterr()
    fields = ["type=整改函", "title=整改函", "body=消防通道堵塞", "tenant=T-000001",
              "items=清理通道,更换灭火器"]  # fmt: skip
    opened = cli(capsys, "open", "letter", SEC, NOW, *(f"--field={f}" for f in fields))
    rid = opened["id"]
    assert rid.startswith("FW-")
    assert opened["fields"]["type"] == "rectification"
    assert opened["fields"]["items"] == ["清理通道", "更换灭火器"]
    cli(capsys, "fire", rid, "approve", "--actor=sec-mgr:department_manager:security", NOW)
    cli(capsys, "fire", rid, "request_seal", DESK, NOW)
    cli(capsys, "fire", rid, "seal", "--actor=gm-1:general_manager:operations", NOW)
    shown = cli(capsys, "show", rid, NOW)
    assert shown["state"] == "sealed"
    assert [r["id"] for r in cli(capsys, "list", "--kind=letter", NOW)] == [rid]
    assert main(["fire", rid, "seal", "--actor=gm-1:general_manager:operations", NOW]) == 1
    assert "cannot seal" in capsys.readouterr().err


def test_o4_an_outage_through_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Rule O4: `mallops open outage` takes the utility by its Chinese label and the
    tenants as a list; a cut too late to announce is refused naming starts_at."""
    assert main(["init"]) == 0
    capsys.readouterr()
    base = ["open", "outage", "--actor=eng-1:staff:engineering", NOW, "-f", "utility=停电",
            "-f", "area=B1", "-f", "tenants=T-000001,T-000002"]  # fmt: skip
    opened = cli(capsys, *base, "-f", "starts_at=2026-10-12T10:00:00+08:00",
                 "-f", "ends_at=2026-10-12T14:00:00+08:00")  # fmt: skip
    assert opened["fields"]["utility"] == "power"
    assert opened["fields"]["tenants"] == ["T-000001", "T-000002"]
    rid = opened["id"]
    cli(capsys, "fire", rid, "notify", DESK, NOW, "-f", "method=电话")
    shown = cli(capsys, "show", rid, NOW)
    assert shown["state"] == "notified"
    code = main([*base, "-f", "starts_at=2026-10-09T10:00:00+08:00",
                 "-f", "ends_at=2026-10-09T12:00:00+08:00"])  # fmt: skip
    assert code == 1
    assert "starts_at" in capsys.readouterr().err


TOKENS = [
    {"secret": "desk-secret-token-a1", "property": "mall-a", "actor": "desk-1",
     "role": "front_desk", "department": "customer_service"},
    {"secret": "eng-secret-token-a1", "property": "mall-a", "actor": "eng-1",
     "role": "staff", "department": "engineering"},
]  # fmt: skip


@pytest.fixture
def served() -> Iterator[str]:
    clock = ManualClock(pendulum.datetime(2026, 10, 8, 10, tz="Asia/Shanghai"))
    app = create_app(
        MemoryStore(),
        TokenBook.from_data(TOKENS),
        clock=clock,
        config=ServerConfig(tick_every=0, max_body=4096, max_wait=1.0),
    )
    with background(app) as base:
        yield base


def _call(base: str, method: str, path: str, token: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    return httpx.request(method, base + path, json=body, headers=headers, timeout=30)


def test_o3_o4_serve_has_generated_routes_for_both(served: str) -> None:
    """Rules O3, O4: `mallops serve` lists both workflows with their events and runs
    them through the generated routes; a too-late cut is a 4xx naming starts_at."""
    desk, eng = "desk-secret-token-a1", "eng-secret-token-a1"
    kinds = {w["kind"]: w for w in _call(served, "GET", "/api/v1/workflows", desk).json()}
    assert {"letter", "outage"} <= set(kinds)
    assert "reinspect" in [e["name"] for e in kinds["letter"]["events"]]
    assert kinds["outage"]["zh"] == "停电停水通知"
    cut = {
        "utility": "water",
        "area": "3F",
        "tenants": ["T-1"],
        "starts_at": "2026-10-12T10:00:00+08:00",
        "ends_at": "2026-10-12T11:00:00+08:00",
    }
    r = _call(served, "POST", "/api/v1/workflows/outage/records", eng, cut)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = _call(served, "POST", f"/api/v1/records/{rid}/events/notify", desk, {})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "notified"
    late = {**cut, "starts_at": "2026-10-09T10:00:00+08:00"}
    r = _call(served, "POST", "/api/v1/workflows/outage/records", eng, late)
    assert 400 <= r.status_code < 500
    assert "starts_at" in r.text
    letter = {"type": "general", "title": "通知", "body": "内容", "tenant": "T-1"}
    r = _call(served, "POST", "/api/v1/workflows/letter/records", desk, letter)
    assert r.status_code == 201, r.text
    r = _call(served, "POST", f"/api/v1/workflows/letter/records/{r.json()['id']}/events/approve",
              eng, {})  # fmt: skip
    assert r.status_code == 403  # engineering staff do not approve letters (G5)
    document = httpx.get(served + "/openapi.json", timeout=30).json()
    assert any("letter" in json.dumps(op) for op in document["paths"].values())


def test_o3_o4_the_demo_month_shows_both() -> None:
    """Rules O3, O4: a month of the demo drafts the fire-safety inspection notice to every
    tenant, some general notices and rectification letters, and plans a few cuts, some
    of them emergencies; both report sections show them."""
    from mallops.demo import DemoConfig, run_demo
    from mallops.report import build_report, month_period

    result = run_demo(MemoryStore(), DemoConfig(days=30, tenants=30))
    mall = result.mall
    letters = mall.query(kind="letter")
    types = [r.fields["type"] for r in letters]
    assert types.count("fire_safety_inspection") == 30
    assert "general" in types
    assert "rectification" in types
    cuts = mall.query(kind="outage")
    assert 4 <= len(cuts) <= 20
    assert any(r.fields.get("short_notice") for r in cuts)
    assert any(r.state == "restored" for r in cuts)
    report = build_report(mall, *month_period("2026-09", mall), lang="zh")
    assert report.section("letters") is not None
    assert report.section("outages") is not None
