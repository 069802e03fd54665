"""Lost and found in one day and one season: intake, close of day, a claim, a disposal.

Run it: ``python examples/lost_and_found.py``.  It prints the label and the register and
asserts what it shows (RULES.md L1-L7).
"""

from __future__ import annotations

import pendulum

from mallops import Actor, Mall, ManualClock, Policy

TZ = "Asia/Shanghai"


def main() -> None:
    """Register two items, number them, return one to its owner, dispose of the other."""
    clock = ManualClock(pendulum.datetime(2026, 11, 20, 10, tz=TZ))
    mall = Mall(clock=clock, policy=Policy.seed())
    desk = Actor("desk-1", "front_desk", "customer_service", "Desk One")
    head = Actor("cs-1", "cs_head", "customer_service", "Head One")

    watch = mall.lost_found.intake(
        actor=desk,
        found_at=clock.now(),
        place_found="L1 atrium bench",
        description="手表 silver watch",
        features="steel strap, engraving 'M.L. 2019'",
        category="watch",
        finder_type="customer",
        finder_name="陈七",
    )
    scarf = mall.lost_found.intake(
        actor=desk,
        found_at=clock.now(),
        place_found="L4 cinema row F",
        description="围巾 scarf",
        features="grey wool",
        category="clothing",
        finder_type="customer",
    )

    clock.set(pendulum.datetime(2026, 11, 20, 21, tz=TZ))
    numbered = mall.lost_found.close_day(actor=desk)  # rule L3
    assert [r.fields["number"] for r in numbered] == ["2026/11/001", "2026/11/002"]
    print(mall.lost_found.label(watch.id), end="\n\n")

    clock.set(pendulum.datetime(2026, 11, 23, 15, tz=TZ))
    mall.lost_found.claim(  # rule L5
        watch.id,
        actor=desk,
        claimant="刘梅",
        features="engraving M.L. 2019 on the back",
        place="atrium",
        time="Friday morning",
        id_type="resident_id",
        id_number="440106198805051234",
    )
    mall.lost_found.verify_claim(watch.id, actor=desk, features_match=True, id_checked=True)
    assert mall.lost_found.release(watch.id, actor=desk).state == "released"

    clock.set(pendulum.datetime(2027, 3, 1, 10, tz=TZ))  # past the scarf's 3 months (L6)
    mall.tick()
    scarf_now = mall.get(scarf.id)
    assert scarf_now.fields["place"] == "store_room"  # moved after 7 days (L4)
    assert scarf_now.fields["disposal_route"] == "management"  # found by a customer (L7)
    mall.lost_found.dispose(scarf.id, actor=head, decision="donate to the charity shop")

    text = mall.lost_found.register_text(
        pendulum.datetime(2026, 11, 1, tz=TZ), pendulum.datetime(2026, 12, 1, tz=TZ), lang="en"
    )
    print(text)
    assert "440106198805051234" not in text  # G7: identity numbers stay masked
    assert "刘*" in text


if __name__ == "__main__":
    main()
