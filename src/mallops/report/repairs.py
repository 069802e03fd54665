"""The repair part of the monthly report (K1, R3, R5, R6, R7): response timeliness and
first-time pass rate against their K1 targets, orders by urgency and source, rework
rounds, waiting for parts and major faults."""

from __future__ import annotations

from collections import Counter

from ..domain.records import Record
from .compute import ReportContext, pct, percentile, register_labels, register_section, share
from .model import Cell, Kpi, Section, Table

register_labels("repair", "category", lambda p: p.repairs.fault_types)
register_labels("repair", "severity", lambda p: p.repairs.urgencies)

_SOURCES = {
    "tenant": ("租户报修", "tenant"),
    "customer": ("顾客报修", "customer"),
    "staff": ("员工发现", "staff"),
    "inspection": ("巡检发现（R8）", "inspection (R8)"),
}


def _response(r: Record) -> tuple[bool | None, float | None]:
    """Rule R3: whether the technician arrived in time (None while undecided) and the
    minutes it took."""
    t = r.timer("response")
    if t is None:
        return None, None
    if t.breached:
        return False, None
    if t.status == "met":
        return True, t.consumed / 60
    return None, None


def passed_first_time(r: Record, first_only: bool = True) -> bool | None:
    """Rule R5: whether the order passed its first inspection (or any, when the policy
    counts any pass); None before any inspection."""
    rounds = r.fields.get("inspections") or []
    if not rounds:
        return None
    if first_only:
        return bool(rounds[0]["passed"])
    return any(bool(x["passed"]) for x in rounds)


@register_section("repair")
def repair_section(ctx: ReportContext) -> Section | None:
    """K1 repair timeliness (R3 response met) and pass rate (R5) beside their targets."""
    recs = ctx.of_kind("repair")
    if not recs:
        return None
    targets = ctx.policy.targets
    responses = [_response(r) for r in recs]
    decided = [ok for ok, _ in responses if ok is not None]
    met = sum(1 for ok in decided if ok)
    inspected = [
        p for r in recs if (p := passed_first_time(r, targets.first_time_pass)) is not None
    ]
    passed = sum(inspected)
    kpis = (
        Kpi(
            "repair_timeliness",
            ctx.t("维修及时率（R3 响应）", "repair timeliness (R3 response)"),
            share(met, len(decided)),
            targets.repair_timeliness,
            "fraction",
            "higher",
            "K1",
            f"{met}/{len(decided)}",
        ),
        Kpi(
            "repair_pass_rate",
            ctx.t(
                "维修一次合格率（R5）" if targets.first_time_pass else "维修合格率（R5）",
                "first-time pass rate (R5)" if targets.first_time_pass else "pass rate (R5)",
            ),
            share(passed, len(inspected)),
            targets.repair_pass_rate,
            "fraction",
            "higher",
            "K1",
            f"{passed}/{len(inspected)}",
        ),
    )
    n = ctx.t("件数", "count")
    by_urgency: list[tuple[Cell, ...]] = []
    keys = []
    for urgency in ctx.policy.repairs.urgencies:
        mine = [(r, resp) for r, resp in zip(recs, responses, strict=True) if r.severity == urgency]
        if not mine:
            continue
        ok = [resp[0] for _r, resp in mine if resp[0] is not None]
        minutes = [resp[1] for _r, resp in mine if resp[1] is not None]
        median = percentile(minutes, 50)
        by_urgency.append(
            (
                ctx.label("severity", urgency, "repair"),
                len(mine),
                sum(1 for x in ok if x),
                sum(1 for x in ok if not x),
                sum(r.is_open for r, _ in mine),
                None if median is None else round(median, 1),
                pct(share(sum(1 for x in ok if x), len(ok))),
            )
        )
        keys.append(urgency)
    tables = [
        Table(
            "repair_urgency",
            ctx.t("按紧急程度（R2、R3）", "By urgency (R2, R3)"),
            (
                ctx.t("紧急程度", "urgency"),
                n,
                ctx.t("按时到场", "on site in time"),
                ctx.t("到场超时", "late"),
                ctx.t("未结", "open"),
                ctx.t("响应中位数（分钟）", "median response (min)"),
                ctx.t("及时率 %", "in time %"),
            ),
            tuple(by_urgency),
            chart=6,
            keys=tuple(keys),
            percent=True,
        )
    ]
    sources = Counter(str(r.fields.get("source")) for r in recs)
    tables.append(
        Table(
            "repair_source",
            ctx.t("按来源（R6 内部 / 外部）", "By source (R6 internal / external)"),
            (ctx.t("来源", "source"), n, ctx.t("外部（需回访）", "external (visited)")),
            tuple(
                (
                    ctx.t(*_SOURCES.get(k, (k, k))),
                    v,
                    sum(
                        1 for r in recs if r.fields.get("source") == k and r.fields.get("external")
                    ),
                )
                for k, v in sources.most_common()
            ),
            chart=1,
            keys=tuple(k for k, _ in sources.most_common()),
        )
    )
    rounds = Counter(int(r.fields.get("rework_rounds") or 0) for r in recs)
    tables.append(
        Table(
            "repair_rework",
            ctx.t("返工轮次（R5）", "Rework rounds (R5)"),
            (ctx.t("轮次", "rounds"), n),
            tuple((str(k), rounds[k]) for k in sorted(rounds)),
            chart=1,
            keys=tuple(str(k) for k in sorted(rounds)),
        )
    )
    waited = [r for r in recs if any(h.event == "wait_parts" for h in r.history)]
    reopened = [r for r in recs if int(r.fields.get("reopen_count") or 0) > 0]
    majors = [r for r in recs if r.fields.get("major")]
    cannot = [r for r in recs if r.state == "cannot_complete"]
    tables.append(
        Table(
            "repair_overview",
            ctx.t("维修概况", "Repair overview"),
            (ctx.t("项目", "item"), n),
            (
                (ctx.t("报修", "reported"), len(recs)),
                (ctx.t("待料（承诺完工，G8）", "waited for parts (G8)"), len(waited)),
                (ctx.t("回访不满意返工（F5）", "reopened by a return visit (F5)"), len(reopened)),
                (ctx.t("重大故障（R7）", "major faults (R7)"), len(majors)),
                (ctx.t("无法修复", "could not be completed"), len(cannot)),
                (ctx.t("未结", "still open"), sum(r.is_open for r in recs)),
            ),
            chart=1,
            keys=("reported", "waited_parts", "reopened", "major", "cannot_complete", "open"),
        )
    )
    return Section("repair", ctx.t("维修", "Repairs"), tuple(tables), kpis)
