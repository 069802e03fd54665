"""Return-visit timeliness and satisfaction (F6, K3): a read model over records."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum

from ..clock import Before, aware
from ..domain.records import Record

__all__ = ["ReturnVisitStats", "timeliness"]


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
    before = None if now is None else Before(aware(now, field="now"))  # exact, fast (issue 16)
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
            before is not None and t is not None and (due := t.due_at) is not None and before(due)
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
