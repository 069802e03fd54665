"""Copy every record and counter from one store to another (``mallops store copy``).

A user whose JSON file outgrows it moves to SQLite or PostgreSQL in one command; any
backend copies to any backend.  The copy:

* **writes the counters first**, in the first commit, so the destination never hands
  out a record number the source already used, even if the copy is interrupted;
* **copies records in batches**, one commit each, read without decoding more than one
  batch at a time (ids come from the source's indexes);
* **is resumable**: a record already in the destination at the source's version is
  skipped, one at an older version (the source moved on since an interrupted copy) is
  brought forward; a record or counter *ahead* in the destination, or a record the
  source does not have, means the two stores have diverged, and the copy stops with
  ``ConflictError`` (the batch holding the difference is not written);
* **verifies** at the end that the destination holds exactly the source's records, kind
  by kind, and the same counters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping

import attrs

from ..errors import ConflictError, EventsPruned, StoreError, ValidationError
from .protocol import FEED_HEAD, CounterWrite, Query, Store, Write, query_ids

__all__ = ["CopyResult", "copy_store", "store_counters"]

Progress = Callable[[int, int], None]
"""Called with ``(records done, records in all)`` after each batch."""


@attrs.frozen
class CopyResult:
    """What a copy did and what it checked."""

    records: int
    """Records in the source (and now in the destination)."""
    copied: int
    """Records written by this run (the others were already there)."""
    counters: int
    """Counters in the source (and now in the destination, at the same values)."""
    kinds: Mapping[str, int]
    """Records per kind, equal in both stores."""


def store_counters(store: Store) -> dict[str, int]:
    """Every counter of ``store`` by name (mallops' stores list them with ``counters()``)."""
    listing = getattr(store, "counters", None)
    if not callable(listing):
        raise StoreError(
            f"{store!r} cannot list its counters (no counters() method); it cannot be copied"
        )
    counters = {str(k): int(v) for k, v in listing().items()}
    counters.pop(FEED_HEAD, None)  # the feed's own: it moves with the events (_copy_feed)
    return counters


def _copy_feed(src: Store, dst: Store, size: int) -> int:
    """Append the source's retained feed events the destination lacks, in order, a
    page per commit (G6); returns how many.  Positions stay the same when the
    destination's feed starts where the source's retained part starts."""
    cursor = dst.feed_head()
    copied = 0
    for _ in range(1_000_000):  # pages of ``size``: bounded far beyond any real feed
        try:
            page = src.events_since(cursor, limit=size)
        except EventsPruned as exc:  # the source's oldest events are gone: renumbered
            cursor = exc.first - 1
            continue
        if not page:
            break
        dst.commit([], [], [item.event for item in page])
        cursor = page[-1].position
        copied += len(page)
    return copied


def _counter_moves(src: Mapping[str, int], dst: Store) -> list[CounterWrite]:
    moves = []
    for name, value in sorted(src.items()):
        have = dst.counter(name)
        if have > value:
            raise ConflictError(
                f"counter {name!r} is at {have} in the destination but {value} in the "
                "source: the stores have diverged; copy into an empty store",
                expected=value,
                actual=have,
            )
        if have < value:
            moves.append(CounterWrite(name, have, value))
    return moves


def _batches(ids: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def copy_store(
    src: Store, dst: Store, *, batch: int = 1_000, progress: Progress | None = None
) -> CopyResult:
    """Copy ``src`` into ``dst`` (see the module docstring); returns what was checked."""
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise ValidationError(f"batch: expected a positive integer, got {batch!r}", field="batch")
    if src is dst:
        raise ValidationError("the source and the destination are the same store", field="dst")
    src.refresh()
    counters = store_counters(src)
    ids = query_ids(src, Query())
    foreign = set(query_ids(dst, Query())) - set(ids)
    if foreign:
        raise ConflictError(
            f"the destination holds {len(foreign)} records that are not in the source "
            f"(e.g. {sorted(foreign)[0]!r}); copy into an empty store or the one an "
            "interrupted copy left"
        )
    kinds: Counter[str] = Counter()
    pending = _counter_moves(counters, dst)
    copied = done = 0
    for chunk in _batches(ids, batch):
        records = src.get_many(chunk)
        there = dst.get_many(chunk)
        writes = []
        for rid in chunk:
            record = records[rid]
            kinds[record.kind] += 1
            have = there.get(rid)
            if have is None:
                writes.append(Write(record, 0))
            elif have.version < record.version:
                writes.append(Write(record, have.version))
            elif have.version > record.version or have != record:
                raise ConflictError(
                    f"record {rid!r} is at version {have.version} in the destination and "
                    f"{record.version} in the source, with other content: the stores have "
                    "diverged; copy into an empty store",
                    record_id=rid,
                    expected=record.version,
                    actual=have.version,
                )
        if writes or pending:
            dst.commit(writes, pending)
            pending = []
        copied += len(writes)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    if pending:
        dst.commit([], pending)
    _copy_feed(src, dst, batch)
    _verify(src, dst, counters, kinds)
    if progress is not None and not ids:
        progress(0, 0)
    return CopyResult(len(ids), copied, len(counters), dict(sorted(kinds.items())))


def _verify(src: Store, dst: Store, counters: Mapping[str, int], kinds: Counter[str]) -> None:
    """Per kind, the destination holds exactly the source's records; the counters agree.
    ``StoreError`` naming the first difference otherwise."""
    for kind, n in sorted(kinds.items()):
        want = set(query_ids(src, Query(kind=kind)))
        got = set(query_ids(dst, Query(kind=kind)))
        if want != got or len(got) != n:
            missing = sorted(want - got)[:3]
            raise StoreError(
                f"verification failed: the destination holds {len(got)} {kind} records, "
                f"the source {len(want)} (missing: {missing})"
            )
    for name, value in counters.items():
        if dst.counter(name) != value:
            raise StoreError(
                f"verification failed: counter {name!r} is {dst.counter(name)} in the "
                f"destination, {value} in the source"
            )
