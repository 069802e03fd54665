"""The JSON-file store passes the storage contract (crash, concurrency and bad-file tests
are in test_store_json_faults.py)."""

from __future__ import annotations

from pathlib import Path

from mallops import JsonStore, Store
from mallops.testing import StoreContract


class TestJsonStore(StoreContract):
    def make_store(self, tmp_path: Path) -> JsonStore:
        return JsonStore(tmp_path / "store.json")

    def reopen(self, store: Store, tmp_path: Path) -> Store:
        return JsonStore(tmp_path / "store.json")


def test_open_store_opens_json_paths(tmp_path: Path) -> None:
    """open_store gives a JsonStore for a '.json' path and for an existing store file."""
    from mallops.stores import open_store

    store = open_store(tmp_path / "ops.json")
    assert isinstance(store, JsonStore)
    store.close()
    (tmp_path / "ops.json").rename(tmp_path / "ops.data")
    again = open_store(str(tmp_path / "ops.data"))
    assert isinstance(again, JsonStore)
    again.close()
