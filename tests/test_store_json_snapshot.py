"""The index snapshot a compaction writes next to a JSON store (``<store>.index``).

Opening uses it only when it is whole and describes the file's bytes exactly; every
other case (none, stale, truncated, bit-flipped, the file cut or edited) opens by
reading every line, with the same records, counters and feed as without a snapshot.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import Any

import attrs
import pytest

from mallops import CorruptStoreError, JsonStore, Query
from mallops.domain.events import DomainEvent
from mallops.stores import CounterWrite, Write, _json_snapshot
from mallops.stores import _json_format as fmt
from mallops.testing import sample_record

from . import _json_workers as workers
from .conftest import at

T0 = at(2026, 9, 30, 10)


def _event(rid: str) -> DomainEvent:
    return DomainEvent("created", rid, "complaint", "default", T0)


def _fill(path: Path) -> None:
    """A compacted store with records, counters and feed events, then one more commit."""
    with JsonStore(path) as store:
        records = [
            sample_record(
                f"C-{i:03d}",
                location=f"L{i % 3}",
                category="noise",
                created_at=T0.add(minutes=i),
                wake_at=T0.add(hours=i),
            )
            for i in range(30)
        ]
        store.commit([Write(r, 0) for r in records], [CounterWrite("n", 0, 30)])
        store.commit([], events=[_event("C-001"), _event("C-002")])
        r = store.get("C-005")
        store.commit([Write(attrs.evolve(r, version=2, state="assigned"), 1)])
        store.compact()
        r = store.get("C-007")
        store.commit(
            [Write(attrs.evolve(r, version=2, is_open=False), 1)],
            [CounterWrite("n", 30, 31)],
            [_event("C-007")],
        )


def _view(path: Path) -> dict[str, Any]:
    """Everything a store answers, as plain data."""
    with JsonStore(path) as store:
        records = store.query(Query())
        return {
            "records": [(r.id, r.version, r.state, r.is_open) for r in records],
            "counters": store.counters(),
            "feed": [(e.position, e.event.record_id) for e in store.events_since(0)],
            "due": store.due(T0.add(days=3)),
            "ids": store.ids(Query(location="L1", category="noise", limit=4)),
            "open": store.ids(Query(is_open=True, state="assigned")),
            "len": len(store),
        }


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the opens that installed a snapshot."""
    calls: list[int] = []
    install = _json_snapshot.install

    def counting(*args: Any) -> None:
        calls.append(1)
        install(*args)

    monkeypatch.setattr(_json_snapshot, "install", counting)
    return calls


def _reference(path: Path) -> dict[str, Any]:
    """The view without the snapshot (every line read)."""
    snap = _json_snapshot.path_of(path)
    kept = snap.read_bytes()
    snap.unlink()
    try:
        return _view(path)
    finally:
        snap.write_bytes(kept)


def test_compaction_writes_a_snapshot_that_opening_uses(tmp_path: Path, used: list[int]) -> None:
    """The snapshot is used, and the store answers exactly as when every line is read
    (records, counters, feed, due list, C9 ids), the commit after compaction included."""
    path = tmp_path / "s.json"
    _fill(path)
    assert _json_snapshot.path_of(path).exists()
    want = _reference(path)
    assert used == []
    assert _view(path) == want
    assert used == [1]
    assert want["records"][7] == ("C-007", 2, "registered", False)
    assert want["counters"]["n"] == 31
    assert len(want["feed"]) == 3


def test_an_empty_store_compacts_and_opens_from_its_snapshot(
    tmp_path: Path, used: list[int]
) -> None:
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.compact()
    with JsonStore(path) as store:
        assert len(store) == 0
        store.commit([Write(sample_record("C-1"), 0)])
    assert _view(path)["len"] == 1
    assert used == [1, 1]


def test_a_stale_snapshot_is_not_used(tmp_path: Path, used: list[int]) -> None:
    """A snapshot of an earlier compaction (as after a crash between renaming the file
    and renaming its snapshot, or copied back by hand) is ignored."""
    path = tmp_path / "s.json"
    _fill(path)
    old = _json_snapshot.path_of(path).read_bytes()
    with JsonStore(path) as store:
        store.compact()  # same records, another compaction (its base moved)
        r = store.get("C-008")
        store.commit([Write(attrs.evolve(r, version=2, state="assigned"), 1)])
        store.compact()
    want = _reference(path)
    _json_snapshot.path_of(path).write_bytes(old)
    used.clear()
    assert _view(path) == want
    assert used == []


@pytest.mark.parametrize("point", ["compact:index-partial", "compact:before-index-rename"])
def test_a_crash_between_compaction_and_snapshot_opens_correctly(
    tmp_path: Path, point: str, used: list[int]
) -> None:
    """SIGKILL after the compacted file is renamed into place but before its snapshot
    is: the old snapshot stays and does not describe the new file; nothing is lost."""
    path = tmp_path / "s.json"
    _fill(path)
    before = _view(path)
    used.clear()
    pid = workers.fork(lambda: workers.crash_at(path, point, JsonStore.compact))
    assert workers.wait(pid) == -signal.SIGKILL
    assert _view(path) == before
    assert used == []  # the new file's header differs: the old snapshot is not used
    with JsonStore(path) as store:
        store.compact()  # cleans up the temporary snapshot and writes a good one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.json.index"]
    assert _view(path) == before
    assert used == [1]


def test_a_truncated_or_bit_flipped_snapshot_is_not_used(
    tmp_path: Path, used: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    """Every cut of the snapshot, and a flipped bit at many places, opens by reading every
    line, logging why; the answers do not change."""
    path = tmp_path / "s.json"
    _fill(path)
    snap = _json_snapshot.path_of(path)
    good = snap.read_bytes()
    want = _reference(path)
    step = max(1, len(good) // 40)
    cuts = [*range(0, len(good), step), len(good) - 1]
    flips = [*range(0, len(good), step), len(good) - 2]
    bad = [good[:c] for c in cuts] + [_flip(good, i) for i in flips]
    with caplog.at_level(logging.INFO, logger="mallops.stores.json"):
        for data in bad:
            snap.write_bytes(data)
            assert _view(path) == want
    assert used == []
    assert "not using the index snapshot" in caplog.text
    snap.write_bytes(good)
    assert _view(path) == want
    assert used == [1]


def _flip(data: bytes, i: int) -> bytes:
    return data[:i] + bytes([data[i] ^ 0x04]) + data[i + 1 :]


def test_a_changed_byte_in_the_file_is_never_served_from_the_snapshot(
    tmp_path: Path, used: list[int]
) -> None:
    """A byte of a compacted line changed: the snapshot no longer matches the file's
    checksum, and the line-by-line open reports the damaged line as before."""
    path = tmp_path / "s.json"
    _fill(path)
    data = path.read_bytes()
    where = data.find(b'"C-012"', data.find(b'"record"'))
    path.write_bytes(_flip(data, where + 3))
    with pytest.raises(CorruptStoreError, match=r"line \d+, offset \d+: checksum mismatch"):
        JsonStore(path)
    assert used == []


def test_a_line_edited_by_hand_is_read_as_edited(tmp_path: Path, used: list[int]) -> None:
    """A compacted line fixed by hand (same length, a new checksum: docs/storage.md,
    'Bad files') is valid, and the store answers from the file, not the snapshot."""
    path = tmp_path / "s.json"
    _fill(path)
    data = path.read_bytes()
    start = data.find(b'{"crc"', data.find(b'"C-012",1,"complaint"') - 60)
    end = data.find(b"\n", start)
    line = data[start:end]
    edited = line.replace(b'"registered"', b'"registerex"')
    assert len(edited) == len(line)
    path.write_bytes(data[:start] + fmt.seal(edited[fmt.HEAD_LEN :])[:-1] + data[end:])
    view = _view(path)
    assert ("C-012", 1, "registerex", True) in view["records"]
    assert used == []


def test_a_compacted_file_cut_at_a_line_boundary_is_an_error(
    tmp_path: Path, used: list[int]
) -> None:
    """The file cut at the end of any line of its compaction group (its snapshot still
    next to it) raises CorruptStoreError: it never opens empty or with records missing."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit(
            [Write(sample_record(f"C-{i}"), 0) for i in range(4)], [CounterWrite("n", 0, 1)]
        )
        store.compact()
    data = path.read_bytes()
    ends = [i + 1 for i, b in enumerate(data) if b == 0x0A][:-1]
    assert len(ends) == 5  # header, four records (the counters line is the last)
    for cut in ends:
        path.write_bytes(data[:cut])
        with pytest.raises(CorruptStoreError, match="inside its snapshot"):
            JsonStore(path)
    assert used == []


def test_a_corrupt_line_is_still_reported_when_its_record_is_read(
    tmp_path: Path, used: list[int]
) -> None:
    """A line damaged after the store was opened from its snapshot raises mallops' own
    CorruptStoreError when its record is read (each read checks its line)."""
    path = tmp_path / "s.json"
    _fill(path)
    with JsonStore(path) as store:
        assert used == [1]
        data = bytearray(path.read_bytes())
        where = data.find(b'"complainant"', data.find(b'"C-013",1'))
        where = where if where > 0 else data.find(b'"record"', data.find(b'"C-013",1')) + 12
        with open(path, "r+b") as f:
            f.seek(where)
            f.write(bytes([data[where] ^ 0x01]))
        with pytest.raises(CorruptStoreError, match="C-013"):
            store.get("C-013")
