"""``mall.surveys``: satisfaction-survey campaigns 满意度调查 of customers and tenants
(rule K5; the questions of C12).  Spec: :data:`~mallops.operations.survey_spec.SURVEY`;
report: :func:`~mallops.operations.survey_report.survey_section`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mallops.domain import Actor, Record
from mallops.plugins import Workflow, WorkflowService

from .survey_report import survey_section
from .survey_spec import SURVEY, SurveyPolicy
from .survey_windows import WindowStatus, window_statuses

__all__ = ["SURVEYS", "SurveyService", "WindowStatus"]


class SurveyService(WorkflowService):
    """Campaigns: planned per audience and window, answered, closed with their rate."""

    def plan(
        self,
        *,
        actor: Actor,
        audience: str,
        year: int,
        window: int,
        sample: int,
        questions: Sequence[str] | None = None,
        title: str | None = None,
    ) -> Record:
        """Plan a campaign asking ``audience`` in ``window`` of ``year`` (K5)."""
        params: dict[str, Any] = {
            "audience": audience,
            "year": year,
            "window": window,
            "sample": sample,
        }
        if questions is not None:
            params["questions"] = list(questions)
        if title is not None:
            params["title"] = title
        return self.open(actor=actor, **params)

    def answer(
        self,
        record_id: str,
        *,
        actor: Actor,
        respondent: str,
        speed: int,
        result: int,
        attitude: int,
        answers: Mapping[str, int] | None = None,
        comment: str | None = None,
    ) -> Record:
        """Record one respondent's answer: speed, result, attitude (C12) and the
        campaign's policy questions (``answers``)."""
        extra: dict[str, Any] = {}
        if answers:
            extra["answers"] = dict(answers)
        if comment is not None:
            extra["comment"] = comment
        return self.fire(
            record_id,
            "answer",
            actor=actor,
            respondent=respondent,
            speed=speed,
            result=result,
            attitude=attitude,
            **extra,
        )

    def windows(self, year: int) -> list[WindowStatus]:
        """Every audience in every survey window of ``year``, as it stands now (K5)."""
        rt = self.runtime
        after = rt.now().add(microseconds=1)  # a campaign closed now counts
        return window_statuses(self.query(), rt.policy, rt.calendar.tz, year, after)


SURVEYS = Workflow(
    SURVEY,
    SurveyService,
    attribute="surveys",
    policy_section="surveys",
    policy_class=SurveyPolicy,
    report_sections=(survey_section,),
)
"""The satisfaction-survey workflow (K5) as a plug-in."""
