"""Records to plain JSON data and back, for every backend that stores text.

The format (documented in docs/storage.md) is a dict per record with short, stable
keys; datetimes are ISO 8601 strings with their offset.  A history entry's ``out`` holds
its outcome (what the event changed, G6) with one-letter keys and only what it holds;
entries written before outcomes were recorded have no ``out``.  ``decode`` validates as it goes
and raises :class:`~mallops.errors.CorruptStoreError` naming the record and the key
when the data is not a record.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import pendulum

from ..domain.records import Actor, Escalation, HistoryEntry, Link, Mark, Outcome, Record, Timer
from ..errors import CorruptStoreError

__all__ = ["datetime_from_text", "decode", "encode", "micros"]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def micros(value: _dt.datetime) -> int:
    """Integer microseconds since the epoch of an aware datetime: exact, sortable, and
    independent of the offset.  The stores index creation, update and wake times by it,
    and ``creation_keys(query)`` of the SQL and JSON stores returns it.  ``ValueError``
    for a naive datetime.  (The standard library's subtraction: pendulum's builds an
    ``Interval``, issue 16.)"""
    if value.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset")
    delta = _dt.datetime.__sub__(value, _EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_TZ_CACHE: dict[int, Any] = {}


def _dt_out(value: pendulum.DateTime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt_in(value: Any, where: str) -> pendulum.DateTime:
    if not isinstance(value, str):
        raise CorruptStoreError(f"{where}: expected an ISO datetime, got {value!r}")
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        raise CorruptStoreError(f"{where}: {value!r} is not an ISO datetime") from None
    offset = parsed.utcoffset()
    if offset is None:
        raise CorruptStoreError(f"{where}: {value!r} has no UTC offset")
    seconds = int(offset.total_seconds())
    tz = _TZ_CACHE.get(seconds)
    if tz is None:
        tz = pendulum.FixedTimezone(seconds)
        _TZ_CACHE[seconds] = tz
    return pendulum.instance(parsed, tz=tz)


def _opt_dt_in(value: Any, where: str) -> pendulum.DateTime | None:
    return None if value is None else _dt_in(value, where)


def _actor_out(a: Actor) -> list[Any]:
    return [a.id, a.role, a.department, a.name]


def _provisional_in(t: Mapping[str, Any], where: str) -> int | None:
    value = t.get("provisional_year")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise CorruptStoreError(f"{where}.timers.provisional_year: unexpected value {value!r}")
    return value


def _timer_out(t: Timer) -> dict[str, Any]:
    return {
        "name": t.name,
        "basis": t.basis,
        "allowance": t.allowance,
        "status": t.status,
        "started_at": _dt_out(t.started_at),
        "anchor": _dt_out(t.anchor),
        "consumed": t.consumed,
        "paused_total": t.paused_total,
        "paused_at": _dt_out(t.paused_at),
        "stopped_at": _dt_out(t.stopped_at),
        "breached_at": _dt_out(t.breached_at),
        "quiet": t.quiet,
        "marks": [
            [m.kind, m.offset, m.level, _dt_out(m.due_at), _dt_out(m.fired_at)] for m in t.marks
        ],
        "by_department": [list(p) for p in t.by_department],
        "restarts": t.restarts,
        # optional key (G9 provisional plans): stores written before it still load
        **({"provisional_year": t.provisional_year} if t.provisional_year else {}),
    }


def _escalation_out(e: Escalation) -> list[Any]:
    return [e.level, e.role, e.cause, _dt_out(e.at)]


def _outcome_out(o: Outcome) -> dict[str, Any]:
    """An outcome with short keys, only what it holds (G6; kept small: one per entry)."""
    out: dict[str, Any] = {}
    if o.state is not None:
        out["s"] = o.state
    if o.values:
        out["v"] = dict(o.values)
    if o.fields:
        out["f"] = dict(o.fields)
    if o.removed:
        out["f-"] = list(o.removed)
    if o.timers:
        out["t"] = [_timer_out(t) for t in o.timers]
    if o.dropped:
        out["t-"] = list(o.dropped)
    if o.escalations:
        out["e"] = [_escalation_out(e) for e in o.escalations]
    if o.links:
        out["l"] = [[link.relation, link.record_id] for link in o.links]
    if o.replaced:
        out["r"] = list(o.replaced)
    return out


def _entry_out(h: HistoryEntry) -> dict[str, Any]:
    out = {
        "seq": h.seq,
        "at": _dt_out(h.at),
        "actor": _actor_out(h.actor),
        "event": h.event,
        "from": h.from_state,
        "to": h.to_state,
        "data": dict(h.data),
        "reason": h.reason,
    }
    if h.outcome is not None:
        out["out"] = _outcome_out(h.outcome)
    return out


def encode(record: Record) -> dict[str, Any]:
    """A record as plain JSON-compatible data."""
    return {
        "id": record.id,
        "kind": record.kind,
        "property": record.property,
        "state": record.state,
        "version": record.version,
        "created_at": _dt_out(record.created_at),
        "updated_at": _dt_out(record.updated_at),
        "is_open": record.is_open,
        "owner": record.owner,
        "department": record.department,
        "tenant": record.tenant,
        "location": record.location,
        "category": record.category,
        "severity": record.severity,
        "fields": dict(record.fields),
        "timers": [_timer_out(t) for t in record.timers],
        "escalation_level": record.escalation_level,
        "escalations": [_escalation_out(e) for e in record.escalations],
        "links": [[link.relation, link.record_id] for link in record.links],
        "history": [_entry_out(h) for h in record.history],
        "wake_at": _dt_out(record.wake_at),
    }


def _need(d: Mapping[str, Any], key: str, where: str, types: Any) -> Any:
    if key not in d:
        raise CorruptStoreError(f"{where}: missing key {key!r}")
    value = d[key]
    if not isinstance(value, types):
        raise CorruptStoreError(f"{where}.{key}: unexpected value {value!r}")
    return value


def _timer_in(t: Any, w: str) -> Timer:
    return Timer(
        name=_need(t, "name", w, str),
        basis=_need(t, "basis", w, str),
        allowance=_need(t, "allowance", w, int),
        status=_need(t, "status", w, str),
        started_at=_dt_in(t.get("started_at"), f"{w}.timers.started_at"),
        anchor=_opt_dt_in(t.get("anchor"), f"{w}.timers.anchor"),
        consumed=_need(t, "consumed", w, int),
        paused_total=_need(t, "paused_total", w, int),
        paused_at=_opt_dt_in(t.get("paused_at"), f"{w}.timers.paused_at"),
        stopped_at=_opt_dt_in(t.get("stopped_at"), f"{w}.timers.stopped_at"),
        breached_at=_opt_dt_in(t.get("breached_at"), f"{w}.timers.breached_at"),
        quiet=_need(t, "quiet", w, bool),
        marks=tuple(
            Mark(m[0], m[1], m[2], _opt_dt_in(m[3], f"{w}.marks"), _opt_dt_in(m[4], f"{w}.marks"))
            for m in _need(t, "marks", w, list)
        ),
        by_department=tuple((p[0], p[1]) for p in _need(t, "by_department", w, list)),
        restarts=_need(t, "restarts", w, int),
        provisional_year=_provisional_in(t, w),
    )


def _escalation_in(e: Any, w: str) -> Escalation:
    return Escalation(e[0], e[1], e[2], _dt_in(e[3], f"{w}.escalations"))


def _outcome_in(o: Any, w: str) -> Outcome:
    if not isinstance(o, Mapping):
        raise CorruptStoreError(f"{w}.history.out: expected an object, got {o!r}")
    return Outcome(
        state=o.get("s"),
        values=o.get("v", {}),
        fields=o.get("f", {}),
        removed=tuple(o.get("f-", ())),
        timers=tuple(_timer_in(t, w) for t in o.get("t", ())),
        dropped=tuple(o.get("t-", ())),
        escalations=tuple(_escalation_in(e, w) for e in o.get("e", ())),
        links=tuple(Link(x[0], x[1]) for x in o.get("l", ())),
        replaced=tuple(o.get("r", ())),
    )


def datetime_from_text(value: Any, where: str) -> pendulum.DateTime:
    """An ISO 8601 text with its offset as a datetime (``CorruptStoreError`` naming
    ``where`` otherwise); the form every stored datetime has."""
    return _dt_in(value, where)


def decode(data: Any) -> Record:
    """A record from :func:`encode`'s output; ``CorruptStoreError`` if it is not one."""
    if not isinstance(data, Mapping):
        raise CorruptStoreError(f"a record must be an object, got {type(data).__name__}")
    rid = data.get("id")
    w = f"record {rid!r}"
    try:
        timers = tuple(_timer_in(t, w) for t in _need(data, "timers", w, list))
        history = tuple(
            HistoryEntry(
                seq=_need(h, "seq", w, int),
                at=_dt_in(h.get("at"), f"{w}.history.at"),
                actor=Actor(*_need(h, "actor", w, list)),
                event=_need(h, "event", w, str),
                from_state=h.get("from"),
                to_state=_need(h, "to", w, str),
                data=_need(h, "data", w, dict),
                reason=h.get("reason"),
                outcome=_outcome_in(h["out"], w) if "out" in h else None,
            )
            for h in _need(data, "history", w, list)
        )
        return Record(
            id=_need(data, "id", w, str),
            kind=_need(data, "kind", w, str),
            property=_need(data, "property", w, str),
            state=_need(data, "state", w, str),
            version=_need(data, "version", w, int),
            created_at=_dt_in(data.get("created_at"), f"{w}.created_at"),
            updated_at=_dt_in(data.get("updated_at"), f"{w}.updated_at"),
            is_open=_need(data, "is_open", w, bool),
            owner=data.get("owner"),
            department=data.get("department"),
            tenant=data.get("tenant"),
            location=data.get("location"),
            category=data.get("category"),
            severity=data.get("severity"),
            fields=_need(data, "fields", w, dict),
            timers=timers,
            escalation_level=_need(data, "escalation_level", w, int),
            escalations=tuple(_escalation_in(e, w) for e in _need(data, "escalations", w, list)),
            links=tuple(Link(x[0], x[1]) for x in _need(data, "links", w, list)),
            history=history,
            wake_at=_opt_dt_in(data.get("wake_at"), f"{w}.wake_at"),
        )
    except CorruptStoreError:
        raise
    except (TypeError, IndexError, KeyError, AttributeError, ValueError) as exc:
        raise CorruptStoreError(f"{w}: malformed record data ({exc})") from None
