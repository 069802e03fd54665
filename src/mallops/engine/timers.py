"""SLA timer arithmetic on :class:`~mallops.domain.records.Timer` values (pure functions).

Times are counted in the timer's basis: ``wall`` (24/7), ``working`` (the business
calendar, G9/G10) or ``trading`` (the mall's trading hours, R10).  Pausing a working
timer overnight moves nothing, because no working time passes; pausing a wall timer
moves its deadline by the paused wall time.

Missing holiday data never stops a timer (G9): under the policy's
``calendar.missing_year = "fallback"`` a due time that needs a year without data is
planned by the fallback rule (weekends off, no holidays) and the timer gets
``provisional_year``; :func:`replan` re-places it once the calendar covers that year
(marks already fired stay fired).  Under ``"refuse"`` the ``CalendarError`` propagates.
"""

from __future__ import annotations

import pendulum

from ..calendar import BusinessCalendar, plus_seconds
from ..domain.records import Mark, Timer, evolve
from ..errors import CalendarError
from .timer_plans import TimerPlan, plan_for, plan_until

__all__ = [
    "UNASSIGNED",
    "TimerPlan",  # with plan_for and plan_until, re-exported from timer_plans
    "fire_mark",
    "needs_replan",
    "pause",
    "plan_for",
    "plan_until",
    "rebase",
    "replace",
    "replan",
    "resume",
    "settle",
    "start",
    "stop",
]

UNASSIGNED = "unassigned"


def _lenient(calendar: BusinessCalendar) -> BusinessCalendar:
    """The calendar timers count elapsed time with: missing years by the fallback rule
    unless the policy says ``refuse`` (G9: a timer never fails for missing data)."""
    return calendar.lenient() if calendar.missing_year == "fallback" else calendar


def _due(
    calendar: BusinessCalendar, timer: Timer, anchor: pendulum.DateTime, mark: Mark
) -> tuple[pendulum.DateTime, int | None]:
    """Where ``mark`` falls, and the first year planned by the fallback rule (or None)."""
    return _mark_due(
        calendar, timer.basis, timer.quiet, anchor, mark.kind, mark.offset - timer.consumed
    )


def _mark_due(
    calendar: BusinessCalendar,
    basis: str,
    quiet_warnings: bool,
    anchor: pendulum.DateTime,
    kind: str,
    remaining: int,
) -> tuple[pendulum.DateTime, int | None]:
    """Where a mark of ``kind`` falls ``remaining`` seconds of ``basis`` after ``anchor``
    (a quiet warning waits for working time), and the first fallback-planned year."""
    remaining = max(0, remaining)
    quiet = kind == "warning" and quiet_warnings and remaining > 0
    try:
        due = calendar.shift(anchor, remaining, basis)
        if quiet:
            due = calendar.next_working_time(due)
    except CalendarError as exc:
        if calendar.missing_year != "fallback" or exc.year is None:
            raise
        loose = calendar.lenient()
        due = loose.shift(anchor, remaining, basis)
        if quiet:
            due = loose.next_working_time(due)
        return due, exc.year
    return due, None


def _place(timer: Timer, calendar: BusinessCalendar) -> Timer:
    """Recompute the due times of the unfired marks of a running timer.  A wall timer
    keeps its plan's provisional year (its due times do not depend on the calendar; the
    workflow computed them, see :func:`plan_until`)."""
    kept = timer.provisional_year if timer.basis == "wall" else None
    if timer.status != "running" or timer.anchor is None:
        marks = tuple(evolve(m, due_at=None) if m.fired_at is None else m for m in timer.marks)
        return evolve(timer, marks=marks, provisional_year=kept)
    placed = []
    provisional: int | None = kept
    for m in timer.marks:
        if m.fired_at is not None:
            placed.append(m)
            continue
        due, year = _due(calendar, timer, timer.anchor, m)
        if year is not None and (provisional is None or year < provisional):
            provisional = year
        placed.append(Mark(m.kind, m.offset, m.level, due))  # unfired: no generic evolve
    return evolve(timer, marks=tuple(placed), provisional_year=provisional)


def needs_replan(timer: Timer, calendar: BusinessCalendar) -> bool:
    """Whether ``timer`` was planned provisionally for a year ``calendar`` now covers."""
    year = timer.provisional_year
    return year is not None and timer.status == "running" and calendar.covers(year)


def replan(timer: Timer, calendar: BusinessCalendar, now: pendulum.DateTime) -> Timer:
    """Re-place a provisional timer's unfired marks on ``calendar`` at ``now`` (G9).

    Unchanged unless :func:`needs_replan`; fired marks stay fired, the time already
    consumed stays consumed, and a mark the real schedule puts before ``now`` falls due
    at ``now`` (it fires at the re-plan, never back in time).  The result may still be
    provisional for a later year."""
    if not needs_replan(timer, calendar):
        return timer
    if timer.basis == "wall":  # its due time is the workflow's to recompute (replace)
        return evolve(timer, provisional_year=None)
    placed = _place(timer, calendar)
    marks = tuple(
        evolve(m, due_at=now)
        if m.fired_at is None and m.due_at is not None and m.due_at < now
        else m
        for m in placed.marks
    )
    return evolve(placed, marks=marks)


def replace(
    timer: Timer, plan: TimerPlan, now: pendulum.DateTime, calendar: BusinessCalendar
) -> Timer:
    """``timer`` re-planned from ``now`` on ``plan`` (a workflow's own re-plan of a
    provisional due time, G9; ``plan`` counts from ``now``): marks already fired stay
    fired, the start, attribution and breach are kept."""
    fresh = start(timer.name, plan, now, calendar)
    fired = {(m.kind, m.level): m for m in timer.marks if m.fired_at is not None}
    return evolve(
        fresh,
        marks=tuple(fired.get((m.kind, m.level), m) for m in fresh.marks),
        started_at=timer.started_at,
        breached_at=timer.breached_at,
        by_department=timer.by_department,
        restarts=timer.restarts,
    )


def start(name: str, plan: TimerPlan, now: pendulum.DateTime, calendar: BusinessCalendar) -> Timer:
    """A new running timer."""
    # a wall plan's provisional year is the workflow's (plan_until, G9)
    provisional: int | None = plan.provisional_year if plan.basis == "wall" else None
    if plan.basis == "wall" and not plan.quiet:  # real seconds: no calendar, no fallback
        marks = [Mark(k, off, lv, plus_seconds(now, max(0, off))) for k, off, lv in plan.marks]
    else:
        marks = []
        for kind, offset, level in plan.marks:  # placed as they are made (issue 16)
            due, year = _mark_due(calendar, plan.basis, plan.quiet, now, kind, offset)
            if year is not None and (provisional is None or year < provisional):
                provisional = year
            marks.append(Mark(kind, offset, level, due))
    return Timer(  # built once, with its marks (issue 16: no copy per start)
        name=name,
        basis=plan.basis,
        allowance=plan.allowance,
        status="running",
        started_at=now,
        anchor=now,
        quiet=plan.quiet,
        marks=tuple(marks),
        provisional_year=provisional,
    )


def _attribute(timer: Timer, department: str | None, seconds: int) -> tuple[tuple[str, int], ...]:
    if seconds <= 0:
        return timer.by_department
    dept = department or UNASSIGNED
    items = dict(timer.by_department)
    items[dept] = items.get(dept, 0) + seconds
    return tuple(items.items())


def settle(
    timer: Timer, now: pendulum.DateTime, department: str | None, calendar: BusinessCalendar
) -> Timer:
    """Fold the running stretch up to ``now`` into ``consumed`` (and the attribution)."""
    if timer.status != "running" or timer.anchor is None:
        return timer
    used = _lenient(calendar).elapsed(timer.anchor, now, timer.basis)
    return evolve(
        timer,
        consumed=timer.consumed + used,
        anchor=now,
        by_department=_attribute(timer, department, used),
    )


def _unplaced(marks: tuple[Mark, ...]) -> tuple[Mark, ...]:
    """The marks of a timer that is not running: unfired marks have no due time."""
    if all(m.due_at is None or m.fired_at is not None for m in marks):
        return marks
    return tuple(Mark(m.kind, m.offset, m.level) if m.fired_at is None else m for m in marks)


def _halt(
    timer: Timer,
    now: pendulum.DateTime,
    department: str | None,
    calendar: BusinessCalendar,
    **changes: object,
) -> Timer:
    """Settle a running stretch and leave the timer not running, in one copy."""
    consumed, by_department = timer.consumed, timer.by_department
    if timer.status == "running" and timer.anchor is not None:
        used = _lenient(calendar).elapsed(timer.anchor, now, timer.basis)
        consumed += used
        by_department = _attribute(timer, department, used)
    return evolve(
        timer,
        consumed=consumed,
        by_department=by_department,
        anchor=None,
        marks=_unplaced(timer.marks),
        **changes,
    )


def pause(
    timer: Timer, now: pendulum.DateTime, department: str | None, calendar: BusinessCalendar
) -> Timer:
    """Stop the clock without ending the timer."""
    if timer.status != "running":
        return timer
    return _halt(timer, now, department, calendar, status="paused", paused_at=now)


def resume(timer: Timer, now: pendulum.DateTime, calendar: BusinessCalendar) -> Timer:
    """Restart the clock of a paused timer; the deadline moves by the paused time."""
    if timer.status != "paused" or timer.paused_at is None:
        return timer
    paused = _lenient(calendar).elapsed(timer.paused_at, now, timer.basis)
    t = evolve(
        timer,
        status="running",
        anchor=now,
        paused_at=None,
        paused_total=timer.paused_total + paused,
    )
    return _place(t, calendar)


def stop(
    timer: Timer,
    now: pendulum.DateTime,
    department: str | None,
    calendar: BusinessCalendar,
    *,
    cancel: bool = False,
) -> Timer:
    """End the timer: ``met`` before its deadline, ``breached`` after, or ``cancelled``."""
    if not timer.active:
        return timer
    status = "cancelled" if cancel else ("breached" if timer.breached_at is not None else "met")
    return _halt(timer, now, department, calendar, status=status, paused_at=None, stopped_at=now)


def fire_mark(timer: Timer, index: int) -> Timer:
    """Mark ``timer.marks[index]`` as fired at its due time."""
    mark = timer.marks[index]
    marks = list(timer.marks)
    marks[index] = evolve(mark, fired_at=mark.due_at)
    breached_at = mark.due_at if mark.kind == "breach" else timer.breached_at
    return evolve(timer, marks=tuple(marks), breached_at=breached_at)


def rebase(
    timer: Timer,
    plan: TimerPlan,
    mode: str,
    now: pendulum.DateTime,
    department: str | None,
    calendar: BusinessCalendar,
) -> Timer:
    """Apply a new plan to an existing timer by policy ``mode`` (never by accident):

    * ``keep`` — the time already used stays used; a stopped timer resumes where it
      stopped (the time it was stopped counts as paused);
    * ``restart`` — a fresh allowance from ``now``;
    * ``recompute`` — time used = time since the first start minus the paused time, as
      if the timer had run on the new plan since the start.
    """
    t = settle(timer, now, department, calendar)
    if mode == "restart":
        fresh = start(t.name, plan, now, calendar)
        return evolve(
            fresh,
            started_at=t.started_at,
            by_department=t.by_department,
            restarts=t.restarts + 1,
        )
    paused_total = t.paused_total
    counting = _lenient(calendar)
    if not t.active and t.stopped_at is not None:
        paused_total += counting.elapsed(t.stopped_at, now, t.basis)
    elif t.status == "paused" and t.paused_at is not None:
        paused_total += counting.elapsed(t.paused_at, now, t.basis)
    if mode == "recompute":
        consumed = max(0, counting.elapsed(t.started_at, now, t.basis) - t.paused_total)
        paused_total = t.paused_total
    else:
        consumed = t.consumed
    fired = {(m.kind, m.level) for m in t.marks if m.fired_at is not None}
    old = {(m.kind, m.level): m for m in t.marks}
    marks = []
    for kind, offset, level in plan.marks:
        prior = old.get((kind, level))
        if (kind, level) in fired and prior is not None and offset <= consumed:
            marks.append(evolve(prior, offset=offset))
        else:
            marks.append(Mark(kind, offset, level))
    breached = t.breached_at if any(m.kind == "breach" and m.fired_at for m in marks) else None
    rebased = evolve(
        t,
        basis=plan.basis,
        allowance=plan.allowance,
        status="running",
        anchor=now,
        consumed=consumed,
        paused_total=paused_total,
        paused_at=None,
        stopped_at=None,
        breached_at=breached,
        quiet=plan.quiet,
        marks=tuple(marks),
        provisional_year=plan.provisional_year if plan.basis == "wall" else None,
    )
    return _place(rebased, calendar)
