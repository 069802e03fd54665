"""The JSON store at scale (issue 16): opening reads the file a chunk at a time.

The fault tests that cut, tear and damage files run again here with a chunk of a few
hundred bytes, so every commit group, torn tail and snapshot meets a chunk boundary;
so does the storage contract.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mallops import JsonStore
from mallops.stores import Write, _json_scale
from mallops.testing import StoreContract, sample_record

from . import test_store_json_faults as faults

CHUNK = 300


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open every store in this module 300 bytes at a time (a record line is longer)."""
    monkeypatch.setattr(_json_scale, "LOAD_CHUNK", CHUNK)


class TestJsonStoreInChunks(StoreContract):
    def make_store(self, tmp_path: Path) -> JsonStore:
        return JsonStore(tmp_path / "store.json")

    def reopen(self, store: JsonStore, tmp_path: Path) -> JsonStore:  # type: ignore[override]
        return JsonStore(store.path)


test_power_loss_in_chunks = faults.test_power_loss_at_every_byte_leaves_a_prefix_of_the_commits
test_bad_files_in_chunks = faults.test_bad_files_raise_corrupt_store_error_naming_file_and_line
test_truncated_snapshot_in_chunks = faults.test_a_truncated_snapshot_is_an_error_not_a_torn_tail
test_torn_commit_in_chunks = faults.test_a_torn_commit_after_a_snapshot_is_dropped
test_compaction_in_chunks = faults.test_automatic_compaction_keeps_everything_and_bounds_the_file


def test_a_commit_larger_than_the_chunk_is_read_whole(tmp_path: Path) -> None:
    """One commit group spanning many chunks is read by growing the chunk."""
    path = tmp_path / "big.json"
    records = [sample_record(f"C-{i:06d}", location=f"L{i}") for i in range(200)]
    with JsonStore(path) as store:
        store.commit([Write(r, 0) for r in records])
        store.commit([Write(sample_record("C-999999"), 0)])
    assert path.stat().st_size > 100 * CHUNK
    with JsonStore(path) as again:
        assert len(again) == 201
        assert again.get("C-000150") == records[150]


def test_a_store_near_its_ceiling_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Opening a store holding more than ``warn_at`` records logs a warning (in both
    languages) naming ``mallops store copy``; a smaller one opens silently."""
    path = tmp_path / "big.json"
    with JsonStore(path) as store:
        store.commit([Write(sample_record(f"C-{i:06d}"), 0) for i in range(5)])
    with caplog.at_level("WARNING", logger="mallops.stores.json"), JsonStore(path, warn_at=5):
        pass
    assert not caplog.records
    with caplog.at_level("WARNING", logger="mallops.stores.json"), JsonStore(path, warn_at=4):
        pass
    assert "mallops store copy" in caplog.text
    assert "上限" in caplog.text
    assert _json_scale.WARN_AT < _json_scale.CEILING
