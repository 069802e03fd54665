"""Simulate a week of a small mall and write its monthly report (K2) in every format.

Run: ``python examples/monthly_report.py`` (writes report.* into the working directory).
"""

from __future__ import annotations

from pathlib import Path

from mallops import MemoryStore
from mallops.demo import DemoConfig, run_demo
from mallops.report import FORMATS, build_report, render

SUFFIX = {"text": "txt", "markdown": "md", "json": "json", "csv": "csv", "html": "html"}


def main() -> None:
    """Run the demo small, build the report, check a few figures, write the files."""
    demo = run_demo(MemoryStore(), DemoConfig(seed=42, days=7, tenants=40))
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    registered = demo.mall.query(created_from=demo.start, created_to=demo.end)
    assert report.total == len(registered)  # every workflow's records of the period
    kpis = {k.key: k for k in report.kpis}
    assert kpis["complaint_handling_rate"].target == 1.0  # K1, from the policy
    for fmt in FORMATS:
        Path(f"report.{SUFFIX[fmt]}").write_text(render(report, fmt), encoding="utf-8")
    for sentence in report.analysis:
        print("-", sentence)


if __name__ == "__main__":
    main()
