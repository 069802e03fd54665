#!/usr/bin/env python3
"""Test the wheel, not the tree (issue 21).

Builds the sdist and the wheel with ``python -m build`` (the wheel is built from the
sdist, so a file missing from the sdist fails here), then installs the wheel into fresh
virtual environments outside the source tree and checks, from a temporary directory:

- ``mallops[testing]``: the installed package is the wheel's (not the tree), its version
  agrees with the metadata, ``mallops --version`` and ``python -m mallops --version``
  agree; the demo runs; a CLI smoke (open, show, list, tick, report, diagram, policy
  check); ``import mallops.testing``; the Hypothesis plug-in (``st.from_type(Record)``);
  the shipped store contract suite against the memory, JSON and SQLite stores;
- every extra the wheel's metadata declares (read at run time, never a fixed list):
  a fresh venv with ``mallops[extra]`` installs, passes ``pip check`` and imports every
  package the extra requires.

Usage: ``python3 .ci/wheel_check.py [--keep] [--skip-extras]``.  Exit status 0 when every
check passed, 1 otherwise.  Prints how long each step took.  Needs ``build`` (in the
``dev`` extra) and the package registry.
"""

from __future__ import annotations

import argparse
import email.parser
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

from changelog import ChangelogError, package_version  # .ci/changelog.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
STEP_TIMEOUT = 1200  # seconds for one command (a pip install of the dev extra included)
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")

# -- metadata helpers (unit-tested by tests/test_wheel_check.py) ----------------------------


class CheckFailed(Exception):
    """One check of the wheel failed; the message says which and why."""


def normalize(name: str) -> str:
    """A distribution name in its PEP 503 normal form."""
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_metadata(wheel: Path) -> email.message.Message:
    """The wheel's METADATA file, parsed."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(zf.read(name).decode("utf-8"))


def extras_of(metadata: email.message.Message) -> dict[str, list[str]]:
    """Every declared extra with the distribution names it requires (in order)."""
    extras: dict[str, list[str]] = {e: [] for e in metadata.get_all("Provides-Extra") or []}
    for req in metadata.get_all("Requires-Dist") or []:
        spec, _, marker = req.partition(";")
        found = _EXTRA_MARKER.search(marker)
        name = _REQ_NAME.match(spec)
        if found and name and found.group(1) in extras:
            extras[found.group(1)].append(name.group(1))
    return extras


def check_wheel_files(wheel: Path) -> None:
    """The wheel holds the package, ``py.typed``, the licence and both entry points, and
    nothing from outside ``src/mallops`` (tests, benchmarks, examples)."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        entry = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        entry_text = zf.read(entry).decode("utf-8") if entry else ""
    problems = [
        f"missing {f}" for f in ("mallops/__init__.py", "mallops/py.typed") if f not in names
    ]
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
        problems.append("no LICENSE in the dist-info")
    strays = sorted({n.split("/", 1)[0] for n in names} - {"mallops"})
    strays = [t for t in strays if not t.endswith(".dist-info")]
    if strays:
        problems.append(f"files outside the package: {strays}")
    for group in ("console_scripts", "hypothesis"):
        if f"[{group}]" not in entry_text:
            problems.append(f"no {group!r} entry point")
    if problems:
        raise CheckFailed(f"{wheel.name}: " + "; ".join(problems))


def check_sdist_files(sdist: Path) -> None:
    """The sdist carries what a rebuild and a reader need."""
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    wanted = ("LICENSE", "README.md", "pyproject.toml", "src/mallops/py.typed")
    missing = [w for w in wanted if w not in names]
    if missing:
        raise CheckFailed(f"{sdist.name}: missing {missing}")


# -- running things ------------------------------------------------------------------------


def _env() -> dict[str, str]:
    """The environment for commands in a fresh venv: nothing points at the tree."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(argv: Sequence[str | Path], cwd: Path, *, want: str | None = None) -> str:
    """Run ``argv`` in ``cwd``; fail with its output unless it exits 0 (and prints ``want``)."""
    shown = " ".join(str(a) for a in argv)
    try:
        done = subprocess.run(
            [str(a) for a in argv],
            cwd=cwd,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{shown}: no result after {STEP_TIMEOUT} s") from None
    if done.returncode != 0:
        tail = (done.stdout[-3000:] + "\n" + done.stderr[-3000:]).strip()
        raise CheckFailed(f"{shown}: exit {done.returncode}\n{tail}")
    if want is not None and want not in done.stdout:
        raise CheckFailed(f"{shown}: output lacks {want!r}:\n{done.stdout[-2000:]}")
    return done.stdout


class Steps:
    """Runs named steps, printing each one's time."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, title: str) -> _Step:
        return _Step(title)

    def total(self) -> float:
        return time.monotonic() - self.started


class _Step:
    def __init__(self, title: str) -> None:
        self.title = title

    def __enter__(self) -> None:
        self.t0 = time.monotonic()
        print(f"wheel-check: {self.title} ...", flush=True)

    def __exit__(self, kind: object, *_: object) -> None:
        outcome = "ok" if kind is None else "FAILED"
        print(f"wheel-check: {self.title}: {outcome} ({time.monotonic() - self.t0:.1f} s)")


def make_venv(path: Path, wheel: Path, extra: str) -> Path:
    """A fresh venv at ``path`` with ``mallops[extra]`` from ``wheel``; its python."""
    run([sys.executable, "-m", "venv", path], cwd=path.parent)
    python = path / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", f"mallops[{extra}] @ {wheel.as_uri()}"], path)
    return python


_IMPORT_REQUIREMENTS = textwrap.dedent(
    """
    import importlib, importlib.metadata as md, re, sys

    def tops(dist):
        text = dist.read_text("top_level.txt")
        if text:
            return [t for t in text.split() if t]
        names = set()
        for f in dist.files or ():
            first = f.parts[0]
            if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__"):
                continue
            if len(f.parts) > 1 or first.endswith(".py"):
                names.add(first.removesuffix(".py"))
        return sorted(n for n in names if n.isidentifier())

    for req in sys.argv[1:]:
        dist = md.distribution(req)
        names = tops(dist)
        own = re.sub(r"[-.]+", "_", req).lower()
        chosen = [own] if own in names else [n for n in names if not n.startswith("_")] or names
        if not chosen:
            raise SystemExit(f"{req}: installed but provides no importable module")
        for name in chosen:
            importlib.import_module(name)
        print(req, dist.version, "imports", ",".join(chosen))
    """
)

_PLUGIN = textwrap.dedent(
    """
    from hypothesis import given, settings, strategies as st
    import mallops.testing
    from mallops import Record
    seen = []
    @settings(max_examples=10, database=None)
    @given(st.from_type(Record))
    def draw(record):
        seen.append(record)
    draw()
    assert seen and all(isinstance(r, Record) for r in seen), seen
    print("from_type(Record) ok", len(seen))
    """
)

_WHERE = textwrap.dedent(
    """
    import importlib.metadata as md, sys, mallops
    from pathlib import Path
    where = Path(mallops.__file__).resolve()
    assert Path(sys.prefix).resolve() in where.parents, f"mallops imported from {where}"
    assert mallops.__version__ == md.version("mallops") == sys.argv[1], mallops.__version__
    print("mallops", mallops.__version__, "from", where.parent)
    """
)

_CONTRACT = textwrap.dedent(
    '''
    """The shipped store contract suite, run against the installed package."""
    from mallops import JsonStore, MemoryStore, SqlStore
    from mallops.testing import StoreContract


    class TestMemoryStore(StoreContract):
        def make_store(self, tmp_path):
            return MemoryStore()


    class TestJsonStore(StoreContract):
        def make_store(self, tmp_path):
            return JsonStore(tmp_path / "store.json")

        def reopen(self, store, tmp_path):
            return JsonStore(tmp_path / "store.json")


    class TestSqliteStore(StoreContract):
        def make_store(self, tmp_path):
            return SqlStore(f"sqlite:///{tmp_path / 'store.db'}")

        def reopen(self, store, tmp_path):
            return SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    '''
)


def _cli_smoke(mallops: Path, work: Path) -> None:
    store = ["--store", "smoke.json", "--now", "2026-10-08T10:00:00+08:00"]
    fields = [
        *("-f", "channel=phone", "-f", "complainant=李雷", "-f", "contact=13800000000"),
        *("-f", "location=B1 east restroom", "-f", "description=洗手间很脏，有异味"),
        *("-f", "demand=尽快清洁"),
    ]
    actor = ["--actor", "desk-1:front_desk:customer_service"]
    # Checks read ids and JSON, not messages: the CLI speaks zh-CN or English (--lang).
    run([mallops, *store, "init"], work)
    run([mallops, *store, "open", "complaint", *actor, *fields, "--json"], work, want='"C-000001"')
    run([mallops, *store, "show", "C-000001"], work, want="C-000001")
    run([mallops, *store, "list", "--json"], work, want='"C-000001"')
    later = ["--store", "smoke.json", "--now", "2026-10-08T14:00:00+08:00"]
    run([mallops, *later, "tick", "--json"], work, want='"timer_breached"')
    run([mallops, *later, "--lang", "en", "report", "--month", "2026-10"], work)
    run([mallops, "diagram", "complaint"], work, want="stateDiagram")
    (work / "policy.toml").write_text("[complaints]\nrecurrence_count = 3\n", encoding="utf-8")
    run([mallops, "policy", "check", "policy.toml"], work)


def check_testing_venv(tmp: Path, wheel: Path, version: str, step: Steps) -> None:
    """The main user path: ``pip install 'mallops[testing]'`` and everything the README
    promises, from a directory with no source tree."""
    with step("venv with mallops[testing]"):
        python = make_venv(tmp / "venv-testing", wheel, "testing")
    bin_dir = python.parent
    work = tmp / "work"
    work.mkdir()
    with step("installed package, version"):
        run([python, "-c", _WHERE, version], work)
        expected = f"mallops {version}"
        out = {
            run([bin_dir / "mallops", "--version"], work).strip(),
            run([python, "-m", "mallops", "--version"], work).strip(),
        }
        if out != {expected}:
            raise CheckFailed(f"--version printed {sorted(out)}, expected {expected!r}")
    with step("demo"):
        demo = work / "demo"
        demo.mkdir()
        run([bin_dir / "mallops", "demo", "--quiet"], demo)
        made = sorted(p.name for p in demo.iterdir())
        if "mallops-store.json" not in made or not any(n.endswith(".html") for n in made):
            raise CheckFailed(f"the demo left {made}, not its store and HTML report")
    with step("CLI smoke"):
        _cli_smoke(bin_dir / "mallops", work)
    with step("mallops.testing and st.from_type(Record)"):
        run([python, "-c", _PLUGIN], work, want="from_type(Record) ok")
    with step("store contract suite (memory, JSON, SQLite)"):
        suite = work / "contract"
        suite.mkdir()
        (suite / "test_contract.py").write_text(_CONTRACT, encoding="utf-8")
        pytest: list[str | Path] = [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_contract.py",
        ]
        summary = run(pytest, suite).strip().splitlines()[-1]
        print(f"wheel-check: contract suite: {summary.strip('= ')}")


def check_extra(tmp: Path, wheel: Path, extra: str, requires: list[str], step: Steps) -> None:
    """``mallops[extra]`` alone installs, is consistent and imports what it requires
    (``testing`` reuses the venv of :func:`check_testing_venv`, made the same way)."""
    with step(f"extra [{extra}]: {', '.join(requires) or 'no packages'}"):
        venv = tmp / f"venv-{extra}"
        python = venv / "bin" / "python" if venv.exists() else make_venv(venv, wheel, extra)
        run([python, "-m", "pip", "check"], tmp)
        run([python, "-c", "import mallops; print(mallops.__version__)"], tmp)
        if requires:
            for line in run([python, "-c", _IMPORT_REQUIREMENTS, *requires], tmp).splitlines():
                print(f"wheel-check:   {line}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--skip-extras", action="store_true", help="only the testing venv")
    args = parser.parse_args(argv)
    step = Steps()
    tmp = Path(tempfile.mkdtemp(prefix="mallops-wheel-check-"))
    try:
        with step("build sdist and wheel"):
            dist = tmp / "dist"
            run([sys.executable, "-m", "build", "--outdir", dist, ROOT], tmp)
            wheel = next(dist.glob("mallops-*.whl"))
            sdist = next(dist.glob("mallops-*.tar.gz"))
            check_sdist_files(sdist)
            check_wheel_files(wheel)
            metadata = wheel_metadata(wheel)
            version = package_version(ROOT)
            if metadata["Version"] != version:
                raise CheckFailed(f"wheel version {metadata['Version']} != _version {version}")
            extras = extras_of(metadata)
            print(f"wheel-check: {wheel.name}; extras: {', '.join(extras) or 'none'}")
        if "testing" not in extras:
            raise CheckFailed("the wheel declares no 'testing' extra")
        check_testing_venv(tmp, wheel, version, step)
        if not args.skip_extras:
            for extra, requires in extras.items():
                check_extra(tmp, wheel, extra, requires, step)
    except (CheckFailed, ChangelogError, StopIteration) as exc:
        print(f"wheel-check: FAILED: {exc or 'no wheel or sdist was built'}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"wheel-check: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"wheel-check: all checks passed in {step.total():.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
