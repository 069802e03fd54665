"""The repairs rules as functions: choices from the policy, timer plans, guards and
effects.  Declared as a workflow in :mod:`mallops.workflows.repair_spec`; the service is
:mod:`mallops.workflows.repairs`."""

from __future__ import annotations

from typing import Any

from ..engine.context import Context
from ..engine.spec import Param
from ..engine.timers import TimerPlan, plan_for, plan_until
from ..errors import ValidationError
from ..policy import Policy

__all__ = [
    "ARRIVED",
    "INSPECT",
    "OPEN_STATES",
    "PROMISE",
    "SCHEDULE",
    "WORKING",
    "on_accept",
    "on_arrive",
    "on_commit",
    "on_complete",
    "on_declare_major",
    "on_dispatch",
    "on_end",
    "on_fail",
    "on_reassign",
    "on_reopen",
    "on_report",
    "on_schedule_works",
    "on_set_urgency",
    "on_wait",
    "plan_commitment",
    "plan_response",
    "r_fault_types",
    "r_parts",
    "r_passed",
    "r_pauses",
    "r_qualified",
    "r_sources",
    "r_urgencies",
    "record_inspection",
    "report_major",
]

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


def r_urgencies(p: Policy) -> tuple[str, ...]:
    return tuple(p.repairs.urgencies)


def r_fault_types(p: Policy) -> tuple[str, ...]:
    return tuple(p.repairs.fault_types)


def r_sources(p: Policy) -> tuple[str, ...]:
    return tuple(p.repairs.sources)


def r_parts(p: Policy) -> tuple[str, ...]:
    return tuple(p.repairs.works_parts)


# -- timers ----------------------------------------------------------------------------------


def plan_response(ctx: Context) -> TimerPlan:
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


def plan_commitment(ctx: Context) -> TimerPlan | None:
    due = ctx.param("promised_by")
    if due is None:
        return None
    return plan_until(ctx.now, due, warn_at=ctx.policy.repairs.commitment_warn_at)


def r_pauses(timer: str) -> Any:
    def states(p: Policy) -> tuple[str, ...]:
        return tuple(p.repairs.pauses.get(timer, ()))  # rule R4

    return states


# -- guards and effects -------------------------------------------------------------------------


def on_report(ctx: Context) -> None:
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
    if ctx.param("found_in") is not None:  # rule R8: the round or patrol that found it
        ctx.set("found_in", ctx.param("found_in"))
        ctx.link("found_in", ctx.param("found_in"))
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
        report_major(ctx, ctx.param("description"))


def report_major(ctx: Context, symptom: str) -> None:
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


def on_declare_major(ctx: Context) -> None:
    report_major(ctx, ctx.param("symptom") or ctx.get("description"))


def on_dispatch(ctx: Context) -> None:
    dept = (
        ctx.param("department")
        or ctx.policy.repairs.fault_types[ctx.draft.category or ""].department
    )
    ctx.set_department(dept, ctx.param("technician"))  # rule R2
    ctx.set("dispatched_at", ctx.now)


def r_qualified(keep_department: bool) -> Any:
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


def on_reassign(ctx: Context) -> None:
    ctx.set_department(ctx.param("department") or ctx.draft.department, ctx.param("technician"))


def on_set_urgency(ctx: Context) -> None:
    ctx.draft.severity = ctx.param("urgency")
    ctx.replan_timers("change")


def on_arrive(ctx: Context) -> None:
    ctx.set("arrived_at", ctx.now)


def on_commit(ctx: Context) -> None:
    """Rule G8: a committed completion time is a timer, explained to the customer."""
    due = ctx.param("promised_by")
    ctx.set("promised_by", due)
    plan = plan_commitment(ctx)
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


def on_wait(ctx: Context) -> None:
    ctx.set("waiting_note", ctx.param("note"))
    if ctx.param("promised_by") is not None:
        on_commit(ctx)


def on_complete(ctx: Context) -> None:
    ctx.set("work_done", ctx.param("work_done"))
    ctx.set("completed_at", ctx.now)


def record_inspection(ctx: Context) -> None:
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


def r_passed(want: bool, external: bool | None) -> Any:
    def guard(ctx: Context) -> str | None:
        if bool(ctx.param("passed")) != want:
            return "the inspection result does not match this branch"
        if external is not None and bool(ctx.get("external")) != external:
            return "the order's source does not match this branch"
        return None

    return guard


def on_accept(ctx: Context) -> None:
    record_inspection(ctx)
    ctx.set("accepted_at", ctx.now)


def on_fail(ctx: Context) -> None:
    """Rule R5: a failed inspection sends the work back; past the cap it escalates."""
    record_inspection(ctx)
    rounds = int(ctx.get("rework_rounds", 0)) + 1
    ctx.set("rework_rounds", rounds)
    cap = ctx.policy.repairs.rework_escalate_after
    if cap and rounds >= cap:
        ctx.escalate(1, "rework")


def on_end(ctx: Context) -> None:
    ctx.set("end_reason", ctx.reason)


def _closed_from(trading: Any, start: Any) -> Any:
    """The first time at or after ``start`` when the mall is not trading (15-minute steps,
    at most two days ahead)."""
    t = start
    for _ in range(2 * 24 * 4):
        if not trading.is_working_time(t):
            return t
        t = t.add(minutes=15)
    return None


def on_schedule_works(ctx: Context) -> None:
    """Rule R10: major works on public or exterior parts are scheduled outside trading
    hours unless the order is urgent (R3); the refusal names the allowed window."""
    r = ctx.policy.repairs
    start, end, part = ctx.param("works_from"), ctx.param("works_until"), ctx.param("part")
    if end <= start:
        raise ValidationError(
            f"works_until: {end.isoformat()} is not after works_from {start.isoformat()}",
            field="works_until",
        )
    major = bool(ctx.param("major_works"))
    trading = ctx.calendar.trading
    restricted = major and part in r.outside_trading_parts
    if restricted and ctx.draft.severity not in r.trading_hours_urgencies and trading:
        overlap = trading.working_seconds_between(start, end)
        if overlap > 0:
            hours = ", ".join(ctx.policy.calendar.trading_hours)
            closed = _closed_from(trading, start)
            if closed is not None:
                opens = trading.next_working_time(closed)
                window = (
                    f"{closed.format('YYYY-MM-DD HH:mm')} to {opens.format('YYYY-MM-DD HH:mm')}"
                )
            else:  # pragma: no cover - a policy trading around the clock
                window = "(none: the mall trades around the clock)"
            raise ValidationError(
                f"works_from: major works on {part} parts are scheduled outside trading "
                f"hours ({hours}) unless urgent (R10); {start.format('YYYY-MM-DD HH:mm')} to "
                f"{end.format('YYYY-MM-DD HH:mm')} overlaps them by {overlap // 60} minutes; "
                f"allowed, e.g.: {window}",
                field="works_from",
            )
    ctx.set("works_from", start)
    ctx.set("works_until", end)
    ctx.set("works_part", part)
    ctx.set("major_works", major)
    ctx.emit("works_scheduled", works_from=start, works_until=end, part=part, major_works=major)


def on_reopen(ctx: Context) -> None:
    """Rule F5: an unsatisfactory return visit sends the order back to rework."""
    ctx.set("reopen_count", int(ctx.get("reopen_count", 0)) + 1)
    ctx.set("accepted_at", None)


PROMISE = Param("promised_by", "datetime", doc="committed completion time (G8)")
SCHEDULE = (
    Param("works_from", "datetime", required=True, doc="when the works start (R10)"),
    Param("works_until", "datetime", required=True, doc="when they end (R10)"),
    Param("part", "choice", required=True, choices=r_parts, doc="where (R10)"),
    Param("major_works", "bool", doc="major works (R10: outside trading hours)"),
)
INSPECT = (
    Param("passed", "bool", required=True, doc="whether the repair passed (R5)"),
    Param("findings", "text", doc="what the inspector found"),
)
