"""Call recordings 通话录音 (rule G7): the policy section and the workflow spec.

A recording is a record of its own kind, ``recording``, that *refers to* the audio (a
reference and a checksum, with the call's duration and channel); the audio itself stays
in the user's recording system, since the store keeps no blobs.  It can be attached to
any record (a complaint, a repair, a lost item ...: the ``case`` links).

Lifecycle (G7: kept at least 30 days, and longer while a linked case is unresolved)::

    retained --(retention timer)--> checking --> held    (a linked case is still open)
                                             \\-> purged  (nothing holds it: erased)
    held     --(re-check timer)-->  checking --> ...

The retention timer falls due ``recordings.min_retention`` after the call; its
``on_mark`` hook follows with the system event ``check_retention`` (the record enters
``checking``), and the reaction of :mod:`.recording_service` decides in the same atomic
batch: ``hold`` (re-arming the timer for ``recordings.recheck_every``) or ``purge``
(the reference erased from the record, who/when/why in the history, and a
``recording_purged`` domain event on the durable feed for the user's recording system
to delete the audio).  ``checking`` is never stored: it is entered and left in one commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from mallops.domain import Mark, Timer
from mallops.errors import PolicyError, ValidationError
from mallops.plugins import (
    Context,
    Duration,
    EventSpec,
    Label,
    Param,
    StateSpec,
    TimerPlan,
    TimerSpec,
    WorkflowSpec,
    plan_for,
    plan_until,
    policy_field,
)

__all__ = [
    "OPEN_STATES",
    "RECORDING",
    "SEED_RECORDING_CHANNELS",
    "RecordingPolicy",
    "normalise_checksum",
    "recordings_policy",
]

SEED_RECORDING_CHANNELS: dict[str, Label] = {
    "hotline": Label("服务热线（24小时）", "service hotline (24 h)"),
    "phone": Label("前台电话", "front-desk phone"),
    "radio": Label("对讲机", "two-way radio"),
    "counter": Label("前台现场录音", "counter recording"),
    "wechat_voice": Label("微信语音", "WeChat voice message"),
}


@attrs.frozen
class RecordingPolicy:
    """Call recordings (``[recordings]`` in the policy file, rule G7)."""

    min_retention: Duration = policy_field(
        Duration.parse("30 days"),
        doc="a recording is kept at least this long after the call",
        rule="G7",
    )
    hold_while_open: bool = policy_field(
        True, doc="a recording linked to a case still open is kept until it closes", rule="G7"
    )
    recheck_every: Duration = policy_field(
        Duration.parse("1 day"),
        doc="a recording held by an open case is checked again after",
        rule="G7",
    )
    channels: Mapping[str, Label] = policy_field(
        SEED_RECORDING_CHANNELS, doc="where recordings come from", rule="G7"
    )
    max_seconds: int = policy_field(
        4 * 3600, doc="the longest recording accepted", rule="G7", unit="seconds"
    )

    def __attrs_post_init__(self) -> None:
        if not self.channels:
            raise PolicyError("at least one channel is needed", key="recordings.channels")
        if self.max_seconds < 1:
            raise PolicyError("must be at least 1 second", key="recordings.max_seconds")
        if self.min_retention.amount <= 0:
            raise PolicyError("must be a positive duration", key="recordings.min_retention")
        if self.recheck_every.basis == "calendar" or self.recheck_every.amount <= 0:
            raise PolicyError(
                "must be a positive wall or working duration", key="recordings.recheck_every"
            )


def recordings_policy(ctx: Context) -> RecordingPolicy:
    """The ``recordings`` section of the policy in force."""
    return ctx.policy.section("recordings", RecordingPolicy)


_HEX = re.compile(r"^[0-9a-f]+$")
_DIGESTS = {"sha256": 64, "sha512": 128, "sha1": 40, "md5": 32}


def normalise_checksum(value: str) -> str:
    """``algorithm:hexdigest`` in lower case (a bare 64-digit hex digest is SHA-256);
    ``ValidationError`` naming ``checksum`` and the forms allowed otherwise."""
    algo, sep, digest = value.strip().lower().partition(":")
    if not sep:
        algo, digest = "sha256", algo
    want = _DIGESTS.get(algo)
    if want is None or len(digest) != want or not _HEX.match(digest):
        raise ValidationError(
            f"checksum: {value!r} is not a checksum; write algorithm:hexdigest with "
            f"algorithm one of {', '.join(_DIGESTS)} (a bare 64-digit hex digest is sha256)",
            field="checksum",
        )
    return f"{algo}:{digest}"


# -- timers ----------------------------------------------------------------------------------


def _check_at(plan: TimerPlan) -> TimerPlan:
    """``plan`` with its one mark a ``due`` mark: it runs the ``on_mark`` hook and is no
    SLA breach (the end of a retention period is no missed deadline: the report's SLA
    table and analysis count breaches)."""
    return attrs.evolve(plan, marks=(("due", plan.allowance, 0),))


def _plan_retention(ctx: Context) -> TimerPlan:
    # rule G7: at least min_retention after the call; an old call is checked at once
    due = ctx.calendar.add(_recorded_at(ctx), recordings_policy(ctx).min_retention)
    return _check_at(plan_until(ctx.now, max(due, ctx.now.add(seconds=1))))


def _recorded_at(ctx: Context) -> Any:
    value = ctx.param("recorded_at")
    return ctx.now if value is None else value


def _on_retention_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "due" and ctx.draft.state in ("retained", "held"):
        ctx.follow("check_retention")  # rule G7: the reaction decides hold or purge


# -- effects ----------------------------------------------------------------------------------


def _on_attach(ctx: Context) -> None:
    # rule G7: a reference and a checksum, never the audio itself
    p = recordings_policy(ctx)
    recorded_at = _recorded_at(ctx)
    if recorded_at > ctx.now:
        raise ValidationError(
            f"recorded_at: {recorded_at.isoformat()} is in the future (now {ctx.now.isoformat()})",
            field="recorded_at",
        )
    seconds = ctx.param("duration")
    if seconds > p.max_seconds:
        raise ValidationError(
            f"duration: {seconds} seconds is longer than recordings.max_seconds ({p.max_seconds})",
            field="duration",
        )
    ctx.set("reference", ctx.param("reference"))
    ctx.set("checksum", normalise_checksum(ctx.param("checksum")))
    ctx.set("duration", seconds)
    # stored as source_channel: the report counts a field "channel" as an intake channel
    ctx.set("source_channel", ctx.param("channel"))
    ctx.set("recorded_at", recorded_at)
    ctx.set("retain_until", ctx.calendar.add(recorded_at, p.min_retention))
    if ctx.param("caller") is not None:
        ctx.set("caller", ctx.param("caller"))
    ctx.draft.owner = ctx.actor.id
    ctx.draft.department = ctx.actor.department or "customer_service"
    if ctx.param("case") is not None:
        ctx.link("case", ctx.param("case"))


def _on_link(ctx: Context) -> None:
    ctx.link("case", ctx.param("case"))


def _on_hold(ctx: Context) -> None:
    # rule G7: a linked case still open keeps the recording; look again later
    p = recordings_policy(ctx)
    ctx.set("held_by", list(ctx.param("cases") or []))
    ctx.start_timer("retention", _check_at(plan_for(p.recheck_every, ctx.calendar)))


def _on_purge(ctx: Context) -> None:
    # rule G7: the reference is erased from the record; the history says who, when, why
    reference = ctx.get("reference")
    ctx.remove("reference")
    ctx.remove("caller")
    ctx.remove("held_by")
    ctx.set("purged_at", ctx.now)
    ctx.set("purge_reason", ctx.param("because"))
    ctx.emit(
        "recording_purged",
        reference=reference,
        checksum=ctx.get("checksum"),
        because=ctx.param("because"),
    )


# -- the spec ---------------------------------------------------------------------------------

DESK = ("front_desk", "staff", "department_manager", "cs_head", "property_manager")
OPEN_STATES = ("retained", "held")


def _channels(policy: Any) -> list[str]:
    return list(policy.section("recordings", RecordingPolicy).channels)


RECORDING = WorkflowSpec(
    kind="recording",
    zh="通话录音",
    en="call recording",
    prefix="AU",
    states=(
        StateSpec("retained", "保存中", "retained"),
        StateSpec("checking", "到期核查", "retention check"),
        StateSpec("held", "因未结案件留存", "held by an open case"),
        StateSpec("purged", "已销毁", "purged", final=True),
    ),
    initial="retained",
    create=EventSpec(
        "attach",
        (),
        "retained",
        DESK,
        "登记录音",
        "attach",
        params=(
            Param("reference", required=True, doc="where the audio is (URI or path)"),
            Param("checksum", required=True, doc="algorithm:hexdigest of the audio file"),
            Param("duration", "int", required=True, minimum=1, doc="length in seconds"),
            Param("channel", "choice", required=True, choices=_channels),
            Param("recorded_at", "datetime", doc="when the call was (default: now)"),
            Param("case", refers=(), doc="the record the recording belongs to"),
            Param("caller", personal=True, doc="the calling number (personal data, G7)"),
        ),
        effect=_on_attach,
    ),
    events=(
        EventSpec(
            "link",
            OPEN_STATES,
            None,
            DESK,
            "关联案件",
            "link a case",
            params=(Param("case", required=True, refers=(), doc="another record"),),
            effect=_on_link,
        ),
        EventSpec(
            "check_retention",
            OPEN_STATES,
            "checking",
            (),
            "到期核查",
            "retention check",
            system=True,
        ),
        EventSpec(
            "hold",
            ("checking",),
            "held",
            (),
            "留存",
            "hold",
            params=(Param("cases", "strlist"),),
            effect=_on_hold,
            system=True,
        ),
        EventSpec(
            "purge",
            ("checking",),
            "purged",
            (),
            "销毁",
            "purge",
            params=(Param("because", required=True),),
            effect=_on_purge,
            system=True,
        ),
    ),
    timers=(
        TimerSpec(
            "retention",
            "保存期限",
            "retention period",
            ("attach",),
            ("purged",),
            _plan_retention,
            on_mark=_on_retention_mark,
        ),
    ),
)
