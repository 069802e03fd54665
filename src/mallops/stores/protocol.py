"""The storage protocol every backend implements (see docs/storage.md).

A store keeps :class:`~mallops.domain.records.Record` values by id, with:

* **optimistic concurrency** — every write names the version it was based on
  (``expected_version``; 0 for a new record); a stale write raises
  :class:`~mallops.errors.ConflictError` and nothing of the commit is written;
* **atomic commits** of several records and counters at once;
* **counters** (for record numbers and per-month lost-item numbers), advanced in the
  same commit as the records that use them, so a number is never lost or reused;
* **the due query** the ticker uses: records whose ``wake_at`` is at or before a time,
  earliest first, without scanning every record;
* **queries** by kind, state, property, tenant, owner, location, category and time range;
* **the event feed** (G6): the domain events of a commit are written in that commit,
  each at a global, gap-free position (1, 2, 3 ...); ``events_since`` reads them from a
  cursor the consumer keeps, ``prune_events`` applies the retention policy.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs
import pendulum

from ..domain.events import DomainEvent, FeedEvent
from ..domain.records import Record
from ..errors import ConflictError, ValidationError

__all__ = [
    "CounterWrite",
    "Query",
    "Store",
    "Write",
    "check_counter",
    "check_due",
    "check_id",
    "check_ids",
    "query_ids",
    "stale_write",
]

FEED_HEAD = "feed:position"
"""The counter holding the feed's last position (moved by the store itself)."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")


def stale_write(record_id: str, expected: int, actual: int) -> ConflictError:
    """The error every backend raises for a write based on a version that is no longer
    the record's (optimistic concurrency): the same message on every store."""
    return ConflictError(
        f"record {record_id!r} is at version {actual}, the write expected {expected}: "
        "someone else changed it; reload and retry",
        record_id=record_id,
        expected=expected,
        actual=actual,
    )


def check_id(record_id: object) -> str:
    """Return ``record_id`` if it is a safe id (letters, digits, ``_ . : / -``, at most
    128 characters, no ``..``), else raise ``ValidationError``.  Backends call this
    before using an id anywhere, so no id can reach outside the store."""
    if not isinstance(record_id, str) or not _ID.match(record_id) or ".." in record_id:
        raise ValidationError(
            f"{record_id!r} is not a record id (letters, digits and _ . : / - only, "
            "at most 128 characters)",
            field="record_id",
        )
    return record_id


def check_ids(record_ids: object) -> list[str]:
    """``record_ids`` (any iterable of ids but a single string) as a list of checked
    ids, else ``ValidationError``: every backend's ``get_many`` refuses alike."""
    if isinstance(record_ids, str | bytes) or not isinstance(record_ids, Iterable):
        raise ValidationError(
            f"expected a list of record ids, got {type(record_ids).__name__}", field="record_ids"
        )
    return [check_id(rid) for rid in record_ids]


def check_counter(name: object) -> str:
    """``name`` if it is a counter name (non-empty text), else ``ValidationError``."""
    if not isinstance(name, str) or not name or len(name) > 200:
        raise ValidationError(f"{name!r} is not a counter name", field="name")
    return name


def check_due(until: object, property: object, limit: object) -> None:
    """The arguments of ``Store.due``: an aware time, an optional property name and an
    optional limit of 0 or more; else ``ValidationError`` (the same on every backend)."""
    if not isinstance(until, _dt.datetime) or until.utcoffset() is None:
        raise ValidationError(f"due: expected an aware datetime, got {until!r}", field="until")
    if property is not None and not isinstance(property, str):
        raise ValidationError(f"due: property must be text, got {property!r}", field="property")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError(f"due: expected a limit >= 0, got {limit!r}", field="limit")


@attrs.frozen
class Write:
    """Store ``record``, which was based on ``expected_version`` (0 = it is new)."""

    record: Record
    expected_version: int


@attrs.frozen
class CounterWrite:
    """Move counter ``name`` from ``expected`` to ``new`` (``new`` > ``expected``)."""

    name: str
    expected: int
    new: int


@attrs.frozen
class Query:
    """Filters for :meth:`Store.query`; every given filter must match.

    ``state`` and ``kind`` accept one value or a tuple of values.  Time filters are
    half-open: ``created_from <= created_at < created_to``.
    """

    kind: str | tuple[str, ...] | None = None
    state: str | tuple[str, ...] | None = None
    property: str | None = None
    tenant: str | None = None
    owner: str | None = None
    department: str | None = None
    location: str | None = None
    category: str | None = None
    is_open: bool | None = None
    created_from: pendulum.DateTime | None = None
    created_to: pendulum.DateTime | None = None
    updated_from: pendulum.DateTime | None = None
    updated_to: pendulum.DateTime | None = None
    linked_to: str | None = None
    limit: int | None = None

    def __attrs_post_init__(self) -> None:
        _check_query(self)

    @classmethod
    def of(cls, **filters: object) -> Query:
        """A query from keyword filters; an unknown filter or a value of the wrong type
        raises ``ValidationError`` naming it and what is allowed."""
        unknown = sorted(set(filters) - set(_QUERY_FIELDS))
        if unknown:
            raise ValidationError(
                f"unknown query filter {unknown[0]!r}; filters: {', '.join(_QUERY_FIELDS)}",
                field=unknown[0],
            )
        return cls(**filters)  # type: ignore[arg-type]

    @classmethod
    def scoped(cls, scope: Mapping[str, object], filters: Mapping[str, object]) -> Query:
        """``Query.of(**filters)`` within ``scope`` (a service's kind, a mall's property,
        G11): a filter that names another value of a scoped field is refused."""
        for name, fixed in scope.items():
            if name in filters and filters[name] != fixed:
                raise ValidationError(
                    f"query {name}: {filters[name]!r} is outside this view, which reads "
                    f"{name} {fixed!r} only (G11)",
                    field=name,
                )
        return cls.of(**{**filters, **scope})

    def matches(self, r: Record) -> bool:
        """Whether ``r`` passes every filter (the reference semantics for backends)."""
        if self.kind is not None and r.kind not in _many(self.kind):
            return False
        if self.state is not None and r.state not in _many(self.state):
            return False
        for name in (
            "property",
            "tenant",
            "owner",
            "department",
            "location",
            "category",
            "is_open",
        ):
            want = getattr(self, name)
            if want is not None and getattr(r, name) != want:
                return False
        if self.created_from is not None and r.created_at < self.created_from:
            return False
        if self.created_to is not None and r.created_at >= self.created_to:
            return False
        if self.updated_from is not None and r.updated_at < self.updated_from:
            return False
        if self.updated_to is not None and r.updated_at >= self.updated_to:
            return False
        return not (
            self.linked_to is not None and all(link.record_id != self.linked_to for link in r.links)
        )


def _many(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


_QUERY_FIELDS = (
    "kind",
    "state",
    "property",
    "tenant",
    "owner",
    "department",
    "location",
    "category",
    "is_open",
    "created_from",
    "created_to",
    "updated_from",
    "updated_to",
    "linked_to",
    "limit",
)


def _check_query(q: Query) -> None:
    """Every filter of ``q`` has its type (the same refusal on every backend)."""
    for name in ("kind", "state"):
        value = getattr(q, name)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            raise ValidationError(
                f"query {name}: expected text or a tuple of texts, got {value!r}", field=name
            )
    for name in ("property", "tenant", "owner", "department", "location", "category"):
        value = getattr(q, name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"query {name}: expected text, got {value!r}", field=name)
    if q.linked_to is not None:
        check_id(q.linked_to)
    if q.is_open is not None and not isinstance(q.is_open, bool):
        raise ValidationError(f"query is_open: expected true or false, got {q.is_open!r}")
    for name in ("created_from", "created_to", "updated_from", "updated_to"):
        value = getattr(q, name)
        if value is not None and not (
            isinstance(value, _dt.datetime) and value.utcoffset() is not None
        ):
            raise ValidationError(
                f"query {name}: expected an aware datetime, got {value!r}", field=name
            )
    limit = q.limit
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError(
            f"query limit: expected a whole number >= 0, got {limit!r}", field="limit"
        )


@runtime_checkable
class Store(Protocol):
    """What mallops needs from storage.  See the module docstring and docs/storage.md."""

    def get(self, record_id: str) -> Record:
        """The record with this id; ``RecordNotFound`` if there is none."""
        ...

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records among ``record_ids`` that exist (missing ids are left out)."""
        ...

    def commit(
        self,
        writes: Sequence[Write],
        counters: Sequence[CounterWrite] = (),
        events: Sequence[DomainEvent] = (),
    ) -> None:
        """Write all records, counters and feed events, or none (``ConflictError`` on a
        stale version); the events take the next positions of the feed."""
        ...

    def events_since(
        self, position: int, *, property: str | None = None, limit: int | None = None
    ) -> list[FeedEvent]:
        """Feed events after ``position`` (0 = from the start), oldest first, of one
        property if given; ``EventsPruned`` if retention removed some of them."""
        ...

    def feed_head(self) -> int:
        """The position of the last event written (0 if none)."""
        ...

    def prune_events(self, upto: int) -> int:
        """Remove the feed events at or before position ``upto``; returns how many."""
        ...

    def counter(self, name: str) -> int:
        """The current value of a counter (0 if it was never advanced)."""
        ...

    def query(self, query: Query) -> list[Record]:
        """Records matching ``query``, ordered by creation time then id."""
        ...

    def due(
        self, until: pendulum.DateTime, *, property: str | None = None, limit: int | None = None
    ) -> list[tuple[pendulum.DateTime, str]]:
        """``(wake_at, id)`` of records whose ``wake_at <= until``, earliest first."""
        ...

    def refresh(self) -> None:
        """Catch up with what other processes committed (no-op for a private store)."""
        ...

    def close(self) -> None:
        """Release files, locks and connections."""
        ...


def counters_as_mapping(counters: Sequence[CounterWrite]) -> Mapping[str, CounterWrite]:
    """Counters by name; the same counter twice in one commit is refused."""
    out: dict[str, CounterWrite] = {}
    for c in counters:
        if c.name == FEED_HEAD:
            raise ValidationError(f"counter {c.name!r} is the feed's own; commit events instead")
        if c.name in out:
            raise ValidationError(f"counter {c.name!r} appears twice in one commit")
        if c.new <= c.expected:
            raise ValidationError(f"counter {c.name!r} must move forward ({c.expected} -> {c.new})")
        out[c.name] = c
    return out


def query_ids(store: Store, query: Query) -> list[str]:
    """Ids of the records ``store.query(query)`` returns, in the same order.

    Backends that can answer from their indexes without decoding a record offer an
    ``ids(query)`` method (all of mallops' own do); any other store is asked for the
    records.  The engine uses this where it only counts (the C9 recurrence check).
    """
    ids = getattr(store, "ids", None)
    if callable(ids):
        return list(ids(query))
    return [r.id for r in store.query(query)]
