"""The HTTP API's event feed as server-sent events, resumable from ``Last-Event-ID``,
read by a real HTTP client on a loopback server; and the admin operations (policy
change, re-plan, calendar check) restricted by the token's role (#20)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pendulum
import pytest

from mallops import ManualClock, MemoryStore

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from mallops.server import ServerConfig, TokenBook, background, create_app

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
DESK = "desk-secret-token-s1"
PM = "pm-secret-token-s1"
OTHER = "desk-secret-token-mall-z"
TOKENS = [
    {"secret": DESK, "property": "mall-a", "actor": "desk-1", "role": "front_desk",
     "department": "customer_service"},
    {"secret": PM, "property": "mall-a", "actor": "pm-1", "role": "property_manager"},
    {"secret": OTHER, "property": "mall-z", "actor": "desk-9", "role": "front_desk"},
]  # fmt: skip
COMPLAINT = {
    "channel": "phone",
    "complainant": "Li Lei",
    "contact": "13800000000",
    "location": "B1",
    "description": "restroom is dirty",
    "demand": "clean it",
}


@pytest.fixture
def base() -> Iterator[str]:
    app = create_app(
        MemoryStore(),
        TokenBook.from_data(TOKENS),
        clock=ManualClock(T0),
        config=ServerConfig(tick_every=0, max_stream=5, heartbeat=0.3, sse_retry=0.5),
    )
    with background(app) as url:
        yield url


def _headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en", **extra}


def _open(base: str, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        r = httpx.post(
            f"{base}/api/v1/workflows/complaint/records", json=COMPLAINT, headers=_headers(DESK)
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def _read_stream(base: str, token: str, *, query: str = "", **headers: str) -> list[dict[str, Any]]:
    """Every SSE message of one stream, parsed the way an EventSource does."""
    messages: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    url = f"{base}/api/v1/feed/stream{query}"
    with httpx.stream("GET", url, headers=_headers(token, **headers), timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if not line:
                if current:
                    messages.append(current)
                current = {}
                continue
            name, _, value = line.partition(":")
            current.setdefault(name or "comment", value.lstrip(" "))
    return messages


def test_sse_stream_delivers_the_feed_and_resumes_after_last_event_id(base: str) -> None:
    """Each committed event comes as a message with its feed position as id and its type
    as event; reconnecting with ``Last-Event-ID`` resumes right after it, with nothing
    lost and nothing repeated."""
    _open(base, 4)
    first = [m for m in _read_stream(base, DESK, query="?limit=3") if "id" in m]
    assert len(first) == 3
    assert [int(m["id"]) for m in first] == sorted(int(m["id"]) for m in first)
    data = json.loads(first[0]["data"])
    assert data["position"] == int(first[0]["id"])
    assert data["type"] == first[0]["event"]
    everything = [m for m in _read_stream(base, DESK, query="?seconds=1") if "id" in m]
    resumed = [
        m
        for m in _read_stream(base, DESK, query="?seconds=1", **{"Last-Event-ID": first[-1]["id"]})
        if "id" in m
    ]
    assert [m["id"] for m in first + resumed] == [m["id"] for m in everything]
    # the header wins over ?after=, and a stream without news sends keep-alive comments
    again = _read_stream(
        base, DESK, query="?after=0&seconds=1", **{"Last-Event-ID": everything[-1]["id"]}
    )
    assert [m for m in again if "id" in m] == []
    assert any(m.get("comment") == "keep-alive" for m in again)
    assert any("retry" in m for m in again)


def test_sse_stream_sees_only_the_tokens_property_and_new_events(base: str) -> None:
    """A token of another property reads none of mall-a's events (G11); an event
    committed while the stream is open arrives on it."""
    _open(base, 1)
    assert [m for m in _read_stream(base, OTHER, query="?seconds=1") if "id" in m] == []
    head = max(int(m["id"]) for m in _read_stream(base, DESK, query="?seconds=1") if "id" in m)
    url = f"{base}/api/v1/feed/stream?seconds=5&limit=1&after={head}"
    got: list[str] = []
    with httpx.stream("GET", url, headers=_headers(DESK), timeout=30) as r:
        lines = r.iter_lines()
        assert next(lines).startswith("retry:")
        [new_id] = _open(base, 1)  # committed while the stream is open
        got.extend(line for line in lines if line.startswith(("id:", "data:")))
    assert int(got[0].split(":", 1)[1]) == head + 1
    assert json.loads(got[1].split(":", 1)[1])["record_id"] == new_id


def test_sse_stream_refuses_a_bad_last_event_id_and_no_token(base: str) -> None:
    """A Last-Event-ID that is no position is a 422 naming the header; no token is 401."""
    r = httpx.get(f"{base}/api/v1/feed/stream", headers=_headers(DESK, **{"Last-Event-ID": "abc"}))
    assert r.status_code == 422
    assert "Last-Event-ID" in r.json()["error"]["message"]
    assert httpx.get(f"{base}/api/v1/feed/stream").status_code == 401


def test_admin_policy_change_is_recorded_and_role_restricted(base: str) -> None:
    """A property manager changes the policy over HTTP (recorded: who, why); a front-desk
    token gets 403 naming the roles that may; a policy mistake is 422 naming the key."""
    [cid] = _open(base, 1)
    body = {"policy": {"complaints": {"first_contact": {"duration": "2h"}}}, "reason": "新规"}
    denied = httpx.post(f"{base}/api/v1/admin/policy", json=body, headers=_headers(DESK))
    assert denied.status_code == 403
    assert "property_manager" in denied.json()["error"]["message"]
    bad = {"policy": {"complaints": {"first_contact": {"duration": "soon"}}}, "reason": "x"}
    r = httpx.post(f"{base}/api/v1/admin/policy", json=bad, headers=_headers(PM))
    assert r.status_code == 422
    assert "complaints.first_contact.duration" in r.text
    no_reason = {"policy": {}}
    r = httpx.post(f"{base}/api/v1/admin/policy", json=no_reason, headers=_headers(PM))
    assert r.status_code == 422
    assert "reason" in r.text
    r = httpx.post(f"{base}/api/v1/admin/policy", json=body, headers=_headers(PM))
    assert r.status_code == 200, r.text
    assert r.json()["events"] >= 1
    record = httpx.get(f"{base}/api/v1/records/{cid}", headers=_headers(PM)).json()
    entry = record["history"][-1]
    assert entry["event"] == "_policy", entry
    assert "2026-09-30T12:00:00+08:00" in json.dumps(entry)  # first contact now 2 h


def test_admin_replan_and_calendar(base: str) -> None:
    """Re-planning and the calendar check answer admin roles only."""
    assert (
        httpx.post(f"{base}/api/v1/admin/replan", json={}, headers=_headers(DESK)).status_code
        == 403
    )
    r = httpx.post(
        f"{base}/api/v1/admin/replan", json={"reason": "2027 data"}, headers=_headers(PM)
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"replanned": []}
    assert httpx.get(f"{base}/api/v1/admin/calendar", headers=_headers(DESK)).status_code == 403
    cal = httpx.get(f"{base}/api/v1/admin/calendar", headers=_headers(PM)).json()
    assert cal["property"] == "mall-a"
    assert 2026 in cal["years"]
    assert cal["warning_due"] in (True, False)


def test_openapi_documents_the_stream_and_admin_paths(base: str) -> None:
    """The served OpenAPI document has the new paths, and stays valid."""
    from openapi_spec_validator import validate

    doc = httpx.get(f"{base}/openapi.json").json()
    validate(doc)
    for path in (
        "/api/v1/feed/stream",
        "/api/v1/admin/policy",
        "/api/v1/admin/replan",
        "/api/v1/admin/calendar",
    ):
        assert path in doc["paths"], path
    assert "/api/v1/workflows/recording/records" in doc["paths"]  # shipped plug-in (G7)
