"""Release readiness (issue 21): one version source, the ``testing`` extra and its guard,
the Hypothesis plug-in, the package metadata.

The installed wheel itself is checked by ``.ci/wheel-check`` (run by ``.ci/run``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mallops
from mallops import Actor, MemoryStore, Record
from mallops._hypothesis import _hypothesis_setup_hook, records
from mallops._version import __version__ as source_version
from mallops.cli import main
from mallops.domain.records import HistoryEntry, Link  # module paths: names move (issue 14)
from mallops.stores.codec import decode, encode
from mallops.stores.protocol import Write

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")


def _run(*argv: str, cwd: Path) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# -- one version source ---------------------------------------------------------------


def test_version_is_semantic_and_read_from_one_place() -> None:
    assert SEMVER.match(mallops.__version__)
    assert mallops.__version__ == source_version
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert "version" not in PYPROJECT["project"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "mallops._version.__version__"


def test_version_option_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mallops {mallops.__version__}"


def test_module_and_console_script_agree(tmp_path: Path) -> None:
    expected = f"mallops {mallops.__version__}"
    assert _run(sys.executable, "-m", "mallops", "--version", cwd=tmp_path) == expected
    script = shutil.which("mallops", path=str(Path(sys.executable).parent))
    assert script is not None, "the mallops console script is not installed next to python"
    assert _run(script, "--version", cwd=tmp_path) == expected


# -- the testing extra ------------------------------------------------------------------


def _extra(name: str) -> set[str]:
    reqs = PYPROJECT["project"]["optional-dependencies"][name]
    return {re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0].lower() for r in reqs}


def test_testing_extra_has_what_mallops_testing_imports() -> None:
    assert {"pytest", "hypothesis"} <= _extra("testing")


def test_dev_extra_covers_every_other_extra() -> None:
    """The suite runs with ``[dev]``: it needs every optional dependency."""
    dev = _extra("dev")
    for name in PYPROJECT["project"]["optional-dependencies"]:
        assert _extra(name) <= dev, f"extra {name!r} has packages missing from 'dev'"


@pytest.mark.parametrize("missing", ["pytest", "hypothesis"])
def test_import_without_the_extra_names_it(missing: str, tmp_path: Path) -> None:
    code = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        "try:\n"
        "    import mallops.testing\n"
        "except ImportError as exc:\n"
        "    print(exc.name); print(exc)\n"
        "else:\n"
        "    print('imported')\n"
    )
    name, message = _run(sys.executable, "-c", code, cwd=tmp_path).split("\n", 1)
    assert name == missing
    assert "pip install 'mallops[testing]'" in message
    assert missing in message
    assert "需要" in message  # zh-CN too


# -- the Hypothesis plug-in ---------------------------------------------------------------


def test_plugin_is_declared_as_a_hypothesis_entry_point() -> None:
    entry = PYPROJECT["project"]["entry-points"]["hypothesis"]["mallops"]
    assert entry == "mallops._hypothesis:_hypothesis_setup_hook"


def test_hypothesis_loads_the_plugin_by_itself(tmp_path: Path) -> None:
    """In a fresh interpreter, importing Hypothesis registers the strategies (entry point).
    (too_slow is suppressed as in conftest: on its first draw Hypothesis scans the
    editable source tree for constants, a one-off second under load.)"""
    code = (
        "from hypothesis import HealthCheck, given, settings, strategies as st\n"
        "from mallops import Record\n"
        "seen = set()\n"
        "@settings(max_examples=5, database=None, suppress_health_check=[HealthCheck.too_slow])\n"
        "@given(st.from_type(Record))\n"
        "def draw(r): seen.add(type(r).__name__)\n"
        "draw()\n"
        "print(*seen)\n"
    )
    assert _run(sys.executable, "-c", code, cwd=tmp_path) == "Record"


_hypothesis_setup_hook()  # idempotent; makes the tests below independent of the install


@given(st.from_type(Record))
def test_from_type_record_is_well_formed(record: Record) -> None:
    assert record.version == len(record.history) >= 1
    assert [h.seq for h in record.history] == list(range(1, record.version + 1))
    assert record.history[0].from_state is None
    assert record.history[-1].to_state == record.state
    assert all(a.at <= b.at for a, b in zip(record.history, record.history[1:], strict=False))
    assert record.created_at.tzinfo is not None
    assert record.updated_at == record.history[-1].at
    assert decode(encode(record)) == record  # storable by every backend


@given(st.lists(records(), min_size=1, max_size=4, unique_by=lambda r: r.id))
def test_records_are_storable(batch: list[Record]) -> None:
    store = MemoryStore()
    store.commit([Write(r, 0) for r in batch])
    for r in batch:
        assert store.get(r.id) == r


@given(st.from_type(Actor), st.from_type(Link), st.from_type(HistoryEntry))
def test_from_type_knows_the_other_values(actor: Actor, link: Link, entry: HistoryEntry) -> None:
    assert isinstance(actor, Actor)
    assert actor.id
    assert isinstance(link, Link)
    assert isinstance(entry, HistoryEntry)
    assert entry.at.tzinfo is not None


# -- metadata ---------------------------------------------------------------------------------


def test_license_file_is_mit_as_declared() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_classifiers_and_urls() -> None:
    project = PYPROJECT["project"]
    classifiers = set(project["classifiers"])
    assert "Typing :: Typed" in classifiers
    assert {"Natural Language :: Chinese (Simplified)", "Natural Language :: English"} <= (
        classifiers
    )
    low = re.match(r">=3\.(\d+)$", project["requires-python"])
    assert low is not None
    assert f"Programming Language :: Python :: 3.{low.group(1)}" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: expression only
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(
        project["urls"]
    )
    assert project["keywords"]


def test_py_typed_is_package_data() -> None:
    assert (ROOT / "src" / "mallops" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["mallops"]
