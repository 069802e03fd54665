"""Each benchmark runs at a tiny size so it cannot rot (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_goals_benchmark_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bench_goals measures every row of issue 16's table at tiny sizes, prints one line
    per goal with its verdict and writes the same figures as JSON."""
    out = load("bench_goals").main(
        ["--tiny", "--json", str(tmp_path / "r.json"), "--workdir", str(tmp_path)]
    )
    printed = capsys.readouterr().out
    for goal in (
        "fire assign",
        "open() vs add_model",
        "memory per open complaint",
        "due: ",
        "sqlite open() at",
        "json open() after",
        "JSON store open at 300 records (index snapshot)",
        "JSON store open at 300 records (every line read)",
        "JSON store peak RSS",
        "demo (1 days) on JSON vs memory, wall",
        "monthly report at",
        "import 40 complaints, sqlite",
    ):
        assert goal in printed, goal
    verdicts = [line.split()[-1] for line in printed.splitlines() if line.strip()]
    assert sum(v in ("met", "MISSED") for v in verdicts) == 20  # every judged row says so
    saved = json.loads((tmp_path / "r.json").read_text())
    assert set(saved["fire"]) == {"assign", "contact", "reply", "resolve", "survey"}
    assert saved["fire"]["assign"]["ratio"]["n"] == 2
    assert saved == json.loads(json.dumps(out))
    assert list(tmp_path.iterdir()) == [tmp_path / "r.json"]  # the stores were removed


def test_paired_alternates_and_reports_spread() -> None:
    """paired() alternates which side runs first and the ratio is per round."""
    paired = load("_paired")
    calls: list[str] = []

    def mine() -> float:
        calls.append("m")
        return 2.0 * len(calls)

    def base() -> float:
        calls.append("b")
        return 1.0 * len(calls)

    pair = paired.paired(mine, base, 4)
    assert calls == ["m", "b", "b", "m", "m", "b", "b", "m"]
    assert pair.mine.samples == [2.0, 8.0, 10.0, 16.0]
    assert pair.base.samples == [2.0, 3.0, 6.0, 7.0]
    assert pair.ratio.samples == [1.0, 8.0 / 3, 10.0 / 6, 16.0 / 7]
    assert pair.ratio.low <= pair.ratio.median <= pair.ratio.high


def test_memory_breakdown_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    """mem_breakdown takes the memory row apart by source line and module (issue 16)."""
    load("mem_breakdown").main(["-n", "20", "--top", "5"])
    printed = capsys.readouterr().out
    assert "B per open complaint (20 opens)" in printed
    assert "by source line" in printed
    assert "by module:" in printed
