"""The reception log 接待记录 (G12): every call and visit a record, enquiries answered or
converted in one commit and linked both ways, repeat contacts linked to the open matter."""

from __future__ import annotations

from typing import Any

import pytest

from mallops import (
    Actor,
    InvalidTransition,
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    PolicyError,
    RecordNotFound,
    ValidationError,
)
from mallops.frontdesk.reception import RECEPTION_WORKFLOW, ReceptionPolicy
from mallops.masking import personal_fields
from mallops.plugins import Link
from mallops.report import build_report, month_period

from .conftest import DESK, STAFF, at

CALL: dict[str, Any] = {
    "channel": "phone",
    "person": "李雷",
    "contact": "138 0000 0000",
    "topic": "parking",
    "matter": "停车收费标准是什么？",
}


def log(mall: Mall, **over: Any) -> Any:
    return mall.receptions.log(actor=DESK, **{**CALL, **over})


def tenant(mall: Mall) -> str:
    t = mall.tenants.register(
        actor=DESK,
        name="星巴克",
        unit="1F-101",
        trade="restaurant",
        contact="王经理",
        phone="13911112222",
        lease_start="2026-01-01",
    )
    return str(t.id)


def written(mall: Mall) -> tuple[int, tuple[tuple[str, int], ...]]:
    """Records and their versions: what a failed operation must leave unchanged."""
    records = mall.query()
    return len(records), tuple(sorted((r.id, r.version) for r in records))


class TestLog:
    def test_g12_a_call_is_a_record_with_channel_time_person_and_matter(self, mall: Mall) -> None:
        """G12: channel, time, person, contact, topic, matter; the clerk owns it (G3)."""
        r = log(mall, location="B2 停车场")
        assert (r.kind, r.id, r.state, r.is_open) == ("reception", "RC-000001", "logged", True)
        assert r.fields["channel"] == "phone"
        assert r.fields["person"] == "李雷"
        assert r.fields["received_at"] == at(2026, 9, 30, 10).isoformat()
        assert (r.category, r.location, r.owner) == ("parking", "B2 停车场", DESK.id)
        assert r.timer("answer") is not None
        assert r.timer("answer").active

    @pytest.mark.parametrize("missing", ["channel", "person", "contact", "topic", "matter"])
    def test_g12_a_missing_mandatory_field_is_refused_and_nothing_stored(
        self, mall: Mall, missing: str
    ) -> None:
        """G2, G12: a missing field raises a ValidationError naming it; no record."""
        params = {k: v for k, v in CALL.items() if k != missing}
        with pytest.raises(ValidationError) as err:
            mall.receptions.open(actor=DESK, **params)
        assert err.value.field == missing
        assert written(mall) == (0, ())

    def test_g12_channel_and_topic_are_policy_choices(self, mall: Mall) -> None:
        """G1, G12: an unknown channel or topic names the field and the allowed keys."""
        with pytest.raises(ValidationError, match="wechat") as err:
            log(mall, channel="pigeon")
        assert err.value.field == "channel"
        with pytest.raises(ValidationError, match="opening_hours") as err:
            log(mall, topic="weather")
        assert err.value.field == "topic"

    def test_g7_person_and_contact_are_personal_data(self) -> None:
        """G7: the person and the contact are masked in every output."""
        assert {"person", "contact"} <= personal_fields([RECEPTION_WORKFLOW.spec])

    def test_g11_the_tenant_must_not_be_another_propertys(self, clock: ManualClock) -> None:
        """G11: a tenant of another property is refused, and nothing is written."""
        store = MemoryStore()
        east = Mall(store, clock, property="east")
        west = Mall(store, clock, property="west")
        t = tenant(east)
        with pytest.raises(ValidationError, match="G11"):
            log(west, tenant=t)
        assert west.receptions.query() == []
        assert log(east, tenant=t).tenant == t

    def test_g12_answered_on_the_spot_closes_with_the_answer(self, mall: Mall) -> None:
        """G12: an enquiry answered on the spot is closed with the answer; its timer stops."""
        r = mall.receptions.answer(log(mall).id, actor=DESK, answer="首小时免费，之后 5 元/小时")
        assert (r.state, r.is_open, r.fields["answer"]) == ("answered", False, r.fields["answer"])
        assert not r.timer("answer").active  # type: ignore[union-attr]
        with pytest.raises(InvalidTransition, match="answered"):
            mall.receptions.answer(r.id, actor=DESK, answer="again")
        assert mall.replay(r.id) == r

    def test_g12_an_unanswered_enquiry_escalates_to_the_customer_service_head(
        self, mall: Mall, clock: ManualClock
    ) -> None:
        """G12 (001 4.6): an enquiry left open past reception.answer_within escalates
        along reception.ladder, the customer-service head first."""
        r = log(mall)
        clock.advance(hours=6)  # half the working day gone: a warning
        assert [e.type for e in mall.tick()] == ["timer_warning"]
        clock.advance(days=8)  # 10-08 16:00: the National Day holiday does not count (G9)
        assert "escalated" in [e.type for e in mall.tick()]
        r = mall.get(r.id)
        assert (r.escalation_level, r.escalated_to) == (1, "cs_head")
        clock.advance(days=1)  # still unanswered a working day later: the next level
        mall.tick()
        assert mall.get(r.id).escalated_to == "property_manager"
        r = mall.get(r.id)
        assert mall.replay(r.id) == r


class TestConversion:
    def test_g12_an_enquiry_becomes_a_complaint_linked_both_ways(self, mall: Mall) -> None:
        """G12: one operation creates the complaint through the built-in service and
        links both records, each in its own history."""
        r = log(mall, location="B2 停车场")
        c = mall.receptions.to_complaint(r.id, actor=DESK, category="service")
        r = mall.get(r.id)
        assert (r.state, r.fields["converted_to"]) == (
            "converted",
            {"kind": "complaint", "record": c.id},
        )
        assert Link("complaint", c.id) in r.links
        assert Link("reception", r.id) in c.links
        assert c.fields["complainant"] == "李雷"
        assert c.fields["channel"] == "phone"
        assert [h.event for h in c.history] == ["open", "link"]
        assert [h.actor for h in c.history] == [DESK, DESK]
        assert mall.replay(c.id) == c
        assert mall.replay(r.id) == r

    def test_g12_an_enquiry_becomes_a_repair_order(self, mall: Mall) -> None:
        """G12: a repair order reported by the tenant, linked both ways."""
        t = tenant(mall)
        r = log(mall, topic="repair", tenant=t, location="1F-101", matter="店内漏水")
        rp = mall.receptions.to_repair(r.id, actor=DESK, fault_type="water")
        assert (rp.kind, rp.fields["source"], rp.tenant) == ("repair", "tenant", t)
        assert Link("reception", r.id) in rp.links
        assert Link("repair", rp.id) in mall.get(r.id).links

    def test_g12_an_enquiry_becomes_a_suggestion_of_its_tenant(self, mall: Mall) -> None:
        """G12, V5: a suggestion comes from the reception instead of a visit."""
        t = tenant(mall)
        r = log(mall, topic="other", tenant=t, matter="希望延长营业时间")
        s = mall.receptions.to_suggestion(r.id, actor=DESK, topic="promotion")
        assert (s.kind, s.state, s.fields["reception"], s.fields["visit"]) == (
            "suggestion",
            "raised",
            r.id,
            None,
        )
        assert s.links == (Link("reception", r.id),)
        assert s.version == 1
        assert Link("suggestion", s.id) in mall.get(r.id).links
        with pytest.raises(ValidationError) as err:
            mall.receptions.to_suggestion(log(mall).id, actor=DESK, topic="promotion")
        assert err.value.field == "tenant"

    def test_g12_a_failed_target_leaves_nothing(self, mall: Mall) -> None:
        """G12: the complaint refused (no location) -> the reception stays logged."""
        r = log(mall)
        before = written(mall)
        with pytest.raises(ValidationError) as err:
            mall.receptions.to_complaint(r.id, actor=DESK)
        assert err.value.field == "location"
        assert written(mall) == before
        assert mall.store.counter("id:complaint") == 0

    def test_g12_a_failed_reception_leaves_nothing(self, mall: Mall) -> None:
        """G12: a reception already answered cannot be converted; no complaint is made."""
        r = mall.receptions.answer(log(mall).id, actor=DESK, answer="ok")
        before = written(mall)
        with pytest.raises(InvalidTransition):
            mall.receptions.to_complaint(r.id, actor=DESK, location="B2")
        assert written(mall) == before
        assert mall.complaints.query() == []

    def test_g12_a_convert_fired_by_hand_links_back_and_checks_the_kind(self, mall: Mall) -> None:
        """G12: firing ``convert`` on an existing record links it back; a wrong ``into``
        is refused naming the field, with nothing written."""
        c = log(mall, location="B2")
        complaint = mall.receptions.to_complaint(c.id, actor=DESK)
        r = log(mall)
        before = written(mall)
        with pytest.raises(ValidationError) as err:
            mall.receptions.fire(r.id, "convert", actor=DESK, into="repair", target=complaint.id)
        assert err.value.field == "into"
        assert written(mall) == before
        with pytest.raises(RecordNotFound):
            mall.receptions.fire(r.id, "convert", actor=DESK, into="repair", target="R-009999")
        mall.receptions.fire(r.id, "convert", actor=DESK, into="complaint", target=complaint.id)
        assert Link("reception", r.id) in mall.get(complaint.id).links


class TestRepeatContact:
    def test_g12_candidates_match_contact_tenant_and_location(self, mall: Mall) -> None:
        """G12: open matters of the same contact, tenant or location are proposed, the
        ones matching on more first; closed ones and the contact itself are not."""
        t = tenant(mall)
        first = mall.receptions.to_complaint(log(mall, location="B2").id, actor=DESK)
        by_tenant = mall.repairs.report(
            actor=DESK,
            source="tenant",
            fault_type="water",
            location="1F-101",
            description="漏水",
            tenant=t,
        )
        closed = mall.receptions.answer(log(mall, contact="13800000000").id, actor=DESK, answer="x")
        again = log(mall, contact="+86 13800000000", tenant=t, location="B2")
        found = mall.receptions.candidates(again.id)
        assert [(c.record_id, c.matched_on) for c in found] == [
            (first.id, ("contact", "location")),
            (by_tenant.id, ("tenant",)),
        ]
        assert closed.id not in {c.record_id for c in found}
        assert log(mall, contact="13312345678").id not in {c.record_id for c in found}
        assert "李雷" not in repr(found)  # no personal data in a proposal (G7)

    def test_g12_at_most_max_candidates_are_proposed(self, clock: ManualClock) -> None:
        """G12: reception.max_candidates caps the proposals (policy data)."""
        policy = Policy.from_dict(
            {"reception": {"max_candidates": 2}}, sections={"reception": ReceptionPolicy}
        )
        mall = Mall(MemoryStore(), clock, policy)
        for _ in range(4):
            log(mall)
        assert len(mall.receptions.candidates(log(mall).id)) == 2

    def test_g12_the_clerk_links_a_repeat_contact_to_the_open_matter(self, mall: Mall) -> None:
        """G12: confirming a proposal closes the contact as linked and records it in the
        matter's history; the matter is not registered twice."""
        complaint = mall.receptions.to_complaint(log(mall, location="B2").id, actor=DESK)
        again = log(mall)
        (proposal,) = mall.receptions.candidates(again.id)
        r = mall.receptions.link_repeat(again.id, actor=DESK, matter=proposal.record_id)
        c = mall.get(complaint.id)
        assert (r.state, r.fields["repeat_of"], r.links) == (
            "linked",
            c.id,
            (Link("repeat_of", c.id),),
        )
        assert c.history[-1].event == "link"
        assert c.history[-1].actor == DESK
        assert Link("repeat_contact", r.id) in c.links
        assert len(mall.complaints.query()) == 1
        assert mall.replay(c.id) == c
        assert mall.replay(r.id) == r

    def test_g12_an_open_reception_is_a_matter_too(self, mall: Mall) -> None:
        """G12: a second call before the first is answered links to the first one."""
        first, again = log(mall), log(mall)
        mall.receptions.link_repeat(again.id, actor=DESK, matter=first.id)
        first = mall.get(first.id)
        assert first.is_open
        assert first.links == (Link("repeat_contact", again.id),)

    def test_g12_a_closed_matter_or_the_contact_itself_is_refused(self, mall: Mall) -> None:
        """G12: only an open matter takes a repeat contact; errors name ``matter``."""
        done = mall.receptions.answer(log(mall).id, actor=DESK, answer="x")
        again = log(mall)
        before = written(mall)
        for matter in (done.id, again.id):
            with pytest.raises(ValidationError) as err:
                mall.receptions.link_repeat(again.id, actor=DESK, matter=matter)
            assert err.value.field == "matter"
        assert written(mall) == before

    def test_g12_repeat_kinds_are_policy_data(self, clock: ManualClock) -> None:
        """G12: reception.repeat_kinds limits what is matched and linked."""
        with pytest.raises(PolicyError) as err:
            Policy.from_dict(
                {"reception": {"repeat_kinds": ["parcel"]}},
                sections={"reception": ReceptionPolicy},
            )
        assert err.value.key == "reception.repeat_kinds"
        policy = Policy.from_dict(
            {"reception": {"repeat_kinds": ["complaint"]}},
            sections={"reception": ReceptionPolicy},
        )
        mall = Mall(MemoryStore(), clock, policy)
        first, again = log(mall), log(mall)
        assert mall.receptions.candidates(again.id) == []
        with pytest.raises(ValidationError, match="repeat_kinds"):
            mall.receptions.link_repeat(again.id, actor=DESK, matter=first.id)


class TestPermissions:
    @pytest.mark.parametrize("role", ["front_desk", "staff", "cs_head", "general_manager"])
    def test_g5_whoever_takes_the_call_logs_and_answers_it(self, mall: Mall, role: str) -> None:
        """G5, G12: the desk and anyone who takes a call may log, answer and convert."""
        actor = Actor(f"{role}-1", role, "customer_service")
        r = mall.receptions.log(actor=actor, **CALL)
        assert set(mall.receptions.allowed_events(r, actor)) == {
            "answer",
            "convert",
            "link_repeat",
            "link",
        }

    def test_g5_an_unknown_role_is_refused(self, mall: Mall) -> None:
        """G5: a role the policy does not know is a PermissionDenied naming it."""
        with pytest.raises(PermissionDenied, match="visitor"):
            mall.receptions.log(actor=Actor("v", "visitor", None), **CALL)


class TestReport:
    def test_g12_the_report_shows_topics_conversion_and_repeat_contacts(
        self, mall: Mall, clock: ManualClock
    ) -> None:
        """G12: enquiries by topic, conversion count and rate by kind, repeat-contact rate."""
        mall.receptions.answer(log(mall).id, actor=DESK, answer="x")
        c = mall.receptions.to_complaint(log(mall, location="B2").id, actor=DESK)
        mall.receptions.link_repeat(log(mall, topic="complaint").id, actor=DESK, matter=c.id)
        log(mall, topic="leasing")
        clock.advance(days=1)
        report = build_report(mall, *month_period("2026-09", mall), lang="en")
        topics = report.table("reception_topics")
        assert topics is not None
        assert topics.keys == ("parking", "leasing", "complaint")
        assert topics.rows[0][1:] == (2, 1, 1, 0, 0)
        assert topics.rows[2][1:] == (1, 0, 0, 1, 0)
        conversion = report.table("reception_conversion")
        assert conversion is not None
        assert conversion.rows[0][1:] == (1, 25.0)
        section = report.section("reception")
        assert section is not None
        assert "repeat-contact rate 25.0%" in section.notes[0]
        zh = build_report(mall, *month_period("2026-09", mall), lang="zh")
        assert zh.table("reception_topics").rows[0][0] == "停车"  # type: ignore[union-attr]

    def test_no_receptions_no_section(self, mall: Mall) -> None:
        """A period without receptions has no reception section."""
        assert build_report(mall, *month_period("2026-09", mall)).section("reception") is None


def test_standard_false_leaves_the_reception_log_out(clock: ManualClock) -> None:
    """Mall(standard=False) runs without it: complaints keep their referral events."""
    mall = Mall(MemoryStore(), clock, standard=False)
    assert "reception" not in mall.services
    c = mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="x",
        contact="1",
        location="B1",
        description="d",
        demand="d",
    )
    assert mall.complaints.fire(c.id, "refer", actor=STAFF, difficulty="x").fields["referrals"]
