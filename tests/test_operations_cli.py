"""Incidents (E1), drills (E2) and survey campaigns (K5) through the generic command
line (`mallops open/fire/show/list`, zh labels for choice fields) and `mallops serve`
(routes generated from the specs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pendulum

from mallops import ManualClock, MemoryStore
from mallops.server import ServerConfig, TokenBook, background, create_app

ENV = {**os.environ, "MALLOPS_LANG": "en"}
DESK = "--actor=desk-1:front_desk:customer_service"
TECH = "--actor=eng-1:staff:engineering"
GM = "--actor=gm:general_manager:operations"
T0 = "--now=2026-09-30T10:00:00+08:00"
T1 = "--now=2026-09-30T10:05:00+08:00"


def mallops(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "mallops", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        env=ENV,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_E1_incident_through_the_command_line_with_zh_labels(tmp_path: Path) -> None:
    """Open an incident by its Chinese type label, take its first step by the step's
    Chinese label, then list and show it (E1)."""
    store = f"--store={tmp_path / 'mall.json'}"
    mallops("init", store)
    out = mallops(
        "open", "incident", store, DESK, T0, "--json",
        "-f", "type=电梯困人", "-f", "location=3F 观光电梯", "-f", "description=两人被困",
        "-f", "tenants=T-0301，T-0302",
    )  # fmt: skip
    inc = json.loads(out)
    assert inc["fields"]["type"] == "lift_entrapment"
    assert inc["fields"]["tenants"] == ["T-0301", "T-0302"]
    assert inc["escalations"][-1][1] == "general_manager"  # (level, role, cause, at)
    mallops("fire", inc["id"], "step", store, TECH, T1, "-f", "step=对讲安抚被困人员")
    shown = json.loads(mallops("show", inc["id"], store, T1, "--json"))
    assert shown["fields"]["steps"][0]["status"] == "done"
    listed = json.loads(mallops("list", store, T1, "--kind=incident", "--json"))
    assert [r["id"] for r in listed] == [inc["id"]]


def test_E2_K5_drill_and_survey_through_the_command_line(tmp_path: Path) -> None:
    """Schedule a drill by its plan's Chinese label and hold it; plan a survey campaign
    by its audience's Chinese label, answer it (policy questions as JSON) and close it."""
    store = f"--store={tmp_path / 'mall.json'}"
    mallops("init", store)
    drill = json.loads(
        mallops(
            "open",
            "drill",
            store,
            GM,
            T0,
            "--json",
            "-f",
            "plan=消防疏散演练",
            "-f",
            "due_at=2026-10-20T18:00:00+08:00",
        )
    )
    assert drill["fields"]["plan"] == "fire_evacuation"
    mallops(
        "fire", drill["id"], "hold", store, GM, T1,
        "-f", "participants=80", "-f", "findings=广播不清",
    )  # fmt: skip
    drills = json.loads(mallops("list", store, T1, "--kind=drill", "--json"))
    assert sorted(r["state"] for r in drills) == ["held", "scheduled"]
    svy = json.loads(
        mallops(
            "open",
            "survey",
            store,
            GM,
            T0,
            "--json",
            "-f",
            "audience=商户",
            "-f",
            "year=2026",
            "-f",
            "window=2",
            "-f",
            "sample=2",
        )
    )
    assert svy["fields"]["audience"] == "tenants"
    mallops("fire", svy["id"], "start", store, GM, T1)
    mallops(
        "fire", svy["id"], "answer", store, DESK, T1, "-f", "respondent=T-0301",
        "-f", "speed=5", "-f", "result=4", "-f", "attitude=5", "-f", 'answers={"environment": 4}',
    )  # fmt: skip
    mallops("fire", svy["id"], "close", store, GM, T1)
    shown = json.loads(mallops("show", svy["id"], store, T1, "--json"))
    assert (shown["state"], shown["fields"]["rate"]) == ("closed", 1.0)


def test_E1_E2_K5_serve_generates_the_routes_of_the_operations_workflows() -> None:
    """`mallops serve` lists the three kinds, documents their routes in OpenAPI, and
    opens and fires their records over HTTP."""
    tokens = TokenBook.from_data(
        [{"secret": "gm-secret-token-0001", "property": "default", "actor": "gm",
          "role": "general_manager", "department": "operations"}]
    )  # fmt: skip
    clock = ManualClock(pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai"))
    app = create_app(MemoryStore(), tokens, clock=clock, config=ServerConfig(tick_every=0))
    auth = {"Authorization": "Bearer gm-secret-token-0001", "Accept-Language": "en"}
    with background(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        kinds = {w["kind"] for w in client.get("/api/v1/workflows", headers=auth).json()}
        assert {"incident", "drill", "survey"} <= kinds
        paths = client.get("/openapi.json").json()["paths"]
        for kind, event in (("incident", "step"), ("drill", "hold"), ("survey", "answer")):
            assert f"/api/v1/workflows/{kind}/records" in paths
            assert f"/api/v1/workflows/{kind}/records/{{record_id}}/events/{event}" in paths
        body = {"type": "fire", "location": "B1", "description": "烟雾"}
        r = client.post("/api/v1/workflows/incident/records", json=body, headers=auth)
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        r = client.post(
            f"/api/v1/records/{rid}/events/step",
            json={"params": {"step": "evacuate"}},
            headers=auth,
        )
        assert r.status_code == 409, r.text  # not the next step (E1)
        r = client.post(
            f"/api/v1/records/{rid}/events/step", json={"params": {"step": "alarm"}}, headers=auth
        )
        assert r.status_code == 200, r.text
