"""The shipped plug-ins (front desk, building operations) are written on the public
plug-in API only, exactly as a user would write a workflow (issues 18, 19)."""

from __future__ import annotations

import ast
from pathlib import Path

import pendulum
import pytest

from mallops import Mall, ManualClock, ValidationError
from mallops.errors import InvalidDefinition
from mallops.frontdesk import FRONT_DESK_WORKFLOWS
from mallops.operations import OPERATIONS_WORKFLOWS
from mallops.plugins import BUILTIN_WORKFLOWS, EventSpec, StateSpec, Workflow, WorkflowSpec
from mallops.report import ReportContext, Section, build_report, month_period, text

SRC = Path(__file__).resolve().parents[1] / "src" / "mallops"
PUBLIC = {
    "mallops.plugins",
    "mallops.report",
    "mallops.errors",
    "mallops.domain",
    "mallops.workflows",
}
"""The documented modules a plug-in may import from (docs/api.md)."""


def _imports(path: Path, package: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: must stay inside the plug-in's own package
                out.append(package if node.level == 1 else "mallops.<outside>")
            elif node.module:
                out.append(node.module)
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


@pytest.mark.parametrize("package", ["frontdesk", "operations"])
def test_shipped_plugins_import_public_modules_only(package: str) -> None:
    wrong = []
    for path in sorted((SRC / package).rglob("*.py")):
        for name in _imports(path, f"mallops.{package}"):
            if name == "mallops" or name.startswith("mallops."):
                own = name == f"mallops.{package}" or name.startswith(f"mallops.{package}.")
                if not own and name not in PUBLIC:
                    wrong.append(f"{path.relative_to(SRC)}: {name}")
    assert not wrong, f"shipped plug-ins may import only {sorted(PUBLIC)}: {wrong}"


def _clock() -> ManualClock:
    return ManualClock(pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"))


def test_mall_registers_the_shipped_plugins_unless_told_not_to() -> None:
    shipped = (*FRONT_DESK_WORKFLOWS, *OPERATIONS_WORKFLOWS)
    assert Mall(clock=_clock()).workflows == (*BUILTIN_WORKFLOWS, *shipped)
    assert Mall(clock=_clock(), standard=False).workflows == BUILTIN_WORKFLOWS
    # naming a shipped workflow again is no error and registers it once
    again = Mall(clock=_clock(), workflows=shipped)
    assert again.workflows == (*BUILTIN_WORKFLOWS, *shipped)
    with pytest.raises(ValidationError, match="standard"):
        Mall(clock=_clock(), standard="no")  # type: ignore[arg-type]


DESK = ("front_desk", "staff")
PING = WorkflowSpec(
    kind="ping",
    zh="测试",
    en="ping",
    prefix="PG",
    states=(StateSpec("open", "未处理", "open"), StateSpec("done", "完成", "done", final=True)),
    initial="open",
    create=EventSpec("log", (), "open", DESK, "登记", "log"),
    events=(EventSpec("finish", ("open",), "done", DESK, "完成", "finish"),),
)


def _section(ctx: ReportContext) -> Section:
    n = sum(1 for r in ctx.records if r.kind == "ping")
    note = text(ctx.lang, f"本期测试 {n} 件", f"{n} ping(s) this period")
    return Section(key="ping", title=text(ctx.lang, "测试", "Pings"), notes=(note,))


def test_a_workflow_brings_its_report_sections() -> None:
    mall = Mall(clock=_clock(), workflows=[Workflow(PING, report_sections=(_section,))])
    report = build_report(mall, *month_period("2026-09", mall), lang="en")
    assert report.section("ping") is not None  # run although the period holds no ping
    assert report.section("ping").notes == ("0 ping(s) this period",)  # type: ignore[union-attr]
    with pytest.raises(InvalidDefinition, match="report_sections"):
        Workflow(PING, report_sections=("not a function",))  # type: ignore[arg-type]
