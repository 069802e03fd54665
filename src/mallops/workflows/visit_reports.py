"""Visit coverage (rules V1, V7): per tier, visits required, done and overdue; the share
of tenants visited as often as required; tenants never visited; suggestions answered in
time.  Plain attrs results, no formatting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from ..clock import aware
from ..domain.records import Record
from ..errors import ValidationError
from .tenants import Tenant

if TYPE_CHECKING:
    from .runtime import Runtime
    from .visits import VisitService

__all__ = ["Coverage", "TierCoverage", "coverage"]


@attrs.frozen
class TierCoverage:
    """Coverage of one tier: ``covered`` tenants were visited at least ``required`` times."""

    tier: str
    zh: str
    en: str
    tenants: int
    required: int
    done: int
    overdue: int
    covered: int

    @property
    def rate(self) -> float | None:
        """Covered tenants / tenants needing a visit (``None`` when none needs one)."""
        return self.covered / self.tenants if self.tenants else None


@attrs.frozen
class Coverage:
    """The coverage report of ``[start, end)`` (V1, V7)."""

    start: pendulum.DateTime
    end: pendulum.DateTime
    tiers: tuple[TierCoverage, ...]
    never_visited: tuple[str, ...]
    suggestions: int
    answered_in_time: int
    answered_late: int
    visit_rate_target: float
    answer_rate_target: float

    @property
    def rate(self) -> float | None:
        """Covered tenants / tenants needing a visit, all tiers (V1: target 100 %)."""
        tenants = sum(t.tenants for t in self.tiers)
        return sum(t.covered for t in self.tiers) / tenants if tenants else None

    @property
    def answer_rate(self) -> float | None:
        """Suggestions answered in time / those answered or past their deadline (V7)."""
        decided = self.answered_in_time + self.answered_late
        return self.answered_in_time / decided if decided else None

    @property
    def meets_targets(self) -> bool:
        """Whether both V7 targets are met (a rate with nothing to count meets it)."""
        visit, answer = self.rate, self.answer_rate
        return (visit is None or visit >= self.visit_rate_target) and (
            answer is None or answer >= self.answer_rate_target
        )


def _range(
    mall: Runtime, year: int | None, start: Any, end: Any
) -> tuple[pendulum.DateTime, pendulum.DateTime, bool]:
    tz = mall.calendar.tz
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9000:
            raise ValidationError(f"year: expected a year like 2026, got {year!r}", field="year")
        if start is not None or end is not None:
            raise ValidationError("give either year or start and end, not both")
        lo = pendulum.datetime(year, 1, 1, tz=tz)
        return lo, lo.add(years=1), True
    if start is None or end is None:
        raise ValidationError("give a year, or both start and end")
    lo, hi = aware(start, field="start", tz=tz), aware(end, field="end", tz=tz)
    if hi <= lo:
        raise ValidationError("end must be after start", field="end")
    whole = lo == lo.start_of("year") and hi == lo.add(years=1)
    return lo, hi, whole


def _within(value: Any, lo: pendulum.DateTime, hi: pendulum.DateTime) -> bool:
    return value is not None and lo <= aware(value, field="time") < hi


def coverage(
    mall: Runtime, visits: VisitService, *, year: int | None, start: Any, end: Any
) -> Coverage:
    """See :meth:`~mallops.workflows.visits.VisitService.coverage`.

    Over a whole calendar year a tenant requires the policy's number (pro-rated, V1);
    over any other range, the plan visits planned inside it.  Done visits count by the
    day they were done, overdue ones by their due time (and only once it has passed).
    """
    lo, hi, whole_year = _range(mall, year, start, end)
    policy = mall.policy.visits
    now = mall.now()
    by_tenant: dict[str, list[Record]] = {}
    for r in visits.query():
        by_tenant.setdefault(str(r.tenant), []).append(r)
    totals = {name: [0, 0, 0, 0, 0] for name in policy.tiers}
    never: list[str] = []
    for tenant in (Tenant.of(r) for r in mall.services["tenant"].query()):
        records = by_tenant.get(tenant.id, [])
        if whole_year:
            required = visits.required(tenant, lo.year)
        else:
            required = sum(
                1
                for r in records
                if r.fields.get("plan_key")
                and r.state != "withdrawn"
                and _within(r.fields.get("planned_at"), lo, hi)
            )
        done = sum(1 for r in records if r.state == "done" and _within(r.fields["done_at"], lo, hi))
        overdue = sum(
            1 for r in records if r.is_open and _within(r.fields.get("due_at"), lo, min(hi, now))
        )
        if required == 0 and done == 0 and overdue == 0:
            continue
        row = totals.setdefault(tenant.tier, [0, 0, 0, 0, 0])
        row[0] += required > 0
        row[1] += required
        row[2] += done
        row[3] += overdue
        row[4] += required > 0 and done >= required
        if required > 0 and done == 0:
            never.append(tenant.id)
    tiers = []
    for name, (tenants, required, done, overdue, covered) in totals.items():
        label = policy.tiers.get(name)
        zh, en = (label.zh, label.en) if label else (name, name)
        tiers.append(TierCoverage(name, zh, en, tenants, required, done, overdue, covered))
    in_time = late = raised = 0  # rule V7: 100 % of suggestions answered (in time)
    for s in mall.services["suggestion"].query(created_from=lo, created_to=hi):
        raised += 1
        t = s.timer("answer")
        if t is None:
            continue
        if t.breached or (t.active and t.due_at is not None and t.due_at < now):
            late += 1
        elif s.fields.get("answered_at") is not None:
            in_time += 1
    return Coverage(
        lo,
        hi,
        tuple(tiers),
        tuple(never),
        raised,
        in_time,
        late,
        policy.visit_rate_target,
        policy.answer_rate_target,
    )
