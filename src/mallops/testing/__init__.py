"""Tools for testing code built on mallops (and mallops itself).

``StoreContract`` is the storage contract suite every backend passes (docs/storage.md).
``TemporaryPostgres`` starts a throwaway PostgreSQL server for tests (docs/deploy.md).
Requires the test extras (pytest, hypothesis).
"""

from __future__ import annotations

from ._postgres import TemporaryPostgres, postgres_unavailable
from ._store_contract import StoreContract, sample_record

__all__ = ["StoreContract", "TemporaryPostgres", "postgres_unavailable", "sample_record"]
