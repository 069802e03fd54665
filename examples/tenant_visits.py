"""A year of tenant visits (rules V1-V7, G4, G7): register tenants, plan the year, visit,
answer the suggestions, and print the coverage report and the issue summary.

Run: python examples/tenant_visits.py
"""

from __future__ import annotations

import pendulum

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy

TZ = "Asia/Shanghai"


def main() -> None:
    """Plan 2026 for three tenants, make the visits, and report."""
    clock = ManualClock(pendulum.datetime(2025, 12, 31, 10, tz=TZ))
    mall = Mall(store=MemoryStore(), clock=clock, policy=Policy.seed())
    desk = Actor("desk-1", "front_desk", "customer_service", "前台小李")
    ops = Actor("ops-1", "staff", "operations", "营运专员")
    manager = Actor("dm-1", "department_manager", "cleaning", "保洁部主管")

    cinema = mall.tenants.register(
        actor=desk, unit="L5-01", name="星光影城", trade="entertainment", tier="anchor",
        contact="周经理", phone="13700003333", lease_start="2018-01-01",
    )  # fmt: skip
    cafe = mall.tenants.register(
        actor=desk, unit="L2-08", name="慢时光咖啡", trade="restaurant",
        contact="吴店长", phone="13600004444", lease_start="2025-06-01",
    )  # fmt: skip
    print(mall.tenants.tenant(cafe.id))  # contacts masked (G7)

    plan = mall.visits.plan_year(2026, actor=ops)
    print(f"planned {len(plan.created)} visits for 2026")
    assert len(mall.visits.plan(2026, tenant=cinema.id)) == 3  # V1: anchor store
    assert len(mall.visits.plan(2026, tenant=cafe.id)) == 1

    # Visit every planned visit at its planned time, by appointment (V2, V3).
    for visit in mall.visits.plan(2026):
        when = pendulum.parse(visit.fields["planned_at"])
        assert isinstance(when, pendulum.DateTime)
        clock.set(max(clock.now(), when.subtract(days=3)))
        mall.tick()
        mall.visits.appoint(visit.id, actor=ops, at=when, phoned=True)
        clock.set(when)
        opinions = []
        if visit.tenant == cafe.id:
            opinions = [{"topic": "environment", "text": "门口垃圾桶太满"}]
        mall.visits.complete(
            visit.id, actor=ops, form="meeting", topics=["property_service"],
            notes="例行拜访", satisfaction="satisfied", confirmed_by="店长", suggestions=opinions,
        )  # fmt: skip
        # Each opinion goes to the department head and is answered within the week (V5).
        for s in mall.suggestions.query(linked_to=visit.id):
            mall.suggestions.fire(s.id, "forward", actor=ops, head="保洁部主管", report="加密清运")
            clock.advance(days=2)
            mall.suggestions.fire(s.id, "answer", actor=manager, answer="每日清运改为三次")

    clock.set(pendulum.datetime(2026, 12, 31, 18, tz=TZ))
    mall.tick()
    cov = mall.visits.coverage(2026)
    for tier in cov.tiers:
        print(f"{tier.zh} {tier.en}: required {tier.required}, done {tier.done}, rate {tier.rate}")
    print(f"coverage {cov.rate:.0%}, answered in time {cov.answer_rate:.0%}")
    assert cov.rate == 1.0
    assert cov.answer_rate == 1.0
    assert cov.meets_targets  # V7
    print("open issues by department:", dict(mall.suggestions.summary().by_department))
    print("the cafe's file:", [r.id for r in mall.history_of(cafe.id)])  # G4


if __name__ == "__main__":
    main()
