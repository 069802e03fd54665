"""Helpers of the engine: event parameters in stored form, and the domain events an
applied entry raises.  Pure functions of the spec, the policy and the entry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..domain.events import DomainEvent
from ..domain.records import HistoryEntry, Record
from ..errors import ValidationError
from ..policy import Policy
from .context import Emitted
from .spec import EventSpec, Param, WorkflowSpec, describe_params

__all__ = ["dump_event_params", "events_of"]

_REASON = Param("reason", "text", max_len=2000)
_NAMES: dict[int, tuple[tuple[Param, ...], frozenset[str]]] = {}


def _names(params: tuple[Param, ...]) -> frozenset[str]:
    """The names of ``params``, computed once per parameter tuple (issue 16)."""
    got = _NAMES.get(id(params))
    if got is None or got[0] is not params:  # the tuple itself is kept: ids stay unique
        got = _NAMES[id(params)] = (params, frozenset(p.name for p in params))
    return got[1]


def dump_event_params(
    spec: EventSpec, params: Mapping[str, Any], reason: str | None, policy: Policy, tz: str
) -> tuple[dict[str, Any], str | None]:
    """``params`` of event ``spec`` validated and in stored form, and the reason (G2:
    a required parameter must be given; an unknown one is refused, naming the allowed)."""
    names = _names(spec.params)
    if not names.issuperset(params):
        unknown = sorted(set(params) - names)
        raise ValidationError(
            f"{spec.name}: unknown parameter {unknown[0]!r}; parameters: "
            f"{describe_params(spec.params)}",
            field=unknown[0],
        )
    data: dict[str, Any] = {}
    for p in spec.params:
        value = params.get(p.name)
        if value is None:
            if p.required:
                raise ValidationError(
                    f"{spec.name}: {p.name} is required (G2); parameters: "
                    f"{describe_params(spec.params)}",
                    field=p.name,
                )
            continue
        data[p.name] = p.dump(value, policy, tz)
    if reason is not None:
        reason = _REASON.dump(reason, policy, tz)
    elif spec.reason_required:
        raise ValidationError(f"{spec.name}: a reason is required", field="reason")
    return data, reason


def events_of(
    spec: WorkflowSpec,
    out: Record,
    emitted: Iterable[Emitted],
    entry: HistoryEntry,
    from_state: str | None,
) -> list[DomainEvent]:
    """The domain events of ``entry`` applied: ``created`` or ``transitioned`` (not for
    the engine's own ``_`` events), then what the effects emitted."""
    events: list[DomainEvent] = []
    if entry.event == spec.create.name and from_state is None:
        events.append(
            DomainEvent("created", out.id, out.kind, out.property, entry.at, {"state": out.state})
        )
    elif not entry.event.startswith("_"):
        events.append(
            DomainEvent(
                "transitioned",
                out.id,
                out.kind,
                out.property,
                entry.at,
                {
                    "event": entry.event,
                    "from": from_state,
                    "to": out.state,
                    "actor": entry.actor.id,
                },
            )
        )
    events.extend(
        DomainEvent(e.type, out.id, out.kind, out.property, entry.at, e.data) for e in emitted
    )
    return events
