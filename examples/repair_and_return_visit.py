"""A tenant's leak from report to the satisfied return visit (R1-R7, F1-F6).

Run: python examples/repair_and_return_visit.py
"""

from __future__ import annotations

import pendulum

from mallops import Actor, DomainEvent, Mall, ManualClock, MemoryStore
from mallops.workflows import timeliness

TZ = "Asia/Shanghai"


def main() -> None:
    """Report, breach, dispatch, rework, accept, visit (busy, unsatisfied, satisfied)."""
    clock = ManualClock(pendulum.datetime(2026, 9, 30, 21, 30, tz=TZ))  # after hours: R3 is 24/7
    mall = Mall(store=MemoryStore(), clock=clock)
    desk = Actor("desk-1", "front_desk", "customer_service", "值班客服")
    tech = Actor("tech-1", "staff", "engineering", "李师傅")
    manager = Actor("dm-1", "department_manager", "engineering", "工程部经理")
    log: list[DomainEvent] = []
    mall.subscribe(log.append)

    shop = mall.tenants.register(  # G11: a record names a registered tenant
        actor=desk,
        unit="L1-118",
        name="奶茶店",
        trade="restaurant",
        contact="张店长",
        phone="13700000000",
        lease_start="2025-03-01",
    )
    order = mall.repairs.report(
        actor=desk,
        source="tenant",
        tenant=shop.id,
        fault_type="water",
        location="L1 shop 118 (奶茶店)",
        description="水槽下水管爆裂，地面积水",
        reporter="张店长",
        contact="13700000000",
        channel="phone",
    )
    print(f"{order.id} {order.severity}: on site by {order.timer('response').due_at}")

    clock.advance(minutes=20)
    mall.tick()  # nobody there after 15 minutes: breach, level 1
    assert mall.get(order.id).escalated_to == "department_manager"

    mall.repairs.fire(order.id, "dispatch", actor=desk, technician=tech.id)
    mall.repairs.fire(order.id, "arrive", actor=tech)
    mall.repairs.fire(order.id, "start", actor=tech)
    mall.repairs.fire(order.id, "complete", actor=tech, work_done="更换下水管")
    mall.repairs.fire(order.id, "inspect", actor=manager, passed=False, findings="接口渗水")
    mall.repairs.fire(order.id, "complete", actor=tech, work_done="重做接口密封")
    order = mall.repairs.fire(order.id, "inspect", actor=manager, passed=True)
    assert order.state == "accepted"

    (visit,) = mall.return_visits.of(order.id)
    print(f"{visit.id} due by {visit.timer('due').due_at}")
    clock.advance(hours=13)
    mall.return_visits.fire(visit.id, "not_reached", actor=desk, method="phone", outcome="busy")
    clock.advance(hours=2)
    mall.return_visits.fire(
        visit.id, "visit", actor=desk, method="phone", speed=3, result=2, attitude=4
    )
    assert mall.get(order.id).state == "rework"  # F5: unsatisfied reopens

    mall.repairs.fire(order.id, "complete", actor=tech, work_done="更换整段管道")
    mall.repairs.fire(order.id, "inspect", actor=manager, passed=True)
    (again,) = mall.return_visits.of(order.id, open_only=True)
    mall.return_visits.fire(
        again.id, "visit", actor=desk, method="on_site", speed=5, result=5, attitude=5
    )
    order = mall.get(order.id)
    assert order.state == "closed"

    stats = timeliness(mall.return_visits.query(), now=mall.now())
    print(f"return visits: {stats.done}/{stats.total} made, timeliness {stats.timeliness:.0%}")
    for entry in order.history:
        print(f"  {entry.at:%m-%d %H:%M} {entry.actor.id:<8} {entry.event:<16} -> {entry.to_state}")
    assert all(mall.replay(r.id) == r for r in mall.query())
    assert "escalated" in [e.type for e in log]


if __name__ == "__main__":
    main()
