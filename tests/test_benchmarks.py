"""Each benchmark runs at a tiny size so it cannot rot (no timing is asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_engine_benchmark_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bench_engine runs at tiny sizes, prints its table and writes its JSON."""
    out = load("bench_engine").main(["--tiny", "--json", str(tmp_path / "r.json")])
    assert set(out["lifecycle_us_per_event"]) == {"mallops", "transitions_shared", "dict"}
    assert (tmp_path / "r.json").exists()
    assert "fire one event" in capsys.readouterr().out
