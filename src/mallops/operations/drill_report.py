"""The drill part of the monthly report (E2): per plan, the drills held in the period
(participants, late ones), the drills overdue at the period's end and the next due."""

from __future__ import annotations

import pendulum

from mallops.domain import Record
from mallops.report import Kpi, ReportContext, Section, Table, register_labels

from .drill_spec import drill_policy
from .instants import instant

__all__ = ["drill_section"]

register_labels("drill", "category", lambda p: drill_policy(p).plans)


def _at(value: object) -> pendulum.DateTime | None:
    if value is None:
        return None
    return instant(value, "time")


def _overdue_at_end(r: Record, end: pendulum.DateTime) -> bool:
    """Whether the drill was past due and not held (nor cancelled) at ``end``."""
    due = _at(r.fields.get("due_at"))
    if due is None or due >= end or r.created_at >= end:
        return False
    closed = next((h.at for h in r.history if h.event in ("hold", "cancel")), None)
    return closed is None or closed >= end


def _day(r: Record) -> str:
    return str(r.fields.get("due_at"))[:10]


def drill_section(ctx: ReportContext) -> Section | None:
    """Drills held and overdue by plan, against the plan's schedule (E2)."""
    if "drill" not in ctx.mall.services:
        return None
    drills = ctx.mall.query(kind="drill")
    if not drills:
        return None
    p = drill_policy(ctx.policy)
    rows = []
    keys = []
    held_total = overdue_total = 0
    notes = []
    for key, plan in p.plans.items():
        mine = [r for r in drills if r.category == key]
        held = [
            r
            for r in mine
            if r.state == "held"
            and ctx.start <= (_at(r.fields.get("held_at")) or ctx.end) < ctx.end
        ]
        overdue = [r for r in mine if _overdue_at_end(r, ctx.end)]
        upcoming = sorted(_day(r) for r in mine if r.is_open and r not in overdue)
        held_total += len(held)
        overdue_total += len(overdue)
        rows.append(
            (
                ctx.t(plan.zh, plan.en),
                len(held),
                sum(int(r.fields.get("participants") or 0) for r in held),
                sum(1 for r in held if r.fields.get("late")),
                len(overdue),
                upcoming[0] if upcoming else None,
            )
        )
        keys.append(key)
        for r in overdue:
            notes.append(
                ctx.t(
                    f"{r.id} {plan.zh}：应于 {_day(r)} 前演练，已逾期（E2）",
                    f"{r.id} {plan.en}: due by {_day(r)}, overdue (E2)",
                )
            )
        if not any(r.is_open for r in mine):
            notes.append(
                ctx.t(
                    f"{plan.zh}：没有排期的演练（E2，mall.drills.start）",
                    f"{plan.en}: no drill scheduled (E2, mall.drills.start)",
                )
            )
        for r in held:
            if r.fields.get("findings"):
                notes.append(
                    ctx.t(
                        f"{r.id} {plan.zh} 发现：{r.fields['findings']}",
                        f"{r.id} {plan.en} findings: {r.fields['findings']}",
                    )
                )
    table = Table(
        "drills_by_plan",
        ctx.t("应急演练（按预案，E2）", "Drills by plan (E2)"),
        (
            ctx.t("演练计划", "plan"),
            ctx.t("本期已演练", "held"),
            ctx.t("参加人次", "participants"),
            ctx.t("逾期后补练", "held late"),
            ctx.t("期末逾期", "overdue"),
            ctx.t("下次应演练", "next due"),
        ),
        tuple(rows),
        chart=1,
        keys=tuple(keys),
    )
    kpi = Kpi(
        "drills_overdue",
        ctx.t("逾期未演练（E2）", "drills overdue (E2)"),
        float(overdue_total),
        0.0,
        "count",
        "lower",
        "E2",
        ctx.t(
            f"逾期 {overdue_total}，已演练 {held_total}",
            f"{overdue_total} overdue, {held_total} held",
        ),
    )
    return Section(
        key="drills",
        title=ctx.t("应急演练", "Emergency drills"),
        tables=(table,),
        kpis=(kpi,),
        notes=tuple(notes),
    )
