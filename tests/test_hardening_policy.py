"""Hardening: every fraction of the policy is range-checked and `policy check` reports
every mistake of a file at once (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mallops import Policy, PolicyError
from mallops.cli import main
from mallops.policy._load import reference_rows

FRACTION_KEYS = [row[0] for row in reference_rows(Policy, Policy.seed()) if row[3] == "fraction"]


def nested(key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


@pytest.mark.parametrize("key", FRACTION_KEYS)
@pytest.mark.parametrize("value", [float("inf"), float("nan"), 5.0, -0.5])
def test_every_fraction_refuses_values_out_of_range(key: str, value: float) -> None:
    """inf, nan, 5.0 and -0.5 are refused for every fraction of the policy, naming the
    key (complaints.escalation.warn_at = inf used to pass and then break every open)."""
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(nested(key, value))
    assert info.value.key == key


def test_fractions_in_range_are_accepted() -> None:
    """A warning point strictly between 0 and 1 and a target of 1.0 are accepted."""
    policy = Policy.from_dict(
        {"complaints": {"escalation": {"warn_at": 0.5}}, "targets": {"repair_pass_rate": 1.0}}
    )
    assert policy.complaints.escalation.warn_at == 0.5


def test_policy_check_reports_every_error_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mallops policy check FILE` names every wrong key of the file in one run, and
    exits 1 without a traceback."""
    path = tmp_path / "ours.toml"
    path.write_text(
        "[complaints.escalation]\nwarn_at = inf\n"
        "[repairs]\nresponse_warn_at = 5.0\nbogus = 1\n"
        "[targets]\nrepair_pass_rate = -0.5\n",
        encoding="utf-8",
    )
    assert main(["policy", "check", str(path)]) == 1
    err = capsys.readouterr().err
    for key in (
        "complaints.escalation.warn_at",
        "repairs.response_warn_at",
        "repairs.bogus",
        "targets.repair_pass_rate",
    ):
        assert key in err
    assert "Traceback" not in err
    with pytest.raises(PolicyError) as info:
        Policy.from_toml(path)
    assert len(info.value.errors) == 4


def test_a_single_error_keeps_its_key() -> None:
    """One mistake raises that error itself, with its dotted key."""
    with pytest.raises(PolicyError) as info:
        Policy.from_dict({"repairs": {"response_warn_at": 2}})
    assert info.value.key == "repairs.response_warn_at"
