"""The web front desk: its pages over HTTP, and a real headless-Chromium session that
registers a complaint, acts on it and sees the overdue list change."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pendulum
import pytest

from mallops import ManualClock, MemoryStore
from mallops.server import ServerConfig, TokenBook, background, create_app

from ._browser import CHROMIUM, Browser

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
DESK = "desk-secret-token-a1"
TOKENS = [
    {"secret": DESK, "property": "mall-a", "actor": "desk-1", "role": "front_desk",
     "department": "customer_service", "name": "前台一"},
]  # fmt: skip


@pytest.fixture
def served() -> Iterator[tuple[str, ManualClock]]:
    clock = ManualClock(T0)
    app = create_app(
        MemoryStore(), TokenBook.from_data(TOKENS), clock=clock, config=ServerConfig(tick_every=0)
    )
    with background(app) as base:
        yield base, clock


@contextlib.contextmanager
def signed_in(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
        r = client.post("/desk/login", data={"token": DESK})
        assert r.status_code == 200
        yield client


class TestPages:
    def test_pages_need_a_sign_in_and_are_chinese_by_default(
        self, served: tuple[str, ManualClock]
    ) -> None:
        r = httpx.get(served[0] + "/desk", follow_redirects=True)
        assert r.url.path == "/desk/login"
        assert 'lang="zh-CN"' in r.text
        assert "登录" in r.text
        bad = httpx.post(served[0] + "/desk/login", data={"token": "wrong"})
        assert bad.status_code == 401
        assert "令牌无效" in bad.text

    def test_register_act_and_see_the_timeline(self, served: tuple[str, ManualClock]) -> None:
        with signed_in(served[0]) as client:
            today = client.get("/desk")
            assert "今日待办" in today.text
            assert "/desk/new/complaint" in today.text
            assert "/desk/new/repair" in today.text
            form = {
                "channel": "walk_in",
                "complainant": "张三",
                "contact": "13700000000",
                "location": "一楼 东门",
                "description": "地面湿滑",
                "demand": "尽快处理",
            }
            page = client.post("/desk/new/complaint", data=form)
            assert page.url.path.startswith("/desk/records/C-")
            assert "处理经过" in page.text  # the timeline
            assert "期限" in page.text  # deadlines
            assert 'id="do-assign"' in page.text
            rid = page.url.path.rsplit("/", 1)[1]
            acted = client.post(
                f"/desk/records/{rid}/fire/assign",
                data={"department": "cleaning", "assignee": "wang"},
            )
            assert "assign" in acted.text
            english = client.get(f"/desk/records/{rid}?lang=en")
            assert "Timeline" in english.text

    def test_errors_show_on_the_page_with_their_message(
        self, served: tuple[str, ManualClock]
    ) -> None:
        with signed_in(served[0]) as client:
            r = client.post("/desk/new/complaint", data={"channel": "fax"})
            assert r.status_code == 422
            assert 'id="error"' in r.text
            assert "输入有误" in r.text

    def test_the_monthly_report_page(self, served: tuple[str, ManualClock]) -> None:
        with signed_in(served[0]) as client:
            r = client.get("/desk/report?month=2026-09")
            assert r.status_code == 200
            assert "<iframe" in r.text

    def test_a_cross_site_form_post_is_refused(self, served: tuple[str, ManualClock]) -> None:
        with signed_in(served[0]) as client:
            r = client.post(
                "/desk/new/complaint", data={}, headers={"Origin": "http://evil.example"}
            )
            assert r.status_code == 403


@pytest.mark.skipif(
    shutil.which("chromium") is None and not os.path.exists(CHROMIUM),
    reason="Chromium is not installed (.ci/run installs Debian's chromium)",
)
def test_a_browser_registers_a_complaint_acts_and_sees_it_overdue(
    served: tuple[str, ManualClock], tmp_path: Path
) -> None:
    """Real headless Chromium at phone size: sign in, register a complaint at the
    counter, assign it, let its first-contact deadline pass, see the overdue list."""
    base, clock = served
    profile = tmp_path / "chromium"
    profile.mkdir()
    browser = Browser(profile)
    try:
        browser.goto(base + "/desk/login")
        browser.submit("#login", {"token": DESK})
        assert browser.js("document.querySelector('h1').textContent") == "今日待办"
        assert browser.js("document.querySelector('#overdue').textContent").endswith("(0)")
        browser.js("document.querySelector('a[href=\"/desk/new/complaint\"]').click()")
        browser.wait_for("location.pathname === '/desk/new/complaint'")
        browser.submit(
            "#new-record",
            {
                "channel": "walk_in",
                "complainant": "张三",
                "contact": "13700000000",
                "location": "二楼 扶梯",
                "description": "扶梯异响",
                "demand": "检修",
            },
        )
        rid = browser.wait_for(
            "location.pathname.startsWith('/desk/records/') && location.pathname.split('/').pop()"
        )
        browser.submit("#do-assign", {"department": "engineering", "assignee": "li"})
        state = browser.js("document.querySelector('#state').textContent")
        assert state
        assert state != "已登记"  # registered no more: assigned
        browser.screenshot(tmp_path / "record.png")
        clock.advance(seconds=4 * 3600)  # past the first-contact time (C4)
        with httpx.Client(base_url=base, timeout=30) as api:
            api.post("/api/v1/tick", headers={"Authorization": f"Bearer {DESK}"})
        browser.goto(base + "/desk")
        listed = browser.js("document.querySelector('#overdue-list').textContent")
        assert rid in listed
        assert browser.js("document.querySelector('#overdue').textContent").endswith("(1)")
        width = browser.js("document.documentElement.scrollWidth")
        assert width <= 390  # readable on a phone: no sideways scrolling
        browser.screenshot(tmp_path / "today.png")
    finally:
        browser.close()
