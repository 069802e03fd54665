"""A complaint's whole life on a manual clock: registration, assignment, a missed first
contact, escalation, a public reply awaiting approval, a dissatisfied survey, reopening,
and the final close.  Run it: ``python examples/complaint_lifecycle.py``."""

from __future__ import annotations

import pendulum

from mallops import Actor, DomainEvent, Mall, ManualClock, MemoryStore, Policy

TZ = "Asia/Shanghai"


def main() -> None:
    """Run the scenario and print what happened."""
    clock = ManualClock(pendulum.datetime(2026, 9, 30, 10, tz=TZ))
    policy = Policy.from_dict({"complaints": {"survey_by": "survey"}})
    mall = Mall(store=MemoryStore(), clock=clock, policy=policy)
    log: list[DomainEvent] = []
    mall.subscribe(log.append)

    desk = Actor("desk-1", "front_desk", "customer_service", "前台小李")
    tech = Actor("tech-3", "staff", "engineering", "工程部老王")
    head = Actor("cs-1", "cs_head", "customer_service", "客服经理")

    c = mall.complaints.open(
        actor=desk,
        channel="weibo",
        complainant="网友小张",
        contact="weibo:@xiaozhang",
        location="L2 north escalator",
        description="扶梯异响，孩子被吓到了",
        demand="尽快检修并回复",
    )
    print(f"{c.id} registered: category {c.category}, owner {c.owner}")
    mall.complaints.fire(c.id, "assign", actor=desk, department="engineering", assignee="tech-3")

    clock.advance(hours=4)  # nobody called back within 3 hours (C5)
    for event in mall.tick():
        print(f"  {event.at:%m-%d %H:%M} {event.type} {dict(event.data)}")

    mall.complaints.fire(c.id, "contact", actor=tech, note="apologised, inspecting")
    mall.complaints.fire(
        c.id, "reply", actor=tech, message="今晚闭店后检修", promised_by=clock.now().add(hours=12)
    )
    c = mall.complaints.fire(c.id, "resolve", actor=tech, resolution="更换了扶梯梳齿板")
    assert c.state == "pending_approval"  # a Weibo reply is public (C13)
    c = mall.complaints.fire(c.id, "approve", actor=head)

    c = mall.complaints.fire(c.id, "survey", actor=desk, speed=2, result=4, attitude=5)
    assert (c.state, c.fields["reopen_count"]) == ("in_progress", 1)  # C12
    print(f"{c.id} reopened after a dissatisfied answer")

    clock.advance(days=1)
    c = mall.complaints.fire(c.id, "resolve", actor=tech, resolution="加装了防护并再次检查")
    c = mall.complaints.fire(c.id, "approve", actor=head)
    c = mall.complaints.fire(c.id, "survey", actor=desk, speed=5, result=5, attitude=5)
    assert c.state == "closed"
    assert all(not t.active for t in c.timers)
    assert mall.replay(c.id) == c

    print(f"{c.id} closed; {len(c.history)} history entries; replay matches")
    for t in c.timers:
        print(f"  timer {t.name}: {t.status}, by department {dict(t.by_department)}")
    print(f"{len(log)} domain events delivered")


if __name__ == "__main__":
    main()
