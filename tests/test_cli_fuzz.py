"""Hardening: random command lines never end in a traceback (issue 8).

Every command, with random options and values (hostile ones included), on a store in a
temporary directory: the exit code is 0, 1 (a mallops error, one line) or 2 (usage),
and nothing but mallops' own errors escapes.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.cli import main

COMMANDS = ["demo", "init", "open", "fire", "show", "list", "tick", "report", "export", "diagram",
            "policy"]  # fmt: skip
OPTIONS = [
    "--json",
    "--lang",
    "--kind",
    "--state",
    "--owner",
    "--tenant",
    "--overdue",
    "--actor",
    "--now",
    "--format",
    "--month",
    "--from",
    "--to",
    "-f",
    "--field",
    "--reason",
    "--days",
    "--tenants",
    "--seed",
    "--help",
    "--version",
    "--columns",
    "--reveal",
    "show",
    "check",
    "complaint",
    "repair",
    "lost_item",
]
VALUES = st.one_of(
    st.sampled_from(
        [
            "zh",
            "en",
            "complaint",
            "C-000001",
            "desk-1:front_desk",
            "x:nobody",
            "2026-09-30",
            "2026-09-30T10:00:00+08:00",
            "2026-09-30T10:00:00",
            "channel=phone",
            "=",
            "-1",
            "0",
            "99999999",
            "../../etc/passwd",
            "mermaid",
            "dot",
            "2026-13",
            "",
        ]
    ),
    st.text(max_size=12),
)


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


ACTORS = st.sampled_from(
    [
        "desk-1:front_desk:customer_service",
        "t:staff:engineering",
        "g:general_manager",
        "x:nobody",
        "nocolon",
        ":",
        "a:front_desk:nowhere",
    ]
)
KINDS = st.sampled_from(
    [
        "complaint",
        "repair",
        "lost_item",
        "tenant",
        "visit",
        "suggestion",
        "return_visit",
        "lost_report",
        "bogus",
    ]
)
FIELDS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "channel",
                "complainant",
                "contact",
                "location",
                "description",
                "demand",
                "severity",
                "fault_type",
                "urgency",
                "place",
                "found_at",
                "category",
                "unit",
                "name",
                "trade",
                "tier",
                "lease_start",
                "bogus",
            ]
        ),
        VALUES,
    ).map(lambda kv: f"{kv[0]}={kv[1]}"),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(
    kind=KINDS,
    actor=ACTORS,
    fields=FIELDS,
    event=st.sampled_from(["assign", "contact", "resolve", "claim", "release", "bogus"]),
    more=FIELDS,
)
def test_structured_command_lines_end_cleanly(
    kind: str,
    actor: str,
    fields: list[str],
    event: str,
    more: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """open / fire / show / list with plausible and hostile values: exit 0, 1 or 2,
    one-line errors, never a traceback."""
    store = str(tmp_path_factory.mktemp("cli") / "store.json")
    common = ["--store", store, "--now", "2026-09-30T10:00:00+08:00"]
    assert _run(["--store", store, "init"])[0] == 0
    opened = ["open", kind, "--actor", actor, *(x for f in fields for x in ("-f", f))]
    for argv in (
        [*common, *opened],
        [
            *common,
            "fire",
            "C-000001",
            event,
            "--actor",
            actor,
            *(x for f in more for x in ("-f", f)),
        ],
        [*common, "show", "C-000001"],
        [*common, "list", "--kind", kind, "--overdue"],
    ):
        code, err = _run(argv)
        assert code in (0, 1, 2), (argv, code, err)
        assert "Traceback" not in err, argv
        assert code == 0 or err.strip().count("\n") == 0 or "usage:" in err, (argv, err)


@settings(max_examples=60, deadline=None)
@given(
    command=st.sampled_from(COMMANDS),
    rest=st.lists(st.one_of(st.sampled_from(OPTIONS), VALUES), max_size=6),
)
def test_random_command_lines_end_cleanly(
    command: str, rest: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever the arguments, the CLI returns 0, 1 or 2 and prints no traceback."""
    store = tmp_path_factory.mktemp("cli") / "store.json"
    if command != "demo":
        assert _run(["--store", str(store), "init"])[0] == 0
    argv = ["--store", str(store), "--now", "2026-09-30T10:00:00+08:00", command, *rest]
    if command == "demo":
        argv += ["--days", "1", "--tenants", "3"]
    code, err = _run(argv)
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, argv
