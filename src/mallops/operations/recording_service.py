"""Call recordings (G7): the service ``mall.recordings``, the retention decision and
the retention register.

The decision is a :class:`~mallops.plugins.Reaction` on the recording's own timer
entry: when the retention timer moves a recording into ``checking``
(:mod:`.recording_spec`), :func:`decide_retention` looks at its linked cases inside the
same atomic batch and fires ``hold`` (a case still open, ``recordings.hold_while_open``)
or ``purge``.  Several tickers never purge twice: the timer entry is committed once
(optimistic concurrency), with the decision in the same commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pendulum

from mallops.domain import mask_value
from mallops.errors import MallopsError, ValidationError
from mallops.plugins import Actor, Batch, Label, Reacting, Record, WorkflowService

from .recording_spec import RecordingPolicy

__all__ = [
    "PURGE_REASONS",
    "REGISTER_COLUMNS",
    "RecordingService",
    "decide_retention",
    "open_cases",
    "register_rows",
    "state_at",
]

PURGE_REASONS: dict[str, Label] = {
    "retention_ended": Label(
        "已满最短保存期，未关联案件", "minimum retention over; linked to no case"
    ),
    "cases_closed": Label(
        "已满最短保存期，关联案件均已办结", "minimum retention over; every linked case closed"
    ),
    "not_held": Label(
        "已满最短保存期（政策不因未结案件留存）",
        "minimum retention over (the policy holds none for open cases)",
    ),
}
"""Why a recording was purged, by the key the ``purge`` history entry carries (G7)."""


def _policy(batch: Batch) -> RecordingPolicy:
    return batch.runtime.policy.section("recordings", RecordingPolicy)


def _case_ids(record: Record) -> list[str]:
    return [link.record_id for link in record.links if link.relation == "case"]


def _closed_since(case: Record) -> pendulum.DateTime | None:
    """When ``case`` entered the final state it is in (``None`` while it is open): a
    final state is never left, so the first entry into it is the closure."""
    if case.is_open:
        return None
    return next((h.at for h in case.history if h.to_state == case.state), case.updated_at)


def open_cases(batch: Batch, record: Record, at: pendulum.DateTime) -> list[str]:
    """The ids of the records linked to ``record`` as cases that were open at ``at`` (as
    the batch will write them).  A case closed after ``at`` counts as open: a ticker that
    runs late decides as one on time would have, so the history never shows a purge
    while a case was open.  Other recordings never count (two recordings linked to each
    other would otherwise hold each other for ever)."""
    found = []
    for rid in _case_ids(record):
        try:
            case = batch.current(rid)
        except MallopsError:
            continue  # a case that cannot be read (another property's) holds nothing
        closed = _closed_since(case)
        if case.kind != "recording" and (closed is None or closed > at):
            found.append(rid)
    return found


def decide_retention(r: Reacting) -> None:
    """A recording whose retention ended is held while a linked case is open, else
    purged (G7)."""
    recording = r.after
    service = r.services["recording"]
    held = _policy(r.batch).hold_while_open
    cases = open_cases(r.batch, recording, r.entry.at) if held else []
    if cases:
        service.fire_system_in(r.batch, recording.id, "hold", {"cases": cases}, r.entry.at)
        return
    if not _policy(r.batch).hold_while_open and _case_ids(recording):
        because = "not_held"
    else:
        because = "cases_closed" if _case_ids(recording) else "retention_ended"
    service.fire_system_in(r.batch, recording.id, "purge", {"because": because}, r.entry.at)


def state_at(record: Record, when: pendulum.DateTime) -> str | None:
    """The state ``record`` was in just before ``when`` (``None``: it did not exist)."""
    state = None
    for entry in record.history:
        if entry.at >= when:
            break
        state = entry.to_state
    return state


REGISTER_COLUMNS: tuple[tuple[str, Label], ...] = (
    ("id", Label("编号", "id")),
    ("state", Label("状态", "state")),
    ("channel", Label("来源", "channel")),
    ("recorded_at", Label("通话时间", "recorded at")),
    ("duration", Label("时长（秒）", "duration (s)")),
    ("checksum", Label("校验值", "checksum")),
    ("reference", Label("录音位置", "reference")),
    ("caller", Label("来电号码", "caller")),
    ("cases", Label("关联案件", "linked cases")),
    ("retain_until", Label("最短保存至", "kept at least until")),
    ("held_by", Label("留存原因（未结案件）", "held by open cases")),
    ("purged_at", Label("销毁时间", "purged at")),
    ("purged_by", Label("销毁人", "purged by")),
    ("purge_reason", Label("销毁原因", "why purged")),
)
"""The register's columns: key and zh/en heading."""


def _label(label: Label, lang: str) -> str:
    return label.zh if lang == "zh" else label.en


def register_rows(
    records: Sequence[Record], policy: Any, *, lang: str = "zh", reveal: bool = False
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The retention register of ``records``: headings in ``lang`` and one row each,
    the oldest call first; the caller's number is masked unless ``reveal`` (G7)."""
    if lang not in ("zh", "en"):
        raise ValidationError(f"lang: {lang!r} is not one of zh, en", field="lang")
    section = policy.section("recordings", RecordingPolicy)
    states = {"retained": ("保存中", "retained"), "checking": ("到期核查", "retention check")}
    states |= {"held": ("因未结案件留存", "held by an open case"), "purged": ("已销毁", "purged")}
    rows = []
    for r in sorted(records, key=lambda x: (str(x.fields.get("recorded_at")), x.id)):
        f = r.fields
        purge = next((h for h in reversed(r.history) if h.event == "purge"), None)
        channel = section.channels.get(f.get("source_channel"))
        caller = f.get("caller")
        reason = PURGE_REASONS.get(str(purge.data.get("because"))) if purge else None
        zh, en = states.get(r.state, (r.state, r.state))
        values: dict[str, Any] = {
            "id": r.id,
            "state": zh if lang == "zh" else en,
            "channel": _label(channel, lang) if channel else f.get("source_channel"),
            "recorded_at": f.get("recorded_at"),
            "duration": f.get("duration"),
            "checksum": f.get("checksum"),
            "reference": f.get("reference", ""),
            "caller": (caller if reveal else mask_value(caller)) if caller else "",
            "cases": " ".join(_case_ids(r)),
            "retain_until": f.get("retain_until"),
            "held_by": " ".join(f.get("held_by", [])) if r.state == "held" else "",
            "purged_at": purge.at.isoformat() if purge else "",
            "purged_by": purge.actor.id if purge else "",
            "purge_reason": _label(reason, lang) if reason else "",
        }
        rows.append(tuple(values[key] for key, _ in REGISTER_COLUMNS))
    return tuple(_label(label, lang) for _, label in REGISTER_COLUMNS), rows


class RecordingService(WorkflowService):
    """``mall.recordings``: call recordings attached to records, kept and purged (G7)."""

    def attach(
        self,
        *,
        actor: Actor,
        reference: str,
        checksum: str,
        duration: int,
        channel: str,
        recorded_at: pendulum.DateTime | None = None,
        case: str | None = None,
        caller: str | None = None,
    ) -> Record:
        """Register a recording (its ``reference`` and ``checksum``, never the audio) of a
        call of ``duration`` seconds, attached to the record ``case`` if given (G7)."""
        params: dict[str, Any] = {
            "reference": reference,
            "checksum": checksum,
            "duration": duration,
            "channel": channel,
        }
        extra = {"recorded_at": recorded_at, "case": case, "caller": caller}
        params |= {k: v for k, v in extra.items() if v is not None}
        return self.open(actor=actor, **params)

    def link(self, record_id: str, *, actor: Actor, case: str) -> Record:
        """Attach the recording to one more record ``case`` (G7: it is kept while any
        linked case is open)."""
        return self.fire(record_id, "link", actor=actor, case=case)

    def of_case(self, case: str) -> list[Record]:
        """Every recording attached to the record ``case``, purged ones too."""
        return [r for r in self.query(linked_to=case) if case in _case_ids(r)]

    def retained(self) -> list[Record]:
        """Recordings not purged yet (kept or held)."""
        return self.query(is_open=True)

    def held(self) -> list[Record]:
        """Recordings past their minimum retention kept for an open case."""
        return self.query(state="held")

    def register(
        self, *, lang: str = "zh", reveal: bool = False
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """The retention register of every recording (see :func:`register_rows`)."""
        return register_rows(self.query(), self.runtime.policy, lang=lang, reveal=reveal)
