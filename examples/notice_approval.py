"""A workflow of your own: the tenant notice 通知单 (draft → approved → sealed → delivered
→ signed), with a signature deadline, an escalation and its own policy section.

Its own rules: N1 a delivered notice is signed within ``notices.sign_within``, else it
escalates along ``notices.ladder``; N2 a tenant leaving cancels its open notices.

Only public names are used: ``mallops`` and the plug-in API ``mallops.plugins``
(docs/workflows.md walks through this file).  ``main()`` runs it end to end on the
memory, JSON and SQLite stores: open, fire, tick, escalate, replay, report counts,
diagram and the command line.

Run: python examples/notice_approval.py
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import attrs
import pendulum

from mallops import Actor, Duration, JsonStore, Mall, ManualClock, MemoryStore, Policy, SqlStore
from mallops.cli import main as cli
from mallops.diagrams import diagram
from mallops.plugins import (
    Context,
    EventSpec,
    Param,
    Reacting,
    Reaction,
    StateSpec,
    TimerPlan,
    TimerSpec,
    Workflow,
    WorkflowService,
    WorkflowSpec,
    plan_for,
    policy_field,
)
from mallops.report import build_report

TZ = "Asia/Shanghai"
MANAGERS = ("department_manager", "property_manager", "general_manager")
DESK = ("front_desk", "staff", *MANAGERS)


# -- 1. the policy section: the workflow's numbers, with shipped defaults -----------------


@attrs.frozen
class NoticePolicy:
    """Tenant notices (``[notices]`` in the policy file)."""

    sign_within: Duration = policy_field(
        Duration.parse("2 working days"), doc="a delivered notice is signed within", rule="N1"
    )
    chase_after: Duration = policy_field(
        Duration.parse("1 working day"),
        doc="unsigned after the deadline: escalate again after",
        rule="N1",
    )
    ladder: tuple[str, ...] = policy_field(
        ["department_manager", "property_manager"],
        doc="who an unsigned notice escalates to",
        rule="N1",
    )


def notices(ctx: Context) -> NoticePolicy:
    """The notice section of the policy in force."""
    return ctx.policy.section("notices", NoticePolicy)


# -- 2. the spec: states, events, a timer ----------------------------------------------------


def _on_draft(ctx: Context) -> None:
    for name in ("title", "body"):
        ctx.set(name, ctx.param(name))
    ctx.draft.tenant = ctx.param("tenant")


def _on_deliver(ctx: Context) -> None:
    ctx.set("delivered_to", ctx.param("delivered_to"))


def _on_sign(ctx: Context) -> None:
    ctx.set("signed_by", ctx.param("signed_by"))


def _on_withdraw(ctx: Context) -> None:
    ctx.set("withdrawn_because", ctx.param("because") or ctx.reason)


def _plan_signature(ctx: Context) -> TimerPlan:
    p = notices(ctx)
    return plan_for(
        p.sign_within, ctx.calendar, warn_at=0.5, breach_level=1, steps=(p.chase_after,)
    )


def _event(name: str, src: tuple[str, ...], dest: str, zh: str, en: str, **kw: Any) -> EventSpec:
    return EventSpec(name, src, dest, kw.pop("roles", DESK), zh, en, **kw)


OPEN_STATES = ("draft", "approved", "sealed", "delivered")

NOTICE = WorkflowSpec(
    kind="notice",
    zh="通知单",
    en="tenant notice",
    prefix="N",
    states=(
        StateSpec("draft", "草拟", "draft"),
        StateSpec("approved", "已审批", "approved"),
        StateSpec("sealed", "已盖章", "sealed"),
        StateSpec("delivered", "已送达", "delivered"),
        StateSpec("signed", "已签收", "signed", final=True),
        StateSpec("withdrawn", "已撤回", "withdrawn", final=True),
    ),
    initial="draft",
    create=EventSpec(
        "draft",
        (),
        "draft",
        DESK,
        "草拟",
        "draft",
        params=(
            Param("title", required=True),
            Param("body", "text", required=True),
            Param("tenant", required=True, doc="the tenant's id"),
        ),
        effect=_on_draft,
    ),
    events=(
        _event("approve", ("draft",), "approved", "审批", "approve", roles=MANAGERS),
        _event("seal", ("approved",), "sealed", "盖章", "seal"),
        _event(
            "deliver",
            ("sealed",),
            "delivered",
            "送达",
            "deliver",
            params=(Param("delivered_to", required=True, personal=True),),
            effect=_on_deliver,
        ),
        _event(
            "sign",
            ("delivered",),
            "signed",
            "签收",
            "sign",
            params=(Param("signed_by", required=True, personal=True),),
            effect=_on_sign,
        ),
        _event(
            "withdraw",
            OPEN_STATES,
            "withdrawn",
            "撤回",
            "withdraw",
            roles=MANAGERS,
            reason_required=True,
            effect=_on_withdraw,
        ),
        EventSpec(
            "cancel",
            OPEN_STATES,
            "withdrawn",
            (),
            "作废",
            "cancel",
            params=(Param("because"),),
            effect=_on_withdraw,
            system=True,
        ),
    ),
    timers=(
        TimerSpec(
            "signature",
            "签收时限",
            "signature deadline",
            ("deliver",),
            ("signed",),
            _plan_signature,
        ),
    ),
    ladder=lambda p: p.section("notices", NoticePolicy).ladder,
)


# -- 3. the service: typed operations ---------------------------------------------------------


class NoticeService(WorkflowService):
    """``mall.notices``: notices to tenants, from draft to signature."""

    def draft(self, *, actor: Actor, title: str, body: str, tenant: str) -> Any:
        """Draft a notice to ``tenant``."""
        return self.open(actor=actor, title=title, body=body, tenant=tenant)

    def unsigned(self) -> list[Any]:
        """Delivered notices still waiting for a signature, the oldest first."""
        return self.query(state="delivered")


# -- 4. a reaction: a leaving tenant's open notices are cancelled -----------------------------


def _tenant_left(r: Reacting) -> None:
    """A tenant leaving cancels its open notices."""
    notices = r.services["notice"]
    for notice in notices.query(tenant=r.after.id, is_open=True):
        because = {"because": "tenant left"}
        notices.fire_system_in(r.batch, notice.id, "cancel", because, r.entry.at)


NOTICE_WORKFLOW = Workflow(
    NOTICE,
    NoticeService,
    attribute="notices",
    policy_section="notices",
    policy_class=NoticePolicy,
    reactions=(Reaction("tenant", "leave", _tenant_left, ("notice",), rule="N2"),),
)


# -- 5. running it ---------------------------------------------------------------------------

CLERK = Actor("desk-1", "front_desk", "customer_service", "前台小王")
BOSS = Actor("pm-1", "property_manager", "operations", "物业经理")


def run_on(mall: Mall, clock: ManualClock) -> None:
    """Open, fire, tick, escalate, replay and count one notice on ``mall``."""
    svc = mall.registry.of("notice", NoticeService)
    n = svc.draft(actor=CLERK, title="消防检查通知", body="10月5日9:00消防检查", tenant="T-118")
    for event, actor, params in (
        ("approve", BOSS, {}),
        ("seal", CLERK, {}),
        ("deliver", CLERK, {"delivered_to": "张店长"}),
    ):
        n = svc.fire(n.id, event, actor=actor, **params)
    signature = n.timer("signature")
    assert signature is not None
    assert signature.active
    clock.advance(days=7)  # nobody signed: breach (level 1) and the chase (level 2)
    events = mall.tick()
    assert {e.type for e in events} >= {"timer_warning", "timer_breached", "escalated"}
    n = mall.get(n.id)
    assert n.escalated_to == "property_manager", n.escalations
    assert [x.id for x in svc.unsigned()] == [n.id]
    n = svc.fire(n.id, "sign", actor=CLERK, signed_by="张店长")
    assert n.state == "signed"
    assert not n.is_open
    assert mall.replay(n.id) == n  # G6: the history alone rebuilds it
    report = build_report(mall, *_month(n.created_at), lang="en")
    status = report.table("status")
    assert status is not None
    assert "notice.signed" in status.keys, status


def _month(day: pendulum.DateTime) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    start = day.start_of("month")
    return start, start.add(months=1)


def main() -> None:
    """The notice workflow on three stores, its diagram, its policy and its CLI."""
    policy = Policy.from_dict(
        {"notices": {"sign_within": "1 working day"}}, sections={"notices": NoticePolicy}
    )
    assert policy.section("notices", NoticePolicy).sign_within == Duration.parse("1 working day")
    with tempfile.TemporaryDirectory() as tmp:
        stores = {
            "memory": MemoryStore(),
            "json": JsonStore(Path(tmp) / "ops.json"),
            "sqlite": SqlStore(f"sqlite:///{Path(tmp) / 'ops.db'}"),
        }
        for name, store in stores.items():
            clock = ManualClock(pendulum.datetime(2026, 9, 28, 10, tz=TZ))
            run_on(Mall(store, clock, policy, workflows=[NOTICE_WORKFLOW]), clock)
            store.close()
            print(f"{name}: notice drafted, escalated, signed and replayed")
        print(diagram(NOTICE, "mermaid", "zh").splitlines()[0])
        _cli(Path(tmp) / "cli.json")


def _cli(store: Path) -> None:
    """The command line finds the plug-in with ``--workflow module:NAME``."""
    common = ["--store", str(store), "--workflow", f"{__file__}:NOTICE_WORKFLOW", "--json"]
    common += ["--now", "2026-09-28T10:00:00+08:00"]
    _run(["init", "--store", str(store)])  # the CLI opens existing stores only
    out = _run(
        [
            "open",
            "notice",
            "--actor",
            "desk-1:front_desk",
            "--field",
            "title=停水通知",
            "--field",
            "body=明日停水",
            "--field",
            "tenant=T-9",
            *common,
        ]
    )
    rid = json.loads(out)["id"]
    _run(["fire", rid, "approve", "--actor", "pm-1:property_manager", *common])
    shown = json.loads(_run(["show", rid, *common]))
    assert shown["state"] == "approved", shown
    listed = json.loads(_run(["list", "--kind", "notice", *common]))
    assert [r["id"] for r in listed] == [rid], listed


def _run(argv: list[str]) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli(argv)
    assert code == 0, (argv, buf.getvalue())
    return buf.getvalue()


if __name__ == "__main__":
    main()
