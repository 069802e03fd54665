"""One list of the shipped plug-in workflows (``mallops.mall.SHIPPED_WORKFLOWS``): the
``Mall``, the command line's policy sections and ``python -m mallops.policy`` use it."""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import pendulum

from mallops import Mall, ManualClock
from mallops.cli._common import sections
from mallops.frontdesk import FRONT_DESK_WORKFLOWS
from mallops.mall import SHIPPED_WORKFLOWS
from mallops.operations import OPERATIONS_WORKFLOWS
from mallops.plugins import BUILTIN_WORKFLOWS
from mallops.policy import reference_markdown
from mallops.policy.__main__ import main as policy_main
from mallops.workflows.bundle import policy_sections

SRC = Path(__file__).resolve().parents[1] / "src" / "mallops"


def test_the_list_is_the_front_desk_and_the_building_operations() -> None:
    assert (*FRONT_DESK_WORKFLOWS, *OPERATIONS_WORKFLOWS) == SHIPPED_WORKFLOWS
    assert len({wf.kind for wf in SHIPPED_WORKFLOWS}) == len(SHIPPED_WORKFLOWS)


def test_mall_cli_and_policy_reference_use_it() -> None:
    clock = ManualClock(pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"))
    assert Mall(clock=clock).workflows == (*BUILTIN_WORKFLOWS, *SHIPPED_WORKFLOWS)
    shipped = policy_sections(SHIPPED_WORKFLOWS)
    assert sections(argparse.Namespace(workflow=None)) == shipped
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert policy_main([]) == 0
    assert out.getvalue() == reference_markdown(shipped)


def test_it_is_spelled_out_in_one_place() -> None:
    """Only mall.py names the two plug-in lists (outside their own packages)."""
    spelled = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if path.parts[len(SRC.parts)] not in ("frontdesk", "operations")
        and "OPERATIONS_WORKFLOWS" in path.read_text(encoding="utf-8")
    ]
    assert spelled == ["mall.py"]
