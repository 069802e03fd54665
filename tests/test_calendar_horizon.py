"""The horizon warning (G9): coverage API, one tick warning per property per day, and
`mallops calendar check`, `report` and `demo` showing it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mallops import Mall, ManualClock, MemoryStore, Policy, cli
from mallops.errors import PolicyError, ValidationError
from mallops.stores.json_store import JsonStore

from .conftest import at


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOPS_LANG", "en")


def test_g9_coverage_says_which_years_and_when_the_data_runs_out() -> None:
    mall = Mall(clock=ManualClock(at(2026, 10, 1, 10)))
    cov = mall.calendar_coverage()
    assert (cov.years[0], cov.years[-1]) == (2004, 2026)
    assert (cov.last_day, cov.days_left, cov.warning_due) == (dt.date(2026, 12, 31), 91, False)
    assert cov.warn_from == dt.date(2026, 11, 1)  # calendar.warn_before: 60 days
    later = mall.calendar_coverage(dt.date(2026, 11, 1))
    assert later.warning_due
    assert "calendar.years.2027" in later.message("en")
    assert "calendar.years.2027" in later.message("zh")
    gone = mall.calendar_coverage(dt.date(2027, 1, 2))
    assert (gone.last_day, gone.warning_due) == (None, True)
    assert "2027" in gone.message("en")
    with pytest.raises(ValidationError, match="today"):
        mall.calendar_coverage("2026-11-01")


def test_g9_policy_years_extend_the_coverage_and_the_lead_time_is_policy() -> None:
    policy = Policy.from_dict(
        {"calendar": {"years": {"2027": {"holidays": ["2027-01-01"]}}, "warn_before": "10 days"}}
    )
    cov = Mall(clock=ManualClock(at(2026, 12, 28, 10)), policy=policy).calendar_coverage()
    assert (cov.last_day, cov.policy_years, cov.warning_due) == (
        dt.date(2027, 12, 31),
        (2027,),
        False,
    )
    with pytest.raises(PolicyError, match="warn_before"):
        Policy.from_dict({"calendar": {"warn_before": "2 working days"}})


def test_g9_tick_warns_once_per_property_per_day_across_tickers(tmp_path: Path) -> None:
    """Two tickers on one store (two processes, here two malls on one JSON store) give
    the day's warning once; the next day it comes again; each property has its own."""
    path = tmp_path / "store.json"
    clock = ManualClock(at(2026, 12, 1, 9))
    a = Mall(store=JsonStore(path), clock=clock)
    b = Mall(store=JsonStore(path), clock=clock)
    other = Mall(store=JsonStore(path), clock=clock, property="tower")
    first = [e for e in a.tick() if e.type == "calendar_horizon"]
    assert [(e.property, e.data["days_left"]) for e in first] == [("default", 30)]
    assert "2027" in first[0].data["message_zh"]
    assert [e for e in b.tick() if e.type == "calendar_horizon"] == []
    assert [e for e in a.tick() if e.type == "calendar_horizon"] == []
    assert [e.property for e in other.tick() if e.type == "calendar_horizon"] == ["tower"]
    clock.set(at(2026, 12, 2, 9))
    assert [e.data["days_left"] for e in b.tick() if e.type == "calendar_horizon"] == [29]


def test_g9_no_warning_before_the_lead_time() -> None:
    mall = Mall(store=MemoryStore(), clock=ManualClock(at(2026, 10, 1, 10)))
    assert mall.tick() == []


def test_g9_cli_calendar_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    now = "--now=2026-12-28T10:00:00+08:00"
    assert cli.main(["calendar", "check", now]) == 0
    text = capsys.readouterr().out
    assert "covers 2004-2026, data until 2026-12-31 (3 days left)" in text
    assert "add calendar.years.2027" in text
    policy = tmp_path / "hk.toml"
    policy.write_text('[calendar]\nregion = "HK"\n', encoding="utf-8")
    assert cli.main(["calendar", "check", str(policy), now, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["properties"]
    assert (row["region"], row["warning_due"]) == ("HK", False)
    assert cli.main(["calendar", "check", now, "--lang", "zh"]) == 0
    assert "请添加 calendar.years.2027" in capsys.readouterr().out


def test_g9_report_shows_the_horizon_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["init"]) == 0
    capsys.readouterr()
    args = ["report", "--month=2026-11", "--now=2026-12-10T10:00:00+08:00"]
    assert cli.main(args) == 0
    assert "calendar [default]: holiday data covers 2004-2026" in capsys.readouterr().out
    assert cli.main(["report", "--month=2026-09", "--now=2026-10-10T10:00:00+08:00"]) == 0
    assert "holiday data" not in capsys.readouterr().out


def test_g9_demo_in_december_shows_the_horizon_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["demo", "--store=:memory:", "--days=2", "--tenants=5", "--quiet"]
    assert cli.main([*args, "--start=2026-12-01"]) == 0
    assert "calendar [default]: holiday data covers 2004-2026" in capsys.readouterr().out
