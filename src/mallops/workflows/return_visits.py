"""Return visits 回访 (rules F1-F6, R6, C10, C12).

A return visit is its own record, linked to its source (a complaint or a repair order)
with the relation ``return_visit_of``.  mallops opens it itself (actor ``system``) in
the same commit as the source's change:

* stage ``after`` (事后回访): when the source is resolved (F2) — a complaint reaching
  ``resolved`` (policy ``complaints.survey_by = "return_visit"``), an external repair
  reaching ``accepted`` (R6).  Its outcome closes or reopens the source (F5).
* stage ``during`` (事中回访, F1): while a source is deferred (a repair waiting for
  parts or access) or past its committed time, tracking contacts are due every
  ``return_visits.tracking_interval``; it ends when the source is resolved or closed.
* stage ``account`` (定期回访, F7): periodic visits of a tenant account, monthly while
  it is new and quarterly after; each visit made opens the next one.

State diagram and SLA model: docs/return-visits.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pendulum

from ..calendar import BusinessCalendar
from ..clock import aware
from ..domain.records import Actor, HistoryEntry, Record
from ..duration import Duration
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_for, plan_until
from ..errors import PermissionDenied, ValidationError
from ..policy import Policy
from .base import Batch, WorkflowService
from .complaints import ANYONE, _rating

__all__ = [
    "RETURN_VISIT",
    "ReturnVisitService",
    "ReturnVisitStats",
    "next_account_visit",
    "timeliness",
]

SOURCE_LINK = "return_visit_of"
STAGES = ("after", "during", "account")
ACCOUNT = "account"
_ANSWERS = ("speed", "result", "attitude")


def _methods(p: Policy) -> tuple[str, ...]:
    return tuple(p.return_visits.methods)


def _stages(_p: Policy) -> tuple[str, ...]:
    return STAGES


# -- sources: what each kind of source means for its return visits ------------------------------


@attrs.frozen
class _Source:
    """How a kind of source record meets the return-visit rules."""

    resolved: str  # the state in which it waits for its return visit (F2)
    contact_fields: tuple[str, str]  # (name, phone) fields copied to the visit
    requires_visit: Callable[[Policy, Record], bool]
    performer: Callable[[Policy, Record], str]  # lowest role allowed to visit (F3)
    due: Callable[[Policy], Any]
    deferred: Callable[[Policy, Record | None, Record], bool]  # starts tracking (F1)


def _commitment_breached(before: Record | None, after: Record) -> bool:
    t = after.timer("commitment")
    if t is None or t.breached_at is None:
        return False
    old = before.timer("commitment") if before is not None else None
    return old is None or old.breached_at != t.breached_at


def _complaint_performer(p: Policy, r: Record) -> str:
    sev = p.complaints.severities.get(r.severity or "")
    return (
        sev.followup_role
        if sev is not None
        else p.complaints.severities[p.complaints.default_severity].followup_role
    )  # rule C10


def _repair_performer(p: Policy, r: Record) -> str:
    return p.repairs.major_followup_role if r.fields.get("major") else p.repairs.followup_role


def _repair_deferred(p: Policy, before: Record | None, after: Record) -> bool:
    if not after.fields.get("external"):
        return False
    entered_wait = after.state.startswith("waiting_") and (
        before is None or before.state != after.state
    )
    return entered_wait or _commitment_breached(before, after)


SOURCES: dict[str, _Source] = {
    "complaint": _Source(
        resolved="resolved",
        contact_fields=("complainant", "contact"),
        requires_visit=lambda p, _r: p.complaints.survey_by == "return_visit",
        performer=_complaint_performer,
        due=lambda p: p.return_visits.complaint_due,
        deferred=lambda p, b, a: (
            p.return_visits.tracking_for_complaints and _commitment_breached(b, a)
        ),
    ),
    "repair": _Source(
        resolved="accepted",
        contact_fields=("reporter", "contact"),
        requires_visit=lambda _p, r: bool(r.fields.get("external")),  # rule R6
        performer=_repair_performer,
        due=lambda p: p.return_visits.repair_due,
        deferred=_repair_deferred,
    ),
}


# -- timers ------------------------------------------------------------------------------------


def _plan_due(ctx: Context) -> TimerPlan | None:
    rv = ctx.policy.return_visits
    if ctx.get("stage") == ACCOUNT:
        return plan_until(ctx.now, ctx.param("due_at"), warn_at=rv.warn_at)  # rule F7
    if ctx.get("stage") != "after":
        return None
    due = SOURCES[ctx.get("source_kind")].due(ctx.policy)
    return plan_for(due, ctx.calendar, warn_at=rv.warn_at, breach_level=1)  # rules R6, F2, F6


def _plan_tracking(ctx: Context) -> TimerPlan | None:
    if ctx.get("stage") != "during":
        return None
    return plan_for(ctx.policy.return_visits.tracking_interval, ctx.calendar)  # rule F1


def _plan_retry(ctx: Context) -> TimerPlan:
    when = ctx.param("retry_at")
    if when is None:
        when = ctx.calendar.shift(
            ctx.now,
            ctx.calendar.to_seconds(ctx.policy.return_visits.retry_after),
            ctx.policy.return_visits.retry_after.basis,
        )
    return plan_until(ctx.now, when)


def _remind(reason: str) -> Any:
    def on_mark(ctx: Context, _timer: Any, mark: Any) -> None:
        if mark.kind == "breach":
            ctx.emit("notify", role=ctx.get("performer_role"), reason=reason)

    return on_mark


# -- guards and effects ---------------------------------------------------------------------------


def _on_open(ctx: Context) -> None:
    names = ("source", "source_kind", "stage", "performer_role", "customer", "contact")
    for name in (*names, "since", "requested_by", "due_at"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.draft.tenant = ctx.param("tenant")
    ctx.draft.location = ctx.param("location")
    ctx.draft.category = ctx.param("stage")
    ctx.draft.severity = ctx.param("source_severity")
    ctx.draft.owner = ctx.param("performer_role")
    ctx.set("attempts", [])
    ctx.set("contacts", [])
    if ctx.param("stage") != ACCOUNT:
        ctx.link(SOURCE_LINK, ctx.param("source"))


def _permit_performer(ctx: Context) -> str | None:
    """Rules F3, C10: the source's severity decides the lowest role that may visit."""
    roles = ctx.policy.roles
    need = str(ctx.get("performer_role"))
    if need not in roles or roles[ctx.actor.role].rank >= roles[need].rank:
        return None
    return (
        f"this return visit is done by {need} or a more senior role (F3, C10); "
        f"{ctx.actor.role} ranks below"
    )


def _guard_visit(want: bool) -> Callable[[Context], str | None]:
    def guard(ctx: Context) -> str | None:
        if ctx.get("stage") == "during":
            return "a tracking visit records contacts with 'track' and ends with its source"
        c = ctx.policy.complaints
        for k in _ANSWERS:
            if ctx.param(k) > c.rating_scale:
                return f"{k} must be 1..{c.rating_scale} (C12)"
        satisfied = all(ctx.param(k) >= c.satisfied_min for k in _ANSWERS)
        return None if satisfied == want else "the answers do not match this branch"

    return guard


def _on_visit(ctx: Context) -> None:
    ctx.set("method", ctx.param("method"))
    ctx.set("answers", {k: ctx.param(k) for k in _ANSWERS})  # rule C12
    ctx.set("comment", ctx.param("comment"))
    ctx.set("visited_at", ctx.now)
    ctx.set("visited_by", ctx.actor.id)


def _guard_retry(ctx: Context) -> str | None:
    when = ctx.param("retry_at")
    if when is not None and when <= ctx.now:
        return f"the new time {when.isoformat()} is not in the future"
    return None


def _on_not_reached(ctx: Context) -> None:
    """Rule F4: the attempt is recorded, a new try is planned, the visit stays due."""
    plan = _plan_retry(ctx)
    ctx.start_timer("retry", plan)
    retry_at = ctx.draft.timers["retry"].due_at
    attempts = list(ctx.get("attempts", []))
    attempts.append(
        {
            "at": ctx.now,
            "by": ctx.actor.id,
            "method": ctx.param("method"),
            "outcome": ctx.param("outcome"),
            "note": ctx.param("note"),
            "retry_at": retry_at,
        }
    )
    ctx.set("attempts", attempts)
    ctx.set("retry_at", retry_at)


def _guard_tracking(ctx: Context) -> str | None:
    if ctx.get("stage") != "during":
        return "only a tracking visit (事中) records tracking contacts; use 'visit'"
    return None


def _on_track(ctx: Context) -> None:
    contacts = list(ctx.get("contacts", []))
    contacts.append(
        {
            "at": ctx.now,
            "by": ctx.actor.id,
            "method": ctx.param("method"),
            "note": ctx.param("note"),
        }
    )
    ctx.set("contacts", contacts)
    plan = _plan_tracking(ctx)
    if plan is not None:
        ctx.start_timer("tracking", plan)  # the next contact is due one interval later


def _on_end(ctx: Context) -> None:
    ctx.set("ended_because", ctx.param("because"))


_METHOD = Param("method", "choice", required=True, choices=_methods, doc="phone or on site (F1)")
_VISIT_PARAMS = (
    _METHOD,
    _rating("speed"),
    _rating("result"),
    _rating("attitude"),
    Param("comment", "text"),
)

RETURN_VISIT = WorkflowSpec(
    kind="return_visit",
    zh="回访",
    en="return visit",
    prefix="RV",
    states=(
        StateSpec("due", "待回访", "due"),
        StateSpec("satisfied", "回访满意", "satisfied", final=True),
        StateSpec("unsatisfied", "回访不满意", "unsatisfied", final=True),
        StateSpec("ended", "跟踪结束", "tracking ended", final=True),
    ),
    initial="due",
    create=EventSpec(
        "open",
        (),
        None,
        (),
        "生成回访",
        "open",
        params=(
            Param("source", required=True, doc="the complaint or repair visited about"),
            Param(
                "source_kind",
                "choice",
                required=True,
                choices=lambda _p: (*SOURCES, ACCOUNT),
            ),
            Param("stage", "choice", required=True, choices=_stages, doc="事后 or 事中 (F1)"),
            Param("performer_role", required=True, doc="lowest role allowed to visit (F3)"),
            Param("source_severity", doc="the source's severity or urgency"),
            Param("customer", personal=True, doc="who is visited (G7)"),
            Param("contact", personal=True, doc="their phone (G7)"),
            Param("tenant", refers=("tenant",), must_exist=False),
            Param("location"),
            Param("due_at", "datetime", doc="when a periodic account visit is due (F7)"),
            Param("since", "datetime", doc="when the account started (F7)"),
            Param("requested_by", doc="who started the periodic visits (F7)"),
        ),
        effect=_on_open,
        system=True,
    ),
    events=(
        EventSpec(
            "visit",
            ("due",),
            "satisfied",
            ANYONE,
            "回访",
            "return visit",
            params=_VISIT_PARAMS,
            guard=_guard_visit(True),
            permit=_permit_performer,
            effect=_on_visit,
        ),
        EventSpec(
            "visit",
            ("due",),
            "unsatisfied",
            ANYONE,
            "回访",
            "return visit",
            params=_VISIT_PARAMS,
            guard=_guard_visit(False),
            permit=_permit_performer,
            effect=_on_visit,
        ),
        EventSpec(
            "not_reached",
            ("due",),
            None,
            ANYONE,
            "未联系上/客户忙",
            "not reached / busy",
            params=(
                _METHOD,
                Param(
                    "outcome",
                    "choice",
                    required=True,
                    choices=lambda _p: ("not_reachable", "busy"),
                    doc="why the visit could not happen (F4)",
                ),
                Param("retry_at", "datetime", doc="agreed new time; default retry_after"),
                Param("note", "text"),
            ),
            guard=_guard_retry,
            permit=_permit_performer,
            effect=_on_not_reached,
        ),
        EventSpec(
            "track",
            ("due",),
            None,
            ANYONE,
            "事中跟踪联系",
            "tracking contact",
            params=(_METHOD, Param("note", "text", required=True)),
            guard=_guard_tracking,
            effect=_on_track,
        ),
        EventSpec(
            "end",
            ("due",),
            "ended",
            (),
            "结束跟踪",
            "end tracking",
            params=(Param("because"),),
            effect=_on_end,
            system=True,
        ),
    ),
    timers=(
        TimerSpec("due", "回访时限", "return-visit deadline", ("open",), (), _plan_due),
        TimerSpec(
            "tracking",
            "事中跟踪",
            "next tracking contact",
            ("open",),
            (),
            _plan_tracking,
            on_mark=_remind("tracking_contact_due"),
        ),
        TimerSpec(
            "retry",
            "再次回访",
            "next attempt",
            (),
            (),
            _plan_retry,
            on_mark=_remind("retry_due"),
        ),
    ),
    ladder=lambda p: p.return_visits.ladder,
)


def _need_id(value: Any, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field}: expected a record id, got {value!r}", field=field)


class ReturnVisitService(WorkflowService):
    """``mall.return_visits``: return visits for complaints, repairs and accounts (F1-F7)."""

    def open(self, *, actor: Any, **params: Any) -> Record:
        """Refused: return visits are opened by mallops itself when their source is resolved
        (F2) or deferred (F1), never by hand."""
        raise PermissionDenied(
            "return visits are opened by mallops when a complaint is resolved or a repair "
            "accepted (F2), or when a source is deferred (F1); fire events on the source",
            event="open",
            role=getattr(actor, "role", None),
        )

    # -- reading ---------------------------------------------------------------------------

    def of(self, source_id: str, *, open_only: bool = False) -> list[Record]:
        """Return visits of ``source_id``, oldest first."""
        _need_id(source_id, "source_id")
        return self.query(linked_to=source_id, is_open=True if open_only else None)

    def due_visits(self) -> list[Record]:
        """Open return visits of every stage, the one needing attention soonest first
        (earliest pending warning, deadline or reminder)."""
        far = pendulum.datetime(9999, 1, 1)
        return sorted(self.query(is_open=True), key=lambda r: (r.wake_at or far, r.id))

    # -- the link with the sources ---------------------------------------------------------------

    def _linked_open(self, batch: Batch, source_id: str, stage: str) -> list[Record]:
        found = {r.id: r for r in self.of(source_id, open_only=True)}
        for r in batch.records.values():
            if r.kind == self.kind and any(link.record_id == source_id for link in r.links):
                found[r.id] = r
        return [
            batch.current(rid)
            for rid in found
            if batch.current(rid).is_open and batch.current(rid).fields.get("stage") == stage
        ]

    def _open_for(self, batch: Batch, source: Record, stage: str, at: pendulum.DateTime) -> None:
        kind = SOURCES[source.kind]
        name_field, phone_field = kind.contact_fields
        params = {
            "source": source.id,
            "source_kind": source.kind,
            "stage": stage,
            "performer_role": kind.performer(self.mall.policy, source),
            "source_severity": source.severity,
            "customer": source.fields.get(name_field),
            "contact": source.fields.get(phone_field),
            "tenant": source.tenant,
            "location": source.location,
        }
        self._open(batch, params, at)

    def _open(self, batch: Batch, params: dict[str, Any], at: pendulum.DateTime) -> Record:
        return self.create_as_system(batch, params, at)

    # -- periodic account visits (F7) ----------------------------------------------------------

    def start_account_visits(
        self,
        *,
        actor: Actor,
        tenant: str,
        since: Any,
        customer: str | None = None,
        contact: str | None = None,
    ) -> Record:
        """Rule F7: open the first periodic visit of ``tenant``'s account (started at
        ``since``); each visit made opens the next one in the same commit."""
        self.engine._check_actor(actor)
        _need_id(tenant, "tenant")
        now = self.mall.now()
        start = aware(since, field="since", tz=self.mall.calendar.tz)
        if self.account_visits(tenant, open_only=True):
            raise ValidationError(
                f"tenant {tenant!r} already has an open periodic visit", field="tenant"
            )
        params: dict[str, Any] = {
            "source": tenant,
            "source_kind": ACCOUNT,
            "stage": ACCOUNT,
            "performer_role": self.mall.policy.return_visits.account_role,
            "tenant": tenant,
            "customer": customer,
            "contact": contact,
            "since": start,
            "requested_by": actor.id,
            "due_at": next_account_visit(self.mall.policy, self.mall.calendar, start, now),
        }
        return self._run(lambda batch: self._open(batch, params, now))  # type: ignore[no-any-return]

    def account_visits(self, tenant: str, *, open_only: bool = False) -> list[Record]:
        """Periodic account visits of ``tenant`` (F7), oldest first."""
        _need_id(tenant, "tenant")
        return [
            r
            for r in self.query(tenant=tenant, is_open=True if open_only else None)
            if r.fields.get("stage") == ACCOUNT
        ]

    def _end(self, batch: Batch, visits: Iterable[Record], because: str, at: Any) -> None:
        for v in visits:
            self.fire_system_in(batch, v.id, "end", {"because": because}, at)

    def on_source_change(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        """Called by the source's service after each change, inside the same batch.

        Opens the 事后 visit when the source is resolved (F2, R6), opens a 事中 tracking
        visit when it is deferred or past its commitment (F1), and ends tracking when it
        is resolved or closed.
        """
        kind = SOURCES.get(after.kind)
        if kind is None or before is None:
            return
        policy = self.mall.policy
        resolved_now = after.state == kind.resolved and before.state != kind.resolved
        if resolved_now or not after.is_open:
            because = "resolved" if resolved_now else after.state
            self._end(batch, self._linked_open(batch, after.id, "during"), because, entry.at)
        if resolved_now and kind.requires_visit(policy, after):
            if not self._linked_open(batch, after.id, "after"):
                self._open_for(batch, after, "after", entry.at)
        elif (
            after.is_open
            and after.state != kind.resolved
            and kind.deferred(policy, before, after)
            and not self._linked_open(batch, after.id, "during")
        ):
            self._open_for(batch, after, "during", entry.at)

    def _after(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        """Rule F5: a satisfied visit closes the source; an unsatisfied one reopens it.
        Rule F7: a periodic account visit made opens the next one."""
        if entry.event != "visit" or after.is_open:
            return
        if after.fields.get("stage") == ACCOUNT:
            params = {k: after.fields.get(k) for k in ("source", "source_kind", "stage")}
            since = aware(after.fields["since"], field="since")
            last_due = aware(after.fields["due_at"], field="due_at")
            params |= {
                "performer_role": self.mall.policy.return_visits.account_role,
                "tenant": after.tenant,
                "customer": after.fields.get("customer"),
                "contact": after.fields.get("contact"),
                "since": since,
                "requested_by": after.fields.get("requested_by"),
                "due_at": next_account_visit(
                    self.mall.policy, self.mall.calendar, since, max(last_due, entry.at)
                ),
            }
            self._open(batch, params, entry.at)
            return
        source_id = str(after.fields["source"])
        service = self.mall.service(str(after.fields["source_kind"]))
        event = "close_satisfied" if after.state == "satisfied" else "reopen"
        service.fire_system_in(batch, source_id, event, {"return_visit": after.id}, entry.at)


def next_account_visit(
    policy: Policy, calendar: BusinessCalendar, since: pendulum.DateTime, after: pendulum.DateTime
) -> pendulum.DateTime:
    """Rule F7: the first periodic visit date after ``after`` for an account started at
    ``since``: every ``account_new_interval`` while the account is new
    (``account_new_for``), every ``account_interval`` from then on."""
    rv = policy.return_visits
    grown = calendar.add(since, rv.account_new_for)
    for k in range(1, 100_000):
        when = calendar.add(
            since, Duration(k * rv.account_new_interval.amount, rv.account_new_interval.unit)
        )
        if when >= grown:
            break
        if when > after:
            return when
    for j in range(100_000):
        when = calendar.add(
            grown, Duration(j * rv.account_interval.amount, rv.account_interval.unit)
        )
        if when > after:
            return when
    raise ValidationError(
        "no periodic visit date found within 100,000 intervals"
    )  # pragma: no cover


# -- timeliness (F6, K3) -----------------------------------------------------------------------


@attrs.frozen
class ReturnVisitStats:
    """Return-visit statistics (F6, K3) over a set of return visits (stage ``after``)."""

    total: int
    done: int
    on_time: int
    late: int
    pending: int
    satisfied: int
    attempts: int

    @property
    def timeliness(self) -> float:
        """Share of visits done before their deadline (F6 target: 100 %)."""
        return self.on_time / self.total if self.total else 1.0

    @property
    def rate(self) -> float:
        """Share of due visits that were made (K3 return-visit rate)."""
        return self.done / self.total if self.total else 1.0

    @property
    def satisfaction(self) -> float:
        """Share of made visits with a satisfied outcome."""
        return self.satisfied / self.done if self.done else 1.0


def timeliness(records: Iterable[Record], now: pendulum.DateTime | None = None) -> ReturnVisitStats:
    """F6/K3 from the records alone: how many 事后 visits were made, in time, satisfied.

    A visit is on time when it was made before its ``due`` timer's deadline; a pending
    visit already past its deadline (at ``now``) counts as late.
    """
    when = None if now is None else aware(now, field="now")
    total = done = on_time = late = satisfied = attempts = 0
    for r in records:
        if r.kind != "return_visit" or r.fields.get("stage") != "after":
            continue
        total += 1
        attempts += len(r.fields.get("attempts", ()))
        t = r.timer("due")
        breached = t is not None and t.breached_at is not None
        if r.state in ("satisfied", "unsatisfied"):
            done += 1
            satisfied += r.state == "satisfied"
            if breached:
                late += 1
            else:
                on_time += 1
        elif breached or (
            when is not None and t is not None and t.due_at is not None and t.due_at < when
        ):
            late += 1
    return ReturnVisitStats(
        total=total,
        done=done,
        on_time=on_time,
        late=late,
        pending=total - done,
        satisfied=satisfied,
        attempts=attempts,
    )
