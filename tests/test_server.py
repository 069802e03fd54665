"""The HTTP API (mallops serve) on a real loopback server: every operation, tokens per
property (G5, G11), errors as statuses, bounded bodies, the feed, the OpenAPI document
and the built-in ticker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pendulum
import pytest

from mallops import ManualClock, MemoryStore, SqlStore
from mallops.server import ServerConfig, TokenBook, background, create_app

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
DESK = "desk-secret-token-a1"
MANAGER = "manager-secret-token-a"
OTHER = "desk-secret-token-mall-b"
TOKENS = [
    {"secret": DESK, "property": "mall-a", "actor": "desk-1", "role": "front_desk",
     "department": "customer_service", "name": "前台一"},
    {"secret": MANAGER, "property": "mall-a", "actor": "gm-1", "role": "general_manager"},
    {"secret": OTHER, "property": "mall-b", "actor": "desk-9", "role": "front_desk",
     "department": "customer_service"},
]  # fmt: skip
COMPLAINT = {
    "channel": "phone",
    "complainant": "Li Lei",
    "contact": "13800000000",
    "location": "B1 east restroom",
    "description": "restroom is dirty",
    "demand": "clean it",
}


class Api:
    """Requests with one token (a new connection each: nothing left open)."""

    def __init__(self, base: str, token: str | None, lang: str = "en") -> None:
        self.base = base
        self.headers = {"Accept-Language": lang}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(self.base + path, params=params, headers=self.headers, timeout=30)

    def post(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        if "content" not in kw:
            kw["json"] = body
        return httpx.post(self.base + path, headers=self.headers, timeout=30, **kw)


@pytest.fixture
def served() -> Iterator[tuple[str, ManualClock]]:
    clock = ManualClock(T0)
    app = create_app(
        MemoryStore(),
        TokenBook.from_data(TOKENS),
        clock=clock,
        config=ServerConfig(tick_every=0, max_body=4096, max_wait=1.0),
    )
    with background(app) as base:
        yield base, clock


@pytest.fixture
def desk(served: tuple[str, ManualClock]) -> Api:
    return Api(served[0], DESK)


def open_complaint(api: Api, **extra: Any) -> dict[str, Any]:
    r = api.post("/api/v1/workflows/complaint/records", {**COMPLAINT, **extra})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


class TestOperations:
    def test_health_needs_no_token(self, served: tuple[str, ManualClock]) -> None:
        r = httpx.get(served[0] + "/health")
        assert r.status_code == 200
        assert r.json()["status"] == "ok"

    def test_open_get_fire_allowed_and_list(self, desk: Api) -> None:
        """The round trip a non-Python client does: open, read, act, list."""
        c = open_complaint(desk)
        assert c["state"] == "registered"
        assert c["fields"]["contact"] != COMPLAINT["contact"]  # masked (G7)
        assert "assign" in desk.get(f"/api/v1/records/{c['id']}/allowed").json()["events"]
        r = desk.post(
            f"/api/v1/records/{c['id']}/events/assign",
            {"params": {"department": "cleaning", "assignee": "wang"}},
        )
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "assigned"
        got = desk.get(f"/api/v1/records/{c['id']}").json()
        assert [h["event"] for h in got["history"]] == ["open", "assign"]
        listed = desk.get("/api/v1/workflows/complaint/records", state="assigned").json()
        assert [x["id"] for x in listed] == [c["id"]]
        assert desk.get("/api/v1/records", kind="repair").json() == []

    def test_every_registered_workflow_can_be_opened(self, desk: Api) -> None:
        """Routes come from the specs: each workflow lists its creating event."""
        kinds = {w["kind"]: w for w in desk.get("/api/v1/workflows").json()}
        assert {"complaint", "repair", "lost_item"} <= set(kinds)
        assert any(p["name"] == "location" for p in kinds["complaint"]["create"]["params"])

    def test_overdue_and_at_risk_follow_time_and_the_ticker(
        self, served: tuple[str, ManualClock], desk: Api
    ) -> None:
        c = open_complaint(desk)
        assert desk.get("/api/v1/overdue").json() == []
        served[1].advance(seconds=2.5 * 3600)  # the first-contact warning (C4)
        assert desk.post("/api/v1/tick").status_code == 200
        assert [x["id"] for x in desk.get("/api/v1/at-risk").json()] == [c["id"]]
        served[1].advance(seconds=3600)
        desk.post("/api/v1/tick")
        late = desk.get("/api/v1/overdue").json()
        assert [x["id"] for x in late] == [c["id"]]
        assert "first_contact" in late[0]["overdue"]

    def test_reports_and_diagrams(self, desk: Api) -> None:
        open_complaint(desk)
        r = desk.get("/api/v1/reports/monthly", month="2026-09")
        assert r.status_code == 200
        assert r.json()
        html = desk.get("/api/v1/reports/monthly", month="2026-09", format="html")
        assert html.headers["content-type"].startswith("text/html")
        d = desk.get("/api/v1/workflows/repair/diagram", format="mermaid")
        assert d.status_code == 200
        assert "stateDiagram" in d.text

    def test_export_and_policy(self, desk: Api) -> None:
        """What `mallops export` and `mallops policy show` give, over HTTP."""
        c = open_complaint(desk)
        csv = desk.get("/api/v1/export", kind="complaint", lang="en")
        assert csv.headers["content-type"].startswith("text/csv")
        assert c["id"] in csv.text
        assert COMPLAINT["contact"] not in csv.text  # masked (G7)
        assert desk.get("/api/v1/policy").json()["feed"]["retention_days"] == 90

    def test_the_feed_long_polls_from_a_cursor(self, desk: Api) -> None:
        assert desk.get("/api/v1/feed", after=0, wait=1).json() == {"events": [], "next": 0}
        c = open_complaint(desk)
        page = desk.get("/api/v1/feed", after=0).json()
        assert page["events"][0]["type"] == "created"
        assert page["events"][0]["record_id"] == c["id"]
        assert desk.get("/api/v1/feed", after=page["next"]).json()["events"] == []


class TestTokensAndErrors:
    def test_no_or_unknown_token_is_401(self, served: tuple[str, ManualClock]) -> None:
        for token in (None, "not-a-token"):
            r = Api(served[0], token).get("/api/v1/records")
            assert r.status_code == 401
            assert r.json()["error"]["type"] == "HttpError"

    def test_a_token_of_another_property_sees_nothing(
        self, served: tuple[str, ManualClock], desk: Api
    ) -> None:
        """G11: mall-b's token can neither read nor change mall-a's records."""
        c = open_complaint(desk)
        other = Api(served[0], OTHER)
        assert other.get(f"/api/v1/records/{c['id']}").status_code == 404
        r = other.post(
            f"/api/v1/records/{c['id']}/events/assign",
            {"params": {"department": "cleaning", "assignee": "x"}},
        )
        assert r.status_code == 404
        assert other.get("/api/v1/records").json() == []
        assert other.get("/api/v1/feed").json()["events"] == []
        assert desk.get(f"/api/v1/records/{c['id']}").json()["state"] == "registered"

    def test_errors_map_to_statuses_with_the_library_messages(self, desk: Api) -> None:
        c = open_complaint(desk)
        wrong_state = desk.post(f"/api/v1/records/{c['id']}/events/close", {})
        assert wrong_state.status_code == 409
        assert wrong_state.json()["error"]["type"] == "InvalidTransition"
        bad = desk.post("/api/v1/workflows/complaint/records", {**COMPLAINT, "channel": "fax"})
        assert bad.status_code == 422
        assert "choose one of" in bad.json()["error"]["message"]
        assert bad.json()["error"]["field"] == "channel"
        assert desk.post("/api/v1/workflows/nope/records", {}).status_code == 422
        assert desk.get("/api/v1/records/C-999999").status_code == 404

    def test_permission_denied_is_403(self, desk: Api) -> None:
        """G5: the token's role decides; the front desk may not dismiss a complaint."""
        c = open_complaint(desk)
        r = desk.post(f"/api/v1/records/{c['id']}/events/dismiss", {"reason": "spam"})
        assert r.status_code == 403
        assert r.json()["error"]["type"] == "PermissionDenied"
        assert "dismiss" not in desk.get(f"/api/v1/records/{c['id']}/allowed").json()["events"]

    def test_titles_follow_accept_language(self, served: tuple[str, ManualClock]) -> None:
        zh = Api(served[0], DESK, lang="zh-CN,zh;q=0.9").get("/api/v1/records/C-1")
        en = Api(served[0], DESK, lang="en-US,en;q=0.9,zh;q=0.5").get("/api/v1/records/C-1")
        assert zh.json()["error"]["title"] == "记录不存在"
        assert en.json()["error"]["title"] == "record not found"
        assert zh.json()["error"]["message"] == en.json()["error"]["message"]

    def test_bodies_are_bounded_and_must_be_json_objects(self, desk: Api) -> None:
        big = {**COMPLAINT, "description": "x" * 5000}
        assert desk.post("/api/v1/workflows/complaint/records", big).status_code == 413
        raw = desk.post("/api/v1/workflows/complaint/records", content=b"{not json")
        assert raw.status_code == 422
        assert desk.post("/api/v1/workflows/complaint/records", [1, 2]).status_code == 422
        assert desk.get("/api/v1/records").json() == []


def test_openapi_document_is_valid_and_covers_every_workflow(desk: Api) -> None:
    """The served document passes an OpenAPI 3.1 validator, and every event path it
    documents is served (a mallops answer, never a routing 404/405)."""
    from openapi_spec_validator import validate

    doc = httpx.get(desk.base + "/openapi.json").json()
    validate(doc)
    kinds = {w["kind"] for w in desk.get("/api/v1/workflows").json()}
    for kind in kinds:
        assert f"/api/v1/workflows/{kind}/records" in doc["paths"]
    c = open_complaint(desk)
    for path in doc["paths"]:
        if path.startswith("/api/v1/workflows/complaint/records/{record_id}/events/"):
            r = desk.post(path.replace("{record_id}", c["id"]), {})
            assert r.status_code in (200, 403, 409, 422), (path, r.status_code)
            assert "error" in r.json() or r.status_code == 200


@pytest.mark.slow
def test_two_servers_with_tickers_fire_each_deadline_once(tmp_path: Path) -> None:
    """Two apps on one SQLite store, both ticking: every mark fires once (the stores'
    version check), and both serve the same records."""
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    clock = ManualClock(T0)
    config = ServerConfig(tick_every=0.05)
    apps = [
        create_app(SqlStore(url), TokenBook.from_data(TOKENS), clock=clock, config=config)
        for _ in range(2)
    ]
    with background(apps[0]) as a, background(apps[1]) as b:
        ids = [open_complaint(Api(base, DESK), location=f"shop {i}")["id"]
               for i, base in enumerate([a, b, a, b])]  # fmt: skip
        clock.advance(seconds=5 * 86400)
        tickers = [app.state.ticker for app in apps]
        start = [t.runs for t in tickers]
        for _ in range(400):  # bounded wait for both tickers to have run twice
            if all(t.runs >= s + 2 for t, s in zip(tickers, start, strict=True)):
                break
            time.sleep(0.05)
        store = SqlStore(url)
        try:
            fired = [
                (e.event.record_id, e.event.type, tuple(sorted(e.event.data.items())))
                for e in store.events_since(0)
                if e.event.type in ("timer_warning", "timer_breached", "escalated")
            ]
            assert fired
            assert len(fired) == len(set(fired))  # no mark fired twice
            for rid in ids:
                assert Api(a, DESK).get(f"/api/v1/records/{rid}").json()["overdue"]
        finally:
            store.close()
