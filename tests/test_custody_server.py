"""`mallops serve` serves temporary storage (O1) and parcels (O2) without further code:
their routes are generated from the specs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mallops import ManualClock, MemoryStore
from mallops.server import ServerConfig, TokenBook, background, create_app
from tests.test_server import DESK, T0, TOKENS, Api

KINDS = ("deposit", "outgoing_parcel", "incoming_parcel")


@pytest.fixture
def desk() -> Iterator[Api]:
    app = create_app(
        MemoryStore(),
        TokenBook.from_data(TOKENS),
        clock=ManualClock(T0),
        config=ServerConfig(tick_every=0, max_body=4096, max_wait=1.0),
    )
    with background(app) as base:
        yield Api(base, DESK)


def test_routes_of_the_custody_workflows_are_served(desk: Api) -> None:
    """Each kind is listed with its creating event and has its record routes."""
    kinds = {w["kind"]: w for w in desk.get("/api/v1/workflows").json()}
    assert set(KINDS) <= set(kinds)
    assert kinds["deposit"]["create"]["name"] == "deposit"
    paths = httpx.get(desk.base + "/openapi.json").json()["paths"]
    for kind in KINDS:
        assert f"/api/v1/workflows/{kind}/records" in paths
    assert "/api/v1/workflows/deposit/records/{record_id}/events/return_item" in paths


def test_o1_deposit_and_return_over_http(desk: Api) -> None:
    """Open a deposit (receipt issued, depositor masked, G7), refuse a wrong receipt,
    return it against the right one."""
    r = desk.post(
        "/api/v1/workflows/deposit/records",
        {"depositor": "Wang Fang", "items": "two bags", "pieces": 2},
    )
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["fields"]["receipt"] == "JC2026-00001"
    assert d["fields"]["depositor"] != "Wang Fang"
    event = f"/api/v1/records/{d['id']}/events/return_item"
    wrong = desk.post(event, {"params": {"receipt": "JC2026-09999", "collected_by": "Wang"}})
    assert wrong.status_code == 409, wrong.text
    assert "receipt" in wrong.json()["error"]["message"]
    ok = desk.post(event, {"params": {"receipt": "JC2026-00001", "collected_by": "Wang"}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "returned"
