"""The HTML report renders its charts in a real browser (headless Chromium)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from mallops import MemoryStore
from mallops.demo import DemoConfig, run_demo
from mallops.report import build_report, render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the raw (filtered) scanlines of a PNG: enough to tell blank
    from drawn without an imaging library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = run_demo(MemoryStore(), DemoConfig(seed=4, days=6, tenants=20))
    report = build_report(result.mall, result.start, result.end, lang="en")
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(report, "html"), encoding="utf-8")
    return path


def test_charts_are_in_the_rendered_dom(html_file: Path, tmp_path: Path) -> None:
    """After Chromium parses the page, its SVG charts and bars are in the DOM."""
    out = _chromium(tmp_path, "--dump-dom", html_file.as_uri())
    assert out.returncode == 0, out.stderr[-2000:]
    dom = out.stdout
    assert dom.count("<svg") >= 6
    assert dom.count('class="bar"') >= 20
    assert 'class="kpi ' in dom
    assert "http://" not in dom.replace("http://www.w3.org/2000/svg", "")  # no network


def test_screenshot_is_not_blank(html_file: Path, tmp_path: Path) -> None:
    """A screenshot of the page has many colours: the page and its charts were drawn."""
    shot = tmp_path / "report.png"
    out = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", html_file.as_uri())
    assert out.returncode == 0, out.stderr[-2000:]
    width, height, raw = _png_pixels(shot)
    assert (width, height) == (1200, 2000)
    assert len(set(raw)) > 100, "the screenshot is (nearly) one colour"


def test_every_workflow_section_renders_its_charts(html_file: Path, tmp_path: Path) -> None:
    """The repair, return-visit and lost-and-found sections are drawn with charts in
    the browser (each section's DOM holds an SVG with bars)."""
    out = _chromium(tmp_path, "--dump-dom", html_file.as_uri())
    assert out.returncode == 0, out.stderr[-2000:]
    dom = out.stdout
    for key in ("complaint", "repair", "return_visit", "lost_found"):
        start = dom.index(f'<section id="{key}">')
        body = dom[start : dom.index("</section>", start)]
        assert "<svg" in body, key
        assert 'class="bar"' in body, key


def test_visit_section_renders_in_a_december_demo(tmp_path: Path) -> None:
    """The tenant-visit section (coverage, suggestions) renders with its charts."""
    config = DemoConfig(seed=12, days=20, tenants=40, start="2026-12-01", complaints_per_day=2.0)
    result = run_demo(MemoryStore(), config)
    report = build_report(result.mall, result.start, result.end, lang="zh")
    page = tmp_path / "dec.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    out = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert out.returncode == 0, out.stderr[-2000:]
    start = out.stdout.index('<section id="visits">')
    body = out.stdout[start : out.stdout.index("</section>", start)]
    assert "走访计划覆盖" in body
    assert 'class="bar"' in body
