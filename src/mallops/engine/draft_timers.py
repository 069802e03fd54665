"""The timers of a record being changed: starting, pausing, resuming and stopping them
as the spec declares after each event, firing a due mark, and finding due marks
(rules G9, G10: deadlines in business time, breached only after they pass).
"""

from __future__ import annotations

import pendulum

from ..calendar import BusinessCalendar
from ..domain.records import Record
from ..errors import InvalidTransition
from ..policy import Policy
from . import timers as T
from .context import Context
from .spec import WorkflowSpec

__all__ = ["TimerRules"]


class TimerRules:
    """The timer rules of one workflow under one policy and calendar."""

    def __init__(self, spec: WorkflowSpec, policy: Policy, calendar: BusinessCalendar) -> None:
        self.spec = spec
        self.policy = policy
        self.calendar = calendar
        self.finals = spec.final_states
        self.pauses = {t.name: frozenset(t.pauses_in(policy)) for t in spec.timers}
        """The states each timer pauses in, by timer name."""

    def after_event(self, ctx: Context, event: str) -> None:
        """Start the timers ``event`` starts; pause, resume or stop each by the state the
        draft is now in (every timer stops in a final state)."""
        draft = ctx.draft
        final = draft.state in self.finals
        for tspec in self.spec.timers:
            t = draft.timers.get(tspec.name)
            if event in tspec.starts_on and (t is None or not t.active) and not final:
                plan = tspec.plan(ctx)
                if plan is not None:
                    if t is None:
                        t = T.start(tspec.name, plan, ctx.now, self.calendar)
                    else:
                        t = T.rebase(
                            t,
                            plan,
                            tspec.on_reopen(self.policy),
                            ctx.now,
                            draft.department,
                            self.calendar,
                        )
            if t is None:
                continue
            if t.active:
                if final or draft.state in tspec.stops_in:
                    t = T.stop(t, ctx.now, draft.department, self.calendar)
                elif draft.state in self.pauses[tspec.name]:
                    t = T.pause(t, ctx.now, draft.department, self.calendar)
                elif t.status == "paused":
                    t = T.resume(t, ctx.now, self.calendar)
            draft.timers[tspec.name] = t
        if final:
            for name, t in list(draft.timers.items()):
                if t.active:
                    draft.timers[name] = T.stop(t, ctx.now, draft.department, self.calendar)

    def fire_mark(self, ctx: Context, name: str, index: int) -> None:
        """Fire mark ``index`` of timer ``name`` on the draft: its event, its escalation
        level and the spec's ``on_mark`` hook."""
        t = ctx.draft.timers.get(name)
        if t is None or t.status != "running" or not 0 <= index < len(t.marks):
            raise InvalidTransition(f"timer {name!r} mark {index} cannot fire")
        mark = t.marks[index]
        if mark.fired_at is not None or mark.due_at is None:
            raise InvalidTransition(f"timer {name!r} mark {index} already fired or not due")
        t = T.fire_mark(t, index)
        ctx.draft.timers[name] = t
        mark = t.marks[index]
        if mark.kind == "warning":
            ctx.emit("timer_warning", timer=name, due_at=t.due_at)
        elif mark.kind == "breach":
            ctx.emit("timer_breached", timer=name, due_at=mark.due_at)
        if mark.level:
            ctx.escalate(mark.level, f"timer:{name}")
        for tspec in self.spec.timers:
            if tspec.name == name and tspec.on_mark is not None:
                tspec.on_mark(ctx, t, mark)

    def due_marks(
        self, record: Record, until: pendulum.DateTime
    ) -> list[tuple[pendulum.DateTime, str, int]]:
        """Unfired marks of running timers due strictly before ``until`` (G10: a deadline is
        breached only after it, not at it), earliest first."""
        out = []
        for t in record.timers:
            if t.status != "running":
                continue
            for i, m in enumerate(t.marks):
                if m.fired_at is None and m.due_at is not None and m.due_at < until:
                    out.append((m.due_at, t.name, i))
        out.sort(key=lambda x: (x[0], x[1], x[2]))
        return out
