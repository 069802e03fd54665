"""Policy: seed defaults, overrides, errors that name the key, the generated reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from mallops import Duration, Policy, PolicyError
from mallops.frontdesk import FRONT_DESK_WORKFLOWS
from mallops.operations import OPERATIONS_WORKFLOWS
from mallops.plugins import policy_sections
from mallops.policy import reference_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_policy_md_is_generated_from_the_code() -> None:
    """docs/policy.md equals the reference generated from the policy classes (no drift);
    regenerate with `python -m mallops.policy --write`.  The shipped plug-ins' sections
    are listed too: ``Mall`` registers them by default."""
    shipped = policy_sections((*FRONT_DESK_WORKFLOWS, *OPERATIONS_WORKFLOWS))
    assert (ROOT / "docs" / "policy.md").read_text(encoding="utf-8") == reference_markdown(shipped)


def test_seed_reproduces_the_documents() -> None:
    """The seed policy carries the numbers of the rulebook (C5, C7, C8, C9)."""
    c = Policy.seed().complaints
    assert c.first_contact.duration == Duration(3, "hours")
    assert c.handling.duration == Duration(4, "working days")
    assert c.escalation.after == (Duration(72, "hours"), Duration(24, "hours"))
    assert c.escalation.ladder == ("department_manager", "general_manager")
    assert (c.recurrence_count, c.recurrence_window) == (3, Duration(90, "days"))


def test_overrides_merge_onto_the_seed() -> None:
    """A partial override changes only the keys it names."""
    p = Policy.from_dict({"complaints": {"first_contact": {"duration": "2h"}}})
    assert p.complaints.first_contact.duration == Duration(2, "hours")
    assert p.complaints.first_contact.warn_at == Policy.seed().complaints.first_contact.warn_at
    assert p.complaints.handling == Policy.seed().complaints.handling


def test_round_trip_through_plain_data() -> None:
    """to_dict() output loads back to an equal policy."""
    seed = Policy.seed()
    assert Policy.from_dict(seed.to_dict()) == seed


@pytest.mark.parametrize(
    ("data", "key", "reason"),
    [
        ({"complaints": {"handlng": "3h"}}, "complaints.handlng", "unknown key"),
        (
            {"complaints": {"first_contact": {"duration": "-3h"}}},
            "complaints.first_contact.duration",
            "not a duration",
        ),
        (
            {"complaints": {"first_contact": {"duration": "0h"}}},
            "complaints.first_contact.duration",
            "positive",
        ),
        (
            {"complaints": {"escalation": {"ladder": ["general_manager", "department_manager"]}}},
            "complaints.escalation.ladder[1]",
            "does not outrank",
        ),
        (
            {"complaints": {"escalation": {"ladder": ["department_manager", "boss"]}}},
            "complaints.escalation.ladder[1]",
            "unknown role",
        ),
        (
            {"complaints": {"default_category": "x"}},
            "complaints.default_category",
            "not a category",
        ),
        ({"complaints": {"recurrence_count": "3"}}, "complaints.recurrence_count", "whole number"),
        ({"calendar": {"timezone": "Mars/Olympus"}}, "calendar.timezone", "unknown timezone"),
        ({"calendar": {"working_hours": ["18:00-09:00"]}}, "calendar.working_hours", "end after"),
        (
            {"complaints": {"public_channels": ["fax"]}},
            "complaints.public_channels",
            "unknown channel",
        ),
    ],
)
def test_bad_policy_names_the_key_and_the_reason(
    data: dict[str, object], key: str, reason: str
) -> None:
    """A policy with a mistake fails at load with the dotted key and why."""
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(data)
    assert info.value.key == key
    assert reason in str(info.value)


def test_toml_file_errors_name_the_file(tmp_path: Path) -> None:
    """Errors from a TOML file name the file as well as the key."""
    path = tmp_path / "ops.toml"
    path.write_text('[complaints.first_contact]\nduration = "soon"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"ops\.toml") as info:
        Policy.from_toml(path)
    assert info.value.key == "complaints.first_contact.duration"
    path.write_text("[complaints\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid TOML"):
        Policy.from_toml(path)
    with pytest.raises(PolicyError, match="cannot read"):
        Policy.from_toml(tmp_path / "missing.toml")


def test_toml_override_loads(tmp_path: Path) -> None:
    """A valid TOML file overrides the seed."""
    path = tmp_path / "ops.toml"
    path.write_text('name = "Mall A"\n[complaints]\nrecurrence_count = 4\n', encoding="utf-8")
    p = Policy.from_toml(path)
    assert (p.name, p.complaints.recurrence_count) == ("Mall A", 4)
