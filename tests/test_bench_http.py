"""benchmarks/bench_http.py runs at its tiny size (two servers and tickers, 8 clients,
loopback only) so it cannot rot; no timing is asserted, correctness is."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_http_load_smoke(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_http", ROOT / "benchmarks" / "bench_http.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module
    spec.loader.exec_module(module)
    results = module.main(["--tiny", "--no-postgres", "--workdir", str(tmp_path)])
    (r,) = results
    assert r["errors"] == 0, r["first_errors"]
    assert r["requests"] > 0
    assert r["deadlines_fired"] == r["deadlines_due"] > 0
    assert r["fired_twice"] == 0
    assert r["fired_wrongly"] == 0
