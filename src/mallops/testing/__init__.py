"""Tools for testing code built on mallops (and mallops itself).

``StoreContract`` is the storage contract suite every backend passes (docs/storage.md).
Requires the test extras (pytest, hypothesis).
"""

from __future__ import annotations

from ._store_contract import StoreContract, sample_record

__all__ = ["StoreContract", "sample_record"]
