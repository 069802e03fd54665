"""The inspection kinds through the generic command line (`mallops open/fire/show/list`)
and `mallops serve` (R8, R9): zh labels for choice fields, errors naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pendulum

from mallops import ManualClock, MemoryStore
from mallops.server import ServerConfig, TokenBook, background, create_app

from .test_cli import ENG, ENG_MGR, _ok, assert_one_line_error, console, run

T0 = "--now=2026-09-28T10:00:00+08:00"
T1 = "--now=2026-09-29T10:05:00+08:00"


def test_r9_r8_a_round_through_the_command_line(tmp_path: Path) -> None:
    """Plan, the round the ticker opens, a failed item that becomes a repair order,
    `list --kind inspection_round`, `show` in Chinese with the area's zh label."""
    store = f"--store={tmp_path / 'mall.json'}"
    _ok(console("init", store))
    out = _ok(console("open", "inspection_plan", store, ENG_MGR, T0, "--lang=en",
                      "-f", "area=lift", "-f", "title=1号客梯日检", "-f", "location=A区",
                      "-f", "checklist=门机,平层", "-f", "frequency=daily"))  # fmt: skip
    assert out.startswith("opened IP-000001 (inspection_plan), state active")
    rounds = json.loads(_ok(console("list", store, T0, "--kind=inspection_round", "--json")))
    assert [r["id"] for r in rounds] == ["IR-000001"]  # its first window was open already
    for event, extra in (
        ("start", []),
        ("check", ["-f", "item=门机", "-f", "passed=true"]),
        ("check", ["-f", "item=平层", "-f", "passed=false", "-f", "note=平层误差"]),
        ("complete", []),
    ):
        _ok(console("fire", "IR-000001", event, store, ENG, T0, *extra))
    shown = json.loads(_ok(console("show", "IR-000001", store, T0, "--json")))
    assert shown["state"] == "completed"
    assert shown["fields"]["results"][1]["repair"] == "R-000001"
    repair = json.loads(_ok(console("show", "R-000001", store, T0, "--json")))
    assert repair["fields"]["found_in"] == "IR-000001"
    zh = _ok(console("show", "IP-000001", store, T0, "--lang=zh"))
    assert "巡检计划" in zh
    _ok(console("tick", store, T1))
    rounds = json.loads(_ok(console("list", store, T1, "--kind=inspection_round", "--json")))
    assert [r["id"] for r in rounds] == ["IR-000001", "IR-000002"]


def test_r9_bad_input_names_the_field_on_the_command_line(tmp_path: Path) -> None:
    """An unknown area lists the allowed ones; an item not on the checklist names it."""
    store = f"--store={tmp_path / 'mall.json'}"
    _ok(console("init", store))
    bad = run("open", "inspection_plan", store, ENG_MGR, T0,
              "-f", "area=roof", "-f", "title=x", "-f", "location=y",
              "-f", "checklist=a", "-f", "frequency=daily")  # fmt: skip
    assert_one_line_error(bad, 1)
    assert "area" in bad.stderr
    assert "lift" in bad.stderr


def test_r9_serve_routes_the_inspection_kinds() -> None:
    """`mallops serve` generates the routes of every inspection kind."""
    tokens = [{"secret": "manager-secret-token-a", "property": "mall-a", "actor": "gm-1",
               "role": "general_manager"}]  # fmt: skip
    clock = ManualClock(pendulum.datetime(2026, 9, 28, 10, tz="Asia/Shanghai"))
    app = create_app(
        MemoryStore(), TokenBook.from_data(tokens), clock=clock, config=ServerConfig(tick_every=0)
    )
    with background(app) as base:
        doc = httpx.get(base + "/openapi.json", timeout=30).json()
        headers = {"Authorization": "Bearer manager-secret-token-a"}
        kinds = {
            w["kind"]
            for w in httpx.get(base + "/api/v1/workflows", headers=headers, timeout=30).json()
        }
    for kind in ("inspection_plan", "inspection_round", "patrol", "hazard"):
        assert kind in kinds
        assert f"/api/v1/workflows/{kind}/records" in doc["paths"]
    assert any(p.endswith("/events/check") for p in doc["paths"] if "inspection_round" in p)
