"""Tenant suggestions 租户意见 raised in visits (rules V5-V7).

Each opinion is its own record: raised → forwarded in writing to the responsible
department head, the general manager in copy → answered to the tenant within the
policy's deadline (seed: one week; a missed deadline climbs ``visits.answer_escalation``)
→ tracked until solved, or declined with an explanation.  A suggestion can become a
complaint (:meth:`SuggestionService.to_complaint`) or a repair order
(:meth:`SuggestionService.to_repair`), and be linked to any other record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..clock import aware
from ..domain.records import Actor, Record
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_for
from ..errors import RecordNotFound, ValidationError
from ..policy import Policy
from .base import Batch, WorkflowService
from .visit_spec import MANAGERS, STAFF, link_event, suggestion_problem

__all__ = ["SUGGESTION", "IssueRow", "IssueSummary", "SuggestionService", "suggestion_problem"]

OPEN_SUGGESTION_STATES = ("raised", "forwarded", "answered")


def _topics(p: Policy) -> tuple[str, ...]:
    return tuple(p.visits.topics)


def _departments(p: Policy) -> tuple[str, ...]:
    return tuple(p.departments)


def _plan_answer(ctx: Context) -> TimerPlan:
    v = ctx.policy.visits  # rule V5: answered within a week, or it escalates
    return plan_for(
        v.answer_within,
        ctx.calendar,
        warn_at=v.answer_warn_at,
        breach_level=1,
        steps=v.answer_escalation.steps,
    )


def _on_raise(ctx: Context) -> None:
    if ctx.param("visit") is None and ctx.param("reception") is None:
        raise ValidationError(
            "visit: a suggestion is raised in a visit or a reception (G12); give one",
            field="visit",
        )
    for name in ("visit", "topic", "text"):
        ctx.set(name, ctx.param(name))
    d = ctx.draft
    d.tenant = ctx.param("tenant")
    d.location = ctx.param("unit")
    d.category = ctx.param("topic")
    d.department = ctx.param("department") or ctx.policy.visits.topics[d.category].department
    ctx.set("progress", [])
    if ctx.param("visit") is not None:
        ctx.link("visit", ctx.param("visit"))
    if ctx.param("reception") is not None:  # rule G12: converted from a reception
        ctx.set("reception", ctx.param("reception"))
        ctx.link("reception", ctx.param("reception"))


def _on_forward(ctx: Context) -> None:
    ctx.set_department(ctx.param("department") or ctx.draft.department, ctx.param("head"))
    ctx.set("report", ctx.param("report"))
    ctx.set("forwarded_at", ctx.now)
    # rule V5: in writing to the department head, the general manager in copy
    ctx.emit(
        "notify",
        role="department_manager",
        department=ctx.draft.department,
        person=ctx.param("head"),
        reason="suggestion_forwarded",
    )
    ctx.emit("notify", role=ctx.policy.visits.copy_to, reason="suggestion_copy", copy=True)


def _on_answer(ctx: Context) -> None:
    ctx.set("answer", ctx.param("answer"))
    ctx.set("answered_at", ctx.now)


def _on_track(ctx: Context) -> None:
    progress = list(ctx.get("progress", []))
    progress.append({"at": ctx.now, "by": ctx.actor.id, "note": ctx.param("note")})
    ctx.set("progress", progress)


def _on_solve(ctx: Context) -> None:
    ctx.set("resolution", ctx.param("resolution"))
    ctx.set("solved_at", ctx.now)


def _on_decline(ctx: Context) -> None:
    ctx.set("explanation", ctx.param("explanation"))
    if ctx.get("answered_at") is None:
        ctx.set("answered_at", ctx.now)  # the explanation is the tenant's answer


SUGGESTION = WorkflowSpec(
    kind="suggestion",
    zh="租户意见",
    en="tenant suggestion",
    prefix="S",
    states=(
        StateSpec("raised", "已记录", "raised"),
        StateSpec("forwarded", "已呈报", "forwarded"),
        StateSpec("answered", "已答复", "answered"),
        StateSpec("solved", "已解决", "solved", final=True),
        StateSpec("declined", "不予采纳", "declined with explanation", final=True),
    ),
    initial="raised",
    create=EventSpec(
        "raise",
        (),
        None,
        STAFF,
        "记录意见",
        "raise",
        params=(
            Param("visit", doc="the visit it was raised in", refers=("visit",)),
            Param("reception", doc="or the reception it came from (G12)", refers=("reception",)),
            Param("tenant", required=True, doc="tenant (G4)", refers=("tenant",)),
            Param("unit"),
            Param("topic", "choice", required=True, choices=_topics, doc="topic (V4)"),
            Param("text", "text", required=True, doc="the opinion, in the tenant's words"),
            Param("department", "choice", choices=_departments, doc="responsible department"),
        ),
        effect=_on_raise,
    ),
    events=(
        EventSpec(
            "forward",
            ("raised",),
            "forwarded",
            STAFF,
            "书面呈报",
            "forward",
            params=(
                Param("head", required=True, doc="the responsible department head (V5)"),
                Param("report", "text", required=True, doc="the written report (V5)"),
                Param("department", "choice", choices=_departments),
            ),
            effect=_on_forward,
        ),
        EventSpec(
            "answer",
            ("raised", "forwarded"),
            "answered",
            STAFF,
            "答复租户",
            "answer tenant",
            params=(Param("answer", "text", required=True, doc="what the tenant was told"),),
            effect=_on_answer,
            who="handler",  # rule V5: the responsible department answers
        ),
        EventSpec(
            "track",
            ("forwarded", "answered"),
            None,
            STAFF,
            "跟进",
            "track progress",
            params=(Param("note", "text", required=True),),
            effect=_on_track,
            who="handler",
        ),
        EventSpec(
            "solve",
            ("answered",),
            "solved",
            STAFF,
            "已解决",
            "solve",
            params=(Param("resolution", "text", required=True),),
            effect=_on_solve,
            who="handler",
        ),
        EventSpec(
            "decline",
            OPEN_SUGGESTION_STATES,
            "declined",
            MANAGERS,
            "解释不予采纳",
            "decline with explanation",
            params=(Param("explanation", "text", required=True, doc="told to the tenant"),),
            effect=_on_decline,
            who="handler",
        ),
        link_event((*OPEN_SUGGESTION_STATES, "solved", "declined")),
    ),
    timers=(
        TimerSpec("answer", "答复时限", "answer deadline", ("raise",), ("answered",), _plan_answer),
    ),
    ladder=lambda p: p.visits.answer_escalation.ladder,
)


@attrs.frozen
class IssueRow:
    """Open suggestions of one department on one topic."""

    department: str
    topic: str
    open: int
    overdue: int
    ids: tuple[str, ...]


@attrs.frozen
class IssueSummary:
    """The visit-issue summary 租户拜访问题汇总表 (V6)."""

    rows: tuple[IssueRow, ...]
    by_department: Mapping[str, int]
    by_topic: Mapping[str, int]
    total_open: int


class SuggestionService(WorkflowService):
    """``mall.suggestions``: opinions raised in visits (V5-V7)."""

    def add(
        self,
        visit_id: str,
        *,
        actor: Actor,
        topic: str,
        text: str,
        department: str | None = None,
    ) -> Record:
        """Record one opinion raised in the visit ``visit_id`` (V5)."""
        visit = self.runtime.get(visit_id)
        if visit.kind != "visit":
            raise RecordNotFound(f"{visit_id!r} is a {visit.kind}, not a visit", record_id=visit_id)
        item = {"topic": topic, "text": text, "department": department}
        return self._run(lambda batch: self.raise_in(batch, visit, actor, item))

    def raise_in(
        self, batch: Batch, visit: Record, actor: Actor, item: Mapping[str, Any]
    ) -> Record:
        """Create the suggestion ``item`` of ``visit`` inside ``batch``."""
        clean = {k: v for k, v in item.items() if v is not None}
        why = suggestion_problem(self.runtime.policy, clean)
        if why is not None:
            raise ValidationError(f"suggestion: {why}")
        params = {"visit": visit.id, "tenant": visit.tenant, "unit": visit.location, **clean}
        return self._create(batch, actor, params, self.runtime.now())

    def link(self, suggestion_id: str, relation: str, record_id: str, *, actor: Actor) -> Record:
        """Link the suggestion to another record (a repair order ...)."""
        self.runtime.get(record_id)
        return self.fire(suggestion_id, "link", actor=actor, relation=relation, record=record_id)

    def to_complaint(
        self,
        suggestion_id: str,
        *,
        actor: Actor,
        demand: str | None = None,
        category: str | None = None,
        severity: str | None = None,
    ) -> Record:
        """Open a complaint from the suggestion, in one commit: the complaint concerns the
        same tenant, and the suggestion and its visit link to it (V5)."""
        s = self.get(suggestion_id)
        tenant = self.runtime.get(str(s.tenant))
        now = self.runtime.now()

        def operation(batch: Batch) -> Record:
            complaint = self.peers["complaint"].create_in(
                batch,
                actor,
                {
                    "channel": self.runtime.policy.visits.complaint_channel,
                    "complainant": tenant.fields["contact"],
                    "contact": tenant.fields["phone"],
                    "location": s.location or tenant.fields["unit"],
                    "description": s.fields["text"],
                    "demand": demand or s.fields["text"],
                    "category": category,
                    "severity": severity,
                    "tenant": tenant.id,
                },
            )
            link = {"relation": "complaint", "record": complaint.id}
            self.fire_in(batch, s.id, "link", actor, link, None, now)
            if s.fields.get("visit") is not None:
                self.peers["visit"].fire_in(
                    batch, str(s.fields["visit"]), "link", actor, link, None, now
                )
            return complaint

        return self._run(operation)

    def to_repair(
        self,
        suggestion_id: str,
        *,
        actor: Actor,
        fault_type: str,
        location: str | None = None,
        description: str | None = None,
        urgency: str | None = None,
    ) -> Record:
        """Open a repair order from the suggestion, in one commit: reported for the same
        tenant (an external order, so it gets its return visit, R6), and the suggestion
        and its visit link to it (V5)."""
        s = self.get(suggestion_id)
        tenant = self.runtime.get(str(s.tenant))
        now = self.runtime.now()
        rp = self.runtime.policy.repairs

        def operation(batch: Batch) -> Record:
            repair = self.peers["repair"].create_in(
                batch,
                actor,
                {
                    "source": next(iter(rp.external_sources), rp.sources[0]),
                    "fault_type": fault_type,
                    "location": location or s.location or tenant.fields["unit"],
                    "description": description or s.fields["text"],
                    "urgency": urgency,
                    "tenant": tenant.id,
                    "reporter": tenant.fields["contact"],
                    "contact": tenant.fields["phone"],
                },
            )
            link = {"relation": "repair", "record": repair.id}
            self.fire_in(batch, s.id, "link", actor, link, None, now)
            if s.fields.get("visit") is not None:
                self.peers["visit"].fire_in(
                    batch, str(s.fields["visit"]), "link", actor, link, None, now
                )
            return repair

        return self._run(operation)

    def summary(self, *, start: Any = None, end: Any = None) -> IssueSummary:
        """Open suggestions by department and topic (V6), raised in ``[start, end)``."""
        lo = aware(start, field="start") if start is not None else None
        hi = aware(end, field="end") if end is not None else None
        now = self.runtime.now()
        groups: dict[tuple[str, str], list[Record]] = {}  # rule V6: by department and topic
        for r in self.query(is_open=True, created_from=lo, created_to=hi):
            groups.setdefault((r.department or "", r.category or ""), []).append(r)
        rows = []
        for (dept, topic), records in sorted(groups.items()):
            late = 0
            for r in records:
                t = r.timer("answer")
                if t is not None and (t.breached or (t.due_at is not None and t.due_at < now)):
                    late += 1
            rows.append(IssueRow(dept, topic, len(records), late, tuple(r.id for r in records)))
        by_dept: dict[str, int] = {}
        by_topic: dict[str, int] = {}
        for row in rows:
            by_dept[row.department] = by_dept.get(row.department, 0) + row.open
            by_topic[row.topic] = by_topic.get(row.topic, 0) + row.open
        return IssueSummary(tuple(rows), by_dept, by_topic, sum(r.open for r in rows))
