"""The incident part of the monthly report (E1, K1): incidents by type and response
times, registration to the first step and to closing."""

from __future__ import annotations

from statistics import median

from mallops.domain import Record
from mallops.report import Kpi, ReportContext, Section, Table, register_labels

from .incident_spec import incident_policy

__all__ = ["incident_section", "since_registration"]

register_labels("incident", "category", lambda p: incident_policy(p).types)


def since_registration(record: Record, events: tuple[str, ...]) -> int | None:
    """Seconds from an incident's registration to its first entry of ``events``."""
    at = next((h.at for h in record.history if h.event in events), None)
    return None if at is None else int((at - record.created_at).total_seconds())


def _minutes(values: list[int]) -> float | None:
    return round(median(values) / 60, 1) if values else None


def incident_section(ctx: ReportContext) -> Section | None:
    """Incidents registered in the period by type, with the median minutes to the first
    step and to closing, and the share whose first step came in time (E1)."""
    if "incident" not in ctx.mall.services:
        return None
    incidents = ctx.of_kind("incident")
    if not incidents:
        return None
    p = incident_policy(ctx.policy)
    limit = p.first_step_within.seconds()
    rows = []
    keys = []
    in_time = measured = 0
    for key, plan in p.types.items():
        mine = [r for r in incidents if r.fields.get("type") == key]
        if not mine:
            continue
        first = [s for r in mine if (s := since_registration(r, ("step", "skip_step"))) is not None]
        closed = [
            s for r in mine if (s := since_registration(r, ("review", "false_alarm"))) is not None
        ]
        measured += len(first)
        in_time += sum(1 for s in first if s <= limit)
        rows.append(
            (
                ctx.t(plan.zh, plan.en),
                len(mine),
                sum(1 for r in mine if r.severity == "major"),
                sum(1 for r in mine if r.fields.get("false_alarm")),
                sum(1 for r in mine if not r.is_open),
                _minutes(first),
                _minutes(closed),
            )
        )
        keys.append(key)
    table = Table(
        "incidents_by_type",
        ctx.t("突发事件（按类型，E1）", "Incidents by type (E1)"),
        (
            ctx.t("类型", "type"),
            ctx.t("件数", "incidents"),
            ctx.t("重大", "major"),
            ctx.t("误报", "false alarms"),
            ctx.t("已关闭", "closed"),
            ctx.t("至首步（分钟，中位数）", "to first step (min, median)"),
            ctx.t("至关闭（分钟，中位数）", "to closing (min, median)"),
        ),
        tuple(rows),
        chart=1,
        compare=True,
        keys=tuple(keys),
    )
    major = sum(1 for r in incidents if r.severity == "major")
    kpis = (
        Kpi(
            "incident_first_step_in_time",
            ctx.t("首步按时响应率（E1）", "first step in time (E1)"),
            in_time / measured if measured else None,
            1.0,
            "fraction",
            "higher",
            "E1",
            f"{in_time}/{measured}",
        ),
        Kpi(
            "major_emergencies",
            ctx.t("重大突发事件（K1）", "major emergencies (K1)"),
            float(major),
            float(ctx.policy.targets.major_incidents),
            "count",
            "lower",
            "K1",
            f"{major}/{len(incidents)}",
        ),
    )
    notes = tuple(
        ctx.t(
            f"{r.id} {p.types[str(r.fields.get('type'))].zh}：尚未复盘关闭",
            f"{r.id} {p.types[str(r.fields.get('type'))].en}: not closed with a review yet",
        )
        for r in incidents
        if r.is_open and r.fields.get("type") in p.types
    )
    return Section(
        key="incidents",
        title=ctx.t("突发事件与应急处置", "Incidents and emergency response"),
        tables=(table,),
        kpis=kpis,
        notes=notes,
    )
