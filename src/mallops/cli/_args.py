"""Command-line values: actors, times, ``key=value`` fields converted by their parameter's
kind, and choice values given by their Chinese or English label."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Actor
from ..engine.spec import Param
from ..errors import ValidationError
from ..mall import Mall
from ..policy import Policy
from ._parser import UsageError, did_you_mean
from .messages import t

__all__ = ["choice_aliases", "convert", "event_params", "parse_actor", "parse_field", "parse_now"]

_EXAMPLE = "2026-09-30T10:00:00+08:00"


def parse_actor(text: str) -> Actor:
    """``id:role[:department]`` -> :class:`Actor`."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise argparse.ArgumentTypeError(t("err.actor", text=repr(text)))
    return Actor(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def _aware(text: str, name: str) -> pendulum.DateTime:
    """An ISO 8601 time with its offset, refused in the CLI's words otherwise."""
    try:
        parsed = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(t("err.datetime", name=name, value=repr(text)), field=name) from None
    if parsed.tzinfo is None:
        raise ValidationError(
            t("err.naive", name=name, value=repr(text), example=parsed.isoformat() + "+08:00"),
            field=name,
        )
    return aware(parsed, field=name)


def parse_now(text: str) -> pendulum.DateTime:
    """``--now``: an ISO 8601 time with offset."""
    try:
        return _aware(text, "--now")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_field(text: str) -> tuple[str, str]:
    """``key=value``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(t("err.key_value", text=repr(text)))
    return key.strip(), value


def _labels(data: Any, out: dict[str, set[str]]) -> None:
    """Every ``key -> {zh, en, ...}`` table of the policy data: the key's labels."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(value.get("zh"), str):
                names = out.setdefault(str(key), set())
                for lang in ("zh", "en"):
                    text = value.get(lang)
                    if isinstance(text, str) and text:
                        names.update(_variants(text))
            _labels(value, out)
    elif isinstance(data, list):
        for value in data:
            _labels(value, out)


def _variants(text: str) -> set[str]:
    """A label and its common short forms: ``电话（含24小时热线）`` -> 电话; ``来访/前台``
    -> 来访, 前台; ``walk-in / front desk`` -> walk-in, walk_in, front desk."""
    found = {text}
    found.add(re.split(r"[（(]", text)[0])
    for part in re.split(r"\s*[/／、,，]\s*", text):
        found.add(part)
    more = set()
    for f in found:
        more.add(f.replace("-", "_").replace(" ", "_"))
    return {f.strip().lower() for f in found | more if f.strip()}


_ALIAS_CACHE: dict[int, tuple[Policy, dict[str, set[str]]]] = {}


def choice_aliases(policy: Policy, allowed: Iterable[str]) -> dict[str, str]:
    """Label or alias (lower case) -> choice key, for the keys in ``allowed``; a label
    two keys share is left out (ambiguous)."""
    cached = _ALIAS_CACHE.get(id(policy))
    if cached is None or cached[0] is not policy:
        labels: dict[str, set[str]] = {}
        _labels(policy.to_dict(), labels)
        cached = (policy, labels)
        _ALIAS_CACHE.clear()
        _ALIAS_CACHE[id(policy)] = cached
    keys = list(allowed)
    result: dict[str, str] = {}
    ambiguous: set[str] = set()
    for key in keys:
        for name in {key.lower(), *cached[1].get(key, ())}:
            if name in result and result[name] != key:
                ambiguous.add(name)
            result[name] = key
    for key in keys:  # a key itself always means itself
        result[key.lower()] = key
        ambiguous.discard(key.lower())
    return {k: v for k, v in result.items() if k not in ambiguous}


def _choice(value: str, param: Param, policy: Policy) -> str:
    allowed = tuple(param.choices(policy)) if param.choices else ()
    if value in allowed or not allowed:
        return value
    aliases = choice_aliases(policy, allowed)
    key = aliases.get(value.strip().lower())
    if key is not None:
        return key
    raise ValidationError(
        t(
            "err.choice",
            name=param.name,
            value=repr(value),
            hint=did_you_mean(value, aliases),
            allowed=", ".join(allowed),
        ),
        field=param.name,
    )


_TRUE = ("true", "yes", "1", "y", "是", "对", "有")
_FALSE = ("false", "no", "0", "n", "否", "不", "无")


def convert(value: str, param: Param | None, policy: Policy) -> Any:
    """A command-line string as the parameter's kind expects it."""
    if param is None:
        return value  # unknown: the engine says which parameters exist
    name = param.name
    if param.kind == "choice":
        return _choice(value, param, policy)
    if param.kind == "int":
        try:
            return int(value)
        except ValueError:
            raise ValidationError(t("err.int", name=name, value=repr(value)), field=name) from None
    if param.kind == "bool":
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValidationError(t("err.bool", name=name, value=repr(value)), field=name)
    if param.kind == "datetime":
        return _aware(value, name)
    if param.kind == "strlist":
        return [v.strip() for v in re.split(r"[,，]", value) if v.strip()]
    if param.kind == "json":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError(t("err.json", name=name, value=repr(value)), field=name) from None
    return value


def check_kind(mall: Mall, kind: str) -> str:
    """``kind`` if the mall has it, else a ``ValidationError`` with a suggestion."""
    if kind in mall.services:
        return kind
    raise ValidationError(
        t(
            "err.kind",
            value=repr(kind),
            hint=did_you_mean(kind, mall.services),
            allowed=", ".join(mall.services),
        ),
        field="kind",
    )


def check_event(mall: Mall, kind: str, event: str) -> str:
    """``event`` if records of ``kind`` have it (system events excluded), else an error
    with a suggestion."""
    spec = mall.service(kind).engine.spec
    names = [e.name for e in spec.events if not e.system]
    if event in spec.event_names:
        return event
    raise ValidationError(
        t(
            "err.event",
            kind=kind,
            value=repr(event),
            hint=did_you_mean(event, names),
            allowed=", ".join(dict.fromkeys(names)),
        ),
        field="event",
    )


def event_params(
    mall: Mall, kind: str, event: str, fields: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """The ``--field`` values of ``event`` converted by their declared kinds."""
    specs = {p.name: p for p in mall.service(kind).engine.param_specs(event)}
    params: dict[str, Any] = {}
    for key, value in fields:
        if key in params:
            raise UsageError(t("err.field_twice", key=key))
        params[key] = convert(value, specs.get(key), mall.policy)
    return params
