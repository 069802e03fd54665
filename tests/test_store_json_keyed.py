"""The JSON store's per-(tenant | location, category) creation lists (C9, issue 16).

``ids`` of a query by tenant or location and category walks a creation-ordered list
from ``created_from`` and stops at the limit; these tests check that it answers exactly
what a scan of every record answers, in the same order, while commits move records
between keys and across reopening and compaction.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops import JsonStore, Record
from mallops.stores import Query, Write
from mallops.testing import sample_record

T0 = pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")

_maybe = st.none() | st.sampled_from(["A", "B"])
_writes = st.lists(
    st.tuples(
        st.integers(0, 11),  # which record
        st.sampled_from(["complaint", "repair"]),
        _maybe,  # tenant
        _maybe,  # location
        _maybe,  # category
        st.integers(0, 20),  # created, minutes after T0
    ),
    min_size=1,
    max_size=40,
)
_queries = st.lists(
    st.tuples(
        st.sampled_from(["tenant", "location"]),
        st.sampled_from(["A", "B"]),
        st.sampled_from(["A", "B"]),  # category
        st.none() | st.sampled_from(["complaint", "repair"]),
        st.none() | st.integers(0, 21),  # created_from
        st.none() | st.integers(0, 21),  # created_to
        st.none() | st.integers(0, 4),  # limit
    ),
    min_size=1,
    max_size=8,
)


def _scan(records: dict[str, Record], q: Query) -> list[str]:
    """The reference answer: every record checked, sorted, cut at the limit."""
    found = sorted(
        (r for r in records.values() if q.matches(r)), key=lambda r: (r.created_at, r.id)
    )
    return [r.id for r in found[: q.limit] if q.limit is None or q.limit > 0]


def _query(spec: tuple[str, str, str, str | None, int | None, int | None, int | None]) -> Query:
    name, value, category, kind, lo, hi, limit = spec
    return Query.of(
        **{name: value},
        category=category,
        kind=kind,
        created_from=None if lo is None else T0.add(minutes=lo),
        created_to=None if hi is None else T0.add(minutes=hi),
        limit=limit,
    )


@settings(max_examples=60, deadline=None)
@given(_writes, _queries, st.integers(0, 39))
def test_C9_keyed_ids_equal_a_scan_through_commits_reopen_and_compaction(
    writes: list[tuple[int, str, str | None, str | None, str | None, int]],
    queries: list[tuple[str, str, str, str | None, int | None, int | None, int | None]],
    ask_after: int,
) -> None:
    """Queries asked part-way (so the lists are built, then kept up by later commits),
    at the end, after reopening and after compacting all equal the scan."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.json"
        model: dict[str, Record] = {}
        store = JsonStore(path, durable=False)
        try:
            for step, (i, kind, tenant, location, category, minutes) in enumerate(writes):
                rid = f"C-{i:04d}"
                old = model.get(rid)
                version = 1 if old is None else old.version + 1
                record = sample_record(
                    rid,
                    version=version,
                    kind=kind,
                    tenant=tenant,
                    location=location,
                    category=category,
                    created_at=T0.add(minutes=minutes),
                )
                store.commit([Write(record, version - 1)])
                model[rid] = record
                if step == ask_after:
                    for spec in queries:
                        assert store.ids(_query(spec)) == _scan(model, _query(spec))
            for spec in queries:
                assert store.ids(_query(spec)) == _scan(model, _query(spec))
            store.close()
            store = JsonStore(path, durable=False)
            for spec in queries:
                assert store.ids(_query(spec)) == _scan(model, _query(spec))
            store.compact()
            for spec in queries:
                q = _query(spec)
                assert store.ids(q) == _scan(model, q)
                assert [r.id for r in store.query(q)] == _scan(model, q)
        finally:
            store.close()


def test_C9_a_keyed_query_does_not_walk_the_whole_history(tmp_path: Path) -> None:
    """With a limit, the walk stops after ``limit`` matches from ``created_from``: the
    answer for a location of 400 records is its first records of the window."""
    with JsonStore(tmp_path / "store.json", durable=False) as store:
        records = [
            sample_record(
                f"C-{i:04d}", location="L1", category="noise", created_at=T0.add(minutes=i)
            )
            for i in range(400)
        ]
        store.commit([Write(r, 0) for r in records])
        q = Query.of(location="L1", category="noise", created_from=T0.add(minutes=390), limit=3)
        assert store.ids(q) == ["C-0390", "C-0391", "C-0392"]
        assert store.ids(Query.of(location="L1", category="other", limit=3)) == []
        assert store.ids(Query.of(location="L1", category="noise", limit=0)) == []
