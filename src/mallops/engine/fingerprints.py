"""The fingerprints a property's configuration record keeps (#14: configuration that
cannot drift): of the policy, of the calendar data, of each year's holiday data, and of
each workflow's definition.

Per workflow kind, the record keeps a digest of the definition
its records were written under: the states, the events (sources, destination, roles,
access rule), their parameters, the timers (when they start, stop and pause) and the
escalation ladder, each part digested on its own so a difference can be named.  Labels
(zh/en), documentation and the code of guards and effects are not part of it: renaming a
label or refactoring an effect is no drift.  The ladder and the pause states are taken
as the policy resolves them.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from typing import TYPE_CHECKING, Any

from .spec import EventSpec, Param, WorkflowSpec

if TYPE_CHECKING:
    from ..policy import Policy

__all__ = [
    "DEFINITION_PARTS",
    "calendar_fingerprint",
    "definition_data",
    "definition_fingerprint",
    "policy_fingerprint",
    "short_digest",
    "year_fingerprints",
]

DEFINITION_PARTS = ("states", "events", "params", "timers", "ladder", "prefix")
"""The parts of a definition fingerprint, in the order differences are named."""


def short_digest(data: Any) -> str:
    """A 16-hex-digit SHA-256 digest of ``data`` as canonical JSON (keys sorted)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def policy_fingerprint(policy: Policy) -> str:
    """A short hash of every policy number and list except its name and calendar."""
    data = policy.to_dict()
    data.pop("name", None)
    data.pop("calendar", None)
    return short_digest(data)


def calendar_fingerprint(policy: Policy) -> str:
    """A short hash of the calendar section except its per-year holiday data: timezone,
    working hours, weekend and, when the built-in holidays are on, the version of the
    package that provides them."""
    data = dict(policy.to_dict().get("calendar", {}))
    data.pop("years", None)
    if data.get("builtin_holidays"):
        try:
            data["builtin_version"] = metadata.version("chinesecalendar")
        except metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
            data["builtin_version"] = None
    return short_digest(data)


def year_fingerprints(policy: Policy) -> dict[str, str]:
    """A short hash of each year's holiday data in the policy, by year (G9).  A process
    with data for a year more than the store is compatible (the data arrived: the next
    write records it, the calendar re-plans provisional timers); a year missing or
    different is drift."""
    years = policy.to_dict().get("calendar", {}).get("years", {})
    return {str(year): short_digest(data) for year, data in years.items()}


def _param(p: Param) -> list[Any]:
    refers = list(p.refers) if p.refers is not None else None
    return [p.name, p.kind, p.required, p.personal, refers, p.must_exist, p.minimum, p.maximum]


def _event(e: EventSpec) -> list[Any]:
    return [e.name, list(e.sources), e.dest, sorted(e.roles), e.system, e.who, e.reason_required]


def definition_data(spec: WorkflowSpec, policy: Policy) -> dict[str, Any]:
    """The parts of ``spec`` a fingerprint covers, as plain JSON data (under ``policy``)."""
    events = (spec.create, *spec.events)
    return {
        "states": {"initial": spec.initial, "states": [[s.name, s.final] for s in spec.states]},
        "events": [_event(e) for e in events],
        "params": {e.name: [_param(p) for p in e.params] for e in events},
        "timers": [
            [t.name, list(t.starts_on), sorted(t.stops_in), sorted(t.pauses_in(policy))]
            for t in spec.timers
        ],
        "ladder": list(spec.ladder(policy)),
        "prefix": spec.prefix,
    }


def definition_fingerprint(spec: WorkflowSpec, policy: Policy) -> dict[str, str]:
    """A digest of each part of ``spec``'s definition (:data:`DEFINITION_PARTS`) and of
    the whole (``"digest"``): stable across processes and versions of Python."""
    data = definition_data(spec, policy)
    out = {part: short_digest(data[part]) for part in DEFINITION_PARTS}
    out["digest"] = short_digest(out)
    return out
