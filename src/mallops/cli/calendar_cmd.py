"""``mallops calendar check``: which years of holiday data each property's calendar covers
and when the data runs out (G9).  Also :func:`horizon_note`, the lines ``mallops demo``
and ``mallops report`` print when the horizon warning is due."""

from __future__ import annotations

import argparse
from typing import Any

from ..calendar import year_spans
from ..calendar_ops import coverage, horizon_lines
from ..mall import Mall
from ..stores.memory import MemoryStore
from ._common import emit_json, load_policy, out
from ._parser import Command
from .messages import MESSAGES, language, t

__all__ = ["COMMANDS", "horizon_note"]

# This command's catalogue entries, registered here so the catalogue module stays
# untouched by the calendar branch (tests/test_cli_messages.py checks them all the same).
MESSAGES.update(
    {
        "cmd.calendar": (
            "节假日日历：各物业覆盖的年份及数据何时用完（G9）",
            "business calendar: the years each property's data covers and when it runs out (G9)",
        ),
        "calendar.action": ("check：检查日历覆盖范围", "check: show the calendar's coverage"),
        "calendar.files": (
            "每个物业的政策 TOML 文件（默认：--policy 或种子政策，--property 指定物业）",
            "one policy TOML file per property (default: --policy or the seed, for --property)",
        ),
        "calendar.row": (
            "{property}：地区 {region}，覆盖 {years}，数据至 {last}（剩 {left} 天）{flag}",
            "{property}: region {region}, covers {years}, data until {last} ({left} days left)"
            "{flag}",
        ),
        "calendar.row_out": (
            "{property}：地区 {region}，覆盖 {years}；{year} 年已无数据！",
            "{property}: region {region}, covers {years}; no data for {year}!",
        ),
        "calendar.row_unbounded": (
            "{property}：地区 {region}，无节假日，无需数据",
            "{property}: region {region}, no holidays, no data needed",
        ),
        "calendar.flag": (
            "——请添加 calendar.years.{year}",
            " - add calendar.years.{year}",
        ),
    }
)


def _setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("check",), help=t("calendar.action"))
    p.add_argument("files", nargs="*", metavar="POLICY", help=t("calendar.files"))


def _row(name: str, mall: Mall) -> tuple[dict[str, Any], str]:
    cov = coverage(mall)
    data: dict[str, Any] = {
        "property": name,
        "region": cov.region,
        "years": list(cov.years),
        "policy_years": list(cov.policy_years),
        "last_day": None if cov.last_day is None or cov.unbounded else cov.last_day.isoformat(),
        "days_left": None if cov.unbounded else cov.days_left,
        "warning_due": cov.warning_due,
        "warn_days": cov.warn_days,
    }
    years = year_spans(cov.years)
    if cov.unbounded:
        line = t("calendar.row_unbounded", property=name, region=cov.region)
    elif cov.last_day is None:
        line = t(
            "calendar.row_out", property=name, region=cov.region, years=years, year=cov.today.year
        )
    else:
        flag = t("calendar.flag", year=cov.last_day.year + 1) if cov.warning_due else ""
        line = t(
            "calendar.row",
            property=name,
            region=cov.region,
            years=years,
            last=cov.last_day.isoformat(),
            left=cov.days_left,
            flag=flag,
        )
    return data, line


def _run(args: argparse.Namespace) -> int:
    from ..clock import ManualClock

    clock = ManualClock(args.now) if args.now is not None else None
    targets = (
        [(args.property, load_policy(args))]
        if not args.files
        else [(path, load_policy(args, path)) for path in args.files]
    )
    rows = [
        _row(name, Mall(store=MemoryStore(), clock=clock, policy=policy, property="default"))
        for name, policy in targets
    ]
    if args.json:
        emit_json({"properties": [data for data, _ in rows]})
    else:
        out("\n".join(line for _, line in rows))
    return 0


def horizon_note(mall: Mall) -> str | None:
    """The horizon warning for ``mall`` in the CLI's language, or ``None``."""
    lines = horizon_lines(mall, language())
    return "\n".join(lines) if lines else None


COMMANDS = (Command("calendar", "cmd.calendar", _setup, _run),)
