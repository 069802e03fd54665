"""The HTML report renders its charts in a real browser (headless Chromium)."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from mallops import MemoryStore
from mallops.demo import DemoConfig, run_demo
from mallops.report import Report, build_report, render
from mallops.report.fonts import EMBEDDED_FAMILY, find_cjk_font

from ._browser import Browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
)


def _chromium(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
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
        env=env,
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


# -- readable with and without CJK fonts, and on a phone (issue 17) -------------------------
# Screenshots are taken over the DevTools protocol (tests/_browser.py) once the page's web
# font is decoded and painted: `chromium --screenshot` may capture before that.

_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
_HEADINGS = "header h1, h2"
"""The parts compared: the title and every section heading (all Chinese in a zh report)."""


def _pages(tmp_path: Path, html: str) -> tuple[Path, Path]:
    """The page, and the same page with every Chinese character replaced by one that no
    font has (drawn as a missing-glyph box): if both look alike, Chinese is unreadable."""
    tmp_path.mkdir(exist_ok=True)
    page, boxes = tmp_path / "zh.html", tmp_path / "boxes.html"
    page.write_text(html, encoding="utf-8")
    body = html.index("<body>")
    boxes.write_text(html[:body] + _CJK.sub("\U000f0000", html[body:]), encoding="utf-8")
    return page, boxes


def _browser(tmp_path: Path, width: int, height: int, *, mobile: bool = False,
             env: dict[str, str] | None = None) -> Browser:  # fmt: skip
    """A headless Chromium over DevTools with its profile under ``tmp_path``."""
    pytest.importorskip("websocket", reason="websocket-client (the 'dev' extra) is missing")
    profile = tmp_path / "chromium"
    profile.mkdir()
    return Browser(profile, width, height, mobile=mobile, env=env)


def _headings(browser: Browser, page: Path, embedded: bool) -> list[bytes]:
    """Load ``page`` and wait until it is painted (with ``embedded``, until its web
    font is decoded); a PNG of each heading's box."""
    browser.goto(page.as_uri())
    if embedded:
        browser.fonts_loaded(EMBEDDED_FAMILY, "投诉处理率")
    else:
        browser.js("document.fonts.ready.then(() => true)", wait=True)
        browser.painted()
    return [browser.capture(clip) for clip in browser.boxes(_HEADINGS)]


def _drawn(browser: Browser, pages: tuple[Path, Path], embedded: bool = False) -> list[str]:
    """The headings of the page (its title, its section headings) that look different
    from the boxed copy's (their Chinese is drawn); the others get the prefix "BOXES:"."""
    page, boxes = (_headings(browser, p, embedded) for p in pages)
    browser.goto(pages[0].as_uri())
    names = browser.js(f"[...document.querySelectorAll('{_HEADINGS}')].map(e => e.textContent)")
    assert len(page) == len(boxes) == len(names) >= 5, "the report's headings are missing"
    assert all(_CJK.search(name) for name in names), names
    return [("BOXES: " if a == b else "") + n for n, a, b in zip(names, page, boxes, strict=True)]


@pytest.fixture(scope="module")
def zh_report() -> Report:
    result = run_demo(MemoryStore(), DemoConfig(seed=5, days=2, tenants=10))
    return build_report(result.mall, result.start, result.end, lang="zh")


def _has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


def _no_cjk_fonts(tmp_path: Path) -> dict[str, str]:
    """An environment whose fontconfig sees no CJK font: only DejaVu Sans if the machine
    has it (Latin, no Chinese, as on a phone or server without CJK fonts), else none."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    fc_match = shutil.which("fc-match")
    if fc_match is not None:
        found = subprocess.run([fc_match, "-f", "%{file}", "DejaVu Sans"], capture_output=True,
                               text=True, check=False).stdout  # fmt: skip
        if Path(found).name.startswith("DejaVuSans"):
            (fonts / Path(found).name).symlink_to(found)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{fonts}</dir>'
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


@pytest.mark.skipif(not _has_cjk_font(), reason="no CJK font (Debian: fonts-noto-cjk)")
def test_screenshot_with_cjk_fonts_draws_chinese(zh_report: Report, tmp_path: Path) -> None:
    """With the system's CJK fonts, the Chinese page is drawn with real glyphs: every
    heading's screenshot differs from the same page's with missing-glyph boxes; and so
    does the page that embeds its font."""
    browser = _browser(tmp_path, 900, 700)
    try:
        drawn = _drawn(browser, _pages(tmp_path / "plain", render(zh_report, "html")))
        assert not [name for name in drawn if name.startswith("BOXES:")], drawn
        html = render(zh_report, "html", embed_font=True)
        assert f"@font-face{{font-family:{EMBEDDED_FAMILY}" in html
        drawn = _drawn(browser, _pages(tmp_path / "embedded", html), embedded=True)
        assert not [name for name in drawn if name.startswith("BOXES:")], drawn
    finally:
        browser.close()


def test_screenshot_without_cjk_fonts_draws_chinese(zh_report: Report, tmp_path: Path) -> None:
    """With no CJK font on the machine (fontconfig sees DejaVu Sans at most), the plain
    page shows boxes for its Chinese text: each heading looks like the boxed copy's (so
    the set-up really lacks CJK glyphs).  The page that embeds its font draws them:
    every heading differs from the boxed copy's."""
    if find_cjk_font() is None:
        pytest.skip("no CJK font to embed on this machine (Debian: fonts-noto-cjk)")
    pytest.importorskip("fontTools", reason="the 'fonts' extra (fontTools) is not installed")
    html = render(zh_report, "html", embed_font=True)
    assert f"@font-face{{font-family:{EMBEDDED_FAMILY}" in html
    browser = _browser(tmp_path, 900, 700, env=_no_cjk_fonts(tmp_path))
    try:
        drawn = _drawn(browser, _pages(tmp_path / "plain", render(zh_report, "html")))
        assert all(name.startswith("BOXES:") for name in drawn), drawn
        drawn = _drawn(browser, _pages(tmp_path / "embedded", html), embedded=True)
        assert not [name for name in drawn if name.startswith("BOXES:")], drawn
    finally:
        browser.close()


def test_without_fonts_the_page_carries_its_glyphs(zh_report: Report) -> None:
    """The embedded subset has a glyph for every Chinese character and every letter and
    digit the page shows."""
    if find_cjk_font() is None:
        pytest.skip("no CJK font to embed on this machine (Debian: fonts-noto-cjk)")
    ttlib = pytest.importorskip("fontTools.ttLib", reason="the 'fonts' extra is not installed")
    html = render(zh_report, "html", embed_font=True)
    data = base64.b64decode(html.split("base64,", 1)[1].split(")", 1)[0])
    cmap = ttlib.TTFont(io.BytesIO(data)).getBestCmap()
    text = re.sub(r"<[^>]+>", "", html[html.index("<body>") :])
    missing = sorted({c for c in _CJK.findall(text) if ord(c) not in cmap})
    assert missing == []
    assert all(ord(c) in cmap for c in text if c.isascii() and c.isalnum())


@pytest.mark.parametrize("embed_font", [False, True], ids=["plain", "embedded"])
def test_the_report_fits_a_phone(zh_report: Report, tmp_path: Path, embed_font: bool) -> None:
    """At a phone's width (390 CSS px, as in WeChat) nothing sticks out sideways: the
    page does not scroll horizontally, no KPI card's label or text is cut off, and the
    KPI table fits without scrolling."""
    page = tmp_path / "phone.html"
    page.write_text(render(zh_report, "html", embed_font=embed_font), encoding="utf-8")
    browser = _browser(tmp_path, 390, 844, mobile=True)
    try:
        browser.goto(page.as_uri())
        browser.js("document.fonts.ready.then(() => true)", wait=True)
        assert browser.js("innerWidth") == 390
        assert browser.js("document.documentElement.scrollWidth") <= 390
        cut = browser.js(
            "[...document.querySelectorAll('.kpi, .kpi > div, h1, h2, h3, header p, th, td,"
            " #kpis .scroll')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
        )
        assert cut == []
        outside = browser.js(
            "[...document.querySelectorAll('main *')].filter(e => !e.closest('.scroll'))"
            ".filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)"
            ".map(e => e.tagName + ' ' + e.textContent.slice(0, 40))"
        )
        assert outside == []
    finally:
        browser.close()
