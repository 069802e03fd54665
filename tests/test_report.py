"""The monthly report (K1-K5) checked against the records of a small demo run."""

from __future__ import annotations

import json
import math
from collections import Counter

import pendulum
import pytest

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy, Query, ValidationError
from mallops.demo import DemoConfig, DemoResult, run_demo
from mallops.report import build_report, month_period, parse_period, render
from mallops.report.compute import percentile
from mallops.report.model import Kpi
from mallops.report.render import FORMATS
from mallops.stores.codec import encode

SMALL = DemoConfig(seed=11, days=8, tenants=30, complaints_per_day=14.0)


@pytest.fixture(scope="module")
def demo() -> DemoResult:
    return run_demo(MemoryStore(), SMALL)


@pytest.fixture(scope="module")
def records(demo: DemoResult) -> list:
    return demo.mall.query(created_from=demo.start, created_to=demo.end)


def _rows(report, key: str) -> dict[str, tuple]:
    table = report.table(key)
    assert table is not None, key
    return dict(zip(table.keys, table.rows, strict=True))


def test_k2_volumes_match_the_records(demo: DemoResult, records: list) -> None:
    """K2: volumes by channel, category, severity and department count the records;
    categories and severities per workflow (a complaint's severity and a repair's
    urgency, a complaint category and a tenant tier are not merged)."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    assert report.total == len(records) > 20
    expected = {
        "volume_channel": Counter(r.fields["channel"] for r in records if r.fields.get("channel")),
        "volume_category": Counter(f"{r.kind}:{r.category}" for r in records if r.category),
        "volume_severity": Counter(
            f"{r.kind}:{r.severity}"
            for r in records
            if r.severity and r.kind != "return_visit"  # counted with their source
        ),
        "volume_department": Counter(r.department or "" for r in records),
        "volume_kind": Counter(r.kind for r in records),
    }
    for key, counts in expected.items():
        rows = _rows(report, key)
        at = report.table(key).label_cols  # the count follows the naming columns
        assert {k: row[at] for k, row in rows.items()} == dict(counts), key
        assert sum(row[at] for row in rows.values()) == sum(counts.values())
    assert sum(expected["volume_kind"].values()) == len(records)


def test_sla_attainment_matches_the_timer_data(demo: DemoResult, records: list) -> None:
    """Every timer's met, breached, median and p90 come from the records' Timer data."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    rows = _rows(report, "sla")
    assert set(rows) >= {"complaint.first_contact", "complaint.handling"}
    for key, row in rows.items():
        kind, name = key.split(".", 1)
        timers = [t for r in records if r.kind == kind and (t := r.timer(name)) is not None]
        met = [t for t in timers if t.status == "met" and not t.breached]
        breached = [t for t in timers if t.breached]
        _label, started, n_met, n_breached, _open, attain, median, p90, _unit = row
        assert (started, n_met, n_breached) == (len(timers), len(met), len(breached))
        if not met and not breached:  # e.g. visits planned for later months
            assert (attain, median, p90) == (None, None, None)
            continue
        assert attain == round(100 * len(met) / (len(met) + len(breached)), 1)
        used = sorted(t.consumed for t in met)
        if not used:  # every timer breached (a drill not held by its due time, E2)
            assert (median, p90) == (None, None)
            continue
        assert median == round(used[math.ceil(len(used) / 2) - 1] / 3600, 1)
        assert p90 == round(used[math.ceil(0.9 * len(used)) - 1] / 3600, 1)
    assert any(row[3] > 0 for row in rows.values()), "late staff must breach some timer"


def test_escalations_by_level_and_cause(demo: DemoResult, records: list) -> None:
    """Escalations are counted by level and by cause; the totals agree."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    escalations = [e for r in records for e in r.escalations]
    assert escalations
    by_level = _rows(report, "escalation_level")
    by_cause = _rows(report, "escalation_cause")
    assert sum(row[1] for row in by_level.values()) == len(escalations)
    assert sum(row[1] for row in by_cause.values()) == len(escalations)
    l1 = sum(e.level == 1 and e.role == "department_manager" for e in escalations)
    assert by_level["1:department_manager"][1] == l1


def test_k3_f6_return_visits_match_the_records(demo: DemoResult, records: list) -> None:
    """K3/F6: visits due, made, in time, not reached, satisfied, recomputed from the
    records' own timers and states."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    kpis = {k.key: k for k in report.kpis}
    after = [r for r in records if r.kind == "return_visit" and r.fields["stage"] == "after"]
    assert after
    made = [r for r in after if r.state in ("satisfied", "unsatisfied")]
    in_time = [r for r in made if r.timer("due").breached_at is None]
    assert kpis["return_visit_rate"].value == pytest.approx(len(made) / len(after))
    assert kpis["return_visit_timeliness"].value == pytest.approx(len(in_time) / len(after))
    assert kpis["return_visit_timeliness"].target == 1.0
    rows = _rows(report, "return_visits")
    row = rows["complaint"]
    mine = [r for r in after if r.fields["source_kind"] == "complaint"]
    unhappy = sum(r.state == "unsatisfied" for r in mine)
    tries = sum(len(r.fields["attempts"]) for r in mine)
    assert row[1] == len(mine)
    assert row[6:9] == (sum(r.state == "satisfied" for r in mine), unhappy, tries)
    made_mine = [r for r in mine if r.state in ("satisfied", "unsatisfied")]
    assert row[2:4] == (len(made_mine), sum(r.timer("due").breached_at is None for r in made_mine))
    assert row[5] == len(mine) - len(made_mine)
    assert unhappy > 0, "the demo has unhappy customers"
    assert tries > 0, "the demo has customers not reached (F4)"
    stages = _rows(report, "return_visit_stage")
    visits = [r for r in records if r.kind == "return_visit"]
    assert {k: row[1] for k, row in stages.items()} == dict(
        Counter(r.fields["stage"] for r in visits)
    )
    reopened = [r for r in records if r.kind == "complaint" and r.fields.get("reopen_count")]
    assert reopened, "F5: an unhappy visit reopens its complaint"


def test_k1_r3_r5_repairs_match_the_records(demo: DemoResult, records: list) -> None:
    """K1: repair timeliness (R3 technician on site in time) and first-time pass rate
    (R5) recomputed from the orders' response timers and inspection rounds; urgency
    and rework rows count the orders."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    kpis = {k.key: k for k in report.kpis}
    repairs = [r for r in records if r.kind == "repair"]
    assert len(repairs) > 20
    arrived = [r for r in repairs if "arrived_at" in r.fields]
    assert not demo.mall.policy.repairs.pauses  # wall-clock response times (R3, R4)

    def took(r: object) -> float:
        return (
            pendulum.parse(r.fields["arrived_at"]) - r.timer("response").started_at
        ).total_seconds()

    in_time = [r for r in arrived if took(r) <= r.timer("response").allowance]
    late = [r for r in repairs if r.timer("response").breached_at is not None]
    assert late, "late technicians breach R3"
    assert kpis["repair_timeliness"].value == pytest.approx(
        len(in_time) / (len(in_time) + len(late))
    )
    assert kpis["repair_timeliness"].target == demo.mall.policy.targets.repair_timeliness
    inspected = [r for r in repairs if r.fields["inspections"]]
    first = [r for r in inspected if r.fields["inspections"][0]["passed"]]
    assert len(first) < len(inspected), "some repairs fail inspection (R5)"
    assert kpis["repair_pass_rate"].value == pytest.approx(len(first) / len(inspected))
    urgency = _rows(report, "repair_urgency")
    assert {k: row[1] for k, row in urgency.items()} == dict(Counter(r.severity for r in repairs))
    rework = _rows(report, "repair_rework")
    counts = Counter(str(r.fields["rework_rounds"]) for r in repairs)
    assert {k: row[1] for k, row in rework.items()} == dict(counts)
    assert any(k != "0" for k in counts), "R5 rework happens"
    for level, row in urgency.items():  # R3: response minutes of the in-time arrivals
        mine = sorted(took(r) / 60 for r in in_time if r.severity == level)
        assert row[5] == round(mine[math.ceil(len(mine) / 2) - 1], 1)
    overview = {k: row[1] for k, row in _rows(report, "repair_overview").items()}
    assert overview["waited_parts"] == sum(
        any(h.event == "wait_parts" for h in r.history) for r in repairs
    )
    assert overview["reopened"] == sum(r.fields["reopen_count"] > 0 for r in repairs)
    assert overview["major"] == sum(bool(r.fields["major"]) for r in repairs)
    assert overview["open"] == sum(r.is_open for r in repairs)
    sources = _rows(report, "repair_source")
    external = {k: row[2] for k, row in sources.items()}
    assert external["staff"] == 0  # rule R6: staff and patrol orders are internal
    assert external["tenant"] == sum(r.fields["source"] == "tenant" for r in repairs)


def test_l1_l5_lost_and_found_match_the_records(demo: DemoResult, records: list) -> None:
    """Lost and found: found, released, disposed, in store and failed claims (L1, L5,
    L6, L7) recomputed from the items' states and claim lists; lost reports by state."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    items = [r for r in records if r.kind == "lost_item"]
    assert len(items) > 20
    overview = {k: row[1] for k, row in _rows(report, "lost_found").items()}
    assert overview["found"] == len(items)
    assert overview["released"] == sum(r.state == "released" for r in items) > 0
    assert overview["disposed"] == sum(r.state == "disposed" for r in items)
    kept = sum(r.state in ("registered", "stored", "due_disposal") for r in items)
    assert overview["in_store"] == kept
    claims = [c for r in items for c in r.fields["claims"]]
    rows = {k: row[1] for k, row in _rows(report, "lost_claims").items()}
    assert rows["claims"] == len(claims)
    assert rows["rejected"] == sum(c["status"] == "rejected" for c in claims) > 0
    numbered = [r for r in items if r.fields.get("number")]
    assert len(numbered) == len(items), "L3: close_day numbers every item the same day"
    by_cat = _rows(report, "lost_category")
    assert {k: row[1] for k, row in by_cat.items()} == dict(Counter(r.category for r in items))
    assert {k: row[2] for k, row in by_cat.items()} == {
        k: sum(r.category == k and r.state == "released" for r in items) for k in by_cat
    }
    reports = [r for r in records if r.kind == "lost_report"]
    by_state = {k: row[1] for k, row in _rows(report, "lost_reports").items()}
    assert by_state == dict(Counter(r.state for r in reports))


@pytest.fixture(scope="module")
def december() -> DemoResult:
    """A demo starting in December: the year's remaining plan visits all fall in it."""
    config = DemoConfig(
        seed=12, days=20, tenants=100, start="2026-12-01", complaints_per_day=3.0,
        repairs_per_day=2.0, items_per_day=2.0,
    )  # fmt: skip
    return run_demo(MemoryStore(), config)


def test_v7_visit_coverage_and_suggestions_match_the_records(december: DemoResult) -> None:
    """V1/V7: visits planned in the period, done, missed and covered tenants; V5
    suggestions answered within the week; K1 tenant satisfaction — from the records."""
    demo = december
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    kpis = {k.key: k for k in report.kpis}

    def inside(value: object) -> bool:
        return value is not None and demo.start <= pendulum.parse(str(value)) < demo.end

    every = demo.mall.query(kind="visit")
    visits = [r for r in every if r.fields.get("plan_key")]
    planned = [r for r in visits if inside(r.fields["planned_at"]) and r.state != "withdrawn"]
    # extra visits (outside the plan, K4 follow-ups) count as done, never as required
    done = [r for r in every if r.state == "done" and inside(r.fields["done_at"])]
    assert any(not r.fields.get("plan_key") for r in done), "the demo adds extra visits"
    assert len(done) > 20
    assert any(h.event == "miss" for r in visits for h in r.history), "V2: tenants not there"
    rows = _rows(report, "visit_coverage")
    assert sum(row[2] for row in rows.values()) == len(planned)
    assert sum(row[3] for row in rows.values()) == len(done)
    need: Counter[str] = Counter(str(r.tenant) for r in planned)
    got: Counter[str] = Counter(str(r.tenant) for r in done)
    covered = sum(got[t] >= n for t, n in need.items())
    assert sum(row[5] for row in rows.values()) == covered
    assert kpis["tenant_visit_coverage"].value == pytest.approx(covered / len(need))
    happy = sum(r.fields["satisfaction"] == "satisfied" for r in done)
    assert kpis["tenant_satisfaction"].value == pytest.approx(happy / len(done))
    assert kpis["tenant_satisfaction"].target == demo.mall.policy.targets.tenant_satisfaction
    suggestions = demo.mall.query(kind="suggestion")
    assert suggestions
    timers = [r.timer("answer") for r in suggestions]
    late = sum(t.breached for t in timers)
    in_time = sum(t.status == "met" and not t.breached for t in timers)
    if late + in_time:
        assert kpis["suggestion_answer_rate"].value == pytest.approx(in_time / (in_time + late))
    table = _rows(report, "suggestions")
    assert sum(row[1] for row in table.values()) == len(suggestions)


def test_k4_hot_spots_are_repeat_problems(demo: DemoResult, records: list) -> None:
    """K4: each hot spot is a location and category seen at least hot_spot_min times."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    minimum = demo.mall.policy.targets.hot_spot_min
    rows = _rows(report, "hotspots")
    assert rows
    for key, row in rows.items():
        location, category = key.split("|")
        n = sum(
            r.location == location and r.category == category and r.kind != "return_visit"
            for r in records
        )
        assert row[2] == n >= minimum


def test_k1_kpis_beside_targets(demo: DemoResult, records: list) -> None:
    """K1: handling rate and satisfaction (every C12 answer, collected by the return
    visits under the seed policy) against the policy targets; major incidents count
    major complaints and major repair faults (R7)."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    kpis = {k.key: k for k in report.kpis}
    complaints = [r for r in records if r.kind == "complaint"]
    handled = sum(r.state in ("resolved", "closed", "dismissed") for r in complaints)
    assert kpis["complaint_handling_rate"].value == pytest.approx(handled / len(complaints))
    assert kpis["complaint_handling_rate"].target == 1.0
    assert demo.mall.policy.complaints.survey_by == "return_visit"
    assert not any(h.event == "survey" for r in complaints for h in r.history)
    answers = [
        h.data for r in records if r.kind == "return_visit" for h in r.history if h.event == "visit"
    ]
    assert len(answers) > 10
    ok = sum(all(a[k] >= 4 for k in ("speed", "result", "attitude")) for a in answers)
    assert 0 < ok < len(answers), "some customers are unhappy"
    assert kpis["customer_satisfaction"].value == pytest.approx(ok / len(answers))
    assert kpis["customer_satisfaction"].target == 0.90
    majors = sum(r.kind == "complaint" and r.severity == "major" for r in records)
    majors += sum(r.kind == "repair" and bool(r.fields.get("major")) for r in records)
    assert kpis["major_incidents"].value == majors
    assert kpis["major_incidents"].met is (majors == 0)


def test_k1_targets_are_policy_data(demo: DemoResult) -> None:
    """K1: changing a target in the policy changes the verdict, not the figure."""
    strict = Policy.from_dict({"targets": {"customer_satisfaction": 1.0}})
    mall = Mall(store=demo.mall.store, clock=demo.mall.clock, policy=strict)
    kpi = {k.key: k for k in build_report(mall, demo.start, demo.end).kpis}
    assert kpi["customer_satisfaction"].target == 1.0
    assert kpi["customer_satisfaction"].met is False


def test_kpi_marks_over_and_under() -> None:
    """A 'higher' KPI meets its target at or above it, a 'lower' one at or below."""
    assert Kpi("a", "a", 0.9, 0.9, "fraction", "higher", "K1").met is True
    assert Kpi("a", "a", 0.89, 0.9, "fraction", "higher", "K1").met is False
    assert Kpi("m", "m", 1.0, 0.0, "count", "lower", "K1").met is False
    assert Kpi("m", "m", 0.0, 0.0, "count", "lower", "K1").met is True
    assert Kpi("m", "m", None, 0.0, "count", "lower", "K1").met is None


def test_percentile_nearest_rank() -> None:
    """Median and p90 use the nearest-rank method; no values give None."""
    assert percentile([], 50) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 11)], 90) == 9.0


def test_analysis_names_misses_and_changes() -> None:
    """K2 written analysis: volume vs the previous period, biggest change, KPI misses."""
    store = MemoryStore()
    run_demo(store, DemoConfig(seed=3, days=5, tenants=20))
    second = run_demo(store, DemoConfig(seed=3, days=5, tenants=20))
    report = build_report(second.mall, second.start, second.end, lang="en")
    assert report.previous_total > 0
    text = " ".join(report.analysis)
    assert f"from {report.previous_total} in the previous period" in text
    assert "Large change:" in text
    for k in report.kpis:
        if k.met is False:
            assert f"Missed: {k.label}" in text
    zh = build_report(second.mall, second.start, second.end, lang="zh")
    assert "较上期" in zh.analysis[0]


def test_empty_period() -> None:
    """A period without records says so and has no KPI."""
    mall = Mall(clock=ManualClock(pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai")))
    report = build_report(mall, *month_period("2026-09", mall), lang="en")
    assert report.total == 0
    assert report.kpis == ()
    assert report.analysis == ("No records were registered in this period.",)
    for fmt in FORMATS:
        assert render(report, fmt)


def test_periods() -> None:
    """A month, an inclusive date range, or by default the previous month."""
    mall = Mall(clock=ManualClock(pendulum.datetime(2026, 10, 15, tz="Asia/Shanghai")))
    start, end = parse_period(mall)
    assert (start.to_date_string(), end.to_date_string()) == ("2026-09-01", "2026-10-01")
    start, end = parse_period(mall, start="2026-09-03", end="2026-09-03")
    assert (end - start).in_hours() == 24
    for bad in ({"month": "2026-13"}, {"month": "x"}, {"start": "2026-09-01"},
                {"month": "2026-09", "start": "2026-09-01", "end": "2026-09-02"},
                {"start": "2026-09-05", "end": "2026-09-01"}):  # fmt: skip
        with pytest.raises(ValidationError):
            parse_period(mall, **bad)
    with pytest.raises(ValidationError):
        build_report(mall, start, end, lang="fr")


def test_g7_personal_data_never_in_any_format(demo: DemoResult, records: list) -> None:
    """G7: no complainant name or contact appears raw in any format or language."""
    raw = personal_values(demo)
    assert len(raw) > 20
    for lang in ("zh", "en"):
        report = build_report(demo.mall, demo.start, demo.end, lang=lang)
        for fmt in FORMATS:
            out = render(report, fmt)
            leaked = [v for v in raw if v in out]
            assert not leaked, (lang, fmt, leaked[:3])


def personal_values(demo: DemoResult) -> set[str]:
    """Every value of a ``personal`` parameter (G7) in the store's histories: names,
    phones, ID numbers of complainants, reporters, claimants, finders, tenant contacts."""
    out: set[str] = set()
    for r in demo.mall.query():
        spec = demo.mall.service(r.kind).engine.spec
        personal = {p.name for e in (spec.create, *spec.events) for p in e.params if p.personal}
        for h in r.history:
            out |= {str(v) for k, v in h.data.items() if k in personal and v and len(str(v)) > 1}
    return out


def test_json_and_csv_carry_the_figures(demo: DemoResult) -> None:
    """JSON holds every KPI and table; CSV is one long table with the same figures."""
    report = build_report(demo.mall, demo.start, demo.end, lang="en")
    data = json.loads(render(report, "json"))
    assert data["total"] == report.total
    assert {k["key"] for k in data["kpis"]} == {k.key for k in report.kpis}
    csv_text = render(report, "csv")
    assert csv_text.startswith("\ufeffsection,table,row,column,value\n")  # BOM for Excel
    assert f"meta,total,,,{report.total}" in csv_text


def test_demo_is_reproducible() -> None:
    """The same seed gives the same records."""
    a, b = MemoryStore(), MemoryStore()
    run_demo(a, DemoConfig(seed=5, days=2, tenants=10))
    run_demo(b, DemoConfig(seed=5, days=2, tenants=10))
    assert [encode(r) for r in a.query(Query())] == [encode(r) for r in b.query(Query())]


def test_demo_continues_exactly_where_it_stopped() -> None:
    """A run interrupted after day 2 and run again ends as one uninterrupted run."""
    whole = MemoryStore()
    run_demo(whole, DemoConfig(seed=9, days=4, tenants=15))
    parts = MemoryStore()

    def stop_after_two(done: int, _total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_demo(parts, DemoConfig(seed=9, days=4, tenants=15), progress=stop_after_two)
    again = run_demo(parts, DemoConfig(seed=9, days=4, tenants=15))
    assert again.continued
    assert again.days_run == 2
    assert again.start.to_date_string() == "2026-09-01"  # the interrupted month, whole
    assert [encode(r) for r in parts.query(Query())] == [encode(r) for r in whole.query(Query())]
    kinds = {r.kind for r in whole.query(Query())}
    assert kinds >= {"complaint", "repair", "return_visit", "lost_item", "tenant", "visit"}


def test_demo_refuses_a_foreign_store_or_seed() -> None:
    """Another seed, another start or non-demo records: refused, store untouched."""
    store = MemoryStore()
    run_demo(store, DemoConfig(seed=1, days=1, tenants=5))
    before = [encode(r) for r in store.query(Query())]
    with pytest.raises(ValidationError, match="--seed 1"):
        run_demo(store, DemoConfig(seed=2, days=1, tenants=5))
    with pytest.raises(ValidationError, match="started on 2026-09-01"):
        run_demo(store, DemoConfig(seed=1, days=1, tenants=5, start="2026-10-01"))
    assert [encode(r) for r in store.query(Query())] == before
    other = MemoryStore()
    Mall(store=other).complaints.open(
        actor=Actor("d", "front_desk"), channel="phone",
        complainant="x", contact="y", location="z", description="d", demand="d",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="not from the demo"):
        run_demo(other, DemoConfig(days=1))


def test_sections_of_absent_kinds_are_absent(demo: DemoResult) -> None:
    """A section registered for a kind with no records in the period is left out."""
    from mallops.report import SECTIONS, Section, register_section

    def permit_section(_ctx: object) -> Section:
        return Section("parking_permit", "Parking permits", notes=("should not appear",))

    register_section("parking_permit")(permit_section)  # type: ignore[arg-type]
    try:
        report = build_report(demo.mall, demo.start, demo.end, lang="en")
        assert report.section("parking_permit") is None
        assert report.section("complaint") is not None
    finally:
        SECTIONS["parking_permit"].remove(permit_section)  # type: ignore[arg-type]
        if not SECTIONS["parking_permit"]:
            del SECTIONS["parking_permit"]
