"""The satisfaction-survey campaign 满意度调查 as data (rule K5, with C12's questions).

A campaign asks one audience (customers or tenants) in one survey window of a year:
the year is cut into ``targets.surveys_per_year`` windows (2: the half-years), and each
audience needs a campaign run in each window (K5).  A campaign is planned for its
window (``plan``), runs its fieldwork (``start``), records each answer of its sample
(``answer``: speed, result and attitude as C12, plus the policy's own questions, on the
complaint policy's rating scale), and closes with its satisfaction rate (``close``).
Its ``window`` timer falls due at the window's end: a campaign not closed by then
escalates (level 1 of the survey ladder).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pendulum

from mallops.errors import PolicyError, ValidationError
from mallops.plugins import (
    Context,
    EventSpec,
    Label,
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

__all__ = [
    "C12_QUESTIONS",
    "SURVEY",
    "SurveyPolicy",
    "satisfied",
    "survey_policy",
    "window_bounds",
    "window_label",
    "windows_per_year",
]

C12_QUESTIONS = ("speed", "result", "attitude")
"""The questions every campaign asks (C12: speed, result, attitude)."""


@attrs.frozen
class SurveyPolicy:
    """Satisfaction surveys (``[surveys]``): audiences, extra questions, the target (K5).

    How many campaigns a year each audience needs is ``targets.surveys_per_year`` (K5);
    the rating scale and what counts as satisfied are the complaint policy's
    (``complaints.rating_scale``, ``complaints.satisfied_min``, C12)."""

    audiences: Mapping[str, Label] = policy_field(
        {"customers": Label("顾客", "customers"), "tenants": Label("商户", "tenants")},
        doc="who is surveyed",
        rule="K5",
    )
    questions: Mapping[str, Label] = policy_field(
        {
            "environment": Label("环境卫生", "cleanliness"),
            "security": Label("安全秩序", "safety and order"),
            "facilities": Label("设施设备", "facilities"),
        },
        doc="questions asked besides C12's speed, result and attitude",
        rule="K5",
    )
    target: float = policy_field(
        0.70, doc="satisfaction rate a campaign must reach", rule="K5", unit="fraction"
    )
    ladder: tuple[str, ...] = policy_field(
        ("cs_head", "property_manager"),
        doc="who is told when a campaign is not closed by its window's end",
        rule="K5",
    )
    trend_campaigns: int = policy_field(
        4, doc="campaigns per audience shown in the trend", rule="K5", unit="count"
    )

    def __attrs_post_init__(self) -> None:
        if not self.audiences:
            raise PolicyError("at least one audience is needed", key="audiences")
        for name in self.questions:
            if name in C12_QUESTIONS:
                raise PolicyError(f"{name!r} is asked by every campaign (C12)", key="questions")
        if not 0 <= self.target <= 1:
            raise PolicyError(f"must be between 0 and 1, got {self.target}", key="target")
        if not self.ladder:
            raise PolicyError("at least one role is needed", key="ladder")
        if self.trend_campaigns < 2:
            raise PolicyError("must be at least 2", key="trend_campaigns")


def survey_policy(p: Policy) -> SurveyPolicy:
    """The ``[surveys]`` section of ``p``."""
    return p.section("surveys", SurveyPolicy)


def windows_per_year(p: Policy) -> int:
    """Survey windows a year (K5: ``targets.surveys_per_year``, at most 12)."""
    return min(12, p.targets.surveys_per_year)


def window_bounds(
    p: Policy, year: int, window: int, tz: str
) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """``[start, end)`` of survey window ``window`` (1-based) of ``year``: the year cut
    into ``surveys_per_year`` runs of whole months (2: the half-years)."""
    n = windows_per_year(p)
    if not 1 <= window <= n:
        raise ValidationError(
            f"window: {window} is outside 1..{n} (targets.surveys_per_year = {n})",
            field="window",
        )
    first = (window - 1) * 12 // n
    last = window * 12 // n
    start = pendulum.datetime(year, first + 1, 1, tz=tz)
    end = pendulum.datetime(year + last // 12, last % 12 + 1, 1, tz=tz)
    return start, end


def window_label(p: Policy, year: int, window: int, lang: str) -> str:
    """``2026 H2`` / ``2026年下半年`` (half-years), ``2026 Q3`` (quarters), else numbered."""
    n = windows_per_year(p)
    if n == 2:
        return (
            f"{year}年{'上' if window == 1 else '下'}半年" if lang == "zh" else f"{year} H{window}"
        )
    if n == 4:
        return f"{year}年第{window}季度" if lang == "zh" else f"{year} Q{window}"
    return f"{year}年第{window}期（共{n}期）" if lang == "zh" else f"{year} window {window}/{n}"


def satisfied(ratings: Mapping[str, int], satisfied_min: int) -> bool:
    """An answer is satisfied when every rating reaches ``satisfied_min`` (as C12)."""
    return all(v >= satisfied_min for v in ratings.values())


def _audiences(p: Policy) -> tuple[str, ...]:
    return tuple(survey_policy(p).audiences)


# -- effects and guards -------------------------------------------------------------------


def _on_plan(ctx: Context) -> None:
    p = survey_policy(ctx.policy)
    start, end = window_bounds(ctx.policy, ctx.param("year"), ctx.param("window"), ctx.calendar.tz)
    asked = list(ctx.param("questions") or p.questions)
    for q in asked:
        if q not in p.questions:
            raise ValidationError(
                f"questions: {q!r} is not a survey question; questions: {', '.join(p.questions)}",
                field="questions",
            )
    d = ctx.draft
    d.category = ctx.param("audience")
    d.department = "customer_service"
    d.owner = ctx.actor.id
    for name in ("audience", "year", "window", "sample"):
        ctx.set(name, ctx.param(name))
    ctx.set("window_start", start)
    ctx.set("window_end", end)
    ctx.set("questions", [*C12_QUESTIONS, *asked])
    ctx.set("answers", [])
    if ctx.param("title"):
        ctx.set("title", ctx.param("title"))


def _guard_answer(ctx: Context) -> str | None:
    scale = ctx.policy.complaints.rating_scale
    extra = ctx.param("answers") or {}
    if not isinstance(extra, Mapping):
        return "answers must map each question to its rating"
    asked = [q for q in ctx.get("questions", []) if q not in C12_QUESTIONS]
    for q, v in extra.items():
        if q not in asked:
            return f"answers: {q!r} is not asked in this campaign; asked: {', '.join(asked)}"
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= scale:
            return f"answers: {q} must be a rating 1..{scale}, got {v!r}"
    for q in C12_QUESTIONS:
        if ctx.param(q) > scale:
            return f"{q} must be 1..{scale} (complaints.rating_scale)"
    who = ctx.param("respondent")
    if any(a["respondent"] == who for a in ctx.get("answers", [])):
        return f"respondent {who!r} has already answered this campaign"
    return None


def _on_answer(ctx: Context) -> None:
    ratings: dict[str, Any] = {q: ctx.param(q) for q in C12_QUESTIONS}
    ratings |= dict(ctx.param("answers") or {})
    answers = list(ctx.get("answers", []))
    answers.append(
        {
            "respondent": ctx.param("respondent"),
            "at": ctx.now.isoformat(),
            "by": ctx.actor.id,
            "ratings": ratings,
            "satisfied": satisfied(ratings, ctx.policy.complaints.satisfied_min),
            "comment": ctx.param("comment"),
        }
    )
    ctx.set("answers", answers)


def _guard_close(ctx: Context) -> str | None:
    return None if ctx.get("answers") else "a campaign closes with at least one answer"


def _on_close(ctx: Context) -> None:
    # rule K5: the satisfaction rate against the target, analysed per question
    answers = ctx.get("answers", [])
    rate = sum(1 for a in answers if a["satisfied"]) / len(answers)
    means = {
        q: round(sum(a["ratings"][q] for a in answers if q in a["ratings"]) / n, 2)
        for q in ctx.get("questions", [])
        if (n := sum(1 for a in answers if q in a["ratings"]))
    }
    ctx.set("rate", round(rate, 4))
    ctx.set("means", means)
    ctx.set("closed_at", ctx.now)
    target = survey_policy(ctx.policy).target
    ctx.set("on_target", rate >= target - 1e-12)
    if rate < target - 1e-12:
        ctx.emit("notify", role="cs_head", reason="survey_below_target", rate=round(rate, 4))


def _plan_window(ctx: Context) -> TimerPlan | None:
    end = instant(ctx.get("window_end"), "window_end")
    if end <= ctx.now:
        return None  # planned after its window: reported late, nothing to wait for
    plan = plan_until(ctx.now, end)
    return attrs.evolve(plan, marks=(("breach", plan.allowance, 1),))


def _rating(name: str) -> Param:
    return Param(name, "int", required=True, minimum=1, maximum=10, doc=f"{name} rating (C12)")


SURVEY = WorkflowSpec(
    kind="survey",
    zh="满意度调查",
    en="satisfaction survey",
    prefix="SVY",
    states=(
        StateSpec("planned", "已计划", "planned"),
        StateSpec("running", "调查中", "running"),
        StateSpec("closed", "已完成", "closed", final=True),
        StateSpec("cancelled", "已取消", "cancelled", final=True),
    ),
    initial="planned",
    create=EventSpec(
        "plan",
        (),
        "planned",
        MANAGERS,
        "计划调查",
        "plan a campaign",
        params=(
            Param("audience", "choice", required=True, choices=_audiences, doc="who is asked"),
            Param("year", "int", required=True, minimum=2000, maximum=2100),
            Param("window", "int", required=True, minimum=1, maximum=12, doc="1: first half"),
            Param("sample", "int", required=True, minimum=1, maximum=100000, doc="sample size"),
            Param("questions", "strlist", doc="policy questions asked (default: all)"),
            Param("title", doc="the campaign's title"),
        ),
        effect=_on_plan,
    ),
    events=(
        EventSpec("start", ("planned",), "running", MANAGERS, "开始调查", "start the fieldwork"),
        EventSpec(
            "answer",
            ("running",),
            None,
            ANYONE,
            "录入答卷",
            "record an answer",
            params=(
                Param("respondent", required=True, personal=True, doc="tenant id or name"),
                _rating("speed"),
                _rating("result"),
                _rating("attitude"),
                Param("answers", "json", doc="the policy questions' ratings by question"),
                Param("comment", "text"),
            ),
            guard=_guard_answer,
            effect=_on_answer,
        ),
        EventSpec(
            "close",
            ("running",),
            "closed",
            MANAGERS,
            "完成统计",
            "close and analyse",
            guard=_guard_close,
            effect=_on_close,
        ),
        EventSpec(
            "cancel",
            ("planned", "running"),
            "cancelled",
            MANAGERS,
            "取消",
            "cancel",
            reason_required=True,
        ),
    ),
    timers=(
        TimerSpec(
            "window", "调查期限", "survey window", ("plan",), ("closed", "cancelled"), _plan_window
        ),
    ),
    ladder=lambda p: survey_policy(p).ladder,
)
