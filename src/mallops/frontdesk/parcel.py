"""Parcels 快递 (O2): ``mall.outgoing_parcels`` and ``mall.incoming_parcels``, and the
parcels section of the report with the monthly settlement of company parcels.

Specs in ``parcel_spec.py``; policy (carriers, default rates, the collection deadline,
the reminder) in ``parcel_rules.py``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pendulum

from mallops.plugins import Actor, Record, Workflow, WorkflowService
from mallops.report import ReportContext, Section, Table

from .parcel_rules import ParcelPolicy
from .parcel_spec import INCOMING_PARCEL, OUTGOING_PARCEL

__all__ = [
    "INCOMING_PARCELS",
    "OUTGOING_PARCELS",
    "IncomingParcelService",
    "OutgoingParcelService",
    "parcel_section",
    "settlement",
]


class OutgoingParcelService(WorkflowService):
    """``mall.outgoing_parcels``: parcels the company sends 寄件 (O2)."""

    def request(
        self,
        *,
        actor: Actor,
        department: str,
        sender: str,
        recipient: str,
        destination: str,
        contents: str,
        billing: str = "company",
        urgent: bool = False,
        wanted_by: Any = None,
        note: str | None = None,
    ) -> Record:
        """Fill in the 《快递审批单》 for ``department``; an ``urgent`` parcel gives its
        ``wanted_by`` arrival time.  ``billing`` is ``company`` (settled monthly) or
        ``private`` (paid by the sender)."""
        return self.open(
            actor=actor,
            department=department,
            sender=sender,
            recipient=recipient,
            destination=destination,
            contents=contents,
            billing=billing,
            urgent=urgent,
            wanted_by=wanted_by,
            note=note,
        )

    def approve(self, parcel_id: str, *, actor: Actor) -> Record:
        """The department head approves the parcel (O2)."""
        return self.fire(parcel_id, "approve", actor=actor)

    def send(
        self,
        parcel_id: str,
        *,
        actor: Actor,
        carrier: str,
        tracking_number: str,
        cost: str | None = None,
    ) -> Record:
        """Hand the parcel to ``carrier`` and log it in the 《寄件记录表》; ``cost`` in
        yuan (default: the carrier's policy rate for a company parcel)."""
        return self.fire(
            parcel_id,
            "send",
            actor=actor,
            carrier=carrier,
            tracking_number=tracking_number,
            cost=cost,
        )

    def deliver(self, parcel_id: str, *, actor: Actor, receipt_to: str | None = None) -> Record:
        """The carrier reports delivery; ``receipt_to`` got the 寄件回执 (003 篇4 4.5)."""
        return self.fire(parcel_id, "deliver", actor=actor, receipt_to=receipt_to)


class IncomingParcelService(WorkflowService):
    """``mall.incoming_parcels``: parcels the front desk signs for 收件 (O2)."""

    def log(
        self,
        *,
        actor: Actor,
        carrier: str,
        tracking_number: str,
        recipient: str,
        recipient_contact: str | None = None,
        department: str | None = None,
        tenant: str | None = None,
        note: str | None = None,
    ) -> Record:
        """Sign for a parcel at the desk and log it in the 《收件记录表》 (003 篇4 4.4)."""
        return self.open(
            actor=actor,
            carrier=carrier,
            tracking_number=tracking_number,
            recipient=recipient,
            recipient_contact=recipient_contact,
            department=department,
            tenant=tenant,
            note=note,
        )

    def notify(self, parcel_id: str, *, actor: Actor, via: str | None = None) -> Record:
        """Tell the recipient (or the department clerk); reminders follow until it is
        collected (``parcels.remind_every``)."""
        return self.fire(parcel_id, "notify", actor=actor, via=via)

    def sign(self, parcel_id: str, *, actor: Actor, signed_by: str) -> Record:
        """The recipient signs for the parcel at the desk."""
        return self.fire(parcel_id, "sign", actor=actor, signed_by=signed_by)

    def waiting(self) -> list[Record]:
        """Parcels not collected yet, the oldest first."""
        return self.query(is_open=True)


# -- settlement and report ----------------------------------------------------------------


def _in(iso: Any, start: pendulum.DateTime, end: pendulum.DateTime) -> bool:
    if not isinstance(iso, str):
        return False
    at = pendulum.parse(iso)
    return isinstance(at, pendulum.DateTime) and start <= at < end


def settlement(
    parcels: list[Record], start: pendulum.DateTime, end: pendulum.DateTime
) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """Company parcels sent in ``[start, end)`` by (department, carrier): how many and
    what they cost (O2: settled with each carrier monthly; private parcels excluded)."""
    out: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal("0")])
    for r in parcels:
        f = r.fields
        if f.get("billing") != "company" or not _in(f.get("sent_at"), start, end):
            continue
        cell = out[(r.department or "", str(f.get("carrier")))]
        cell[0] += 1
        cell[1] += Decimal(f.get("cost") or "0")
    return {k: (int(v[0]), v[1]) for k, v in sorted(out.items())}


def parcel_section(ctx: ReportContext) -> Section | None:
    """Outgoing and incoming parcels of the period, and the settlement table of
    company parcels per department and carrier (O2)."""
    out = ctx.of_kind("outgoing_parcel")
    inc = ctx.of_kind("incoming_parcel")
    sent = ctx.mall.query(kind="outgoing_parcel")
    table = settlement(sent, ctx.start, ctx.end)
    if not out and not inc and not table:
        return None
    n = ctx.t("件数", "count")
    urgent = [r for r in out if r.fields.get("urgent")]
    late = sum(r.fields.get("on_time") is False or r.escalation_level > 0 for r in urgent)
    overview = Table(
        "parcels",
        ctx.t("快递收发（O2）", "Parcels (O2)"),
        (ctx.t("项目", "item"), n),
        (
            (ctx.t("寄件申请", "outgoing requested"), len(out)),
            (
                ctx.t("已寄出或送达", "sent or delivered"),
                sum(r.state in ("sent", "delivered") for r in out),
            ),
            (ctx.t("驳回", "rejected"), sum(r.state == "rejected" for r in out)),
            (ctx.t("加急件", "urgent"), len(urgent)),
            (ctx.t("加急件未按时送达", "urgent, late"), late),
            (ctx.t("收件登记", "incoming logged"), len(inc)),
            (ctx.t("已签收", "signed for"), sum(r.state == "signed" for r in inc)),
            (
                ctx.t("超时未取（已升级）", "uncollected past the deadline (escalated)"),
                sum(r.escalation_level > 0 for r in inc),
            ),
            (ctx.t("待领取", "waiting"), sum(r.is_open for r in inc)),
        ),
        chart=1,
        keys=(
            "out",
            "sent",
            "rejected",
            "urgent",
            "urgent_late",
            "in",
            "signed",
            "escalated",
            "waiting",
        ),
    )
    p = ctx.policy.section("parcels", ParcelPolicy)
    rows = []
    for (dept, carrier), (count, cost) in table.items():
        dlabel = ctx.label("department", dept) if dept else "–"
        c = p.carriers.get(carrier)
        clabel = (c.zh if ctx.lang == "zh" else c.en) if c is not None else carrier
        rows.append((dlabel, clabel, count, float(cost)))
    total = sum((v[1] for v in table.values()), Decimal("0"))
    rows.append((ctx.t("合计", "total"), "", sum(v[0] for v in table.values()), float(total)))
    settle = Table(
        "parcel_settlement",
        ctx.t("公司快递月结（按部门、快递公司）", "Company parcels settled monthly"),
        (
            ctx.t("部门", "department"),
            ctx.t("快递公司", "carrier"),
            n,
            ctx.t("费用（元）", "cost (yuan)"),
        ),
        tuple(rows),
        keys=(*(f"{d}/{c}" for d, c in table), "total"),
        label_cols=2,
    )
    private = sum(r.fields.get("billing") == "private" for r in out)
    zh, en = p.billing_labels["private"].zh, p.billing_labels["private"].en
    notes = (ctx.t(f"{zh}，不计入月结：{private} 件", f"{en}, not settled: {private}"),)
    return Section("parcels", ctx.t("快递收发", "Parcels"), (overview, settle), notes=notes)


OUTGOING_PARCELS = Workflow(
    OUTGOING_PARCEL,
    OutgoingParcelService,
    attribute="outgoing_parcels",
    policy_section="parcels",
    policy_class=ParcelPolicy,
    report_sections=(parcel_section,),
)
"""Outgoing parcels 寄件 (O2), registered by ``Mall`` by default."""

INCOMING_PARCELS = Workflow(
    INCOMING_PARCEL,
    IncomingParcelService,
    attribute="incoming_parcels",
    policy_section="parcels",
    policy_class=ParcelPolicy,
)
"""Incoming parcels 收件 (O2), registered by ``Mall`` by default."""
