"""Who may act on a record (G3, G5, C4, C5, R2): the access rules of the workflows.

A role list says which kinds of staff may fire an event; the access rule of the event
says which of them may fire it on a given record: its assignee and department, that
department's managers and the roles above them.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from mallops import Actor, Mall, ManualClock, MemoryStore, PermissionDenied, Policy, PolicyError
from mallops.engine.access import RULE_LABELS, refusal, rules_for
from mallops.errors import InvalidDefinition
from mallops.testing import sample_record

from .conftest import CS_HEAD, DESK, GM, at

OWNER = "owner-1"
BUILT_IN = {
    "complaint",
    "repair",
    "visit",
    "suggestion",
    "lost_item",
    "lost_report",
    "return_visit",
    "tenant",
}
HOME = "engineering"


def intruders(role: str) -> list[Actor]:
    """Actors of ``role`` that are neither the assignee nor of the record's department."""
    return [
        Actor("x-other", role, "security"),
        Actor("x-none", role, None),
        Actor(OWNER, role, "cleaning"),  # the assignee's id, another department
    ]


def sweep_cases(mall: Mall) -> list[tuple[str, str, str, Actor, str]]:
    """Every (kind, state, event, actor, rule) where the access rule must refuse."""
    cases = []
    policy = mall.policy
    manager_rank = policy.roles[policy.access.manager_role].rank
    for kind, service in sorted(mall.services.items()):
        spec = service.engine.spec
        rules = rules_for(spec, policy)
        for ev in spec.events:
            rule = rules[ev.name]
            if ev.system or rule == "any":
                continue
            for state in ev.sources:
                for role in ev.roles:
                    if policy.roles[role].rank > manager_rank:
                        continue
                    for actor in intruders(role):
                        cases.append((kind, state, ev.name, actor, rule))
                    if rule == "assignee" and policy.roles[role].rank < manager_rank:
                        cases.append((kind, state, ev.name, Actor("x-mate", role, HOME), rule))
    return cases


def fresh(policy: Policy | None = None) -> Mall:
    return Mall(MemoryStore(), ManualClock(at(2026, 9, 30, 10)), policy or Policy.seed())


class TestSweep:
    def test_every_kind_state_and_event_refuses_actors_outside_the_record(self) -> None:
        """Rule G5/C4: over every kind, state and event with an access rule, staff of
        another department, of none, or (for `assignee` events) a colleague who is not
        the assignee, are refused with PermissionDenied, whatever their role allows."""
        mall = fresh()
        cases = sweep_cases(mall)
        assert len(cases) > 400  # the sweep found 288 such actions succeeding
        leaks = []
        for kind, state, event, actor, _rule in cases:
            engine = mall.service(kind).engine
            record = attrs.evolve(
                sample_record("R-1", kind=kind, state=state, owner=OWNER), department=HOME
            )
            try:
                engine.entry_for(record, event, actor, mall.now(), {}, None)
            except PermissionDenied:
                continue
            except Exception:  # any other outcome is a leak
                pass
            leaks.append((kind, state, event, actor))
        assert leaks == []

    def test_the_sweep_covers_every_built_in_kind(self) -> None:
        """Issue 15: every built-in kind has events with an access rule in the sweep:
        complaints and repairs, and visits, suggestions, lost and found (items and
        reports), return visits and tenants."""
        kinds = {case[0] for case in sweep_cases(fresh())}
        assert kinds >= BUILT_IN, BUILT_IN - kinds

    def test_the_assignee_the_department_manager_and_above_pass_the_rule(self) -> None:
        """Rule G5: the assignee (in the record's department), that department's
        manager and every role above the managers pass every access rule."""
        policy = Policy.seed()
        record = attrs.evolve(sample_record("R-1", owner=OWNER), department=HOME)
        allowed = [
            Actor(OWNER, "staff", HOME),
            Actor("dm", "department_manager", HOME),
            Actor("cs", "cs_head", None),
            Actor("gm", "general_manager", "security"),
        ]
        for rule in RULE_LABELS:
            for actor in allowed:
                assert refusal(rule, record, actor, policy) is None, (rule, actor)
        mate = Actor("mate", "staff", HOME)
        assert refusal("handler", record, mate, policy) is None
        assert refusal("assignee", record, mate, policy) is not None
        other_manager = Actor("dm2", "department_manager", "cleaning")
        assert refusal("handler", record, other_manager, policy) is not None


def registered(mall: Mall) -> Any:
    return mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="王五",
        contact="13900001111",
        location="3F 女卫",
        description="地面湿滑没有清洁",
        demand="尽快清洁",
    )


CLEANER_A = Actor("clean-a", "staff", "cleaning")
ENGINEER = Actor("eng-1", "staff", "engineering")


class TestComplaints:
    def test_g3_staff_of_another_department_cannot_transfer_to_himself(self) -> None:
        """Rule G3: an engineering staff member cannot take a cleaning complaint by a
        transfer; its assignee can hand it on, naming the new owner and a reason."""
        mall = fresh()
        c = registered(mall)
        c = mall.complaints.fire(
            c.id, "assign", actor=DESK, department="cleaning", assignee=CLEANER_A.id
        )
        with pytest.raises(PermissionDenied, match="cleaning department"):
            mall.complaints.fire(
                c.id, "transfer", actor=ENGINEER, assignee=ENGINEER.id, reason="mine"
            )
        assert mall.get(c.id) == c
        c = mall.complaints.fire(
            c.id,
            "transfer",
            actor=CLEANER_A,
            assignee=ENGINEER.id,
            department="engineering",
            reason="a broken pipe, not dirt",
        )
        assert (c.owner, c.department) == (ENGINEER.id, "engineering")

    def test_c5_first_contact_is_by_the_handling_side_not_the_front_desk(self) -> None:
        """Rule C5: staff with no department, or the front desk, cannot make the first
        contact of a complaint assigned to cleaning; the cleaning staff can."""
        mall = fresh()
        c = registered(mall)
        c = mall.complaints.fire(
            c.id, "assign", actor=DESK, department="cleaning", assignee=CLEANER_A.id
        )
        for actor in (Actor("nobody", "staff", None), DESK):
            with pytest.raises(PermissionDenied):
                mall.complaints.fire(c.id, "contact", actor=actor)
        assert "contact" not in mall.allowed_events(c.id, DESK)
        c = mall.complaints.fire(c.id, "contact", actor=Actor("clean-b", "staff", "cleaning"))
        assert c.state == "contacted"

    def test_c5_the_policy_may_let_the_front_desk_make_the_first_contact(self) -> None:
        """Rule C5, policy data: `access.events."complaint.contact" = "any"` lets the
        front desk make the first contact."""
        mall = fresh(Policy.from_dict({"access": {"events": {"complaint.contact": "any"}}}))
        c = registered(mall)
        c = mall.complaints.fire(
            c.id, "assign", actor=DESK, department="cleaning", assignee=CLEANER_A.id
        )
        assert mall.complaints.fire(c.id, "contact", actor=DESK).state == "contacted"

    def test_managers_above_the_departments_act_on_every_record(self) -> None:
        """Rule G5: the customer-service head and the general manager outrank the
        department managers and may act on any department's record."""
        mall = fresh()
        c = registered(mall)
        c = mall.complaints.fire(
            c.id, "assign", actor=DESK, department="cleaning", assignee=CLEANER_A.id
        )
        c = mall.complaints.fire(c.id, "contact", actor=CS_HEAD)
        c = mall.complaints.fire(
            c.id, "transfer", actor=GM, assignee="sec-1", department="security", reason="theft"
        )
        assert (c.state, c.owner) == ("contacted", "sec-1")


def reported(mall: Mall, fault: str = "electricity") -> Any:
    return mall.repairs.open(
        actor=DESK, source="tenant", fault_type=fault, location="B1 配电房", description="跳闸"
    )


class TestRepairs:
    def test_r2_an_electricity_order_is_not_dispatched_to_a_cleaner(self) -> None:
        """Rule R2: a dispatch names a technician of a department qualified for the
        fault type; cleaning is not qualified for electricity."""
        mall = fresh()
        r = reported(mall)
        with pytest.raises(PermissionDenied, match="not qualified"):
            mall.repairs.fire(
                r.id, "dispatch", actor=DESK, technician=CLEANER_A.id, department="cleaning"
            )
        assert mall.get(r.id) == r
        r = mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=ENGINEER.id)
        assert (r.owner, r.department) == (ENGINEER.id, "engineering")
        with pytest.raises(PermissionDenied, match="not qualified"):
            mall.repairs.fire(
                r.id,
                "reassign",
                actor=DESK,
                technician=CLEANER_A.id,
                department="cleaning",
                reason="nobody else",
            )

    def test_r2_qualified_technicians_are_policy_data(self) -> None:
        """Rule R2, policy data: `repairs.fault_types.<type>.qualified` lists the
        qualified departments and, per department, the qualified technicians."""
        policy = Policy.from_dict(
            {"repairs": {"fault_types": {"electricity": {"qualified": {"engineering": ["e1"]}}}}}
        )
        mall = fresh(policy)
        r = reported(mall)
        with pytest.raises(PermissionDenied, match="'e2' is not qualified"):
            mall.repairs.fire(r.id, "dispatch", actor=DESK, technician="e2")
        assert mall.repairs.fire(r.id, "dispatch", actor=DESK, technician="e1").owner == "e1"
        with pytest.raises(PolicyError, match="unknown department"):
            Policy.from_dict(
                {"repairs": {"fault_types": {"water": {"qualified": {"kitchen": []}}}}}
            )

    def test_r2_arrival_is_recorded_by_the_dispatched_technician_or_a_manager(self) -> None:
        """Rule R2: a cleaner, or another engineer, cannot record the arrival at (or
        complete) a repair dispatched to an engineering technician."""
        mall = fresh()
        r = reported(mall)
        r = mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=ENGINEER.id)
        for actor in (CLEANER_A, Actor("eng-2", "staff", "engineering")):
            with pytest.raises(PermissionDenied):
                mall.repairs.fire(r.id, "arrive", actor=actor)
        r = mall.repairs.fire(r.id, "arrive", actor=ENGINEER)
        r = mall.repairs.fire(r.id, "start", actor=ENGINEER)
        with pytest.raises(PermissionDenied):
            mall.repairs.fire(r.id, "complete", actor=CLEANER_A, work_done="done")
        r = mall.repairs.fire(r.id, "complete", actor=ENGINEER, work_done="reset the breaker")
        assert r.state == "completed"

    def test_a_department_manager_records_the_arrival_of_his_department(self) -> None:
        """Rule R2: the engineering manager may record the arrival; the cleaning
        manager may not."""
        mall = fresh()
        r = reported(mall)
        r = mall.repairs.fire(r.id, "dispatch", actor=DESK, technician=ENGINEER.id)
        with pytest.raises(PermissionDenied):
            mall.repairs.fire(r.id, "arrive", actor=Actor("dm-c", "department_manager", "cleaning"))
        r = mall.repairs.fire(r.id, "arrive", actor=Actor("dm-e", "department_manager", HOME))
        assert r.state == "on_site"


class TestDefinitions:
    def test_an_override_for_an_event_the_workflow_lacks_is_a_policy_error(self) -> None:
        """An access override naming no event of the workflow fails when the mall is
        built, naming the key; an unknown rule fails at load."""
        with pytest.raises(PolicyError, match="no event 'kontakt'"):
            fresh(Policy.from_dict({"access": {"events": {"complaint.kontakt": "any"}}}))
        with pytest.raises(PolicyError, match="unknown access rule"):
            Policy.from_dict({"access": {"events": {"complaint.contact": "nobody"}}})
        with pytest.raises(PolicyError, match=r"kind\.event"):
            Policy.from_dict({"access": {"events": {"contact": "any"}}})
        with pytest.raises(PolicyError, match="unknown role"):
            Policy.from_dict({"access": {"manager_role": "boss"}})

    def test_an_unknown_rule_in_a_definition_is_an_invalid_definition(self) -> None:
        """A workflow whose event names an unknown access rule is refused when bound."""
        mall = fresh()
        spec = mall.complaints.engine.spec
        bad_event = attrs.evolve(spec.events[0], who="nobody")
        bad = attrs.evolve(spec, events=(bad_event, *spec.events[1:]))
        with pytest.raises(InvalidDefinition, match="unknown access rule"):
            rules_for(bad, mall.policy)


OPS_A = Actor("ops-a", "staff", "operations")
OPS_B = Actor("ops-b", "staff", "operations")


def _planned_visit(mall: Mall) -> Any:
    t = mall.tenants.register(
        actor=DESK, unit="L1-01", name="Shop", trade="retail", contact="张三",
        phone="13812345678", lease_start="2020-01-01",
    )  # fmt: skip
    mall.visits.plan_year(2026, actor=OPS_A)
    (v,) = mall.visits.plan(2026, tenant=t.id)
    return v


class TestVisits:
    def test_v2_v3_only_the_visiting_department_appoints_and_the_visitor_completes(
        self,
    ) -> None:
        """Rules V2, V3, G5: an engineer may not agree a tenant visit's appointment;
        once appointed, only the visitor (or the operations manager and above) records
        the visit, not another operations colleague."""
        mall = fresh()
        v = _planned_visit(mall)
        when = v.fields["planned_at"]
        with pytest.raises(PermissionDenied, match="operations department"):
            mall.visits.appoint(v.id, actor=ENGINEER, at=when, phoned=True)
        v = mall.visits.appoint(v.id, actor=OPS_A, at=when, phoned=True)
        assert v.owner == OPS_A.id
        mall.clock.set(when)  # type: ignore[attr-defined]
        done = {
            "form": "meeting", "topics": ["property_service"], "notes": "ok",
            "satisfaction": "satisfied", "confirmed_by": "张三",
        }  # fmt: skip
        with pytest.raises(PermissionDenied, match="assignee"):
            mall.visits.complete(v.id, actor=OPS_B, **done)
        assert mall.get(v.id) == v
        assert mall.visits.complete(v.id, actor=OPS_A, **done).state == "done"


class TestLostAndFound:
    def test_l5_g5_a_cleaner_cannot_verify_a_claim_at_the_desk(self) -> None:
        """Rules L5, G5: claims on an item held by the customer-service desk are recorded
        and verified by that desk, not by a cleaner who happens to have the role."""
        mall = fresh()
        item = mall.lost_found.intake(
            actor=DESK, found_at=mall.now(), place_found="B1", description="phone",
            features="red case", finder_type="customer",
        )  # fmt: skip
        with pytest.raises(PermissionDenied, match="customer_service department"):
            mall.lost_found.contact_owner(item.id, actor=CLEANER_A, method="phone", reached=False)
        assert mall.get(item.id) == item


class TestSuggestionsAndReturnVisits:
    def test_v5_the_responsible_department_answers_unless_the_policy_says_otherwise(
        self,
    ) -> None:
        """Rule V5, policy data: a suggestion routed to engineering is answered by
        engineering; `access.events."suggestion.answer" = "any"` lets the visitor relay
        the answer."""
        for policy, visitor_may in (
            (Policy.seed(), False),
            (Policy.from_dict({"access": {"events": {"suggestion.answer": "any"}}}), True),
        ):
            mall = fresh(policy)
            v = _planned_visit(mall)
            s = mall.suggestions.add(v.id, actor=OPS_A, topic="engineering", text="空调不冷")
            assert s.department == "engineering"
            assert ("answer" in mall.suggestions.allowed_events(s, OPS_A)) is visitor_may
            assert "answer" in mall.suggestions.allowed_events(s, ENGINEER)
