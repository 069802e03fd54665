"""Hypothesis properties of the annual plan (V1, V2): for any tenants and any year with
holiday data, every active tenant gets exactly its required visits, on working days,
within visiting hours, outside meal peaks for restaurants, spread over its lease, and
re-planning changes nothing."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from mallops import Mall, Policy
from mallops.clock import aware
from mallops.workflows import Tenant
from mallops.workflows.visit_plan import VisitHours

from .visit_helpers import DESK, OPS, YEARS_2027, at, new_mall

TRADES = tuple(Policy.seed().visits.trades)


@st.composite
def tenants(draw: st.DrawFn, year: int) -> dict[str, Any]:
    """One tenant whose lease may start before, in or after ``year`` and may end in it."""
    start = draw(st.dates(_dt.date(year - 1, 1, 1), _dt.date(year, 12, 31)))
    end = draw(st.none() | st.dates(start, _dt.date(year + 1, 12, 31)))
    return {
        "trade": draw(st.sampled_from(TRADES)),
        "tier": draw(st.sampled_from(("anchor", "regular"))),
        "lease_start": start.isoformat(),
        "lease_end": end.isoformat() if end else None,
    }


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[int, Policy, list[dict[str, Any]]]:
    """A year with holiday data, a policy varying the V1 numbers, and 1-8 tenants."""
    year = draw(st.sampled_from((2025, 2026, 2027)))
    overrides: dict[str, Any] = dict(YEARS_2027)
    overrides["visits"] = {
        "frequency": draw(st.sampled_from(("tier", "tier", "account_age"))),
        "established_every": draw(st.integers(1, 6)),
        "proration": draw(st.sampled_from(("months", "full"))),
        "tiers": {
            "anchor": {"visits_per_year": draw(st.integers(1, 8))},
            "regular": {"visits_per_year": draw(st.integers(1, 4))},
        },
    }
    return year, Policy.from_dict(overrides), draw(st.lists(tenants(year), min_size=1, max_size=8))


def _plan(scenario: tuple[int, Policy, list[dict[str, Any]]]) -> tuple[Mall, int]:
    year, policy, specs = scenario
    mall = new_mall(at(year - 1, 12, 31, 10), policy)
    for i, spec in enumerate(specs):
        mall.tenants.register(
            actor=DESK, unit=f"U{i}", name=f"Shop {i}", contact="c", phone="1", **spec
        )
    mall.visits.plan_year(year, actor=OPS)
    return mall, year


def _leased_days(mall: Mall, t: Tenant, year: int) -> list[_dt.date]:
    first = max(t.lease_start, _dt.date(year, 1, 1))
    last = min(t.lease_end or _dt.date(year, 12, 31), _dt.date(year, 12, 31))
    days = []
    day = first
    while day <= last:
        if mall.calendar.is_working_day(day):
            days.append(day)
        day += _dt.timedelta(days=1)
    return days


def _expected(mall: Mall, t: Tenant, days: list[_dt.date]) -> int:
    """V1 by hand: pro-rated by leased months, never more than one a leased working day;
    F7 by hand: one visit per interval of leased months, before and after the first year."""
    v = mall.policy.visits
    if v.frequency == "account_age":
        start = t.lease_start
        anniversary = pendulum.date(start.year, start.month, start.day).add(
            months=v.new_account_months
        )  # pendulum clamps to the month's last day
        boundary = _dt.date(anniversary.year, anniversary.month, anniversary.day)
        total = 0
        for part, every in (
            ([d for d in days if d < boundary], v.new_account_every),
            ([d for d in days if d >= boundary], v.established_every),
        ):
            if part:
                total += min(math.ceil(len({d.month for d in part}) / every), len(part))
        return total
    full = v.tiers[t.tier].visits_per_year
    months = len({d.month for d in days})
    if months == 0:
        return 0
    if months == 12 or mall.policy.visits.proration == "full":
        return min(full, len(days))
    return min(max(1, math.ceil(full * months / 12)), len(days))


@given(scenarios())
def test_v1_every_active_tenant_gets_exactly_its_required_visits(
    scenario: tuple[int, Policy, list[dict[str, Any]]],
) -> None:
    """The plan holds the pro-rated number of visits per tenant (V1), inside its lease."""
    mall, year = _plan(scenario)
    for t in mall.tenants.all():
        plan = mall.visits.plan(year, tenant=t.id)
        expected = _expected(mall, t, _leased_days(mall, t, year))
        assert len(plan) == expected == mall.visits.required(t, year)
        for v in plan:
            day = aware(v.fields["planned_at"]).date()
            assert t.lease_start <= day
            assert t.lease_end is None or day <= t.lease_end
            assert day.year == year


@given(scenarios())
def test_v2_planned_visits_fall_in_visiting_hours_on_working_days_off_meal_peaks(
    scenario: tuple[int, Policy, list[dict[str, Any]]],
) -> None:
    """No planned visit is on a non-working day, outside visiting hours or, for a
    restaurant, inside a meal peak (V2)."""
    mall, year = _plan(scenario)
    hours = VisitHours.of(mall.policy.visits)
    length = _dt.timedelta(seconds=hours.length)
    for v in mall.visits.plan(year):
        local = aware(v.fields["planned_at"]).in_timezone(mall.calendar.tz)
        assert mall.calendar.is_working_day(local.date())
        start = _dt.datetime.combine(_dt.date.min, local.time())
        end = start + length
        assert any(
            _dt.datetime.combine(_dt.date.min, a) <= start
            and end <= _dt.datetime.combine(_dt.date.min, b)
            for a, b in hours.visiting
        )
        if mall.policy.visits.trades[v.fields["trade"]].meal_peaks:
            for a, b in hours.peaks:
                assert not (
                    start < _dt.datetime.combine(_dt.date.min, b)
                    and _dt.datetime.combine(_dt.date.min, a) < end
                )


@given(scenarios())
def test_v1_visits_spread_across_the_lease(
    scenario: tuple[int, Policy, list[dict[str, Any]]],
) -> None:
    """No two visits of one tenant share a month when there are at least as many leased
    months as visits; otherwise the months differ by at most one visit."""
    mall, year = _plan(scenario)
    if mall.policy.visits.frequency != "tier":
        return  # F7 visits a new account monthly whatever the count: no spread to check
    for t in mall.tenants.all():
        months = {d.month for d in _leased_days(mall, t, year)}
        planned = [aware(v.fields["planned_at"]).month for v in mall.visits.plan(year, tenant=t.id)]
        counts = [planned.count(m) for m in months]
        if len(planned) <= len(months):
            assert len(set(planned)) == len(planned)
        elif counts:
            assert max(counts) - min(counts) <= 1


@given(scenarios())
def test_v1_replanning_changes_nothing(
    scenario: tuple[int, Policy, list[dict[str, Any]]],
) -> None:
    """Planning the year a second time creates, drops and changes nothing."""
    mall, year = _plan(scenario)
    before = {r.id: r for r in mall.query()}
    again = mall.visits.plan_year(year, actor=OPS)
    assert (again.created, again.dropped) == ((), ())
    assert {r.id: r for r in mall.query()} == before


def test_v1_single_visits_are_spread_over_the_year_not_clumped() -> None:
    """Forty regular tenants with one visit each are not all due on one day: within the
    month a visit falls in, the day is rotated per tenant, so the visitor's days are
    spread too (V1)."""
    from collections import Counter

    import pendulum

    from mallops import Actor, Mall, ManualClock, MemoryStore

    clock = ManualClock(pendulum.datetime(2026, 9, 1, 8, tz="Asia/Shanghai"))
    mall = Mall(store=MemoryStore(), clock=clock)
    ops = Actor("ops-mgr", "department_manager", "operations")
    for i in range(40):
        mall.tenants.register(
            actor=ops,
            unit=f"1F-{i:03d}",
            name=f"shop {i}",
            trade="retail",
            contact="x",
            phone="13800000000",
            lease_start="2020-01-01",
        )
    mall.visits.plan_year(2026, actor=ops)
    days = Counter(str(r.fields["planned_at"])[:10] for r in mall.query(kind="visit"))
    assert sum(days.values()) == 40
    assert max(days.values()) <= 8, days.most_common(3)
