"""The ``mallops`` command (also ``python -m mallops``).  See docs/cli.md.

Exit codes: 0 success, 1 a mallops error (bad value, wrong state, permission, store),
2 a usage error (unknown option, malformed argument), 130 interrupted.  Errors are one
line on stderr, never a traceback.  Every message comes from :mod:`mallops.cli.messages`
in zh-CN or English (``--lang``, ``MALLOPS_LANG``, the locale; zh-CN by default).

Adding a subcommand (from any module): define ``COMMANDS = (Command(name, help_key,
setup, run), ...)`` in a module, put its help texts in the catalogue, and add the
module's dotted name to :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence

from ..errors import ConfigurationDrift, MallopsError
from ._common import DEFAULT_STORE, PROG
from ._parser import Command, Parser, UsageError
from .messages import LANGUAGES, choose_language, set_language, t

__all__ = ["COMMAND_MODULES", "Command", "build_parser", "commands", "main"]

COMMAND_MODULES: tuple[str, ...] = (
    "mallops.cli.records",  # open, fire, show, list, tick
    "mallops.cli.data_out",  # report, export
    "mallops.cli.admin",  # demo, init, diagram, policy
    # -- subcommands registered from other modules: add one line each -----------------
    "mallops.cli.calendar_cmd",  # calendar check (issue 13, G9)
    "mallops.cli.store",  # store copy (issue 16)
    "mallops.cli.workflows_cmd",  # change-workflows (issue 14)
    "mallops.server._cli",  # serve (the HTTP API and web front desk)
)
"""Modules whose ``COMMANDS`` tuple adds subcommands, in help order."""


def commands() -> list[Command]:
    """Every subcommand of :data:`COMMAND_MODULES`."""
    found: list[Command] = []
    for name in COMMAND_MODULES:
        found.extend(importlib.import_module(name).COMMANDS)
    return found


def _common(suppress: bool) -> Parser:
    """Options every command accepts, before or after the command name."""

    def d(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    p = Parser(add_help=False)
    g = p.add_argument_group(t("group.common"))
    g.add_argument(
        "--store",
        metavar="LOCATION",
        default=d(DEFAULT_STORE),
        help=t("opt.store", default=DEFAULT_STORE),
    )
    g.add_argument("--policy", metavar="FILE", default=d(None), help=t("opt.policy"))
    g.add_argument(
        "--workflow", action="append", metavar="MODULE:NAME", default=d([]), help=t("opt.workflow")
    )
    g.add_argument("--property", metavar="NAME", default=d("default"), help=t("opt.property"))
    g.add_argument("--now", type=_now, default=d(None), metavar="ISO", help=t("opt.now"))
    g.add_argument("--json", action="store_true", default=d(False), help=t("opt.json"))
    g.add_argument("--lang", choices=LANGUAGES, default=d(None), help=t("opt.lang"))
    return p


def _now(text: str) -> object:
    from ._args import parse_now

    return parse_now(text)


def _version() -> str:
    from .. import __version__

    return f"{PROG} {__version__}"


def build_parser(extra: Iterable[Command] | None = None) -> argparse.ArgumentParser:
    """The whole command-line interface, in the current language."""
    common = _common(suppress=True)
    parser = Parser(
        prog=PROG,
        description=t("prog.description"),
        parents=[_common(suppress=False)],
        epilog=t("prog.epilog"),
    )
    parser.add_argument("--version", action="version", version=_version(), help=t("opt.version"))
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title=t("group.commands")
    )
    for command in [*commands(), *(extra or ())]:
        p = sub.add_parser(
            command.name,
            help=t(command.help),
            description=t(command.help),
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
            epilog=_epilog(command.name),
        )
        command.setup(p)
        p.set_defaults(func=command.run)
    return parser


def _epilog(name: str) -> str | None:
    if name != "open":
        return None
    from ..mall import Mall
    from ..stores.memory import MemoryStore
    from .records import open_epilog

    return open_epilog(Mall(store=MemoryStore()))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    lang = set_language(choose_language(args_list, os.environ))
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 2
    args.lang = lang
    try:
        return int(args.func(args))
    except UsageError as exc:
        sys.stderr.write(f"{PROG} {args.command}: {t('error')}: {exc}\n")
        return 2
    except ConfigurationDrift as exc:  # #14: name the command that records a change
        sys.stderr.write(f"{PROG}: {t('error')}: {exc}\n{PROG}: {t('hint.drift')}\n")
        return 1
    except MallopsError as exc:
        sys.stderr.write(f"{PROG}: {t('error')}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: {t('out.interrupted')}\n")
        return 130
    except BrokenPipeError:  # `mallops report | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
