"""The JSON store benchmark runs at a tiny size and writes its results (no timing checks)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_json_store.py"


def test_benchmark_runs_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At 20 and 60 records the benchmark prints its table and writes the same as JSON."""
    spec = importlib.util.spec_from_file_location("bench_json_store", BENCH)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    results = bench.main(
        [
            "--sizes",
            "20,60",
            "--writes",
            "3",
            "--tinydb-writes",
            "2",
            "--opens",
            "1",
            "--json",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert "one write, 60 records (ms)" in printed
    assert "write cost growth 60/20" in printed
    assert json.loads(out.read_text()) == results
    assert set(results["runs"]) == {"20", "60"}
