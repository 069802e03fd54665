"""The report in the users' language (issue 17): no raw keys in the Chinese report,
categories and severities per workflow, display names of property and policy, and the
HTML page's charts (longest label, subsets, running timers, viewport)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mallops import Mall, MemoryStore, Policy
from mallops.demo import DemoConfig, DemoResult, run_demo
from mallops.report import build_report, render
from mallops.report.html import CHART_ROWS, text_width
from mallops.report.model import Kpi, Table

# identifiers the Chinese report may show: rule ids, units and ids of records
_ALLOWED = re.compile(r"^(?:[A-Z]{1,3}\d*|SLA|T-\d+|[A-Z]+-\d+|L\d|K\d|p90|svg|html)$")


@pytest.fixture(scope="module")
def demo() -> DemoResult:
    return run_demo(MemoryStore(), DemoConfig(seed=3, days=10, tenants=40))


def test_chinese_report_has_no_raw_keys(demo: DemoResult) -> None:
    """Every word of the Chinese text and Markdown report is Chinese, a number or a
    rule id: no `报修单 · rework`, no `failed_claims`, no `3 months`."""
    report = build_report(demo.mall, demo.start, demo.end, lang="zh")
    for fmt in ("text", "markdown"):
        words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]+", render(report, fmt)))
        raw = sorted(w for w in words if not _ALLOWED.match(w))
        assert raw == [], (fmt, raw)


def test_categories_and_severities_are_per_workflow(demo: DemoResult) -> None:
    """按类别 and 按级别 name the workflow of each row; no label appears twice for one
    workflow, and complaint rows hold only complaint categories (C3)."""
    report = build_report(demo.mall, demo.start, demo.end, lang="zh")
    policy = demo.mall.policy
    for key in ("volume_category", "volume_severity"):
        table = report.table(key)
        assert table is not None
        assert table.label_cols == 2
        pairs = [(row[0], row[1]) for row in table.rows]
        assert len(pairs) == len(set(pairs)), key
    category = report.table("volume_category")
    assert category is not None
    complaint = {k.split(":")[1] for k in category.keys if k.startswith("complaint:")}
    assert complaint
    assert complaint <= set(policy.complaints.categories)
    kinds = {k.split(":")[0] for k in category.keys}
    assert {"complaint", "repair", "visit"} <= kinds
    severity = report.table("volume_severity")
    assert severity is not None
    assert {"complaint", "repair"} <= {k.split(":")[0] for k in severity.keys}


def test_header_shows_display_names(demo: DemoResult, tmp_path: Path) -> None:
    """The header names the property and the policy; a TOML policy is named after its
    file (not "seed") unless it gives a title."""
    report = build_report(demo.mall, demo.start, demo.end, lang="zh")
    assert "物业 默认物业 · 政策 种子政策" in render(report, "text")
    toml = tmp_path / "shanghai.toml"
    toml.write_text(
        '[properties.sh01]\nzh = "上海一店"\nen = "Shanghai One"\n'
        "[targets]\ncustomer_satisfaction = 0.8\n",
        encoding="utf-8",
    )
    policy = Policy.from_toml(toml)
    assert policy.name == "shanghai"
    mall = Mall(store=MemoryStore(), policy=policy, property="sh01")
    en = build_report(mall, demo.start, demo.end, lang="en")
    assert "property Shanghai One · policy shanghai (shanghai.toml)" in render(en, "text")
    assert en.to_dict()["property"] == "sh01"
    assert en.to_dict()["property_name"] == "Shanghai One"
    titled = tmp_path / "t.toml"
    titled.write_text('name = "east"\n[title]\nzh = "华东标准"\nen = "East standard"\n', "utf-8")
    assert Policy.from_toml(titled).title.zh == "华东标准"


def _svg_texts(html: str) -> list[str]:
    return re.findall(r"<text [^>]*>(?:<title>[^<]*</title>)?([^<]*)</text>", html)


def test_html_charts(demo: DemoResult) -> None:
    """Viewport meta; the KPI chart's label column fits its longest label; a chart of a
    long table says it shows a subset; running timers are named beside the SLA bars."""
    report = build_report(demo.mall, demo.start, demo.end, lang="zh")
    html = render(report, "html")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    kpi_svg = html[html.index('<svg class="chart kpi-chart"') :]
    kpi_svg = kpi_svg[: kpi_svg.index("</svg>")]
    first_x = float(re.search(r'<text x="([\d.]+)"', kpi_svg).group(1))  # type: ignore[union-attr]
    longest = max(
        (k.label for k in report.kpis if k.unit == "fraction" and k.value is not None),
        key=text_width,
    )
    assert first_x >= text_width(longest)  # right-aligned at x: starts at x - width >= 0
    category = report.table("volume_category")
    assert category is not None
    assert len(category.rows) > CHART_ROWS
    assert f"图中为前 {CHART_ROWS} 项（共 {len(category.rows)} 项" in html
    sla = report.table("sla")
    assert sla is not None
    running = [row for row in sla.rows if row[4]]
    assert running
    assert any("进行中）" in s for s in _svg_texts(html))


def test_kpi_chart_fits_a_long_label() -> None:
    """A KPI named with 20 Chinese characters is not cut off at the left edge."""
    from mallops.report.html import kpi_chart

    label = "回访及时率（事后回访在时限内完成占比）"
    svg = kpi_chart((Kpi("x", label, 0.5, 0.9, "fraction", "higher", "F6"),), "zh")
    x = float(re.search(r'<text x="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
    assert x >= text_width(label)
    table = Table("t", "t", ("a", "n"), tuple((f"{i}", i) for i in range(3)), chart=1)
    from mallops.report.html import bar_chart

    assert "图中为前" not in bar_chart(table, "zh")
