"""Parcels 快递 (O2; 003 篇4 《快递收发工作规程》): the policy section shared by the
outgoing and incoming parcel workflows, and the settlement of company parcels.

Two workflows, one per direction (their steps differ): an outgoing parcel 寄件 is
requested on the 《快递审批单》, approved by the department head, sent (carrier,
tracking number; an urgent one with its wanted arrival time) and delivered; an
incoming parcel 收件 is logged in the 《收件记录表》, its recipient notified (a reminder
repeats, an uncollected parcel escalates) and signed for.  Company parcels are settled
with each carrier monthly; private ones are paid by the sender (003 篇4 4.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from mallops.errors import PolicyError, ValidationError
from mallops.plugins import Duration, Label, policy_field

from .deposit_rules import amount

__all__ = ["BILLING", "SEED_CARRIERS", "ParcelPolicy", "default_cost"]

BILLING = {
    "company": ("公司月结", "company (settled monthly)"),
    "private": ("私人自付", "private (paid by the sender)"),
}
"""Who pays an outgoing parcel (003 篇4 4.2)."""

SEED_CARRIERS: dict[str, Label] = {
    "sf": Label("顺丰速运", "SF Express"),
    "ems": Label("中国邮政EMS", "China Post EMS"),
    "jd": Label("京东物流", "JD Logistics"),
    "zto": Label("中通快递", "ZTO Express"),
    "yto": Label("圆通速递", "YTO Express"),
    "sto": Label("申通快递", "STO Express"),
    "yunda": Label("韵达快递", "Yunda Express"),
}


@attrs.frozen
class ParcelPolicy:
    """Parcels at the front desk 快递收发 (``[parcels]`` in the policy file)."""

    carriers: Mapping[str, Label] = policy_field(
        SEED_CARRIERS, doc="the couriers the front desk works with", rule="O2"
    )
    rates: Mapping[str, str] = policy_field(
        {"sf": "12.00", "ems": "10.00", "jd": "10.00", "zto": "8.00"},
        doc="default cost of a company parcel per carrier, yuan (the entered cost wins)",
        rule="O2",
        unit="yuan",
    )
    approver_roles: tuple[str, ...] = policy_field(
        ["department_manager", "property_manager", "general_manager"],
        doc="who approves an outgoing parcel: the department head and above",
        rule="O2",
    )
    collect_within: Duration = policy_field(
        Duration.parse("2 working days"),
        doc="an incoming parcel is collected within; later it escalates",
        rule="O2",
    )
    remind_every: Duration = policy_field(
        Duration.parse("4 working hours"),
        doc="after notifying, remind the recipient again this often until collected",
        rule="O2",
    )
    ladder: tuple[str, ...] = policy_field(
        ["cs_head", "property_manager"],
        doc="who an uncollected incoming parcel or a late urgent parcel escalates to",
        rule="O2",
    )
    chase_after: Duration = policy_field(
        Duration.parse("1 working day"),
        doc="an uncollected parcel escalates again after",
        rule="O2",
    )
    billing_labels: Mapping[str, Label] = policy_field(
        {k: Label(*v) for k, v in BILLING.items()},
        doc="labels of company and private parcels (the command line accepts them too)",
        rule="O2",
    )

    def __attrs_post_init__(self) -> None:
        if not self.carriers:
            raise PolicyError("at least one carrier is needed", key="carriers")
        for name, rate in self.rates.items():
            if name not in self.carriers:
                raise PolicyError(
                    f"{name!r} is no carrier; carriers: {', '.join(self.carriers)}",
                    key=f"rates.{name}",
                )
            try:
                amount(rate, "rate")
            except ValidationError as exc:
                raise PolicyError(str(exc), key=f"rates.{name}") from None
        if set(self.billing_labels) != set(BILLING):
            raise PolicyError(f"label exactly {', '.join(BILLING)}", key="billing_labels")
        if not self.approver_roles:
            raise PolicyError("at least one role approves parcels", key="approver_roles")
        for key in ("collect_within", "remind_every", "chase_after"):
            if getattr(self, key).amount <= 0:
                raise PolicyError("must be longer than zero", key=key)


def default_cost(policy: ParcelPolicy, carrier: str, cost: Any, billing: str) -> str | None:
    """The cost recorded when a parcel is sent: the entered amount, else the carrier's
    policy rate for a company parcel; ``None`` for a private parcel without one."""
    if cost is not None:
        return amount(cost, "cost")
    if billing == "company":
        rate = policy.rates.get(carrier)
        if rate is None:
            raise ValidationError(
                f"cost: the policy has no rate for {carrier!r}; enter the cost of this "
                "company parcel (it is settled monthly, O2)",
                field="cost",
            )
        return amount(rate, "cost")
    return None
