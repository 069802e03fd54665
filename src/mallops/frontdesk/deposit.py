"""Temporary storage 寄存 (O1): ``mall.deposits``, its reactions and its report section.

The spec is ``deposit_spec.py``, the policy and rules ``deposit_rules.py``.  Two
reactions run inside the batch of the change that triggers them:

- a new deposit gets its receipt number from a store counter of its property and year
  (``Batch.next_number``: two processes never issue the same number, and a number is
  never reused) in an ``issue_receipt`` entry of its history;
- a deposit whose custody period ran out is handed to lost and found: a found item
  (``lost_item``) is opened through the built-in lost-and-found service and the two
  records are linked both ways (``WorkflowService.link_in``), all in the timer's commit.
"""

from __future__ import annotations

from typing import Any

from mallops.errors import ValidationError
from mallops.plugins import (
    Actor,
    Reacting,
    Reaction,
    Record,
    Workflow,
    WorkflowService,
)
from mallops.report import ReportContext, Section, Table
from mallops.workflows import LostFoundService, mask_id

from .deposit_rules import CUSTODY, DepositPolicy, amount, format_receipt, receipt_counter
from .deposit_spec import DEPOSIT

__all__ = ["DEPOSITS", "DepositService", "deposit_section"]


class DepositService(WorkflowService):
    """``mall.deposits``: items left at the front desk for safekeeping (O1)."""

    @property
    def policy(self) -> DepositPolicy:
        """The ``[deposits]`` section of the mall's policy."""
        return self.runtime.policy.section("deposits", DepositPolicy)

    def deposit(
        self,
        *,
        actor: Actor,
        depositor: str,
        items: str,
        pieces: int = 1,
        contact: str | None = None,
        tenant: str | None = None,
        category: str | None = None,
        valuables: str | None = None,
        valuables_check: str | None = None,
        seal_number: str | None = None,
        custody: str | None = None,
        fee: str | None = None,
        note: str | None = None,
    ) -> Record:
        """Take ``items`` in for safekeeping and issue the receipt (O1).

        Declared ``valuables`` are ``inspected`` or ``sealed`` (``valuables_check``; a
        sealed bag has a ``seal_number``).  ``custody`` is ``free`` or ``paid`` (default
        ``deposits.default_custody``); paid custody records its ``fee`` in yuan (default
        ``deposits.paid_fee``).  The record's ``fields["receipt"]`` is the receipt number.
        """
        return self.open(
            actor=actor,
            depositor=depositor,
            items=items,
            pieces=pieces,
            contact=contact,
            tenant=tenant,
            category=category,
            valuables=valuables,
            valuables_check=valuables_check,
            seal_number=seal_number,
            custody=custody,
            fee=fee,
            note=note,
        )

    def return_item(
        self, deposit_id: str, *, actor: Actor, receipt: str, collected_by: str
    ) -> Record:
        """Hand the item back against its receipt (O1)."""
        return self.fire(
            deposit_id, "return_item", actor=actor, receipt=receipt, collected_by=collected_by
        )

    def lost_receipt(
        self,
        deposit_id: str,
        *,
        actor: Actor,
        claimant: str,
        items: str,
        id_type: str,
        id_number: str,
    ) -> Record:
        """The receipt is lost: record what the claimant states and the identity document
        seen (L5); the number is masked before it is stored (G7)."""
        visible = self.runtime.policy.lost_found.id_visible
        return self.fire(
            deposit_id,
            "lost_receipt",
            actor=actor,
            claimant=claimant,
            items=items,
            id_type=id_type,
            id_number=mask_id(id_number, visible),
        )

    def verify_identity(
        self, deposit_id: str, *, actor: Actor, items_match: bool, id_checked: bool
    ) -> Record:
        """Staff compared the stated items and checked the identity document (L5)."""
        return self.fire(
            deposit_id,
            "verify_identity",
            actor=actor,
            items_match=items_match,
            id_checked=id_checked,
        )

    def reject_claim(self, deposit_id: str, *, actor: Actor, reason: str) -> Record:
        """The identity check failed: recorded with the reason; the item stays (L5)."""
        return self.fire(deposit_id, "reject_claim", actor=actor, reason=reason)

    def return_verified(
        self, deposit_id: str, *, actor: Actor, taken_by: str | None = None
    ) -> Record:
        """Hand the item to the verified claimant (L5): who, when, which document."""
        return self.fire(deposit_id, "return_verified", actor=actor, taken_by=taken_by)

    def by_receipt(self, receipt: str) -> Record:
        """The deposit with the receipt number ``receipt`` (``ValidationError`` if none)."""
        wanted = str(receipt).replace(" ", "").upper()
        for r in self.query():
            if str(r.fields.get("receipt", "")).upper() == wanted:
                return r
        raise ValidationError(f"receipt: no deposit has the receipt {receipt!r}", field="receipt")

    def held(self) -> list[Record]:
        """Deposits still held, the oldest first."""
        return self.query(state="held")


# -- reactions ---------------------------------------------------------------------------


def _issue_receipt(r: Reacting) -> None:
    """A new deposit gets the next receipt number of its property and year (O1)."""
    p = r.runtime.policy.section("deposits", DepositPolicy)
    at = r.entry.at
    seq = r.batch.next_number(receipt_counter(r.after.property, at.year))
    number = format_receipt(p, property=r.after.property, year=at.year, month=at.month, seq=seq)
    data = {"receipt": number, "seq": seq}
    r.services["deposit"].fire_system_in(r.batch, r.after.id, "issue_receipt", data, at)


def _hand_to_lost_found(r: Reacting) -> None:
    """A deposit left past its custody period becomes a found item, linked both ways."""
    p = r.runtime.policy.section("deposits", DepositPolicy)
    d = r.after
    f = d.fields
    lost = r.services.of("lost_item", LostFoundService)
    features = [f"寄存凭条 receipt {f.get('receipt')}", f"{f.get('pieces')} 件 pieces"]
    if f.get("valuables"):
        features.append(f"贵重物品 valuables: {f['valuables']} ({f.get('valuables_check')})")
    if f.get("seal_number"):
        features.append(f"封条 seal {f['seal_number']}")
    params: dict[str, Any] = {
        "found_at": r.entry.at,
        "place_found": p.handover_place,
        "description": f["items"],
        "features": "; ".join(features),
        "category": d.category,
        "finder_type": "employee",
        "finder_department": p.handover_department,
        "owner_clue": f"寄存人 depositor {f['depositor']} ({d.id})",
        "owner_contact": f.get("contact"),
    }
    item = lost.create_as_system(r.batch, params, r.entry.at)
    lost.link_in(r.batch, item.id, "deposit", d.id, r.entry.at)
    deposits = r.services.of("deposit", DepositService)
    deposits.link_in(r.batch, d.id, "lost_item", item.id, r.entry.at)


RECEIPT = Reaction("deposit", "deposit", _issue_receipt, ("deposit",), rule="O1")
HANDOVER = Reaction(
    "deposit", "_timer", _hand_to_lost_found, ("lost_item",), entered="handed_over", rule="O1"
)


# -- report --------------------------------------------------------------------------------


def deposit_section(ctx: ReportContext) -> Section | None:
    """Deposits of the period: returned with the receipt or after an identity check
    (L5), handed to lost and found, still held; paid custody and its fees (O1)."""
    rows = ctx.of_kind("deposit")
    if not rows:
        return None
    n = ctx.t("件数", "count")

    def returned(how: str) -> int:
        return sum(r.state == "returned" and r.fields["returned"]["against"] == how for r in rows)

    p = ctx.policy.section("deposits", DepositPolicy)
    paid = [r for r in rows if r.fields.get("custody") == "paid"]
    fees = sum((float(amount(r.fields.get("fee", "0"), "fee")) for r in paid), 0.0)
    failed = sum(int(r.fields.get("failed_checks", 0)) for r in rows)
    overview = Table(
        "deposits",
        ctx.t("临时寄存（O1）", "Temporary storage (O1)"),
        (ctx.t("项目", "item"), n),
        (
            (ctx.t("寄存登记", "taken in"), len(rows)),
            (ctx.t("凭条领回", "returned against the receipt"), returned("receipt")),
            (
                ctx.t("凭条遗失、核验后领回（L5）", "returned after an ID check (L5)"),
                returned("identity"),
            ),
            (ctx.t("身份核验未通过（L5）", "failed identity checks (L5)"), failed),
            (
                ctx.t("逾期转失物招领", "handed to lost and found"),
                sum(r.state == "handed_over" for r in rows),
            ),
            (ctx.t("仍在保管", "still held"), sum(r.state == "held" for r in rows)),
            (
                ctx.t("申报贵重物品", "with declared valuables"),
                sum(bool(r.fields.get("valuables")) for r in rows),
            ),
        ),
        chart=1,
        keys=(
            "deposited",
            "returned_receipt",
            "returned_identity",
            "failed_checks",
            "handed_over",
            "held",
            "valuables",
        ),
    )
    custody = Table(
        "deposit_custody",
        ctx.t("保管方式", "Custody"),
        (ctx.t("方式", "custody"), n, ctx.t("保管费（元）", "fees (yuan)")),
        tuple(
            (
                ctx.t(p.custody_labels[key].zh, p.custody_labels[key].en),
                sum(r.fields.get("custody") == key for r in rows),
                round(fees, 2) if key == "paid" else 0.0,
            )
            for key in CUSTODY
        ),
        keys=tuple(CUSTODY),
    )
    return Section("deposits", ctx.t("临时寄存", "Temporary storage"), (overview, custody))


DEPOSITS = Workflow(
    DEPOSIT,
    DepositService,
    attribute="deposits",
    policy_section="deposits",
    policy_class=DepositPolicy,
    reactions=(RECEIPT, HANDOVER),
    report_sections=(deposit_section,),
)
"""The temporary-storage workflow (O1), registered by ``Mall`` by default."""
