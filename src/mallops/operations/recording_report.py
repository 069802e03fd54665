"""Call recordings (G7) in the monthly report: the retention line and its table."""

from __future__ import annotations

from mallops.report import ReportContext, Section, Table

from .recording_service import state_at

__all__ = ["recording_section"]


def recording_section(ctx: ReportContext) -> Section | None:
    """Recordings kept at the period's end, purged in it and held by open cases (G7);
    ``None`` for a mall with no recording before the period's end."""
    every = [r for r in ctx.mall.query(kind="recording") if r.created_at < ctx.end]
    if not every:
        return None
    states = [state_at(r, ctx.end) for r in every]
    kept = sum(s in ("retained", "held") for s in states)
    held = sum(s == "held" for s in states)
    purged = sum(
        1 for r in every for h in r.history if h.event == "purge" and ctx.start <= h.at < ctx.end
    )
    attached = sum(ctx.start <= r.created_at < ctx.end for r in every)
    n = ctx.t("条数", "count")
    table = Table(
        "recordings",
        ctx.t("通话录音留存（G7）", "Call recordings (G7)"),
        (ctx.t("项目", "item"), n),
        (
            (ctx.t("本期登记", "attached this period"), attached),
            (ctx.t("期末保存中", "kept at the period's end"), kept),
            (ctx.t("其中因未结案件留存", "of which held by open cases"), held),
            (ctx.t("本期到期销毁", "purged this period"), purged),
        ),
        chart=1,
        keys=("attached", "retained", "held", "purged"),
    )
    line = ctx.t(
        f"通话录音：期末保存 {kept} 条（其中 {held} 条因未结案件留存），本期销毁 {purged} 条。",
        f"Call recordings: {kept} kept at the period's end ({held} held by open cases), "
        f"{purged} purged this period.",
    )
    return Section(
        key="recordings",
        title=ctx.t("通话录音", "Call recordings"),
        tables=(table,),
        notes=(line,),
    )
