"""docs/http.md's curl examples run against a live server on 127.0.0.1 (a free port),
with the tokens of the page's TOML block; every ```bash block runs, in order, in one
shell, and must succeed."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pendulum
import pytest

from mallops import ManualClock, MemoryStore
from mallops.server import ServerConfig, TokenBook, background, create_app

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "http.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.S | re.M)


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None, reason="curl or jq missing"
)
def test_the_curl_examples_run(tmp_path: Path) -> None:
    tokens = tomllib.loads(blocks("toml")[0])["token"]
    clock = ManualClock(pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai"))
    app = create_app(
        MemoryStore(), TokenBook.from_data(tokens), clock=clock, config=ServerConfig(tick_every=0)
    )
    script = "set -euo pipefail\n" + "\n".join(blocks("bash"))
    with background(app) as base:
        env = {"BASE": base, "TOKEN": tokens[0]["secret"], "GM": tokens[1]["secret"]}
        env["PATH"] = "/usr/bin:/bin:/usr/local/bin"
        done = subprocess.run(
            ["bash", "-c", script],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert '"status":"ok"' in out
    assert "C-000001" in out
    assert "assigned" in out
    assert "PermissionDenied" in out  # the error example
    assert "stateDiagram" in out
