"""argparse in the user's language: help titles, usage and argparse's own errors."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import attrs

from .messages import t

__all__ = ["Command", "Parser", "UsageError", "did_you_mean"]


class UsageError(Exception):
    """A malformed argument noticed after parsing (exit code 2)."""


@attrs.frozen
class Command:
    """One ``mallops`` subcommand: its name, the catalogue key of its one-line help, a
    function adding its arguments to its parser and the function running it."""

    name: str
    help: str
    setup: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def did_you_mean(value: str, allowed: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest of ``allowed``, or ``""``."""
    close = difflib.get_close_matches(value, list(allowed), n=1, cutoff=0.6)
    return t("err.did_you_mean", guess=close[0]) if close else ""


class _Formatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, prefix=t("usage") if prefix is None else prefix)


# argparse (3.11-3.13) message templates -> catalogue keys; the groups fill placeholders
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^the following arguments are required: (?P<args>.*)$"), "ap.required"),
    (re.compile(r"^unrecognized arguments: (?P<args>.*)$"), "ap.unrecognized"),
    (re.compile(r"^expected one argument$"), "ap.expected_one"),
    (re.compile(r"^invalid (?P<type>\w+) value: (?P<value>.*)$"), "ap.invalid_value"),
    (
        re.compile(r"^ambiguous option: (?P<option>\S+) could match (?P<matches>.*)$"),
        "ap.ambiguous",
    ),
    (re.compile(r"^ignored explicit argument (?P<value>.*)$"), "ap.ignored"),
)
_ARGUMENT = re.compile(r"^argument (?P<name>[^:]+): (?P<message>.*)$", re.S)
_CHOICE = re.compile(r"^invalid choice: '(?P<value>.*)' \(choose from (?P<allowed>.*)\)$")


def _translate(message: str) -> str:
    m = _ARGUMENT.match(message)
    if m:
        return t("ap.argument", name=m["name"], message=_translate(m["message"]))
    m = _CHOICE.match(message)
    if m:
        allowed = [a.strip().strip("'") for a in m["allowed"].split(",")]
        hint = did_you_mean(m["value"], allowed)
        return t("ap.invalid_choice", value=repr(m["value"]), hint=hint, allowed=m["allowed"])
    for pattern, key in _PATTERNS:
        m = pattern.match(message)
        if m:
            return t(key, **m.groupdict())
    return message  # already ours (raised by an argument type from the catalogue)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help and errors come from the catalogue."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        helps = bool(kwargs.pop("add_help", True))
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        # argparse's two default sections take their titles from the catalogue too
        self._positionals.title = t("group.arguments")
        self._optionals.title = t("group.options")
        if helps:
            self.add_argument("-h", "--help", action="help", help=t("opt.help"))

    def error(self, message: str) -> NoReturn:
        """Print the usage and the translated error, exit 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {t('error')}: {_translate(message)}\n")
