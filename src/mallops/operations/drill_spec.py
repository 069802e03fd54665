"""The drill workflow 应急演练 as data (rule E2): each record is one drill of a plan.

A drill is scheduled for a due time (``schedule``); its ``due`` timer falls due then
and, if the drill was not held, its ``on_mark`` hook fires the system event ``overdue``
(the escalation to the drill ladder's first level comes with the breach mark, later
levels by the policy's steps).  Holding it (``hold``) records the date, the
participants and the findings; the reaction :data:`~mallops.operations.drills.NEXT_DRILL`
then schedules the plan's next drill in the same batch, one plan frequency later, so
the schedule never has a gap and never a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from mallops.domain import Mark, Timer
from mallops.errors import PolicyError, ValidationError
from mallops.plugins import (
    Context,
    Duration,
    EventSpec,
    Param,
    Policy,
    StateSpec,
    TimerPlan,
    TimerSpec,
    WorkflowSpec,
    plan_until,
    policy_field,
)

from .incident_spec import ANYONE, MANAGERS
from .instants import instant

__all__ = ["DRILL", "SEED_DRILL_PLANS", "DrillPlanPolicy", "DrillPolicy", "drill_policy"]


@attrs.frozen
class DrillPlanPolicy:
    """A drill plan: what is practised, how often, by which department (E2)."""

    zh: str = policy_field("", doc="Chinese label", rule="E2")
    en: str = policy_field("", doc="English label", rule="E2")
    every: Duration = policy_field(
        Duration(6, "months"), doc="a drill is held at least this often", rule="E2"
    )
    department: str = policy_field("security", doc="the department that runs it", rule="E2")
    incident_type: str | None = policy_field(
        None, doc="the incident type whose plan it practises ([incidents.types])", rule="E2"
    )


SEED_DRILL_PLANS: dict[str, DrillPlanPolicy] = {
    "fire_evacuation": DrillPlanPolicy(
        "消防疏散演练", "fire and evacuation drill", Duration(6, "months"), "security", "fire"
    ),
    "power_failure": DrillPlanPolicy(
        "停电应急演练",
        "power-failure drill",
        Duration(12, "months"),
        "engineering",
        "power_failure",
    ),
    "lift_entrapment": DrillPlanPolicy(
        "电梯困人救援演练",
        "lift-rescue drill",
        Duration(12, "months"),
        "engineering",
        "lift_entrapment",
    ),
    "flood": DrillPlanPolicy(
        "防汛防台演练", "flood and typhoon drill", Duration(12, "months"), "engineering", "flood"
    ),
}


@attrs.frozen
class DrillPolicy:
    """Drills 应急演练 (``[drills]``): the plans, their frequency, the overdue ladder (E2)."""

    plans: Mapping[str, DrillPlanPolicy] = policy_field(
        SEED_DRILL_PLANS, doc="drill plans and how often each is held", rule="E2"
    )
    ladder: tuple[str, ...] = policy_field(
        ("property_manager", "general_manager"),
        doc="who is told of an overdue drill: level 1 when it falls overdue, then each step",
        rule="E2",
    )
    steps: tuple[Duration, ...] = policy_field(
        (Duration(7, "days"),), doc="each further level this long after the previous", rule="E2"
    )

    def __attrs_post_init__(self) -> None:
        if not self.plans:
            raise PolicyError("at least one drill plan is needed", key="plans")
        for name, plan in self.plans.items():
            if plan.every.amount <= 0 or plan.every.basis == "working":
                raise PolicyError(
                    "must be a positive wall or calendar duration such as '6 months'",
                    key=f"plans.{name}.every",
                )
        if not self.ladder:
            raise PolicyError("at least one role is told of overdue drills", key="ladder")
        if len(self.steps) > len(self.ladder) - 1:
            raise PolicyError(
                f"{len(self.steps)} steps but only {len(self.ladder) - 1} levels after the first",
                key="steps",
            )
        for i, step in enumerate(self.steps):
            if step.amount <= 0 or step.basis == "working":
                raise PolicyError("must be a positive wall or calendar duration", key=f"steps.{i}")


def drill_policy(p: Policy) -> DrillPolicy:
    """The ``[drills]`` section of ``p``."""
    return p.section("drills", DrillPolicy)


def _plans(p: Policy) -> tuple[str, ...]:
    return tuple(drill_policy(p).plans)


# -- the due timer (E2: an overdue drill escalates) -----------------------------------------


def _plan_due(ctx: Context) -> TimerPlan:
    """Due at ``due_at``: level 1 of the drill ladder at the breach, later levels by the
    policy's steps; absolute times, so the plan survives replay unchanged."""
    due = ctx.param("due_at") or instant(ctx.get("due_at"), "due_at")
    plan = plan_until(ctx.now, due)
    marks = [("breach", plan.allowance, 1)]
    at = due
    for level, step in enumerate(drill_policy(ctx.policy).steps, start=2):
        at = ctx.calendar.add(at, step)
        marks.append(("escalate", int((at - ctx.now).total_seconds()), level))
    return attrs.evolve(plan, marks=tuple(marks))


def _on_due_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach" and ctx.draft.state == "scheduled":
        ctx.follow("overdue")  # rule E2: the drill was not held by its due time


# -- effects ----------------------------------------------------------------------------------


def _check_due(ctx: Context) -> None:
    if ctx.param("due_at") <= ctx.now:
        raise ValidationError(
            f"due_at: {ctx.param('due_at').isoformat()} is not after now ({ctx.now.isoformat()})",
            field="due_at",
        )


def _on_schedule(ctx: Context) -> None:
    _check_due(ctx)
    key = ctx.param("plan")
    plan = drill_policy(ctx.policy).plans[key]
    if plan.department not in ctx.policy.departments:
        raise ValidationError(
            f"drills.plans.{key}.department: {plan.department!r} is not a department; "
            f"departments: {', '.join(ctx.policy.departments)}",
            field="plan",
        )
    d = ctx.draft
    d.category = key
    d.department = plan.department
    ctx.set("plan", key)
    ctx.set("due_at", ctx.param("due_at"))
    if ctx.param("previous") is not None:
        ctx.set("previous", ctx.param("previous"))
        ctx.link("follows", ctx.param("previous"))


def _on_reschedule(ctx: Context) -> None:
    _check_due(ctx)
    ctx.set("due_at", ctx.param("due_at"))
    ctx.remove("overdue_at")
    ctx.start_timer("due", _plan_due(ctx))  # a fresh due time (the level reached stays)


def _on_overdue(ctx: Context) -> None:
    ctx.set("overdue_at", ctx.now)


def _on_hold(ctx: Context) -> None:
    held_at = ctx.param("held_at") or ctx.now
    if held_at > ctx.now:
        raise ValidationError(
            f"held_at: {held_at.isoformat()} is in the future (now {ctx.now.isoformat()})",
            field="held_at",
        )
    ctx.set("held_at", held_at)
    ctx.set("held_by", ctx.actor.id)
    ctx.set("participants", ctx.param("participants"))
    ctx.set("departments", list(ctx.param("departments") or [ctx.draft.department]))
    ctx.set("findings", ctx.param("findings"))
    if ctx.param("scenario"):
        ctx.set("scenario", ctx.param("scenario"))
    ctx.set("late", bool(ctx.get("overdue_at")))


_DUE = Param("due_at", "datetime", required=True, doc="when the drill is due (E2)")

DRILL = WorkflowSpec(
    kind="drill",
    zh="应急演练",
    en="drill",
    prefix="DRL",
    states=(
        StateSpec("scheduled", "已排期", "scheduled"),
        StateSpec("overdue", "已逾期", "overdue"),
        StateSpec("held", "已演练", "held", final=True),
        StateSpec("cancelled", "已取消", "cancelled", final=True),
    ),
    initial="scheduled",
    create=EventSpec(
        "schedule",
        (),
        "scheduled",
        MANAGERS,
        "排期",
        "schedule",
        params=(
            Param("plan", "choice", required=True, choices=_plans, doc="the drill plan"),
            _DUE,
            Param("previous", refers=("drill",), doc="the drill this one follows"),
        ),
        effect=_on_schedule,
    ),
    events=(
        EventSpec(
            "hold",
            ("scheduled", "overdue"),
            "held",
            ANYONE,
            "记录演练",
            "record the drill",
            params=(
                Param("participants", "int", required=True, minimum=1, maximum=100000),
                Param("findings", "text", required=True, doc="what the drill showed"),
                Param("held_at", "datetime", doc="when it was held (default now)"),
                Param("departments", "strlist", doc="departments that took part"),
                Param("scenario", "text", doc="the scenario practised"),
            ),
            effect=_on_hold,
        ),
        EventSpec(
            "reschedule",
            ("scheduled", "overdue"),
            "scheduled",
            MANAGERS,
            "改期",
            "reschedule",
            params=(_DUE,),
            effect=_on_reschedule,
            reason_required=True,
        ),
        EventSpec(
            "overdue",
            ("scheduled",),
            "overdue",
            (),
            "逾期",
            "fall overdue",
            system=True,
            effect=_on_overdue,
        ),
        EventSpec(
            "cancel",
            ("scheduled", "overdue"),
            "cancelled",
            MANAGERS,
            "取消",
            "cancel",
            reason_required=True,
        ),
    ),
    timers=(
        TimerSpec(
            "due",
            "演练期限",
            "drill due",
            ("schedule", "reschedule"),
            ("held", "cancelled"),
            _plan_due,
            on_mark=_on_due_mark,
        ),
    ),
    ladder=lambda p: drill_policy(p).ladder,
)
