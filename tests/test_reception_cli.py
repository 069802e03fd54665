"""The reception log and difficult cases through the generic commands (G12, G13): open,
fire, show, list with choice values by their Chinese labels; personal data masked (G7);
and the HTTP routes generated for the reception kind."""

from __future__ import annotations

import json

import pytest

from mallops import ManualClock, MemoryStore
from mallops import cli as cli_module

from .conftest import at

NOW = "--now=2026-09-30T10:00:00+08:00"
DESK = "--actor=desk-1:front_desk:customer_service"
HEAD = "--actor=cs-1:cs_head:customer_service"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOPS_LANG", "en")


def test_g12_g13_reception_and_referral_through_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """G12: `open reception` takes the channel and topic by their Chinese labels; a
    second call is linked to the open first one; G13: a complaint referred and
    coordinated with `fire`; names and phone numbers never shown unless revealed (G7)."""
    main = cli_module.main
    assert main(["init"]) == 0
    call = ["-f", "person=李雷", "-f", "contact=13800001111", "-f", "matter=停车怎么收费"]
    assert (
        main(["open", "reception", DESK, NOW, "-f", "channel=电话", "-f", "topic=停车", *call]) == 0
    )
    assert (
        main(["open", "reception", DESK, NOW, "-f", "channel=来访", "-f", "topic=parking", *call])
        == 0
    )
    capsys.readouterr()
    assert main(["list", "--kind=reception", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["state"], r["category"]) for r in listed] == [
        ("RC-000001", "logged", "parking"),
        ("RC-000002", "logged", "parking"),
    ]
    assert main(["fire", "RC-000002", "link_repeat", DESK, NOW, "-f", "matter=RC-000001"]) == 0
    assert main(["fire", "RC-000001", "answer", DESK, NOW, "-f", "answer=首小时免费"]) == 0
    capsys.readouterr()
    assert main(["show", "RC-000001", NOW]) == 0
    shown = capsys.readouterr().out
    assert "repeat_contact" in shown
    assert "RC-000002" in shown
    assert "李雷" not in shown
    assert "13800001111" not in shown
    assert main(["show", "RC-000001", "--reveal", "--json"]) == 0
    assert "13800001111" in capsys.readouterr().out
    assert main(["fire", "RC-000001", "answer", DESK, NOW, "-f", "answer=again"]) == 1
    assert "cannot answer a reception in state 'answered'" in capsys.readouterr().err
    assert (
        main(["open", "reception", DESK, NOW, "-f", "channel=电话", "-f", "topic=天气", *call]) == 1
    )
    assert "topic" in capsys.readouterr().err
    complaint = ["-f", "channel=phone", "-f", "complainant=韩梅梅", "-f", "contact=13912345678",
                 "-f", "location=3F", "-f", "description=油烟", "-f", "demand=处理"]  # fmt: skip
    assert main(["open", "complaint", DESK, NOW, *complaint]) == 0
    assert main(["fire", "C-000001", "refer", DESK, NOW, "-f", "difficulty=两部门意见不一"]) == 0
    assert main(["fire", "C-000001", "coordinate", HEAD, NOW, "-f", "outcome=工程部今日修复",
                 "-f", "agreed=否"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["show", "C-000001", "--json", NOW]) == 0
    referral = json.loads(capsys.readouterr().out)["fields"]["referrals"][0]
    assert (referral["outcome"], referral["agreed"]) == ("工程部今日修复", False)
    assert main(["fire", "C-000001", "coordinate", DESK, NOW, "-f", "outcome=x"]) == 1
    assert "cs_head" in capsys.readouterr().err


def test_g12_serve_routes_the_reception_kind() -> None:
    """`mallops serve` generates the reception's routes like any workflow's: listed,
    documented in OpenAPI, opened and answered over HTTP, personal data masked (G7)."""
    import httpx

    from mallops.server import ServerConfig, TokenBook, background, create_app

    tokens = TokenBook.from_data(
        [{"secret": "desk-secret-token-1", "property": "default", "actor": "desk-1",
          "role": "front_desk", "department": "customer_service"}]
    )  # fmt: skip
    app = create_app(
        MemoryStore(),
        tokens,
        clock=ManualClock(at(2026, 9, 30, 10)),
        config=ServerConfig(tick_every=0),
    )
    auth = {"Authorization": "Bearer desk-secret-token-1", "Accept-Language": "en"}
    with background(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        kinds = [w["kind"] for w in client.get("/api/v1/workflows", headers=auth).json()]
        assert "reception" in kinds
        paths = client.get("/openapi.json").json()["paths"]
        base = "/api/v1/workflows/reception/records"
        assert f"{base}/{{record_id}}/events/link_repeat" in paths
        body = {"channel": "phone", "person": "李雷", "contact": "13800001111",
                "topic": "parking", "matter": "停车怎么收费"}  # fmt: skip
        r = client.post(base, json=body, headers=auth)
        assert r.status_code == 201, r.text
        assert "13800001111" not in r.text
        assert r.json()["id"] == "RC-000001"
        r = client.post(
            f"{base}/RC-000001/events/answer",
            json={"params": {"answer": "首小时免费"}},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "answered"
        r = client.post(
            f"{base}/RC-000001/events/answer", json={"params": {"answer": "x"}}, headers=auth
        )
        assert r.status_code == 409
