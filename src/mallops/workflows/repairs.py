"""Repair orders 报修 (rules R1-R8, G8).

State diagram and SLA model: docs/repairs.md.
"""

from __future__ import annotations

from typing import Any

import pendulum

from ..clock import aware
from ..domain.records import Actor, HistoryEntry, Record
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_for, plan_until
from ..errors import ValidationError
from ..policy import Policy
from .base import Batch, WorkflowService
from .complaints import (
    ANYONE,
    DISPATCHERS,
    HANDLERS,
    MANAGERS,
    _channels,
    _departments,
    _guard_promise,
)

__all__ = ["REPAIR", "RepairService"]

OPEN_STATES = (
    "reported",
    "dispatched",
    "on_site",
    "in_progress",
    "waiting_parts",
    "waiting_access",
    "completed",
    "rework",
)
WORKING = ("on_site", "in_progress", "waiting_parts", "waiting_access", "rework")
ARRIVED = ("on_site", "in_progress", "waiting_parts", "completed", "rework", "accepted")


def _urgencies(p: Policy) -> tuple[str, ...]:
    return tuple(p.repairs.urgencies)


def _fault_types(p: Policy) -> tuple[str, ...]:
    return tuple(p.repairs.fault_types)


def _sources(p: Policy) -> tuple[str, ...]:
    return tuple(p.repairs.sources)


# -- timers ----------------------------------------------------------------------------------


def _plan_response(ctx: Context) -> TimerPlan:
    r = ctx.policy.repairs
    urgency = r.urgencies[ctx.draft.severity or r.default_urgency]
    return plan_for(
        urgency.response,  # rule R3: 15 / 30 minutes, 24/7
        ctx.calendar,
        warn_at=r.response_warn_at,
        quiet=False,
        breach_level=1,
        steps=r.escalate_after_breach,
    )


def _plan_commitment(ctx: Context) -> TimerPlan | None:
    due = ctx.param("promised_by")
    if due is None:
        return None
    return plan_until(ctx.now, due, warn_at=ctx.policy.repairs.commitment_warn_at)


def _pauses(timer: str) -> Any:
    def states(p: Policy) -> tuple[str, ...]:
        return tuple(p.repairs.pauses.get(timer, ()))  # rule R4

    return states


# -- guards and effects -------------------------------------------------------------------------


def _on_report(ctx: Context) -> None:
    r = ctx.policy.repairs
    d = ctx.draft
    fault = ctx.param("fault_type")
    d.category = fault  # rule R1
    d.location = ctx.param("location")
    d.tenant = ctx.param("tenant")
    d.severity = ctx.param("urgency") or r.fault_types[fault].urgency or r.default_urgency  # R2
    source = ctx.param("source")
    for name in ("source", "description", "reporter", "contact", "channel", "inspection"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    # rule R6: a tenant or customer behind it makes the order external
    ctx.set("external", source in r.external_sources or d.tenant is not None)
    occurred = ctx.param("occurred_at")
    if occurred is not None and occurred > ctx.now:
        raise ValidationError(
            f"occurred_at: {occurred.isoformat()} is in the future (now {ctx.now.isoformat()}); "
            "give when the fault appeared, or leave it out for now",
            field="occurred_at",
        )
    ctx.set("occurred_at", occurred or ctx.now)
    ctx.set("rework_rounds", 0)
    ctx.set("inspections", [])
    ctx.set("reopen_count", 0)
    ctx.set("major", False)
    d.owner = ctx.actor.id
    d.department = ctx.actor.department or r.fault_types[fault].department
    if ctx.param("major"):
        if not ctx.param("plan"):
            raise ValidationError(
                "report: a major fault needs its handling plan (R7); give plan=...",
                field="plan",
            )
        _report_major(ctx, ctx.param("description"))


def _report_major(ctx: Context, symptom: str) -> None:
    """Rule R7: time, place, symptom and plan go at once to the managers in charge."""
    ctx.set("major", True)
    ctx.set("plan", ctx.param("plan"))
    ctx.emit(
        "major_fault",
        roles=list(ctx.policy.repairs.major_report_to),
        time=ctx.get("occurred_at"),
        place=ctx.draft.location,
        symptom=symptom,
        plan=ctx.param("plan"),
    )


def _on_declare_major(ctx: Context) -> None:
    _report_major(ctx, ctx.param("symptom") or ctx.get("description"))


def _on_dispatch(ctx: Context) -> None:
    dept = (
        ctx.param("department")
        or ctx.policy.repairs.fault_types[ctx.draft.category or ""].department
    )
    ctx.set_department(dept, ctx.param("technician"))  # rule R2
    ctx.set("dispatched_at", ctx.now)


def _qualified(keep_department: bool) -> Any:
    """Rule R2: a dispatch (or reassignment) names a technician qualified for the fault
    type: a department qualified for it and, where the policy lists them, one of its
    qualified technicians."""

    def permit(ctx: Context) -> str | None:
        technician = ctx.param("technician")
        fault = ctx.policy.repairs.fault_types.get(ctx.draft.category or "")
        if technician is None or fault is None:
            return None
        default = ctx.draft.department if keep_department else fault.department
        return fault.refuses(ctx.param("department") or default or "", technician)

    return permit


def _on_reassign(ctx: Context) -> None:
    ctx.set_department(ctx.param("department") or ctx.draft.department, ctx.param("technician"))


def _on_set_urgency(ctx: Context) -> None:
    ctx.draft.severity = ctx.param("urgency")
    ctx.replan_timers("change")


def _on_arrive(ctx: Context) -> None:
    ctx.set("arrived_at", ctx.now)


def _on_commit(ctx: Context) -> None:
    """Rule G8: a committed completion time is a timer, explained to the customer."""
    due = ctx.param("promised_by")
    ctx.set("promised_by", due)
    plan = _plan_commitment(ctx)
    if plan is not None:
        ctx.start_timer("commitment", plan)
    tz = ctx.calendar.tz
    if due is not None and due.in_timezone(tz).date() != ctx.now.in_timezone(tz).date():
        ctx.emit(
            "notify",
            role=ctx.policy.repairs.explain_role,
            reason="same_day:committed",
            promised_by=due,
        )


def _on_wait(ctx: Context) -> None:
    ctx.set("waiting_note", ctx.param("note"))
    if ctx.param("promised_by") is not None:
        _on_commit(ctx)


def _on_complete(ctx: Context) -> None:
    ctx.set("work_done", ctx.param("work_done"))
    ctx.set("completed_at", ctx.now)


def _record_inspection(ctx: Context) -> None:
    rounds = list(ctx.get("inspections", []))
    rounds.append(
        {
            "round": len(rounds) + 1,
            "passed": bool(ctx.param("passed")),
            "by": ctx.actor.id,
            "at": ctx.now,
            "findings": ctx.param("findings"),
        }
    )
    ctx.set("inspections", rounds)


def _passed(want: bool, external: bool | None) -> Any:
    def guard(ctx: Context) -> str | None:
        if bool(ctx.param("passed")) != want:
            return "the inspection result does not match this branch"
        if external is not None and bool(ctx.get("external")) != external:
            return "the order's source does not match this branch"
        return None

    return guard


def _on_accept(ctx: Context) -> None:
    _record_inspection(ctx)
    ctx.set("accepted_at", ctx.now)


def _on_fail(ctx: Context) -> None:
    """Rule R5: a failed inspection sends the work back; past the cap it escalates."""
    _record_inspection(ctx)
    rounds = int(ctx.get("rework_rounds", 0)) + 1
    ctx.set("rework_rounds", rounds)
    cap = ctx.policy.repairs.rework_escalate_after
    if cap and rounds >= cap:
        ctx.escalate(1, "rework")


def _on_end(ctx: Context) -> None:
    ctx.set("end_reason", ctx.reason)


def _on_reopen(ctx: Context) -> None:
    """Rule F5: an unsatisfactory return visit sends the order back to rework."""
    ctx.set("reopen_count", int(ctx.get("reopen_count", 0)) + 1)
    ctx.set("accepted_at", None)


_PROMISE = Param("promised_by", "datetime", doc="committed completion time (G8)")
_INSPECT = (
    Param("passed", "bool", required=True, doc="whether the repair passed (R5)"),
    Param("findings", "text", doc="what the inspector found"),
)

REPAIR = WorkflowSpec(
    kind="repair",
    zh="报修单",
    en="repair order",
    prefix="R",
    states=(
        StateSpec("reported", "已报修", "reported"),
        StateSpec("dispatched", "已派工", "dispatched"),
        StateSpec("on_site", "已到场", "on site"),
        StateSpec("in_progress", "维修中", "in progress"),
        StateSpec("waiting_parts", "待料", "waiting for parts"),
        StateSpec("waiting_access", "待进场", "waiting for access"),
        StateSpec("completed", "已完工待验收", "completed, awaiting inspection"),
        StateSpec("rework", "返工中", "rework"),
        StateSpec("accepted", "验收合格待回访", "accepted, awaiting return visit"),
        StateSpec("closed", "已关闭", "closed", final=True),
        StateSpec("cannot_complete", "无法修复", "cannot be completed", final=True),
        StateSpec("cancelled", "已取消", "cancelled", final=True),
    ),
    initial="reported",
    create=EventSpec(
        "report",
        (),
        None,
        ANYONE,
        "报修",
        "report",
        params=(
            Param("source", "choice", required=True, choices=_sources, doc="who reports (R1)"),
            Param("fault_type", "choice", required=True, choices=_fault_types, doc="R1"),
            Param("location", required=True, doc="where the fault is (R1)"),
            Param("description", "text", required=True, doc="the symptom"),
            Param(
                "urgency", "choice", choices=_urgencies, doc="R2; from the fault type if omitted"
            ),
            Param(
                "tenant",
                doc="tenant concerned (G4); makes the order external (R6)",
                refers=("tenant",),
                must_exist=False,
            ),
            Param("reporter", personal=True, doc="name of who reported it (G2)"),
            Param("contact", personal=True, doc="phone of who reported it (G2)"),
            Param("channel", "choice", choices=_channels, doc="intake channel (G1)"),
            Param("inspection", doc="the inspection or patrol that found it (R8)"),
            Param("occurred_at", "datetime", doc="when the fault appeared, if not now"),
            Param("major", "bool", doc="a major fault (R7)"),
            Param("plan", "text", doc="the handling plan of a major fault (R7)"),
        ),
        effect=_on_report,
    ),
    events=(
        EventSpec(
            "dispatch",
            ("reported",),
            "dispatched",
            DISPATCHERS,
            "派工",
            "dispatch",
            params=(
                Param("technician", required=True, doc="the technician sent (R2)"),
                Param("department", "choice", choices=_departments),
            ),
            effect=_on_dispatch,
            permit=_qualified(False),
        ),
        EventSpec(
            "reassign",
            ("dispatched", "on_site", "in_progress", "waiting_parts", "waiting_access", "rework"),
            None,
            DISPATCHERS,
            "改派",
            "reassign",
            params=(
                Param("technician", required=True),
                Param("department", "choice", choices=_departments),
            ),
            effect=_on_reassign,
            permit=_qualified(True),
            reason_required=True,
        ),
        EventSpec(
            "set_urgency",
            OPEN_STATES,
            None,
            DISPATCHERS,
            "调整紧急程度",
            "change urgency",
            params=(Param("urgency", "choice", required=True, choices=_urgencies),),
            effect=_on_set_urgency,
            reason_required=True,
        ),
        EventSpec(
            "declare_major",
            OPEN_STATES,
            None,
            ANYONE,
            "上报重大故障",
            "report major fault",
            params=(Param("plan", "text", required=True), Param("symptom", "text")),
            effect=_on_declare_major,
        ),
        EventSpec(
            "arrive",
            ("dispatched", "waiting_access"),
            "on_site",
            HANDLERS,
            "到场",
            "arrive",
            effect=_on_arrive,
            who="assignee",
        ),
        EventSpec(
            "start", ("on_site",), "in_progress", HANDLERS, "开始维修", "start work", who="handler"
        ),
        EventSpec(
            "wait_parts",
            ("on_site", "in_progress", "rework"),
            "waiting_parts",
            HANDLERS,
            "等待配件",
            "wait for parts",
            params=(Param("note", "text", required=True), _PROMISE),
            guard=_guard_promise,
            effect=_on_wait,
            who="handler",
        ),
        EventSpec(
            "wait_access",
            ("dispatched", "on_site", "in_progress", "rework"),
            "waiting_access",
            HANDLERS,
            "等待进场",
            "wait for access",
            params=(Param("note", "text", required=True), _PROMISE),
            guard=_guard_promise,
            effect=_on_wait,
            who="handler",
        ),
        EventSpec(
            "resume",
            ("waiting_parts",),
            "in_progress",
            HANDLERS,
            "恢复维修",
            "resume work",
            who="handler",
        ),
        EventSpec(
            "commit_time",
            WORKING,
            None,
            HANDLERS,
            "承诺完工时间",
            "commit completion time",
            params=(Param("promised_by", "datetime", required=True, doc="committed time (G8)"),),
            guard=_guard_promise,
            effect=_on_commit,
            who="handler",
        ),
        EventSpec(
            "complete",
            ("in_progress", "rework"),
            "completed",
            HANDLERS,
            "完工",
            "complete",
            params=(Param("work_done", "text", required=True),),
            effect=_on_complete,
            who="handler",
        ),
        EventSpec(
            "inspect",
            ("completed",),
            "accepted",
            MANAGERS,
            "验收",
            "inspect",
            params=_INSPECT,
            guard=_passed(True, True),
            effect=_on_accept,
            who="handler",
        ),
        EventSpec(
            "inspect",
            ("completed",),
            "closed",
            MANAGERS,
            "验收",
            "inspect",
            params=_INSPECT,
            guard=_passed(True, False),
            effect=_on_accept,
            who="handler",
        ),
        EventSpec(
            "inspect",
            ("completed",),
            "rework",
            MANAGERS,
            "验收",
            "inspect",
            params=_INSPECT,
            guard=_passed(False, None),
            effect=_on_fail,
            who="handler",
        ),
        EventSpec(
            "cannot_complete",
            WORKING,
            "cannot_complete",
            HANDLERS,
            "无法修复",
            "cannot complete",
            effect=_on_end,
            reason_required=True,
            who="handler",
        ),
        EventSpec(
            "cancel",
            ("reported", "dispatched", "on_site", "waiting_parts", "waiting_access"),
            "cancelled",
            DISPATCHERS,
            "取消",
            "cancel",
            effect=_on_end,
            reason_required=True,
        ),
        EventSpec(
            "close_satisfied",
            ("accepted",),
            "closed",
            (),
            "回访满意关闭",
            "closed after return visit",
            system=True,
        ),
        EventSpec(
            "reopen",
            ("accepted",),
            "rework",
            (),
            "回访不满意返工",
            "reopen",
            effect=_on_reopen,
            system=True,
        ),
    ),
    timers=(
        TimerSpec(
            "response",
            "响应时限",
            "response time",
            ("report",),
            ARRIVED,
            _plan_response,
            pauses_in=_pauses("response"),
            on_change=lambda p: p.repairs.on_urgency_change,
        ),
        TimerSpec(
            "commitment",
            "承诺完工",
            "committed completion",
            (),
            ("completed", "accepted"),
            _plan_commitment,
            pauses_in=_pauses("commitment"),
        ),
    ),
    ladder=lambda p: p.repairs.ladder,
)


def _urgency_rank(policy: Policy, record: Record) -> int:
    u = policy.repairs.urgencies.get(record.severity or "")
    return u.rank if u is not None else 0


class RepairService(WorkflowService):
    """``mall.repairs``: report, dispatch, repair, inspect and close repair orders."""

    def report(
        self,
        *,
        actor: Actor,
        source: str,
        fault_type: str,
        location: str,
        description: str,
        urgency: str | None = None,
        tenant: str | None = None,
        reporter: str | None = None,
        contact: str | None = None,
        channel: str | None = None,
        inspection: str | None = None,
        occurred_at: Any = None,
        major: bool | None = None,
        plan: str | None = None,
    ) -> Record:
        """Open a repair order (R1).  ``source``, ``fault_type``, ``location`` and
        ``description`` are mandatory; the urgency defaults to the fault type's (R2).
        A tenant or customer source makes it external: it gets a return visit (R6).
        ``major=True`` needs a ``plan`` and reports the fault at once (R7)."""
        return self.open(
            actor=actor,
            source=source,
            fault_type=fault_type,
            location=location,
            description=description,
            urgency=urgency,
            tenant=tenant,
            reporter=reporter,
            contact=contact,
            channel=channel,
            inspection=inspection,
            occurred_at=occurred_at,
            major=major,
            plan=plan,
        )

    def from_inspection(
        self,
        *,
        actor: Actor,
        inspection: str,
        fault_type: str,
        location: str,
        description: str,
        urgency: str | None = None,
    ) -> Record:
        """Rule R8: a defect found by a planned inspection or patrol becomes an order."""
        return self.report(
            actor=actor,
            source="inspection",
            inspection=inspection,
            fault_type=fault_type,
            location=location,
            description=description,
            urgency=urgency,
        )

    # -- dispatcher queries -------------------------------------------------------------------

    def _sorted(self, records: list[Record]) -> list[Record]:
        policy = self.mall.policy
        return sorted(records, key=lambda r: (-_urgency_rank(policy, r), r.created_at, r.id))

    def open_orders(self) -> list[Record]:
        """Open orders, most urgent first, then oldest first (R2)."""
        return self._sorted(self.query(is_open=True))

    def by_urgency(self) -> dict[str, list[Record]]:
        """Open orders grouped by urgency (policy order), oldest first in each group."""
        out: dict[str, list[Record]] = {u: [] for u in self.mall.policy.repairs.urgencies}
        for r in self.open_orders():
            out.setdefault(r.severity or "", []).append(r)
        return out

    def waiting_for_parts(self) -> list[Record]:
        """Orders waiting for parts, oldest first."""
        return self._sorted(self.query(state="waiting_parts"))

    def overdue(self, now: pendulum.DateTime | None = None) -> list[Record]:
        """Open orders with a response or committed time that has passed and is still
        pending (nobody on site yet, or not completed yet), most urgent first."""
        when = self.mall.now() if now is None else aware(now, field="now")
        out = []
        for r in self.query(is_open=True):
            for t in r.timers:
                late = t.breached_at is not None or (t.due_at is not None and t.due_at < when)
                if t.active and late:
                    out.append(r)
                    break
        return self._sorted(out)

    def queue(self, technician: str) -> list[Record]:
        """A technician's open orders, most urgent first."""
        if not isinstance(technician, str) or not technician.strip():
            raise ValidationError(
                f"technician: expected a technician's id, got {technician!r}", field="technician"
            )
        return self._sorted(self.query(owner=technician, is_open=True))

    def age(self, record: Record | str, now: pendulum.DateTime | None = None) -> int:
        """Seconds since the order (a record or its id) was reported."""
        if isinstance(record, str):
            record = self.get(record)
        elif not isinstance(record, Record) or record.kind != self.kind:
            raise ValidationError(
                f"record: expected a repair order or its id, got {record!r}", field="record"
            )
        when = self.mall.now() if now is None else aware(now, field="now")
        return int((when - record.created_at).total_seconds())

    # -- hooks ------------------------------------------------------------------------------

    def _after(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        self.mall.return_visits.on_source_change(batch, before, after, entry)
