"""The changelog (issue 21): fragments in changelog.d/ and CHANGELOG.md stay sound, and
``.ci/changelog.py build`` turns fragments into a release section with migration notes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import mallops

from ._ci_scripts import load

changelog = load("changelog")
ROOT = Path(__file__).resolve().parent.parent


# -- the tree ---------------------------------------------------------------------------------


def test_every_fragment_is_valid_and_changelog_is_sound() -> None:
    """Fragment names and types; CHANGELOG.md versions semantic and newest first;
    pending fragments only for an unreleased version; none already released."""
    pending = changelog.check(ROOT, mallops.__version__)
    assert all(f.type in changelog.TYPES for f in pending)


def test_script_reads_the_package_version() -> None:
    assert changelog.package_version(ROOT) == mallops.__version__


def test_migration_notes_are_the_skeleton_and_rows() -> None:
    text = (ROOT / "changelog.d" / "_migrating.md").read_text(encoding="utf-8")
    assert text.startswith(changelog.MIGRATION_SKELETON)
    rest = text.removeprefix(changelog.MIGRATION_SKELETON).splitlines()
    assert all(line.startswith("| `") and line.endswith(" |") for line in rest), rest


# -- the rules, on a copy -----------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A minimal project: _version.py 0.2.0, CHANGELOG.md with 0.1.0, empty changelog.d."""
    (tmp_path / "src" / "mallops").mkdir(parents=True)
    (tmp_path / "src" / "mallops" / "_version.py").write_text('__version__ = "0.2.0"\n')
    (tmp_path / "changelog.d").mkdir()
    shutil.copy(ROOT / "changelog.d" / "README.md", tmp_path / "changelog.d")
    (tmp_path / "changelog.d" / "_migrating.md").write_text(changelog.MIGRATION_SKELETON)
    (tmp_path / "CHANGELOG.md").write_text(
        f"# Changelog\n\n{changelog.MARKER}\n\n## 0.1.0\n\nOld.\n"
    )
    return tmp_path


def _fragment(repo: Path, name: str, text: str = "Something users see.") -> None:
    (repo / "changelog.d" / name).write_text(text + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("cal-regions.improved.md", "x", "type 'improved'"),
        ("regions.added.md", "x", "not named"),
        ("Cal-Regions.added.md", "x", "not named"),
        ("cal-regions.added.txt", "x", "not named"),
        ("cal-regions.added.md", "  \n", "empty"),
        ("cal-regions.added.md", "## Added\nx", "without headings"),
    ],
)
def test_bad_fragments_are_refused(repo: Path, name: str, text: str, why: str) -> None:
    _fragment(repo, name, text)
    with pytest.raises(changelog.ChangelogError, match=why):
        changelog.check(repo, "0.2.0")


def test_fragments_for_a_released_version_are_refused(repo: Path) -> None:
    _fragment(repo, "cli-xlsx.added.md")
    with pytest.raises(changelog.ChangelogError, match="bump"):
        changelog.check(repo, "0.1.0")


def test_versions_must_be_semantic_and_newest_first(repo: Path) -> None:
    path = repo / "CHANGELOG.md"
    path.write_text(path.read_text() + "\n## 0.3.0\n\nLater.\n")
    with pytest.raises(changelog.ChangelogError, match="newest first"):
        changelog.check(repo, "0.4.0")
    path.write_text(f"{changelog.MARKER}\n\n## 1.0\n")
    with pytest.raises(changelog.ChangelogError, match="semantic"):
        changelog.check(repo, "1.0.1")


def test_a_version_older_than_the_last_release_is_refused(repo: Path) -> None:
    with pytest.raises(changelog.ChangelogError, match="older"):
        changelog.check(repo, "0.0.9")


def test_build_writes_a_section_and_consumes_fragments(repo: Path) -> None:
    _fragment(repo, "cal-regions.added.md", "Regional holidays.\nFrom `holidays`.")
    _fragment(repo, "harden-paths.fixed.md", "Paths are checked.")
    _fragment(repo, "cli-xlsx.added.md", "Excel export.")
    section = changelog.build(repo, "0.2.0", "2026-12-01")
    text = (repo / "CHANGELOG.md").read_text()
    assert text.index("## 0.2.0 (2026-12-01)") < text.index("## 0.1.0")
    assert section.index("### Added") < section.index("### Fixed")
    assert "- Regional holidays.\n  From `holidays`." in section
    assert section.index("Regional holidays") < section.index("Excel export")  # by file name
    assert "Migrating" not in section  # no migration rows, none needed
    assert [p.name for p in (repo / "changelog.d").iterdir()] == ["README.md", "_migrating.md"]
    changelog.check(repo, "0.2.0")  # sound afterwards
    with pytest.raises(changelog.ChangelogError, match="released already"):
        changelog.build(repo, "0.2.0", "2026-12-02")


def test_deprecations_need_migration_notes(repo: Path) -> None:
    _fragment(repo, "engine-names.deprecated.md", "`mallops.X` moved to `mallops.y.X`.")
    with pytest.raises(changelog.ChangelogError, match=r"_migrating\.md has no row"):
        changelog.build(repo, "0.2.0", "2026-12-01")
    assert (repo / "changelog.d" / "engine-names.deprecated.md").exists()  # nothing consumed
    notes = repo / "changelog.d" / "_migrating.md"
    notes.write_text(notes.read_text() + "| `mallops.X` | `mallops.y.X` | change the import |\n")
    section = changelog.build(repo, "0.2.0", "2026-12-01")
    assert section.index("### Migrating from 0.1") < section.index("### Deprecated")
    assert "| `mallops.X` | `mallops.y.X` | change the import |" in section
    assert notes.read_text() == changelog.MIGRATION_SKELETON  # reset for the next release


def test_build_without_fragments_is_refused(repo: Path) -> None:
    with pytest.raises(changelog.ChangelogError, match="nothing to release"):
        changelog.build(repo, "0.2.0", "2026-12-01")


def test_command_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fragment(repo, "release-x.added.md")
    assert changelog.main(["check", "--root", str(repo)]) == 0
    assert "1 fragment(s) pending for 0.2.0" in capsys.readouterr().out
    assert changelog.main(["draft", "--root", str(repo), "--date", "2026-12-01"]) == 0
    assert "## 0.2.0 (2026-12-01)" in capsys.readouterr().out
    _fragment(repo, "release-y.bad.md")
    assert changelog.main(["check", "--root", str(repo)]) == 1
    assert "release-y.bad.md" in capsys.readouterr().err


def test_migration_rows_are_drafted_from_deprecations(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fragment(
        repo,
        "engine-moved.deprecated.md",
        "Moved, old → new:\n\n- `mallops.Link` → `mallops.domain.Link`\n"
        "- `mallops.Write` -> `mallops.stores.Write`",
    )
    _fragment(repo, "cli-x.added.md", "`a` → `b` is not a move.")
    notes = repo / "changelog.d" / "_migrating.md"
    notes.write_text(notes.read_text() + "| `mallops.Link` | `mallops.domain.Link` | kept |\n")
    assert changelog.main(["migration", "--root", str(repo)]) == 0
    assert "1 row(s) added" in capsys.readouterr().out
    text = notes.read_text()
    assert text.startswith(changelog.MIGRATION_SKELETON)
    assert text.count("`mallops.Link`") == 1  # an existing row is kept, not repeated
    assert "| `mallops.Write` | `mallops.stores.Write` | `from mallops.stores import Write` |" in (
        text
    )
    assert "`a`" not in text
    section = changelog.build(repo, "0.2.0", "2026-12-01")
    assert "### Migrating from 0.1" in section
    assert "`mallops.stores.Write`" in section
