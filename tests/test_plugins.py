"""Workflows as plug-ins (issue 14): the public API of ``mallops.plugins``, the registry,
the reaction table and plug-in policy sections.  The end-to-end run of a plug-in on
every store is examples/notice_approval.py (tests/test_examples.py)."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops import Actor, InvalidDefinition, Mall, ManualClock, Policy, PolicyError
from mallops.errors import ValidationError
from mallops.frontdesk import FRONT_DESK_WORKFLOWS
from mallops.operations import OPERATIONS_WORKFLOWS
from mallops.plugins import (
    BUILTIN_REACTIONS,
    BUILTIN_WORKFLOWS,
    Reacting,
    Reaction,
    Workflow,
    WorkflowService,
    load_workflow,
)
from mallops.policy import reference_markdown
from mallops.testing import event_params
from mallops.workflows.complaints import ComplaintService
from mallops.workflows.repairs import RepairService

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "notice_approval.py"
NOTICE_WORKFLOW = load_workflow(f"{EXAMPLE}:NOTICE_WORKFLOW")
NOTICE = NOTICE_WORKFLOW.spec
SECTION = NOTICE_WORKFLOW.policy_class
assert SECTION is not None
START = pendulum.datetime(2026, 9, 28, 10, tz="Asia/Shanghai")
CLERK = Actor("desk-1", "front_desk", "customer_service")
BOSS = Actor("pm-1", "property_manager", "operations")


def notice_mall(**kw: Any) -> tuple[Mall, ManualClock]:
    clock = ManualClock(START)
    return Mall(clock=clock, workflows=[NOTICE_WORKFLOW], **kw), clock


def draft(mall: Mall, tenant: str = "T-1") -> Any:
    return mall.service("notice").open(actor=CLERK, title="通知", body="内容", tenant=tenant)


class TestRegistry:
    def test_builtins_go_through_the_same_path(self) -> None:
        """The seven built-in workflows are Workflow values, registered like a plug-in."""
        mall, _ = notice_mall()
        shipped = (*FRONT_DESK_WORKFLOWS, *OPERATIONS_WORKFLOWS)
        assert mall.workflows == (*BUILTIN_WORKFLOWS, *shipped, NOTICE_WORKFLOW)
        assert list(mall.services) == [wf.kind for wf in mall.workflows]
        own = {r for wf in (*shipped, NOTICE_WORKFLOW) for r in wf.reactions}
        assert set(mall.reactions) == {*BUILTIN_REACTIONS, *own}

    def test_plugin_attribute_and_typed_lookup(self) -> None:
        mall, _ = notice_mall()
        assert mall.notices is mall.service("notice")
        assert isinstance(mall.registry.of("complaint", ComplaintService), ComplaintService)
        with pytest.raises(ValidationError, match="not a RepairService"):
            mall.registry.of("complaint", RepairService)
        with pytest.raises(ValidationError, match="unknown record kind 'parcel'; kinds: "):
            mall.registry.of("parcel", WorkflowService)
        with pytest.raises(AttributeError):
            _ = mall.parcels

    def test_a_kind_registered_twice_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="'notice' is registered twice"):
            Mall(workflows=[NOTICE_WORKFLOW, NOTICE_WORKFLOW])

    def test_a_builtin_kind_cannot_be_replaced_silently(self) -> None:
        with pytest.raises(ValidationError, match="registered twice"):
            Mall(workflows=[BUILTIN_WORKFLOWS[0]])

    @pytest.mark.parametrize("bad", [NOTICE_WORKFLOW, "notice", [NOTICE], 3])
    def test_workflows_must_be_a_list_of_workflows(self, bad: Any) -> None:
        with pytest.raises(ValidationError, match="workflows"):
            Mall(workflows=bad)

    def test_attribute_clash_is_refused(self) -> None:
        import attrs

        spec = attrs.evolve(NOTICE, kind="notice2")
        clash = attrs.evolve(NOTICE_WORKFLOW, spec=spec, attribute="tick", reactions=())
        with pytest.raises(ValidationError, match="attribute 'tick' is taken"):
            Mall(workflows=[clash])

    def test_bad_bundles_are_definition_errors(self) -> None:
        with pytest.raises(InvalidDefinition, match="expected a WorkflowSpec"):
            Workflow("notice")  # type: ignore[arg-type]
        with pytest.raises(InvalidDefinition, match="both policy_section and policy_class"):
            Workflow(NOTICE, policy_section="notices")
        with pytest.raises(InvalidDefinition, match="reserved"):
            Workflow(NOTICE, attribute="store")
        row = Reaction("complaint", "open", lambda r: None, ("repair",))
        with pytest.raises(InvalidDefinition, match="own kind as source or target"):
            Workflow(NOTICE, reactions=(row,))

    def test_a_reaction_to_an_unknown_kind_is_refused(self) -> None:
        import attrs

        row = Reaction("notice", "sign", lambda r: None, ("parcel",))
        wf = attrs.evolve(NOTICE_WORKFLOW, reactions=(row,))
        with pytest.raises(ValidationError, match="no workflow of kind 'parcel'"):
            Mall(workflows=[wf])

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("nocolon", "not MODULE:NAME"),
            ("no_such_module_xyz:W", "cannot import"),
            ("/nowhere/x.py:W", "no file"),
            (f"{EXAMPLE}:NOTICE", "not a Workflow"),
        ],
    )
    def test_load_workflow_errors(self, text: str, why: str) -> None:
        with pytest.raises(ValidationError, match=why):
            load_workflow(text)


class TestReactions:
    def test_plugin_reacts_to_a_builtin_change(self) -> None:
        """A tenant leaving cancels its open notices (the example's reaction), in the
        same commit as the leave."""
        mall, _ = notice_mall()
        manager = Actor("m-1", "property_manager", "operations")
        tenant = mall.tenants.register(
            actor=manager, unit="L1-01", name="茶饮", trade="restaurant", contact="王",
            phone="13800000000", lease_start="2026-01-01",
        )  # fmt: skip
        n = draft(mall, tenant=tenant.id)
        mall.tenants.fire(
            tenant.id, "leave", actor=manager, reason="lease over", left_on="2026-09-28"
        )
        assert mall.get(n.id).state == "withdrawn"
        assert mall.get(n.id).fields["withdrawn_because"] == "tenant left"

    def test_a_failing_reaction_cancels_the_whole_operation(self) -> None:
        """Reactions run inside the batch: one raising leaves every record as before."""
        import attrs

        def refuse(r: Reacting) -> None:
            """Refuses every approval."""
            raise ValidationError("approvals are frozen")

        wf = attrs.evolve(
            NOTICE_WORKFLOW, reactions=(Reaction("notice", "approve", refuse, ("notice",)),)
        )
        mall = Mall(clock=ManualClock(START), workflows=[wf])
        n = draft(mall)
        with pytest.raises(ValidationError, match="frozen"):
            mall.service("notice").fire(n.id, "approve", actor=BOSS)
        assert mall.get(n.id) == n

    def test_entered_narrows_to_state_changes(self) -> None:
        seen: list[str] = []
        import attrs

        row = Reaction(
            "notice", "*", lambda r: seen.append(r.entry.event), ("notice",), entered="sealed"
        )
        mall = Mall(
            clock=ManualClock(START), workflows=[attrs.evolve(NOTICE_WORKFLOW, reactions=(row,))]
        )
        n = draft(mall)
        svc = mall.service("notice")
        svc.fire(n.id, "approve", actor=BOSS)
        svc.fire(n.id, "seal", actor=CLERK)
        assert seen == ["seal"]


class TestPolicySections:
    def test_defaults_fill_a_missing_section(self) -> None:
        mall, _ = notice_mall()
        assert mall.policy.section("notices", SECTION) == SECTION()

    def test_unknown_section_is_still_an_error(self) -> None:
        with pytest.raises(PolicyError, match="unknown key") as err:
            Policy.from_dict({"notices": {}})
        assert err.value.key == "notices"

    @pytest.mark.parametrize(
        ("data", "key"),
        [
            ({"sign_within": "soon"}, "notices.sign_within"),
            ({"bogus": 1}, "notices.bogus"),
            ({"ladder": "x"}, "notices.ladder"),
        ],
    )
    def test_dotted_key_errors(self, data: dict[str, Any], key: str) -> None:
        with pytest.raises(PolicyError) as err:
            Policy.from_dict({"notices": data}, sections={"notices": SECTION})
        assert err.value.key == key

    def test_a_section_cannot_shadow_a_builtin_one(self) -> None:
        with pytest.raises(PolicyError, match="built-in section"):
            Policy.seed().with_sections({"complaints": SECTION})

    def test_round_trip_and_toml(self, tmp_path: Path) -> None:
        p = Policy.from_dict({"notices": {"sign_within": "3h"}}, sections={"notices": SECTION})
        assert Policy.from_dict(p.to_dict(), sections={"notices": SECTION}) == p
        f = tmp_path / "p.toml"
        f.write_text('[notices]\nsign_within = "3h"\n', encoding="utf-8")
        assert Policy.from_toml(f, sections={"notices": SECTION}).extensions == p.extensions

    def test_section_drives_the_deadline(self) -> None:
        p = Policy.from_dict({"notices": {"sign_within": "3h"}}, sections={"notices": SECTION})
        mall = Mall(clock=ManualClock(START), policy=p, workflows=[NOTICE_WORKFLOW])
        svc = mall.service("notice")
        n = draft(mall)
        for event, actor, params in (
            ("approve", BOSS, {}),
            ("seal", CLERK, {}),
            ("deliver", CLERK, {"delivered_to": "张"}),
        ):
            n = svc.fire(n.id, event, actor=actor, **params)
        timer = n.timer("signature")
        assert timer is not None
        assert timer.due_at == START.add(hours=3)

    def test_missing_section_read_is_a_policy_error(self) -> None:
        with pytest.raises(PolicyError, match="no policy section 'notices'"):
            Policy.seed().section("notices", SECTION)

    def test_reference_lists_the_section(self) -> None:
        text = reference_markdown({"notices": SECTION})
        assert "| `notices.sign_within` |" in text
        assert "notices." not in reference_markdown()


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_strategies_work_for_a_plugin(data: st.DataObject) -> None:
    """``mallops.testing.event_params`` draws valid parameters for a plug-in's events
    without further code: every drawn draft opens."""
    mall, _ = notice_mall()
    params = data.draw(event_params(NOTICE, "draft", mall.policy, START))
    record = mall.service("notice").open(actor=CLERK, **params)
    assert record.state == "draft"
    assert record.tenant == unicodedata.normalize("NFC", params["tenant"]).strip()
