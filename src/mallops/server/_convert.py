"""Records out as masked JSON (G7), and form text in as parameter values."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Record
from ..engine.spec import Param
from ..errors import ValidationError
from ..mall import Mall
from ..masking import mask_value, personal_fields
from ..stores.codec import encode

__all__ = ["from_form", "masked_record"]


def _mask(value: Any, personal: Collection[str]) -> Any:
    if isinstance(value, list):
        return [_mask(v, personal) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: mask_value(v) if k in personal else _mask(v, personal) for k, v in value.items()}


def masked_record(mall: Mall, record: Record) -> dict[str, Any]:
    """``record`` as JSON data with every personal field masked (G7), also in its
    history and in nested values (claims, releases)."""
    personal = personal_fields(s.engine.spec for s in mall.services.values())
    data = encode(record)
    data["fields"] = _mask(data["fields"], personal)
    data["history"] = [_masked_entry(h, personal) for h in data["history"]]
    return data


def _masked_entry(entry: dict[str, Any], personal: Collection[str]) -> dict[str, Any]:
    """A history entry with its parameters and the fields of its outcome masked (G7)."""
    out = {**entry, "data": _mask(entry["data"], personal)}
    outcome = entry.get("out")
    if isinstance(outcome, dict) and "f" in outcome:
        out["out"] = {**outcome, "f": _mask(outcome["f"], personal)}
    return out


def from_form(text: str, param: Param | None, tz: str) -> Any:
    """A form field's text as ``param``'s kind expects it (``ValidationError`` if not)."""
    if param is None:
        return text  # unknown: the engine names the parameters that exist
    name, kind = param.name, param.kind
    try:
        if kind == "int":
            return int(text)
        if kind == "bool":
            return {"true": True, "false": False}[text.strip().lower()]
        if kind == "strlist":
            return [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]
        if kind == "json":
            return json.loads(text)
        if kind == "datetime":
            parsed = pendulum.parse(text, tz=tz)
            return aware(parsed, field=name, tz=tz)
    except (ValueError, KeyError, TypeError):
        raise ValidationError(f"{name}: {text!r} is not a valid {kind}", field=name) from None
    return text
