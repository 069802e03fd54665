"""Testing your own operating rules with mallops.testing (copy and adapt).

Our mall's rule: a security complaint is never given more than 30 minutes to be
handled, whatever else happens to it (reclassification, severity changes, reopening).
We encode it as policy data, then let mallops' ready state machine throw random valid
and invalid operations at a whole mall while our invariant checks the rule after every
step.

Run it: ``python examples/our_rules_test.py`` (or collect it with pytest).
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mallops import Actor, Mall, ManualClock, MemoryStore, Policy
from mallops.testing import MallMachine

OUR_POLICY = Policy.from_dict(
    {"name": "our mall", "complaints": {"categories": {"security": {"handling": "30 minutes"}}}}
)
LIMIT = 30 * 60  # seconds


class OurRules(MallMachine):
    """mallops' invariants plus ours, under our policy."""

    def make_mall(self, clock: ManualClock) -> Mall:
        return Mall(MemoryStore(), clock, OUR_POLICY)

    @rule(place=st.sampled_from(["car park", "gate 3", "L1 atrium"]))
    def security_complaint(self, place: str) -> None:
        """Customers report thefts and fights: make sure they happen often."""
        c = self.mall.complaints.open(
            actor=Actor("desk", "front_desk", "customer_service"),
            channel="walk_in",
            complainant="顾客",
            contact="13800000000",
            location=place,
            description="手机被偷了",
            demand="调监控",
            category="security",
        )
        self.ids.append(c.id)

    @invariant()
    def security_is_handled_within_30_minutes(self) -> None:
        """No running handling timer of a security complaint allows more than 30 minutes."""
        for c in self.mall.complaints.query(category="security", is_open=True):
            handling = c.timer("handling")
            if handling is not None and handling.status == "running":
                assert handling.allowance <= LIMIT, f"{c.id} gets more than 30 minutes"


OurRules.TestCase.settings = settings(max_examples=15, stateful_step_count=20, deadline=None)
TestOurRules = OurRules.TestCase


def main() -> None:
    """Run the state machine once (what pytest does when it collects TestOurRules)."""
    TestOurRules().runTest()
    print("our rules hold under random operations")


if __name__ == "__main__":
    main()
