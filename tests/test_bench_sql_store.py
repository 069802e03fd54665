"""The SQL store benchmark runs end to end at a tiny size (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mallops.testing import postgres_unavailable

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    """`bench_sql_store.py --tiny` prints its table and writes a JSON result per backend."""
    backends = ["memory", "sqlite"] + ([] if postgres_unavailable() else ["postgresql"])
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_sql_store.py"),
            "--tiny",
            "--backends",
            *backends,
            "--json",
            str(tmp_path / "bench.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "due query, ms" in out.stdout
    assert "ticker 4 / 1 ticker" in out.stdout
    results = json.loads((tmp_path / "bench.json").read_text())["results"]
    assert sorted(results) == sorted(backends)
    for name in backends:
        assert results[name]["due query, ms"] > 0
