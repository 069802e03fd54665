#!/usr/bin/env python3
"""CHANGELOG.md from the fragments in changelog.d/ (see changelog.d/README.md).

Every user-facing change adds one file ``changelog.d/<branch>-<slug>.<type>.md`` (type:
added, changed, deprecated, fixed, removed, security) holding one or a few sentences.
At a release the lead runs::

    python3 .ci/changelog.py check                 # fragments and CHANGELOG.md are sound
    python3 .ci/changelog.py draft                 # print the next release's section
    python3 .ci/changelog.py migration             # rows for _migrating.md from the
                                                   # `old` → `new` pairs of deprecations
    python3 .ci/changelog.py build [--date D]      # write it into CHANGELOG.md

``build`` takes the version from src/mallops/_version.py, puts the new section on top of
CHANGELOG.md (below the marker line), starting with "Migrating from X.Y" taken from
changelog.d/_migrating.md, then one subsection per type; it deletes the fragments and
resets _migrating.md to its empty table.  It refuses when a ``deprecated`` or ``removed``
fragment exists and the migration table has no row: every renamed, moved or removed
public name needs a migration note.
"""

from __future__ import annotations

import argparse
import ast
import datetime as _dt
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("added", "changed", "deprecated", "removed", "fixed", "security")
TITLES = {t: t.capitalize() for t in TYPES}
FRAGMENT = re.compile(r"^(?P<branch>[a-z0-9]+)-(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<type>[a-z]+)\.md$")
NOT_FRAGMENTS = frozenset({"README.md", "_migrating.md"})
MARKER = "<!-- releases: newest first; `python3 .ci/changelog.py build` inserts here -->"
VERSION_HEADING = re.compile(r"^## (\S+)", re.M)
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
MIGRATION_SKELETON = """\
<!-- Migration notes for the next release: one table row per public name that was
renamed, moved or removed.  The old name keeps working for one minor release with a
DeprecationWarning naming the replacement.  `.ci/changelog.py build` refuses to release
while a deprecated or removed fragment exists and this table has no row. -->

| Before | Now | What to do |
| --- | --- | --- |
"""


class ChangelogError(Exception):
    """A fragment or CHANGELOG.md breaks the rules; the message says which and why."""


@attrs.frozen
class Fragment:
    """One pending change note."""

    path: Path
    type: str
    text: str

    @property
    def entry(self) -> str:
        """The note as a Markdown list item (continuation lines indented)."""
        lines = [line.strip() for line in self.text.strip().splitlines() if line.strip()]
        return "- " + "\n  ".join(lines)


def fragments(folder: Path) -> list[Fragment]:
    """Every fragment in ``folder``, checked, sorted by type order then file name."""
    found: list[Fragment] = []
    problems: list[str] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name in NOT_FRAGMENTS or path.name.startswith("."):
            continue
        match = FRAGMENT.match(path.name)
        if not match:
            problems.append(f"{path.name}: not named <branch>-<slug>.<type>.md")
            continue
        if match["type"] not in TYPES:
            problems.append(f"{path.name}: type {match['type']!r} is none of {', '.join(TYPES)}")
            continue
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            problems.append(f"{path.name}: empty")
            continue
        if any(line.lstrip().startswith("#") for line in text.splitlines()):
            problems.append(f"{path.name}: a fragment is sentences, without headings")
            continue
        found.append(Fragment(path, match["type"], text))
    if problems:
        raise ChangelogError("; ".join(problems))
    return sorted(found, key=lambda f: (TYPES.index(f.type), f.path.name))


def released_versions(changelog: str) -> list[str]:
    """The versions CHANGELOG.md has sections for, as written (newest first)."""
    return VERSION_HEADING.findall(changelog)


def _key(version: str) -> tuple[int, int, int]:
    match = SEMVER.match(version)
    if not match:
        raise ChangelogError(f"CHANGELOG.md: {version!r} is not a semantic version X.Y.Z")
    return int(match[1]), int(match[2]), int(match[3])


def migration_rows(text: str) -> list[str]:
    """The filled rows of the migration table (header and separator excluded)."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [r for r in rows[2:] if r.strip("| -")]


_MOVE = re.compile(r"`([\w.]+)`\s*(?:→|->)\s*`([\w.]+)`")


def suggested_rows(pending: Sequence[Fragment], migration: str) -> list[str]:
    """Migration table rows for every ```old` → `new``` pair that a ``deprecated`` or
    ``removed`` fragment names and the table does not have yet."""
    have = {row.split("|")[1].strip() for row in migration_rows(migration)}
    rows: list[str] = []
    for fragment in pending:
        if fragment.type not in ("deprecated", "removed"):
            continue
        for old, new in _MOVE.findall(fragment.text):
            if f"`{old}`" in have:
                continue
            have.add(f"`{old}`")
            module, _, name = new.rpartition(".")
            todo = f"`from {module} import {name}`" if module else f"use `{new}`"
            rows.append(f"| `{old}` | `{new}` | {todo} |")
    return rows


def check(root: Path, version: str) -> list[Fragment]:
    """Raise ``ChangelogError`` unless fragments and CHANGELOG.md are sound:

    - every fragment is well named, of a known type, non-empty, without headings;
    - CHANGELOG.md has the marker; its versions are semantic, unique, newest first;
    - the package version is not older than the newest release;
    - pending fragments mean an unreleased version: when the package version already
      has a section, fragments are changes that would be lost (bump the version);
    - no fragment is already in CHANGELOG.md (a released fragment must be deleted).
    """
    pending = fragments(root / "changelog.d")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    if MARKER not in changelog:
        raise ChangelogError(f"CHANGELOG.md: the marker line is missing: {MARKER}")
    versions = released_versions(changelog)
    keys = [_key(v) for v in versions]
    if keys != sorted(set(keys), reverse=True):
        raise ChangelogError(f"CHANGELOG.md: versions not unique and newest first: {versions}")
    if keys and _key(version) < keys[0]:
        raise ChangelogError(f"version {version} is older than the newest release {versions[0]}")
    if pending and version in versions:
        raise ChangelogError(
            f"{len(pending)} fragment(s) pending but {version} is released already: "
            "bump src/mallops/_version.py"
        )
    for fragment in pending:
        if fragment.entry in changelog:
            raise ChangelogError(f"{fragment.path.name}: already in CHANGELOG.md (delete it)")
    return pending


def render(version: str, date: str, pending: Sequence[Fragment], migration: str) -> str:
    """The Markdown section of one release."""
    rows = migration_rows(migration)
    if not rows and any(f.type in ("deprecated", "removed") for f in pending):
        raise ChangelogError(
            "deprecated or removed fragments exist but changelog.d/_migrating.md has no "
            "row: add one per renamed, moved or removed public name"
        )
    major, minor, _ = _key(version)
    parts = [f"## {version} ({date})\n"]
    if rows:
        table = [line for line in migration.splitlines() if line.startswith("|")]
        previous = f"{major}.{minor - 1}" if minor else f"{major - 1}.x"
        parts.append(f"### Migrating from {previous}\n\n" + "\n".join(table) + "\n")
    for kind in TYPES:
        entries = [f.entry for f in pending if f.type == kind]
        if entries:
            parts.append(f"### {TITLES[kind]}\n\n" + "\n".join(entries) + "\n")
    return "\n".join(parts)


def build(root: Path, version: str, date: str) -> str:
    """Write the release section into CHANGELOG.md, delete the fragments, reset the
    migration notes; return the section."""
    pending = check(root, version)
    if version in released_versions((root / "CHANGELOG.md").read_text(encoding="utf-8")):
        raise ChangelogError(f"{version} is released already")
    if not pending:
        raise ChangelogError("no fragments: nothing to release")
    migrating = root / "changelog.d" / "_migrating.md"
    migration = migrating.read_text(encoding="utf-8") if migrating.exists() else ""
    section = render(version, date, pending, migration)
    path = root / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(MARKER, f"{MARKER}\n\n{section}", 1), encoding="utf-8")
    for fragment in pending:
        fragment.path.unlink()
    migrating.write_text(MIGRATION_SKELETON, encoding="utf-8")
    return section


def package_version(root: Path) -> str:
    """``__version__`` as written in src/mallops/_version.py (read, not imported)."""
    tree = ast.parse((root / "src" / "mallops" / "_version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if "__version__" in names and isinstance(node.value.value, str):
            return node.value.value
    raise ChangelogError("src/mallops/_version.py assigns no __version__")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CHANGELOG.md from changelog.d/ fragments")
    parser.add_argument("action", choices=("check", "draft", "build", "migration"))
    parser.add_argument("--date", default=_dt.date.today().isoformat(), help="release date")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    version = package_version(args.root)
    try:
        if args.action == "check":
            pending = check(args.root, version)
            print(f"changelog: ok, {len(pending)} fragment(s) pending for {version}")
        elif args.action == "draft":
            pending = check(args.root, version)
            migrating = args.root / "changelog.d" / "_migrating.md"
            notes = migrating.read_text(encoding="utf-8") if migrating.exists() else ""
            print(render(version, args.date, pending, notes))
        elif args.action == "migration":
            migrating = args.root / "changelog.d" / "_migrating.md"
            notes = migrating.read_text(encoding="utf-8") if migrating.exists() else ""
            rows = suggested_rows(check(args.root, version), notes)
            migrating.write_text((notes or MIGRATION_SKELETON) + "".join(f"{r}\n" for r in rows))
            print(f"changelog: {len(rows)} row(s) added to {migrating.name}; review them")
        else:
            print(build(args.root, version, args.date))
    except ChangelogError as exc:
        print(f"changelog: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
