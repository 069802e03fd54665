"""The reception log 接待记录 as data (rule G12): states, events, the answer timer.

Every call and visit is a ``reception`` record: channel, time, person and contact
(personal data, G7), topic and matter, location and tenant (G11 references).  An
enquiry 咨询 is answered on the spot (``answer``), converted into a complaint, repair
order or suggestion (``convert``: the service creates the target in the same commit and
the reaction of :mod:`.reception_links` links it back), or linked to the open matter the
person already contacted the desk about (``link_repeat``: a repeat contact, not a second
registration).  An enquiry left open is answered within ``reception.answer_within`` or
escalates along ``reception.ladder``.
"""

from __future__ import annotations

from typing import Any

from mallops.plugins import (
    Context,
    EventSpec,
    Param,
    StateSpec,
    TimerPlan,
    TimerSpec,
    WorkflowSpec,
    plan_for,
)
from mallops.workflows import link_event

from .reception_policy import (
    CONVERSION_KINDS,
    REPEAT_KINDS,
    policy_of,
    reception_policy,
    topic_choices,
)

__all__ = ["CLERKS", "OPEN", "RECEPTION", "REPEAT_OF"]

CLERKS = (
    "front_desk",
    "staff",
    "department_manager",
    "cs_head",
    "property_manager",
    "general_manager",
)
"""Who logs and answers calls and visits (001 4.1: the desk; anyone who takes a call)."""

OPEN = ("logged",)
REPEAT_OF = "repeat_of"
"""The relation of a repeat contact to the open matter it is linked to (G12)."""


def _channels(policy: Any) -> tuple[str, ...]:
    return tuple(policy.channels)  # the policy's intake channels (G1)


def _on_log(ctx: Context) -> None:
    for name in ("channel", "person", "contact", "topic", "matter"):
        ctx.set(name, ctx.param(name))
    ctx.set("received_at", ctx.param("received_at") or ctx.now)
    d = ctx.draft
    d.tenant = ctx.param("tenant")
    d.location = ctx.param("location")
    d.category = ctx.param("topic")
    d.owner = ctx.actor.id  # G3: who took the call owns it


def _on_answer(ctx: Context) -> None:
    ctx.set("answer", ctx.param("answer"))
    ctx.set("answered_at", ctx.now)


def _on_convert(ctx: Context) -> None:
    target = ctx.param("target")
    ctx.set("converted_to", {"kind": ctx.param("into"), "record": target})
    ctx.link(ctx.param("into"), target)


def _on_link_repeat(ctx: Context) -> None:
    ctx.set("repeat_of", ctx.param("matter"))
    ctx.link(REPEAT_OF, ctx.param("matter"))


def _plan_answer(ctx: Context) -> TimerPlan:
    p = policy_of(ctx)  # rule G12: the same day (001 4.6), or it escalates
    return plan_for(
        p.answer_within,
        ctx.calendar,
        warn_at=p.answer_warn_at,
        breach_level=1,
        steps=(p.escalate_after,),
    )


def _ladder(policy: Any) -> tuple[str, ...]:
    return tuple(reception_policy(policy).ladder)


_TARGET = Param(
    "target",
    required=True,
    max_len=128,
    doc="the complaint, repair order or suggestion it became",
    refers=CONVERSION_KINDS,
)

RECEPTION = WorkflowSpec(
    kind="reception",
    zh="接待记录",
    en="reception log",
    prefix="RC",
    states=(
        StateSpec("logged", "已登记", "logged"),
        StateSpec("answered", "已答复", "answered", final=True),
        StateSpec("converted", "已转办", "converted", final=True),
        StateSpec("linked", "已并入原事项", "linked to an open matter", final=True),
    ),
    initial="logged",
    create=EventSpec(
        "log",
        (),
        None,
        CLERKS,
        "登记",
        "log",
        params=(
            Param("channel", "choice", required=True, choices=_channels, doc="channel (G1)"),
            Param("person", required=True, personal=True, doc="name (G2, G7)"),
            Param("contact", required=True, personal=True, doc="phone or address (G2, G7)"),
            Param("topic", "choice", required=True, choices=topic_choices, doc="topic (G12)"),
            Param("matter", "text", required=True, doc="what the person came about (来访事由)"),
            Param("location", doc="where, if it concerns a place"),
            Param("tenant", doc="tenant concerned (G4)", refers=("tenant",), must_exist=False),
            Param("received_at", "datetime", doc="when the call or visit came, if not now"),
        ),
        effect=_on_log,
    ),
    events=(
        EventSpec(
            "answer",
            OPEN,
            "answered",
            CLERKS,
            "答复",
            "answer",
            params=(Param("answer", "text", required=True, doc="what the person was told"),),
            effect=_on_answer,
        ),
        EventSpec(
            "convert",
            OPEN,
            "converted",
            CLERKS,
            "转为投诉/报修/意见",
            "convert",
            params=(
                Param(
                    "into",
                    "choice",
                    required=True,
                    choices=lambda _p: CONVERSION_KINDS,
                    doc="complaint, repair or suggestion",
                ),
                _TARGET,
            ),
            effect=_on_convert,
        ),
        EventSpec(
            "link_repeat",
            OPEN,
            "linked",
            CLERKS,
            "并入未结事项",
            "link to the open matter",
            params=(
                Param(
                    "matter",
                    required=True,
                    max_len=128,
                    doc="the open matter the person contacted the desk about before",
                    refers=REPEAT_KINDS,
                ),
            ),
            effect=_on_link_repeat,
        ),
        link_event(OPEN, CLERKS),  # a later contact links here (G12)
    ),
    timers=(
        TimerSpec(
            "answer",
            "答复时限",
            "answer deadline",
            ("log",),
            ("answered", "converted", "linked"),
            _plan_answer,
        ),
    ),
    ladder=_ladder,
)
