"""The in-memory store passes the storage contract."""

from __future__ import annotations

from pathlib import Path

from mallops import MemoryStore
from mallops.testing import StoreContract


class TestMemoryStore(StoreContract):
    def make_store(self, tmp_path: Path) -> MemoryStore:
        return MemoryStore()
