"""The demo's month shows call recordings retained and purged (issue 19, G7)."""

from __future__ import annotations

from mallops import MemoryStore
from mallops.demo import DemoConfig, run_demo
from mallops.report import build_report


def test_G7_demo_shows_recordings_retained_and_purged() -> None:
    """The hotline's recordings: most attached to the phone complaint they started, the
    previous month's handed over on the first day and purged once their 30 days end."""
    demo = run_demo(MemoryStore(), DemoConfig(seed=5, days=10, tenants=20))
    recordings = demo.mall.query(kind="recording")
    assert 60 <= len(recordings) <= 200
    assert any(r.links for r in recordings)
    assert any(not r.links for r in recordings)
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    section = report.section("recordings")
    assert section is not None
    figures = dict(
        zip(section.tables[0].keys, (row[1] for row in section.tables[0].rows), strict=True)
    )
    assert figures["purged"] > 0
    assert figures["retained"] > 0
    purged = [r for r in recordings if r.state == "purged"]
    assert all("reference" not in r.fields for r in purged)
    assert all(demo.mall.replay(r.id) == r for r in recordings[:20])
