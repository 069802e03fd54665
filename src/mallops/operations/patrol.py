"""Security patrols 安全巡逻 (R9): checkpoints in order, the time at each, hazards.

A patrol is the round of a plan whose area is a patrol (``security_patrol``): its
checklist is the route's checkpoints, in order.  The guard checks in at each
checkpoint (the time is recorded; one reached out of order is marked so), reports any
hazard found on the way (a hazard report to security, linked both ways) and finishes
the patrol: checkpoints never reached are recorded as missed and, by the policy
(``missed_checkpoints_escalate``), escalate.  A patrol not finished in its window
escalates like any round.
"""

from __future__ import annotations

from mallops.errors import ValidationError
from mallops.plugins import Context, EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec

from .inspection_plan import MANAGERS
from .inspection_policy import inspection_policy
from .inspection_round import INSPECTORS, ROUND, deadline_plan, on_generate

__all__ = ["PATROL", "missed_checkpoints"]


def missed_checkpoints(items: list[str], visits: list[dict[str, object]]) -> list[str]:
    """The checkpoints of ``items`` with no check-in among ``visits``, in route order."""
    reached = {v["checkpoint"] for v in visits}
    return [c for c in items if c not in reached]


def _on_start(ctx: Context) -> None:
    ctx.draft.owner = ctx.actor.id
    ctx.set("guard", ctx.actor.id)
    ctx.set("started_at", ctx.now)
    ctx.set("visits", [])
    ctx.set("hazards", [])


def _checkpoint(ctx: Context) -> str:
    checkpoint = str(ctx.param("checkpoint"))
    items = list(ctx.get("items", []))
    if checkpoint not in items:
        raise ValidationError(
            f"checkpoint: {checkpoint!r} is not on this route; checkpoints: {', '.join(items)}",
            field="checkpoint",
        )
    return checkpoint


def _on_check_in(ctx: Context) -> None:
    """Rule R9: the time at each checkpoint, and whether it was reached in order."""
    checkpoint = _checkpoint(ctx)
    visits = list(ctx.get("visits", []))
    if any(v["checkpoint"] == checkpoint for v in visits):
        raise ValidationError(
            f"checkpoint: {checkpoint!r} is checked in already", field="checkpoint"
        )
    items = list(ctx.get("items", []))
    last = max((items.index(str(v["checkpoint"])) for v in visits), default=-1)
    visits.append(
        {
            "checkpoint": checkpoint,
            "at": ctx.now,
            "in_order": items.index(checkpoint) > last,
            "note": ctx.param("note"),
        }
    )
    ctx.set("visits", visits)


def _on_hazard(ctx: Context) -> None:
    """Rule R9: a hazard found on the patrol (the reaction opens the hazard report)."""
    checkpoint = _checkpoint(ctx)
    hazards = list(ctx.get("hazards", []))
    hazards.append({"checkpoint": checkpoint, "description": ctx.param("description")})
    ctx.set("hazards", hazards)


def _on_finish(ctx: Context) -> None:
    """Rule R9: checkpoints never reached are missed (and escalate, by the policy)."""
    missed = missed_checkpoints(list(ctx.get("items", [])), list(ctx.get("visits", [])))
    ctx.set("missed", missed)
    ctx.set("finished_at", ctx.now)
    t = ctx.draft.timers.get("deadline")
    ctx.set("on_time", t is None or t.breached_at is None)
    if missed:
        ctx.emit("checkpoints_missed", checkpoints=missed)
        if inspection_policy(ctx.policy).missed_checkpoints_escalate:
            ctx.escalate(1, "missed_checkpoints")


def _on_link(ctx: Context) -> None:
    hazards = [dict(h) for h in ctx.get("hazards", [])]
    index = int(ctx.param("index"))
    if 0 <= index < len(hazards):
        hazards[index]["hazard"] = ctx.param("record")
    ctx.set("hazards", hazards)
    ctx.link("hazard", ctx.param("record"))


def _on_cancel(ctx: Context) -> None:
    ctx.set("end_reason", ctx.reason)


PATROL = WorkflowSpec(
    kind="patrol",
    zh="安全巡逻",
    en="security patrol",
    prefix="PT",
    states=(
        StateSpec("due", "待巡逻", "due"),
        StateSpec("on_patrol", "巡逻中", "on patrol"),
        StateSpec("finished", "已完成", "finished", final=True),
        StateSpec("cancelled", "已取消", "cancelled", final=True),
    ),
    initial="due",
    create=EventSpec(
        "generate",
        (),
        "due",
        MANAGERS,
        "生成巡逻任务",
        "generate patrol",
        params=ROUND.create.params,
        effect=on_generate,
    ),
    events=(
        EventSpec(
            "start",
            ("due",),
            "on_patrol",
            INSPECTORS,
            "开始巡逻",
            "start",
            effect=_on_start,
            who="handler",
        ),
        EventSpec(
            "check_in",
            ("on_patrol",),
            None,
            INSPECTORS,
            "巡更打卡",
            "check in",
            params=(Param("checkpoint", required=True), Param("note", "text")),
            effect=_on_check_in,
            who="handler",
        ),
        EventSpec(
            "hazard",
            ("on_patrol",),
            None,
            INSPECTORS,
            "发现隐患",
            "report hazard",
            params=(
                Param("checkpoint", required=True),
                Param("description", "text", required=True),
            ),
            effect=_on_hazard,
            who="handler",
        ),
        EventSpec(
            "finish",
            ("on_patrol",),
            "finished",
            INSPECTORS,
            "结束巡逻",
            "finish",
            effect=_on_finish,
            who="handler",
        ),
        EventSpec(
            "cancel",
            ("due", "on_patrol"),
            "cancelled",
            MANAGERS,
            "取消",
            "cancel",
            effect=_on_cancel,
            reason_required=True,
        ),
        EventSpec(
            "link_hazard",
            ("on_patrol",),
            None,
            (),
            "关联隐患报告",
            "link hazard",
            params=(Param("index", "int"), Param("record")),
            effect=_on_link,
            system=True,
        ),
    ),
    timers=(TimerSpec("deadline", "完成时限", "deadline", ("generate",), (), deadline_plan),),
    ladder=lambda p: inspection_policy(p).ladder,
)
