"""The in-memory store passes the storage contract."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops import MemoryStore
from mallops.domain.records import Record
from mallops.stores import _memory_index
from mallops.stores.protocol import Query, Write
from mallops.testing import StoreContract, sample_record

T0 = sample_record("X").created_at


class TestMemoryStore(StoreContract):
    def make_store(self, tmp_path: Path) -> MemoryStore:
        return MemoryStore()


# -- the memory store's time indexes (issue 16): the answers of a plain scan -------------------

CHANGE = st.fixed_dictionaries(
    {
        "n": st.integers(0, 11),
        "minutes": st.none() | st.integers(0, 6).map(lambda m: m * 17),  # shared minutes
        "created": st.integers(0, 5),
        "location": st.sampled_from([None, "B1", "B2"]),
        "tenant": st.sampled_from([None, "T1"]),
        "category": st.sampled_from([None, "noise", "clean"]),
        "property": st.sampled_from(["default", "other"]),
        "kind": st.sampled_from(["complaint", "repair"]),
        "state": st.sampled_from(["open", "assigned", "closed"]),
        "owner": st.sampled_from([None, "u1", "u2"]),
        "department": st.sampled_from([None, "cleaning"]),
    }
)


def _fields(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "wake_at": None if c["minutes"] is None else T0.add(minutes=c["minutes"]),
        "created_at": T0.add(hours=c["created"]),
        "location": c["location"],
        "tenant": c["tenant"],
        "category": c["category"],
        "property": c["property"],
        "kind": c["kind"],
        "state": c["state"],
        "owner": c["owner"],
        "department": c["department"],
    }


@pytest.mark.parametrize("eager", [4096, 2])  # small buckets stay sorted; big ones sort late
@settings(max_examples=60, deadline=None)
@given(changes=st.lists(CHANGE, max_size=40), probes=st.lists(st.integers(0, 120), max_size=6))
def test_due_and_keyed_queries_agree_with_a_scan(
    eager: int, changes: list[dict[str, Any]], probes: list[int]
) -> None:
    """Rule C9's count, the ticker's due query and the equality indexes: records whose
    wake time, location, tenant, category, creation time, property, kind, state, owner or
    department change give the answers of a scan."""
    old = _memory_index.EAGER
    _memory_index.EAGER = eager
    try:
        store = MemoryStore()
        model: dict[str, Record] = {}
        for c in changes:
            rid = f"C-{c['n']}"
            current = model.get(rid)
            if current is None:
                fields = _fields(c)
                department = fields.pop("department")
                new = attrs.evolve(sample_record(rid, **fields), department=department)
                store.commit([Write(new, 0)])
            else:
                new = attrs.evolve(current, version=current.version + 1, **_fields(c))
                store.commit([Write(new, current.version)])
            model[rid] = new
        records = sorted(model.values(), key=lambda r: (r.created_at, r.id))
        for p in probes:
            until = T0.add(minutes=p)
            want = sorted(
                (r.wake_at, r.id) for r in records if r.wake_at is not None and r.wake_at <= until
            )
            assert store.due(until) == want
            assert store.due(until, limit=2) == want[:2]
            other = [w for w in want if model[w[1]].property == "other"]
            assert store.due(until, property="other") == other
            since = T0.add(hours=p % 6)
            for key, value, limit in itertools.product(
                ("location", "tenant"), ("B1", "B2", "T1"), (None, 2)
            ):
                q = Query(category="noise", created_from=since, limit=limit, **{key: value})
                hits = [r.id for r in records if q.matches(r)]
                assert store.ids(q) == hits[:limit]
            for q in (
                Query(property="other", created_from=since, created_to=since.add(hours=2)),
                Query(created_to=since.add(hours=1), location="B1", limit=3),
                Query(kind=("complaint", "repair"), created_from=since),
                Query(created_from=since, is_open=True, category="clean"),
                # the grouped equality indexes (issue 16): one bucket per combination
                Query(state="open"),
                Query(state=("assigned", "closed"), property="other"),
                Query(kind="repair", owner="u1"),
                Query(owner="u2", department="cleaning", category="noise"),
                Query(department="cleaning", location="B2"),
                Query(kind="complaint", state="closed", tenant="T1", limit=1),
            ):
                assert store.ids(q) == [r.id for r in records if q.matches(r)][: q.limit]
    finally:
        _memory_index.EAGER = old
