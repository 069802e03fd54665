"""Generic structuring of policy data: TOML/dict -> frozen attrs classes, with key paths.

Every policy class is a frozen attrs class whose fields carry metadata:
``doc`` (one line), ``rule`` (rule id, e.g. ``"C5"``), ``unit`` (for durations and
counts).  This module turns nested dictionaries into those classes, merging onto a base
instance, and reports any mistake as ``PolicyError`` with the dotted key and the reason.
It also renders the reference table of ``docs/policy.md``.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args, get_origin

import attrs

from ..duration import Duration
from ..errors import PolicyError, ValidationError

T = TypeVar("T")

_HINT_CACHE: dict[type, dict[str, Any]] = {}


def hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of an attrs class (cached)."""
    got = _HINT_CACHE.get(cls)
    if got is None:
        import sys

        module = sys.modules.get(cls.__module__)  # None for a class built by exec()
        got = typing.get_type_hints(cls, vars(module) if module is not None else None)
        _HINT_CACHE[cls] = got
    return got


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is Duration:
        return "duration"
    if origin in (types.UnionType, typing.Union):
        parts = [a for a in get_args(tp) if a is not type(None)]
        return f"{' | '.join(_type_name(a) for a in parts)} (optional)"
    if origin is tuple:
        return f"list of {_type_name(get_args(tp)[0])}"
    if origin in (Mapping, dict) or origin is getattr(typing, "Mapping", None):
        k, v = get_args(tp)
        return f"table {_type_name(k)} -> {_type_name(v)}"
    if attrs.has(tp):
        return "table"
    if tp is _dt.date:
        return "date"
    return getattr(tp, "__name__", str(tp))


def structure(tp: Any, value: Any, key: str, base: Any = attrs.NOTHING) -> Any:
    """Convert ``value`` to type ``tp``; ``base`` is the current value to merge onto."""
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None or value == "none":
            return None
        return structure(args[0], value, key, None if base is None else base)
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise PolicyError(f"expected true or false, got {value!r}", key=key)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyError(f"expected a whole number, got {value!r}", key=key)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PolicyError(f"expected a number, got {value!r}", key=key)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise PolicyError(f"expected a string, got {value!r}", key=key)
        return value
    if tp is Duration:
        if isinstance(value, Duration):
            return value
        try:
            return Duration.parse(value)
        except ValidationError as exc:
            raise PolicyError(str(exc), key=key) from None
    if tp is _dt.date:
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise PolicyError(f"expected a date (YYYY-MM-DD), got {value!r}", key=key)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise PolicyError(f"expected a list, got {value!r}", key=key)
        (item,) = get_args(tp)[:1]
        return tuple(structure(item, v, f"{key}[{i}]") for i, v in enumerate(value))
    if origin in (Mapping, dict):
        if not isinstance(value, Mapping):
            raise PolicyError(f"expected a table, got {value!r}", key=key)
        ktype, vtype = get_args(tp)
        out: dict[Any, Any] = dict(base) if isinstance(base, Mapping) else {}
        for raw_k, v in value.items():
            k = raw_k
            if ktype is int:
                try:
                    k = int(raw_k)
                except (TypeError, ValueError):
                    raise PolicyError(
                        f"expected a whole-number key, got {raw_k!r}", key=key
                    ) from None
            out[k] = structure(vtype, v, f"{key}.{raw_k}", out.get(k, attrs.NOTHING))
        return out
    if attrs.has(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise PolicyError(f"expected a table, got {value!r}", key=key)
        return structure_class(tp, value, key, base)
    raise PolicyError(f"unsupported policy type {tp!r}", key=key)  # pragma: no cover


_SINK: contextvars.ContextVar[list[PolicyError] | None] = contextvars.ContextVar(
    "mallops_policy_errors", default=None
)


def _report(error: PolicyError) -> None:
    """Record ``error`` when every error is being collected, else raise it."""
    sink = _SINK.get()
    if sink is None:
        raise error
    sink.append(error)


def collect_errors(build: Callable[[], T]) -> T:
    """Run ``build`` reporting *every* policy error at once: a wrong value is noted and
    replaced by its base value so the rest is still checked; one error is raised as it
    is, several as one ``PolicyError`` listing them all (its ``errors`` holds each)."""
    sink: list[PolicyError] = []
    token = _SINK.set(sink)
    result: T | None = None
    try:
        result = build()
    except PolicyError as exc:
        sink.append(exc)
    finally:
        _SINK.reset(token)
    unique = list({str(e): e for e in sink}.values())
    if not unique:
        assert result is not None
        return result
    if len(unique) == 1:
        raise unique[0]
    raise PolicyError(f"{len(unique)} errors: " + "; ".join(str(e) for e in unique), errors=unique)


def _check_fraction(name: str, value: Any, key: str) -> None:
    """Every fraction of the policy is a finite number in range: warning points strictly
    between 0 and 1, rates and targets from 0 to 1 (inf, 5.0 and -0.5 are refused)."""
    if value is None or not isinstance(value, float | int):
        return
    strict = "warn_at" in name
    ok = math.isfinite(value) and (0 < value < 1 if strict else 0 <= value <= 1)
    if not ok:
        span = "strictly between 0 and 1" if strict else "between 0 and 1"
        raise PolicyError(f"a fraction must be {span}, got {value}", key=key)


def structure_class(cls: type[T], data: Mapping[str, Any], prefix: str, base: Any) -> T:
    """Build ``cls`` from ``data``, fields missing in ``data`` taken from ``base`` or defaults."""
    fields = {f.name: f for f in attrs.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    for name in unknown:
        where = f"{prefix}.{name}" if prefix else name
        _report(PolicyError(f"unknown key; allowed here: {', '.join(sorted(fields))}", key=where))
    th = hints(cls)
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        key = f"{prefix}.{name}" if prefix else name
        current = getattr(base, name) if base is not attrs.NOTHING and base is not None else None
        if name in data:
            try:
                value = structure(th[name], data[name], key, current)
                if field.metadata.get("unit") == "fraction":
                    _check_fraction(name, value, key)
            except PolicyError as exc:
                _report(exc)  # collecting: keep checking with the base value
                if current is not None or (base is not attrs.NOTHING and base is not None):
                    kwargs[name] = current
                continue
            kwargs[name] = value
        elif current is not None or (base is not attrs.NOTHING and base is not None):
            kwargs[name] = current
        elif field.default is attrs.NOTHING:
            raise PolicyError("missing required key", key=key)
    try:
        return cls(**kwargs)
    except PolicyError as exc:
        if exc.key and prefix and not exc.key.startswith(prefix):
            raise PolicyError(exc.reason, key=f"{prefix}.{exc.key}") from None
        raise
    except (ValidationError, ValueError, TypeError) as exc:
        raise PolicyError(str(exc), key=prefix or None) from None


def unstructure(value: Any) -> Any:
    """Turn a policy value back into plain TOML-able data."""
    if isinstance(value, Duration):
        return str(value)
    if attrs.has(type(value)):
        return {f.name: unstructure(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, tuple):
        return [unstructure(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): unstructure(v) for k, v in value.items()}
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _fmt_default(value: Any) -> str:
    plain = unstructure(value)
    if isinstance(plain, dict):
        return f"{len(plain)} entries" if plain else "(empty)"
    if isinstance(plain, list):
        text = ", ".join(str(v) for v in plain)
        return text if len(text) < 70 else text[:67] + "..."
    if plain is None:
        return "none"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    return str(plain)


def reference_rows(cls: type, instance: Any, prefix: str = "") -> list[tuple[str, ...]]:
    """(key, type, default, unit, rule, description) for every leaf key, depth first.

    Mappings of classes (categories, severities ...) are listed entry by entry.
    """
    rows: list[tuple[str, ...]] = []
    th = hints(cls)
    for field in attrs.fields(cls):
        if field.metadata.get("extensions"):
            continue  # plug-in sections: listed by their own classes
        key = f"{prefix}.{field.name}" if prefix else field.name
        tp = th[field.name]
        value = getattr(instance, field.name)
        meta = field.metadata
        if attrs.has(tp) and tp is not Duration:  # a duration is one value: "48 hours"
            rows.extend(reference_rows(tp, value, key))
            continue
        origin = get_origin(tp)
        if origin in (Mapping, dict):
            vtype = get_args(tp)[1]
            if attrs.has(vtype) and value:
                for k, v in value.items():
                    rows.extend(reference_rows(vtype, v, f"{key}.{k}"))
                continue
        unit = meta.get("unit", "")
        if tp is Duration or (
            origin in (types.UnionType, typing.Union) and Duration in get_args(tp)
        ):
            unit = unit or "duration"
        rows.append(
            (
                key,
                _type_name(tp),
                _fmt_default(value),
                unit,
                meta.get("rule", ""),
                meta.get("doc", ""),
            )
        )
    return rows


def field(default: Any, *, doc: str, rule: str = "", unit: str = "") -> Any:
    """An attrs field with the metadata the policy reference needs."""
    meta = {"doc": doc, "rule": rule, "unit": unit}
    if isinstance(default, dict | list):
        factory_value = default

        def factory() -> Any:
            return dict(factory_value) if isinstance(factory_value, dict) else tuple(factory_value)

        return attrs.field(factory=factory, metadata=meta)
    return attrs.field(default=default, metadata=meta)
