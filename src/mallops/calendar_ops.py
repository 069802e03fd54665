"""Calendar operations of a :class:`~mallops.mall.Mall` (G9): coverage, horizon warning,
re-planning provisional timers.  ``Mall.calendar_coverage``, ``Mall.replan_provisional``
and ``Mall.tick`` call these; ``horizon_lines`` is the hook ``mallops demo`` and
``mallops report`` print.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

import attrs
import pendulum

from .calendar import Coverage
from .domain.events import DomainEvent
from .domain.records import SYSTEM, Actor, Record
from .engine import timers as T
from .errors import ConflictError, PermissionDenied, ValidationError
from .stores.protocol import CounterWrite

if TYPE_CHECKING:
    from .mall import Mall

__all__ = [
    "Replanned",
    "check_replan_actor",
    "coverage",
    "horizon_event",
    "horizon_lines",
    "needs_replan",
    "replanned_of",
]

HORIZON_EVENT = "calendar_horizon"
_MAX_REASON = 2000


@attrs.frozen
class Replanned:
    """One re-planned timer: which record and timer, the missing year it was planned
    for, and its due time before and after (``None`` when it has no due time)."""

    record_id: str
    timer: str
    year: int
    old_due: pendulum.DateTime | None
    new_due: pendulum.DateTime | None


def coverage(mall: Mall, today: _dt.date | None = None) -> Coverage:
    """The calendar coverage of ``mall``'s property seen from ``today`` (default: the
    clock's local date); the lead time is the policy's ``calendar.warn_before``."""
    if today is None:
        today = mall.now().date()
    elif not isinstance(today, _dt.date) or isinstance(today, _dt.datetime):
        raise ValidationError(f"today: expected a date, got {type(today).__name__}")
    warn_days = mall.policy.calendar.warn_before.seconds() // 86400
    return mall.calendar.coverage(today, warn_days=warn_days)


def horizon_lines(mall: Mall, lang: str = "en", today: _dt.date | None = None) -> list[str]:
    """The horizon warning as printable lines (empty when no warning is due)."""
    cov = coverage(mall, today)
    if not cov.warning_due:
        return []
    label = "日历" if lang == "zh" else "calendar"
    return [f"{label} [{mall.property}]: {cov.message(lang)}"]


def horizon_event(mall: Mall, now: pendulum.DateTime) -> DomainEvent | None:
    """The day's horizon warning for ``mall``'s property, or ``None`` if none is due or
    it was already given today (a store counter makes it once per property per day,
    whichever ticker gets there first)."""
    today = now.date()
    cov = coverage(mall, today)
    if not cov.warning_due:
        return None
    name = f"calendar-horizon:{mall.property}"
    stamp = today.toordinal()
    last = mall.store.counter(name)
    if last >= stamp:
        return None
    event = DomainEvent(
        HORIZON_EVENT,
        "",
        "calendar",
        mall.property,
        now,
        {
            "last_day": None if cov.last_day is None else cov.last_day.isoformat(),
            "days_left": cov.days_left,
            "years": list(cov.years),
            "message_zh": cov.message("zh"),
            "message_en": cov.message("en"),
        },
    )
    try:  # the warning goes to the event feed in the commit of its counter (G6)
        mall.store.commit([], [CounterWrite(name, last, stamp)], [event])
    except ConflictError:
        return None  # another ticker gave today's warning
    return event


def check_replan_actor(mall: Mall, actor: Actor, reason: str | None) -> None:
    """Refuse an actor or reason a re-plan cannot record."""
    if not isinstance(actor, Actor):
        raise ValidationError(f"actor: expected an Actor, got {type(actor).__name__}")
    if actor != SYSTEM and actor.role not in mall.policy.roles:
        raise PermissionDenied(
            f"unknown role {actor.role!r}; roles: {', '.join(mall.policy.roles)}",
            role=actor.role,
        )
    if reason is not None and (not isinstance(reason, str) or len(reason) > _MAX_REASON):
        raise ValidationError(f"reason: expected text of at most {_MAX_REASON} characters")


def needs_replan(mall: Mall, record: Record) -> bool:
    """Whether some timer of ``record`` is provisional for a year now covered."""
    return any(T.needs_replan(t, mall.calendar) for t in record.timers)


def replanned_of(events: list[DomainEvent]) -> list[Replanned]:
    """The ``timer_replanned`` events as :class:`Replanned` values."""
    out = []
    for e in events:
        if e.type != "timer_replanned":
            continue
        old, new = e.data["old_due"], e.data["new_due"]
        out.append(
            Replanned(
                e.record_id,
                e.data["timer"],
                e.data["year"],
                None if old is None else pendulum.instance(_dt.datetime.fromisoformat(old)),
                None if new is None else pendulum.instance(_dt.datetime.fromisoformat(new)),
            )
        )
    return out
