"""The JSON store under crashes, power loss, failing disks, several processes and bad files."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import attrs
import pytest

from mallops import ConflictError, CorruptStoreError, JsonStore, Query, StoreError, ValidationError
from mallops.stores import CounterWrite, Write, json_store
from mallops.stores import _json_format as fmt
from mallops.testing import sample_record

from . import _json_workers as workers

FIXTURES = Path(__file__).parent / "fixtures"


def _bump(store: JsonStore, rid: str, **fields: object) -> Write:
    r = store.get(rid)
    return Write(attrs.evolve(r, version=r.version + 1, fields=fields), r.version)


def _state(store: JsonStore) -> tuple[dict[str, int], dict[str, int]]:
    """Versions of every record, and the counters we use, as plain data."""
    versions = {r.id: r.version for r in store.query(Query())}
    return versions, {name: store.counter(name) for name in ("n", "total")}


def _snapshot(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    with JsonStore(path) as store:
        return _state(store)


# -- process crashes -----------------------------------------------------------------------


def test_sigkill_at_random_moments_loses_no_acknowledged_write(tmp_path: Path) -> None:
    """A writer killed with SIGKILL at random moments, 40 times, leaves a readable file
    holding every commit it acknowledged, and no half of any commit."""
    path, acks = tmp_path / "s.json", tmp_path / "acks"
    rng = random.Random(7)
    for _ in range(40):
        pid = workers.fork(lambda: workers.writer(path, acks))
        time.sleep(rng.uniform(0.01, 0.08))
        os.kill(pid, signal.SIGKILL)
        assert workers.wait(pid) == -signal.SIGKILL
        acked: dict[str, tuple[int, int]] = {}
        for line in acks.read_text().splitlines():
            rid, version, counter = line.split()
            acked[rid] = (int(version), int(counter))
        with JsonStore(path) as store:
            n = store.counter("n")
            for rid, (version, counter) in acked.items():
                assert store.get(rid).version >= version
                assert n >= counter
            # each commit moved the counter and one record version together
            assert sum(r.version for r in store.query(Query())) == n
    assert n > 40


@pytest.mark.parametrize(
    ("point", "after"),
    [
        ("append:partial", False),
        ("append:before-sync", True),  # the bytes are in the kernel: a process crash keeps them
        ("append:after-sync", True),
    ],
)
def test_crash_inside_a_commit_leaves_before_or_after(
    tmp_path: Path, point: str, after: bool
) -> None:
    """A process killed at a named point inside a commit leaves exactly the state before
    the commit or after it, and the store accepts the next commit."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record("C-1"), 0)], [CounterWrite("n", 0, 1)])
    before = _snapshot(path)

    def action(store: JsonStore) -> None:
        store.commit(
            [_bump(store, "C-1", x=1), Write(sample_record("C-2"), 0)], [CounterWrite("n", 1, 2)]
        )

    pid = workers.fork(lambda: workers.crash_at(path, point, action))
    assert workers.wait(pid) == -signal.SIGKILL
    expected = ({"C-1": 2, "C-2": 1}, {"n": 2, "total": 0}) if after else before
    assert _snapshot(path) == expected
    with JsonStore(path) as store:
        store.commit([Write(sample_record("C-3"), 0)])
    assert _snapshot(path)[0]["C-3"] == 1


@pytest.mark.parametrize(
    "point",
    [
        "compact:partial",
        "compact:before-rename",
        "compact:after-rename",
        "compact:index-partial",
        "compact:before-index-rename",
    ],
)
def test_crash_during_compaction_changes_nothing(tmp_path: Path, point: str) -> None:
    """A process killed mid-compaction leaves the same records and counters, in either
    the old or the new file (with or without its index snapshot), and later compactions
    clean up what it left."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record(f"C-{i}"), 0) for i in range(20)])
        for i in range(20):
            store.commit([_bump(store, f"C-{i}", i=i)], [CounterWrite("n", i, i + 1)])
    before = _snapshot(path)
    pid = workers.fork(lambda: workers.crash_at(path, point, JsonStore.compact))
    assert workers.wait(pid) == -signal.SIGKILL
    assert _snapshot(path) == before
    with JsonStore(path) as store:
        store.compact()
        store.commit([_bump(store, "C-0", i=99)])
    assert _snapshot(path)[0]["C-0"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.json.index"]


def test_power_loss_at_every_byte_leaves_a_prefix_of_the_commits(tmp_path: Path) -> None:
    """Cutting the file at every byte offset of its last commits (a power cut before the
    sync) opens as the state after the last complete commit, and the next commit lands
    cleanly after the cut."""
    path = tmp_path / "s.json"
    ends: list[tuple[int, tuple[dict[str, int], dict[str, int]]]] = []
    with JsonStore(path) as store:
        store.commit([Write(sample_record("C-1"), 0)])
        for i in range(3):
            store.commit(
                [_bump(store, "C-1", i=i), Write(sample_record(f"R-{i}", fields={}), 0)],
                [CounterWrite("n", i, i + 1)],
            )
            ends.append((path.stat().st_size, _state(store)))
    data = path.read_bytes()
    start = ends[0][0]
    checked = 0
    for cut in range(start, len(data) + 1):
        cut_path = tmp_path / f"cut{cut}.json"  # a new file: truncating one in place is slow
        cut_path.write_bytes(data[:cut])
        expected = next(s for end, s in reversed(ends) if end <= cut)
        with JsonStore(cut_path) as store:
            assert _state(store) == expected
            if cut % 29 == 0 or cut == len(data) - 1:
                store.commit([Write(sample_record("Z-1"), 0)])
                checked += 1
        if cut % 29 == 0 or cut == len(data) - 1:
            versions, counters = _snapshot(cut_path)
            assert versions == {**expected[0], "Z-1": 1}
            assert counters == expected[1]
        cut_path.unlink()
    assert checked > 10


# -- failures that are reported ------------------------------------------------------------


@pytest.mark.parametrize("point", ["append:partial", "append:before-sync", "append:after-sync"])
def test_a_failing_write_raises_store_error_and_writes_nothing(tmp_path: Path, point: str) -> None:
    """An I/O error during a commit raises StoreError; the store, in memory and on disk,
    is as before, and the next commit succeeds."""
    path = tmp_path / "s.json"
    store = JsonStore(path)
    store.commit([Write(sample_record("C-1"), 0)])

    def fail(where: str) -> None:
        if where == point:
            raise OSError(errno.ENOSPC, "No space left on device")

    store._fault_hook = fail
    with pytest.raises(StoreError, match="nothing was written"):
        store.commit([_bump(store, "C-1", x=1)], [CounterWrite("n", 0, 1)])
    store._fault_hook = None
    assert _state(store) == ({"C-1": 1}, {"n": 0, "total": 0})
    assert _snapshot(path) == ({"C-1": 1}, {"n": 0, "total": 0})
    store.commit([_bump(store, "C-1", x=2)], [CounterWrite("n", 0, 1)])
    store.close()
    assert _snapshot(path) == ({"C-1": 2}, {"n": 1, "total": 0})


def test_an_io_error_while_reading_is_a_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing disk read raises StoreError naming the file, not a bare OSError."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record("C-1"), 0)])
    store = JsonStore(path)

    def broken(*args: object) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "pread", broken)
    with pytest.raises(StoreError, match="Input/output error") as info:
        store.get("C-1")
    assert str(path) in str(info.value)
    monkeypatch.undo()
    assert store.get("C-1").id == "C-1"
    store.close()


# -- several processes ---------------------------------------------------------------------


def test_concurrent_writer_processes_lose_no_increment(tmp_path: Path) -> None:
    """Four processes each committing 40 increments (retrying on ConflictError, and
    compacting the file several times meanwhile) while a fifth reads give exact totals,
    and the reader never sees half a commit."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record("HOT", fields={"count": 0}), 0)])
    pids = [workers.fork(lambda w=w: workers.incrementer(path, w, 40)) for w in range(4)]
    pids.append(workers.fork(lambda: workers.watcher(path, 400)))
    assert [workers.wait(pid) for pid in pids] == [0] * 5
    with JsonStore(path) as store:
        assert store.counter("total") == 160
        hot = store.get("HOT")
        assert hot.fields["count"] == 160
        assert hot.version == 161
        assert [r.version for r in store.query(Query(kind="tick"))] == [40] * 4
    header = fmt.parse_header(path.read_bytes().split(b"\n")[0])
    assert header["base"] > 0  # the file was compacted while the writers ran


def test_threads_sharing_one_handle_lose_no_increment(tmp_path: Path) -> None:
    """Four threads committing through one JsonStore, retrying on ConflictError, leave
    the exact total."""
    path = tmp_path / "s.json"
    store = JsonStore(path, durable=False)
    store.commit([Write(sample_record("HOT", fields={"count": 0}), 0)])

    def work() -> None:
        done = 0
        while done < 25:
            hot = store.get("HOT")
            bumped = attrs.evolve(
                hot, version=hot.version + 1, fields={"count": hot.fields["count"] + 1}
            )
            try:
                store.commit([Write(bumped, hot.version)])
            except ConflictError:
                continue
            done += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("HOT").fields["count"] == 100
    store.close()


def test_a_handle_follows_commits_and_compactions_of_another(tmp_path: Path) -> None:
    """A second handle sees the first's commits on its next read and reloads after the
    first compacts; a write based on what it read before then conflicts."""
    path = tmp_path / "s.json"
    a, b = JsonStore(path), JsonStore(path)
    a.commit([Write(sample_record("C-1"), 0)])
    stale = b.get("C-1")
    a.commit([_bump(a, "C-1", x=1)])
    a.compact()
    assert b.get("C-1").version == 2
    with pytest.raises(ConflictError):
        b.commit([Write(attrs.evolve(stale, version=2), 1)])
    b.commit([_bump(b, "C-1", x=2)])
    assert a.get("C-1").version == 3
    a.close()
    b.close()


def test_automatic_compaction_keeps_everything_and_bounds_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewriting one record many times compacts the file on its own; nothing is lost."""
    monkeypatch.setattr(json_store, "_COMPACT_MIN", 10_000)
    path = tmp_path / "s.json"
    with JsonStore(path, durable=False) as store:
        store.commit([Write(sample_record(f"C-{i}"), 0) for i in range(5)])
        for i in range(300):
            store.commit([_bump(store, f"C-{i % 5}", i=i)], [CounterWrite("n", i, i + 1)])
        size = path.stat().st_size
        assert size < 40_000
    assert _snapshot(path) == ({f"C-{i}": 61 for i in range(5)}, {"n": 300, "total": 0})


def test_fast_mode_keeps_commits_across_reopen(tmp_path: Path) -> None:
    """durable=False commits without syncing but reads back the same after reopening."""
    path = tmp_path / "s.json"
    with JsonStore(path, durable=False) as store:
        assert not store.durable
        store.commit([Write(sample_record("C-1"), 0)], [CounterWrite("n", 0, 1)])
    assert _snapshot(path) == ({"C-1": 1}, {"n": 1, "total": 0})


# -- bad files -----------------------------------------------------------------------------


def _good_file(path: Path) -> bytes:
    with JsonStore(path) as store:
        for i in range(3):
            store.commit([Write(sample_record(f"C-{i}"), 0)], [CounterWrite("n", i, i + 1)])
    return path.read_bytes()


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda d: b"", "line 1"),
        (lambda d: d[:20], "line 1"),
        (lambda d: b'{"_default": {"1": {"a": 1}}}\n', "line 1"),
        (lambda d: b"\x00" * 64 + d, "line 1"),
        (lambda d: d.replace(b'"version":%d,' % fmt.VERSION, b'"version":9,', 1), "line 1"),
        (lambda d: d.replace(b"C-1", b"C-7", 1), "line 4"),
        (lambda d: b"\n".join(d.split(b"\n")[:3] + d.split(b"\n")[5:]), "line 4"),
        (lambda d: d[:-3] + b"x}\n", "line 7"),
    ],
    ids=[
        "empty",
        "truncated-header",
        "foreign-json",
        "foreign-binary",
        "future-version",
        "changed-byte",
        "missing-commit",
        "damaged-last-line",
    ],
)
def test_bad_files_raise_corrupt_store_error_naming_file_and_line(
    tmp_path: Path, damage: object, where: str
) -> None:
    """A truncated, corrupted, foreign or future-version file raises CorruptStoreError
    naming the file and the line, and is left exactly as it was."""
    path = tmp_path / "s.json"
    bad = damage(_good_file(path))  # type: ignore[operator]
    path.write_bytes(bad)
    with pytest.raises(CorruptStoreError) as info:
        JsonStore(path)
    assert str(path) in str(info.value)
    assert where in str(info.value)
    assert path.read_bytes() == bad


def test_a_line_changed_after_opening_is_reported_when_read(tmp_path: Path) -> None:
    """Records are decoded lazily, and a line whose bytes changed under an open store
    raises CorruptStoreError when read instead of returning altered data."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record("C-1", fields={"note": "abc"}), 0)])
    reader = JsonStore(path)
    data = path.read_bytes()
    with path.open("r+b") as f:
        f.seek(data.index(b'"abc"'))
        f.write(b'"abd"')
    with pytest.raises(CorruptStoreError, match="checksum mismatch"):
        reader.get("C-1")
    reader.close()


def test_future_version_error_says_to_upgrade(tmp_path: Path) -> None:
    """A file from a newer mallops is refused with a message saying to upgrade."""
    path = tmp_path / "s.json"
    path.write_bytes(fmt.header_line(base=0, created_at="2030-01-01", version=fmt.VERSION + 1))
    with pytest.raises(CorruptStoreError, match="upgrade mallops"):
        JsonStore(path)


def test_a_truncated_snapshot_is_an_error_not_a_torn_tail(tmp_path: Path) -> None:
    """A compacted file cut inside its snapshot (written atomically, so never torn by a
    crash) raises CorruptStoreError instead of opening with records missing."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record(f"C-{i}"), 0) for i in range(4)])
        store.compact()
    data = path.read_bytes()
    for cut in (len(data) - 1, len(data) // 2, data.find(b"\n") + 30):
        path.write_bytes(data[:cut])
        with pytest.raises(CorruptStoreError, match="inside its snapshot"):
            JsonStore(path)


def test_a_torn_commit_after_a_snapshot_is_dropped(tmp_path: Path) -> None:
    """After a compaction, a commit cut short at any byte is dropped and the snapshot
    and the commits before it open intact."""
    path = tmp_path / "s.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record(f"C-{i}"), 0) for i in range(3)])
        store.compact()
        store.commit([_bump(store, "C-0", x=1)], [CounterWrite("n", 0, 1)])
        before = path.stat().st_size
        store.commit([_bump(store, "C-1", x=1)], [CounterWrite("n", 1, 2)])
    data = path.read_bytes()
    for cut in range(before, len(data), 97):
        path.write_bytes(data[:cut])
        assert _snapshot(path) == ({"C-0": 2, "C-1": 1, "C-2": 1}, {"n": 1, "total": 0})


def test_paths_that_are_not_store_files_are_refused(tmp_path: Path) -> None:
    """A directory or a file in a missing directory raises StoreError."""
    with pytest.raises(StoreError, match="directory"):
        JsonStore(tmp_path)
    with pytest.raises(StoreError, match="missing"):
        JsonStore(tmp_path / "nope" / "s.json")


def test_a_record_json_cannot_hold_is_refused_before_writing(tmp_path: Path) -> None:
    """A record whose fields are not JSON-compatible raises ValidationError; nothing is
    written."""
    with JsonStore(tmp_path / "s.json") as store:
        with pytest.raises(ValidationError, match="JSON-compatible"):
            store.commit([Write(sample_record("C-1", fields={"when": {1, 2}}), 0)])
        assert len(store) == 0


def test_a_closed_store_refuses_use(tmp_path: Path) -> None:
    """Every operation on a closed store raises StoreError."""
    store = JsonStore(tmp_path / "s.json")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get("C-1")
    with pytest.raises(StoreError, match="closed"):
        store.commit([Write(sample_record("C-1"), 0)])


# -- versions ------------------------------------------------------------------------------


def test_fixture_of_format_1_opens_with_its_records(tmp_path: Path) -> None:
    """A store file written by format version 1 (tests/fixtures) opens and reads back."""
    path = tmp_path / "v1.json"
    shutil.copy(FIXTURES / "store-v1.json", path)
    with JsonStore(path) as store:
        assert store.counter("id:complaint") == 3
        assert store.get("C-000002").version == 2
        assert store.get("C-000001").fields["note"] == "文本 text"
        assert [r.id for r in store.query(Query(kind="complaint"))] == [
            "C-000001",
            "C-000002",
            "C-000003",
        ]
        assert [rid for _, rid in store.due(store.get("C-000003").created_at.add(days=9))] == [
            "C-000001",
            "C-000003",
        ]


def test_an_older_format_is_migrated_with_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the format moves on, opening a version-1 file applies the registered
    migration, keeps the original as a backup, and reads the same records."""
    path = tmp_path / "v1.json"
    shutil.copy(FIXTURES / "store-v1.json", path)
    monkeypatch.setattr(fmt, "VERSION", 2)

    def one_to_two(data: bytes) -> bytes:
        head, _, rest = data.partition(b"\n")
        base = fmt.parse_header(head)["base"]
        return fmt.header_line(base=base, created_at="2027-01-01", version=2) + rest

    monkeypatch.setitem(json_store.MIGRATIONS, 1, one_to_two)
    with JsonStore(path) as store:
        assert store.get("C-000002").version == 2
    assert (tmp_path / "v1.json.v1.bak").read_bytes() == (FIXTURES / "store-v1.json").read_bytes()
    assert b'"version":2' in path.read_bytes().split(b"\n")[0]


def test_an_older_format_without_migration_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version no migration covers raises CorruptStoreError and leaves the file."""
    path = tmp_path / "v1.json"
    shutil.copy(FIXTURES / "store-v1.json", path)
    monkeypatch.setattr(fmt, "VERSION", 2)
    monkeypatch.delitem(json_store.MIGRATIONS, 1)
    with pytest.raises(CorruptStoreError, match="no migration"):
        JsonStore(path)
    assert path.read_bytes() == (FIXTURES / "store-v1.json").read_bytes()
