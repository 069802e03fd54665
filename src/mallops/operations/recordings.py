"""The call-recording workflow (G7) as one :class:`~mallops.plugins.Workflow` value:
spec (:mod:`.recording_spec`), service and retention decision
(:mod:`.recording_service`), report section (:mod:`.recording_report`).  Guide:
docs/operations.md, "Call recordings"."""

from __future__ import annotations

from mallops.plugins import Reaction, Workflow

from .recording_report import recording_section
from .recording_service import RecordingService, decide_retention
from .recording_spec import RECORDING, RecordingPolicy

__all__ = ["RECORDINGS"]

RECORDINGS = Workflow(
    RECORDING,
    RecordingService,
    attribute="recordings",
    policy_section="recordings",
    policy_class=RecordingPolicy,
    reactions=(
        Reaction(
            "recording",
            "_timer",
            decide_retention,
            ("recording",),
            entered="checking",
            rule="G7",
        ),
    ),
    report_sections=(recording_section,),
)
"""Call recordings: ``mall.recordings`` (kind ``recording``, policy ``[recordings]``)."""
