"""Return visits 回访: one test (or more) per rule F1-F6 (and C10/C12 as they apply)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from mallops import (
    Actor,
    DomainEvent,
    InvalidTransition,
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    PolicyError,
    Record,
    RecordNotFound,
    ValidationError,
)
from mallops.workflows import timeliness

from .conftest import CLEANER, DEPT_MANAGER, DESK, GM, PROPERTY_MANAGER, STAFF, at
from .tenant_helpers import registered_tenant
from .test_repairs import report, to_completed

GOOD = {"speed": 5, "result": 5, "attitude": 4}
CLEANING_MANAGER = Actor("dm-clean", "department_manager", "cleaning", "Cleaning Manager")
BAD = {"speed": 4, "result": 2, "attitude": 5}


def complaint(mall: Mall, **over: Any) -> Record:
    params: dict[str, Any] = {
        "actor": DESK,
        "channel": "phone",
        "complainant": "李雷",
        "contact": "13800000000",
        "location": "B1 east restroom",
        "description": "restroom is dirty",
        "demand": "clean it",
        "tenant": registered_tenant(mall, "L1-100"),
    }
    params.update(over)
    return mall.complaints.open(**params)


def handle(mall: Mall, cid: str, promised_hours: int = 2) -> None:
    mall.complaints.fire(cid, "assign", actor=DESK, department="cleaning", assignee="clean-1")
    mall.complaints.fire(cid, "contact", actor=CLEANER)  # rule C5: the handling side
    promised = mall.now().add(hours=promised_hours)
    mall.complaints.fire(cid, "reply", actor=CLEANER, message="on it", promised_by=promised)


def resolve(mall: Mall, cid: str) -> Record:
    return mall.complaints.fire(cid, "resolve", actor=CLEANER, resolution="cleaned")


def accepted_repair(mall: Mall, **over: Any) -> Record:
    r = report(mall, **over)
    to_completed(mall, r.id)
    return mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)


def open_visit(mall: Mall, source_id: str) -> Record:
    (rv,) = mall.return_visits.of(source_id, open_only=True)
    return rv


# -- F1 ------------------------------------------------------------------------------------------


def test_f1_visit_by_phone_or_on_site(mall: Mall) -> None:
    """The method is phone or on site (policy list); anything else is refused."""
    r = accepted_repair(mall)
    rv = open_visit(mall, r.id)
    with pytest.raises(ValidationError, match="phone, on_site"):
        mall.return_visits.fire(rv.id, "visit", actor=DESK, method="letter", **GOOD)
    rv = mall.return_visits.fire(rv.id, "visit", actor=DESK, method="on_site", **GOOD)
    assert rv.fields["method"] == "on_site"


def test_f1_tracking_contacts_while_a_repair_waits_for_parts(
    mall: Mall, clock: ManualClock
) -> None:
    """A deferred external repair gets a 事中 tracking visit; a contact is due every interval,
    each contact restarts it, and the tracking ends when the repair is accepted."""
    events: list[DomainEvent] = []
    mall.subscribe(events.append)
    r = report(mall)
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    mall.repairs.fire(r.id, "arrive", actor=STAFF)
    mall.repairs.fire(r.id, "wait_parts", actor=STAFF, note="ballast on order")
    (tv,) = mall.return_visits.of(r.id)
    assert (tv.fields["stage"], tv.state) == ("during", "due")
    # 2 working days from Wed 30 Sep 10:00 skip the National Day holiday 1-7 Oct (G9)
    assert tv.timer("tracking").due_at == at(2026, 10, 9, 10)
    clock.set(at(2026, 10, 12, 11))
    mall.tick()
    assert any(e.type == "notify" and e.data["reason"] == "tracking_contact_due" for e in events)
    tv = mall.return_visits.fire(tv.id, "track", actor=DESK, method="phone", note="part Friday")
    assert tv.timer("tracking").due_at == at(2026, 10, 14, 11)
    assert len(tv.fields["contacts"]) == 1
    with pytest.raises(InvalidTransition, match="track"):
        mall.return_visits.fire(tv.id, "visit", actor=DESK, method="phone", **GOOD)
    mall.repairs.fire(r.id, "resume", actor=STAFF)
    mall.repairs.fire(r.id, "complete", actor=STAFF, work_done="fixed")
    mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)
    tv = mall.get(tv.id)
    assert (tv.state, tv.fields["ended_because"]) == ("ended", "resolved")
    assert [v.fields["stage"] for v in mall.return_visits.of(r.id, open_only=True)] == ["after"]


def test_f1_tracking_when_a_complaint_is_past_its_commitment(
    mall: Mall, clock: ManualClock
) -> None:
    """A complaint unresolved past its promised time gets a tracking visit (F1)."""
    c = complaint(mall)
    handle(mall, c.id, promised_hours=1)
    assert mall.return_visits.of(c.id) == []
    clock.advance(hours=2)
    mall.tick()
    (tv,) = mall.return_visits.of(c.id)
    assert tv.fields["stage"] == "during"


def test_f1_internal_repairs_get_no_tracking(mall: Mall) -> None:
    """Internal work waiting for parts has nobody to keep informed."""
    r = report(mall, source="staff", tenant=None)
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    mall.repairs.fire(r.id, "arrive", actor=STAFF)
    mall.repairs.fire(r.id, "wait_parts", actor=STAFF, note="x")
    assert mall.return_visits.of(r.id) == []


# -- F2 ------------------------------------------------------------------------------------------


def test_f2_resolving_a_complaint_opens_its_return_visit_in_the_same_commit(
    mall: Mall,
) -> None:
    """The visit exists as soon as the complaint is resolved, linked to it, due in one
    working day, carrying the complainant's contact (personal data)."""
    c = complaint(mall)
    handle(mall, c.id)
    c = resolve(mall, c.id)
    rv = open_visit(mall, c.id)
    assert rv.linked("return_visit_of") == (c.id,)
    assert (rv.fields["customer"], rv.fields["contact"]) == ("李雷", "13800000000")
    assert rv.history[0].actor.id == "system"
    assert rv.created_at == c.updated_at
    assert rv.timer("due").due_at == at(2026, 10, 8, 10)  # one working day, holiday skipped
    spec = mall.return_visits.engine.param_specs("open")
    assert {p.name for p in spec if p.personal} == {"customer", "contact"}


def test_f2_a_failed_source_change_creates_no_visit(mall: Mall) -> None:
    """If the resolving operation fails, neither the complaint nor a visit is written."""
    c = complaint(mall)
    handle(mall, c.id)
    with pytest.raises(ValidationError):
        mall.complaints.fire(c.id, "resolve", actor=CLEANER)
    assert mall.return_visits.query() == []


def test_f2_users_cannot_open_return_visits_by_hand(mall: Mall) -> None:
    """Return visits are opened by mallops only."""
    with pytest.raises(PermissionDenied):
        mall.return_visits.open(actor=GM, source="C-000001")


def test_f2_survey_mode_keeps_the_complaint_survey(clock: ManualClock) -> None:
    """A policy with survey_by = 'survey' gets no return visit; the survey event closes."""
    mall = Mall(MemoryStore(), clock, Policy.from_dict({"complaints": {"survey_by": "survey"}}))
    c = complaint(mall)
    handle(mall, c.id)
    resolve(mall, c.id)
    assert mall.return_visits.of(c.id) == []
    c = mall.complaints.fire(c.id, "survey", actor=DESK, **GOOD)
    assert c.state == "closed"


def test_f2_return_visit_mode_refuses_the_complaint_survey(mall: Mall) -> None:
    """With the seed policy, satisfaction goes through the return visit, not the survey."""
    c = complaint(mall)
    handle(mall, c.id)
    resolve(mall, c.id)
    with pytest.raises(InvalidTransition, match="return visit"):
        mall.complaints.fire(c.id, "survey", actor=DESK, **GOOD)


# -- F3 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "refused", "allowed"),
    [
        ("general", None, DESK),
        ("important", DESK, CLEANING_MANAGER),
        ("important", CLEANER, PROPERTY_MANAGER),
        ("major", PROPERTY_MANAGER, GM),
    ],
)
def test_f3_severity_decides_who_visits(
    mall: Mall, severity: str, refused: Any, allowed: Any
) -> None:
    """C10: important -> department manager (or above), major -> general manager; anyone
    lower gets PermissionDenied and nothing changes."""
    c = complaint(mall, severity=severity)
    handle(mall, c.id)
    resolve(mall, c.id)
    rv = open_visit(mall, c.id)
    if refused is not None:
        with pytest.raises(PermissionDenied, match=r"F3|G5"):  # rank (F3) or department
            mall.return_visits.fire(rv.id, "visit", actor=refused, method="phone", **GOOD)
        with pytest.raises(PermissionDenied):
            mall.return_visits.fire(
                rv.id, "not_reached", actor=refused, method="phone", outcome="busy"
            )
        assert mall.get(rv.id) == rv
        assert "visit" not in mall.return_visits.allowed_events(rv, refused)
    assert "visit" in mall.return_visits.allowed_events(rv, allowed)
    assert mall.return_visits.fire(rv.id, "visit", actor=allowed, method="phone", **GOOD).state == (
        "satisfied"
    )


def test_f2_f3_g5_the_visit_belongs_to_the_clerks_or_the_sources_department(
    mall: Mall,
) -> None:
    """Rules F2, F3, G5: a general complaint's visit belongs to the clerks' department
    (``return_visits.department``): a cleaner may not make it; an important one's to the
    source's department: another department's manager may not make it."""
    general = complaint(mall)
    handle(mall, general.id)
    resolve(mall, general.id)
    rv = open_visit(mall, general.id)
    assert rv.department == "customer_service"
    with pytest.raises(PermissionDenied, match="customer_service department"):
        mall.return_visits.fire(rv.id, "visit", actor=CLEANER, method="phone", **GOOD)
    important = complaint(mall, severity="important")
    handle(mall, important.id)
    resolve(mall, important.id)
    rv = open_visit(mall, important.id)
    assert rv.department == "cleaning"
    with pytest.raises(PermissionDenied, match="cleaning department"):
        mall.return_visits.fire(rv.id, "visit", actor=DEPT_MANAGER, method="phone", **GOOD)
    assert mall.get(rv.id) == rv
    done = mall.return_visits.fire(rv.id, "visit", actor=CLEANING_MANAGER, method="phone", **GOOD)
    assert done.state == "satisfied"


def test_f3_major_repair_is_visited_by_the_general_manager(mall: Mall) -> None:
    """A major fault's return visit needs the policy's major_followup_role."""
    r = accepted_repair(mall, major=True, plan="isolate the riser")
    rv = open_visit(mall, r.id)
    with pytest.raises(PermissionDenied):
        mall.return_visits.fire(rv.id, "visit", actor=DEPT_MANAGER, method="phone", **GOOD)
    mall.return_visits.fire(rv.id, "visit", actor=GM, method="on_site", **GOOD)


# -- F4 ------------------------------------------------------------------------------------------


def test_f4_not_reachable_reschedules_and_records_while_staying_due(
    mall: Mall, clock: ManualClock
) -> None:
    """Each failed attempt is recorded with a retry time; the deadline does not move."""
    r = accepted_repair(mall)
    rv = open_visit(mall, r.id)
    due = rv.timer("due").due_at
    rv = mall.return_visits.fire(rv.id, "not_reached", actor=DESK, method="phone", outcome="busy")
    assert rv.fields["retry_at"] == mall.now().add(hours=2).isoformat()
    clock.advance(hours=3)
    agreed = mall.now().add(hours=20)
    rv = mall.return_visits.fire(
        rv.id, "not_reached", actor=DESK, method="phone", outcome="not_reachable", retry_at=agreed
    )
    assert rv.state == "due"
    assert [a["outcome"] for a in rv.fields["attempts"]] == ["busy", "not_reachable"]
    assert rv.timer("retry").due_at == agreed
    assert rv.timer("due").due_at == due
    assert rv.timer("due").status == "running"
    assert [v.id for v in mall.return_visits.due_visits()] == [rv.id]


def test_f4_retry_time_must_be_in_the_future(mall: Mall) -> None:
    """An agreed retry time in the past is refused."""
    rv = open_visit(mall, accepted_repair(mall).id)
    with pytest.raises(InvalidTransition, match="not in the future"):
        mall.return_visits.fire(
            rv.id,
            "not_reached",
            actor=DESK,
            method="phone",
            outcome="busy",
            retry_at=at(2026, 9, 1, 9),
        )


# -- F5 ------------------------------------------------------------------------------------------


def test_f5_unsatisfied_reopens_and_a_new_visit_follows_until_satisfied(mall: Mall) -> None:
    """Unsatisfied: the complaint reopens; resolved again, a new visit; satisfied closes."""
    c = complaint(mall)
    handle(mall, c.id)
    resolve(mall, c.id)
    first = open_visit(mall, c.id)
    first = mall.return_visits.fire(first.id, "visit", actor=DESK, method="phone", **BAD)
    assert first.state == "unsatisfied"
    c = mall.get(c.id)
    assert (c.state, c.fields["reopen_count"]) == ("in_progress", 1)
    assert mall.return_visits.of(c.id, open_only=True) == []
    resolve(mall, c.id)
    second = open_visit(mall, c.id)
    assert second.id != first.id
    mall.return_visits.fire(second.id, "visit", actor=DESK, method="phone", **GOOD)
    assert mall.get(c.id).state == "closed"
    assert [h.event for h in mall.get(c.id).history][-1] == "close_satisfied"


def test_f5_unsatisfied_repair_goes_back_to_rework(mall: Mall) -> None:
    """An unsatisfied repair visit reopens the order into rework, then re-inspection."""
    r = accepted_repair(mall)
    rv = open_visit(mall, r.id)
    mall.return_visits.fire(rv.id, "visit", actor=DESK, method="phone", **BAD)
    r = mall.get(r.id)
    assert (r.state, r.fields["reopen_count"]) == ("rework", 1)
    mall.repairs.fire(r.id, "complete", actor=STAFF, work_done="again")
    mall.repairs.fire(r.id, "inspect", actor=DEPT_MANAGER, passed=True)
    assert len(mall.return_visits.of(r.id, open_only=True)) == 1


def test_f5_answers_outside_the_scale_are_refused(mall: Mall) -> None:
    """C12 answers run 1..rating_scale."""
    rv = open_visit(mall, accepted_repair(mall).id)
    with pytest.raises(InvalidTransition, match=r"1\.\.5"):
        mall.return_visits.fire(
            rv.id, "visit", actor=DESK, method="phone", speed=7, result=5, attitude=5
        )


# -- F6 ------------------------------------------------------------------------------------------


def test_f6_overdue_visit_escalates_and_counts_as_late(mall: Mall, clock: ManualClock) -> None:
    """Past 48 h the repair's visit breaches (escalating to the cs head) and timeliness
    and rate are computed from the records."""
    on_time = open_visit(mall, accepted_repair(mall).id)
    late = open_visit(mall, accepted_repair(mall).id)
    pending = open_visit(mall, accepted_repair(mall).id)
    mall.return_visits.fire(on_time.id, "visit", actor=DESK, method="phone", **GOOD)
    clock.advance(hours=49)
    mall.tick()
    assert mall.get(late.id).escalated_to == "cs_head"
    mall.return_visits.fire(late.id, "visit", actor=DESK, method="phone", **BAD)
    stats = timeliness(mall.return_visits.query(), now=mall.now())
    assert (stats.total, stats.done, stats.on_time, stats.late, stats.pending) == (3, 2, 1, 2, 1)
    assert stats.timeliness == pytest.approx(1 / 3)
    assert stats.rate == pytest.approx(2 / 3)
    assert stats.satisfaction == pytest.approx(1 / 2)
    assert mall.get(pending.id).timer("due").breached


def test_f6_naive_times_are_refused(mall: Mall) -> None:
    """Statistics and dispatcher views refuse a naive 'now' with mallops' own error."""
    naive = datetime.datetime(2026, 10, 1, 10)  # no timezone: the point of the test
    with pytest.raises(ValidationError, match="naive"):
        timeliness([], now=naive)
    with pytest.raises(ValidationError, match="naive"):
        mall.repairs.overdue(naive)


def test_f6_tracking_visits_do_not_count(mall: Mall) -> None:
    """Only 事后 visits count in the timeliness statistics (K3)."""
    r = report(mall)
    mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=STAFF.id)
    mall.repairs.fire(r.id, "wait_access", actor=STAFF, note="closed")
    assert timeliness(mall.return_visits.query()).total == 0


def test_return_visit_replay(mall: Mall, clock: ManualClock) -> None:
    """A visit with attempts, a breach and an outcome replays exactly (G6)."""
    rv = open_visit(mall, accepted_repair(mall).id)
    mall.return_visits.fire(rv.id, "not_reached", actor=DESK, method="phone", outcome="busy")
    clock.advance(hours=50)
    mall.tick()
    mall.return_visits.fire(rv.id, "visit", actor=DESK, method="phone", **GOOD)
    assert mall.replay(rv.id) == mall.get(rv.id)


# -- F7 ------------------------------------------------------------------------------------------


def test_f7_new_accounts_monthly_then_quarterly(mall: Mall, clock: ManualClock) -> None:
    """An account started 2026-01-15 is visited monthly in its first year, then every
    quarter; each visit made opens the next one in the same commit."""
    t300 = registered_tenant(mall, "L3-300")
    first = mall.return_visits.start_account_visits(
        actor=DESK, tenant=t300, since=at(2026, 1, 15, 10), customer="陈经理"
    )
    assert first.timer("due").due_at == at(2026, 10, 15, 10)
    assert first.history[0].actor.id == "system"
    dues = []
    visit = first
    for _ in range(5):
        clock.set(visit.timer("due").due_at.subtract(days=1))
        mall.return_visits.fire(visit.id, "visit", actor=DESK, method="phone", **GOOD)
        (visit,) = mall.return_visits.account_visits(t300, open_only=True)
        dues.append(visit.timer("due").due_at)
    assert dues == [
        at(2026, 11, 15, 10),
        at(2026, 12, 15, 10),
        at(2027, 1, 15, 10),
        at(2027, 4, 15, 10),
        at(2027, 7, 15, 10),
    ]
    assert len(mall.return_visits.account_visits(t300)) == 6
    assert mall.replay(visit.id) == mall.get(visit.id)


def test_f7_account_visits_need_a_tenant_id(mall: Mall) -> None:
    """A missing or non-text tenant (or source) is a ValidationError naming the field,
    not a TypeError, nor a list of every tenant's visits; nothing is stored."""
    mall.return_visits.start_account_visits(
        actor=DESK, tenant=registered_tenant(mall, "L3-301"), since=at(2025, 1, 1)
    )
    for bad in (None, 5, ""):
        with pytest.raises(ValidationError) as err:
            mall.return_visits.start_account_visits(actor=DESK, tenant=bad, since=at(2025, 1, 1))  # type: ignore[arg-type]
        assert err.value.field == "tenant"
        with pytest.raises(ValidationError):
            mall.return_visits.account_visits(bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            mall.return_visits.of(bad)  # type: ignore[arg-type]
    assert len(mall.return_visits.query()) == 1


def test_f7_one_open_periodic_visit_per_account(mall: Mall) -> None:
    """Starting the periodic visits twice is refused; the intervals are policy data."""
    t301 = registered_tenant(mall, "L3-301")
    mall.return_visits.start_account_visits(actor=DESK, tenant=t301, since=at(2025, 1, 1))
    with pytest.raises(ValidationError, match="already has an open periodic visit"):
        mall.return_visits.start_account_visits(actor=DESK, tenant=t301, since=at(2025, 1, 1))
    with pytest.raises(RecordNotFound):  # G11: a tenant id naming no record
        mall.return_visits.start_account_visits(actor=DESK, tenant="T-999", since=at(2025, 1, 1))
    policy = Policy.from_dict({"return_visits": {"account_interval": "6 months"}})
    assert policy.return_visits.account_interval.amount == 6


def test_f4_g9_a_working_hours_retry_into_a_year_without_data_is_provisional() -> None:
    """Rules F4, G9: a retry in working hours planned on 2026-12-31 17:00 that reaches
    into 2027 (no data) is planned by the fallback rule (Fri 1 January counts: 12:00),
    the retry timer provisional; with the 2027 data (1 January a holiday) the re-plan
    moves it to Mon 2027-01-04 12:00 and ``retry_at`` follows.  No tick fails."""
    store = MemoryStore()
    clock = ManualClock(at(2026, 12, 31, 9))
    policy = Policy.from_dict({"return_visits": {"retry_after": "4 working hours"}})
    mall = Mall(store=store, clock=clock, policy=policy)
    r = accepted_repair(mall)
    rv = open_visit(mall, r.id)
    clock.set(at(2026, 12, 31, 17))
    rv = mall.return_visits.fire(rv.id, "not_reached", actor=DESK, method="phone", outcome="busy")
    retry = rv.timer("retry")
    assert retry is not None
    assert (retry.provisional_year, retry.due_at) == (2027, at(2027, 1, 1, 12))
    assert rv.fields["retry_at"] == "2027-01-01T12:00:00+08:00"
    data = {"years": {"2027": {"holidays": ["2027-01-01"], "workdays": []}}}
    later = Mall(
        store=store,
        clock=clock,
        policy=Policy.from_dict({"calendar": data}, base=policy),
    )
    events = later.tick()
    assert not [e for e in events if e.type == "tick_failed"]
    rv = later.get(rv.id)
    retry = rv.timer("retry")
    assert retry is not None
    assert (retry.provisional_year, retry.due_at) == (None, at(2027, 1, 4, 12))
    assert rv.fields["retry_at"] == rv.fields["attempts"][-1]["retry_at"]
    assert rv.fields["retry_at"] == "2027-01-04T12:00:00+08:00"
    assert later.replay(rv.id) == rv


def test_f2_the_clerks_department_is_policy_data() -> None:
    """Rule F2: ``return_visits.department`` names a department of the policy."""
    assert Policy.seed().return_visits.department == "customer_service"
    with pytest.raises(PolicyError, match=r"return_visits\.department"):
        Policy.from_dict({"return_visits": {"department": "kitchen"}})
