"""The temporary-storage workflow 寄存 (O1, with L5 for a lost receipt): states, events,
timer.  Rules and policy in ``deposit_rules.py``; service, reactions and report in
``deposit.py``; docs/front-desk.md shows the diagram.

A deposit is ``held`` until it is returned against its receipt (``return_item``), or,
the receipt lost, after the depositor's identity was verified as for a lost-and-found
claim (L5: ``lost_receipt`` → ``verify_identity`` → ``return_verified``; a failed
verification is recorded and the item stays).  Left past ``deposits.custody_period``
it is handed to lost and found (``custody_expired``, fired by the custody timer).
"""

from __future__ import annotations

from typing import Any

from mallops.domain import Mark, Timer
from mallops.errors import ValidationError
from mallops.plugins import (
    Context,
    EventSpec,
    Param,
    StateSpec,
    TimerPlan,
    TimerSpec,
    WorkflowSpec,
    plan_for,
)
from mallops.workflows import is_masked

from .deposit_rules import CUSTODY, VALUABLES_CHECKS, DepositPolicy, amount

__all__ = ["DEPOSIT", "DESK", "deposit_policy"]

DESK = ("front_desk", "cs_head", "property_manager")
"""Who runs the deposit counter (G5)."""


def deposit_policy(ctx: Context) -> DepositPolicy:
    """The ``[deposits]`` section of the policy in force."""
    return ctx.policy.section("deposits", DepositPolicy)


def _custody(_p: Any) -> tuple[str, ...]:
    return tuple(CUSTODY)


def _checks(_p: Any) -> tuple[str, ...]:
    return tuple(VALUABLES_CHECKS)


def _categories(p: Any) -> tuple[str, ...]:
    return tuple(p.lost_found.categories)


def _id_types(p: Any) -> tuple[str, ...]:
    return tuple(p.lost_found.id_types)


# -- deposit (O1) ----------------------------------------------------------------------


def _on_deposit(ctx: Context) -> None:
    p = deposit_policy(ctx)
    valuables = ctx.param("valuables")
    check = ctx.param("valuables_check")
    if valuables and check is None:
        raise ValidationError(
            "valuables_check: declared valuables are inspected or sealed in the depositor's "
            "presence (O1); choose one of: " + ", ".join(VALUABLES_CHECKS),
            field="valuables_check",
        )
    if check is not None and not valuables:
        raise ValidationError(
            "valuables: name the declared valuables that were " + check, field="valuables"
        )
    if check == "sealed" and not ctx.param("seal_number"):
        raise ValidationError(
            "seal_number: a sealed bag carries a seal number (O1)", field="seal_number"
        )
    custody = ctx.param("custody") or p.default_custody
    fee = ctx.param("fee")
    if custody == "free" and fee is not None and amount(fee, "fee") != "0.00":
        raise ValidationError("fee: free custody has no fee; say custody=paid", field="fee")
    d = ctx.draft
    d.tenant = ctx.param("tenant")
    d.category = ctx.param("category")
    d.owner = ctx.actor.id
    d.department = ctx.actor.department or "customer_service"
    for name in ("depositor", "contact", "items", "pieces", "valuables", "note"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    if valuables:
        ctx.set("valuables_check", check)
        if check == "sealed":
            ctx.set("seal_number", ctx.param("seal_number"))
    ctx.set("custody", custody)
    ctx.set(
        "fee",
        amount(fee if fee is not None else p.paid_fee, "fee") if custody == "paid" else "0.00",
    )
    ctx.set("claims", [])
    ctx.set("custody_until", ctx.calendar.add(ctx.now, p.custody_period))


def _on_receipt(ctx: Context) -> None:
    ctx.set("receipt", ctx.param("receipt"))
    ctx.set("receipt_seq", ctx.param("seq"))


def _plan_custody(ctx: Context) -> TimerPlan:
    return plan_for(deposit_policy(ctx).custody_period, ctx.calendar, warn_at=0.9)


def _on_custody_mark(ctx: Context, _timer: Timer, mark: Mark) -> None:
    if mark.kind == "breach" and ctx.draft.state == "held":
        ctx.follow("custody_expired")  # rule O1: left past the custody period


def _on_expired(ctx: Context) -> None:
    ctx.set("handed_over_at", ctx.now)
    ctx.emit("deposit_expired", receipt=ctx.get("receipt"))


# -- return (O1) and a lost receipt (L5) -----------------------------------------------


def _open_claim(ctx: Context) -> dict[str, Any] | None:
    claims = ctx.get("claims", [])
    if claims and claims[-1]["status"] in ("pending", "verified"):
        return dict(claims[-1])
    return None


def _put_claim(ctx: Context, claim: dict[str, Any]) -> None:
    claims = [dict(c) for c in ctx.get("claims", [])]
    claims[-1] = claim
    ctx.set("claims", claims)


def _guard_return(ctx: Context) -> str | None:
    given = str(ctx.param("receipt", "")).replace(" ", "").upper()
    if given != str(ctx.get("receipt", "")).upper():
        return (
            "receipt: the number does not match this deposit's receipt; without the "
            "receipt the depositor's identity is verified first (lost_receipt, L5)"
        )
    return None


def _on_return(ctx: Context) -> None:
    claim = _open_claim(ctx)
    if claim is not None:  # the receipt turned up after all: the claim is moot
        claim["status"] = "withdrawn"
        _put_claim(ctx, claim)
    ctx.set(
        "returned",
        {
            "at": ctx.now.isoformat(),
            "by": ctx.actor.id,
            "to": ctx.param("collected_by"),
            "against": "receipt",
        },
    )


def _guard_lost_receipt(ctx: Context) -> str | None:
    if _open_claim(ctx) is not None:
        return "an identity check is already open; verify or reject it first"
    if not is_masked(ctx.param("id_number"), ctx.policy.lost_found.id_visible):
        return "id_number must be stored masked (G7); use mall.deposits.lost_receipt"
    return None


def _on_lost_receipt(ctx: Context) -> None:
    # rule L5: what the claimant states and which document was seen (number masked)
    claims = [dict(c) for c in ctx.get("claims", [])]
    claim: dict[str, Any] = {"n": len(claims) + 1, "at": ctx.now.isoformat(), "by": ctx.actor.id}
    for name in ("claimant", "items", "id_type", "id_number"):
        claim[name] = ctx.param(name)
    claim["status"] = "pending"
    ctx.set("claims", [*claims, claim])


def _guard_verify(ctx: Context) -> str | None:
    claim = _open_claim(ctx)
    if claim is None or claim["status"] != "pending":
        return "there is no pending identity check to verify (lost_receipt first)"
    if not (ctx.param("items_match") and ctx.param("id_checked")):
        return (
            "identity is verified only when the stated items match and the identity "
            "document was checked (L5); otherwise reject it with a reason"
        )
    return None


def _on_verify(ctx: Context) -> None:
    claim = _open_claim(ctx)
    assert claim is not None
    claim.update(status="verified", verified_by=ctx.actor.id, verified_at=ctx.now.isoformat())
    _put_claim(ctx, claim)


def _guard_reject(ctx: Context) -> str | None:
    return None if _open_claim(ctx) is not None else "there is no open identity check"


def _on_reject(ctx: Context) -> None:
    # rule L5: a failed verification is recorded and the item stays
    claim = _open_claim(ctx)
    assert claim is not None
    claim.update(status="rejected", rejected_by=ctx.actor.id, reason=ctx.reason)
    _put_claim(ctx, claim)
    ctx.set("failed_checks", int(ctx.get("failed_checks", 0)) + 1)


def _guard_return_verified(ctx: Context) -> str | None:
    claim = _open_claim(ctx)
    if claim is None or claim["status"] != "verified":
        return "without the receipt an item is returned only after verify_identity (L5)"
    return None


def _on_return_verified(ctx: Context) -> None:
    claim = _open_claim(ctx)
    assert claim is not None
    claim["status"] = "returned"
    _put_claim(ctx, claim)
    ctx.set(
        "returned",
        {
            "at": ctx.now.isoformat(),
            "by": ctx.actor.id,
            "to": ctx.param("taken_by") or claim["claimant"],
            "against": "identity",
            "id_type": claim["id_type"],
            "id_number": claim["id_number"],
        },
    )


def _event(name: str, dest: str | None, zh: str, en: str, **kw: Any) -> EventSpec:
    return EventSpec(name, kw.pop("sources", ("held",)), dest, kw.pop("roles", DESK), zh, en, **kw)


DEPOSIT = WorkflowSpec(
    kind="deposit",
    zh="临时寄存",
    en="temporary storage",
    prefix="DP",
    states=(
        StateSpec("held", "保管中", "held"),
        StateSpec("returned", "已领回", "returned", final=True),
        StateSpec("handed_over", "已转失物招领", "handed to lost and found", final=True),
    ),
    initial="held",
    create=EventSpec(
        "deposit",
        (),
        None,
        DESK,
        "寄存登记",
        "take in for storage",
        params=(
            Param("depositor", required=True, personal=True, doc="who leaves the item (O1)"),
            Param("contact", personal=True, doc="the depositor's phone"),
            Param("tenant", refers=("tenant",), must_exist=False, doc="the tenant's id"),
            Param("items", "text", required=True, doc="what is deposited (O1)"),
            Param("pieces", "int", required=True, minimum=1, maximum=99, doc="how many"),
            Param("category", "choice", choices=_categories, doc="item category (L1)"),
            Param("valuables", "text", doc="declared valuables (O1)"),
            Param("valuables_check", "choice", choices=_checks, doc="inspected or sealed"),
            Param("seal_number", doc="the seal on a sealed bag"),
            Param("custody", "choice", choices=_custody, doc="free or paid custody (O1)"),
            Param("fee", doc="fee of paid custody, yuan (O1)"),
            Param("note", "text"),
        ),
        effect=_on_deposit,
    ),
    events=(
        _event(
            "return_item",
            "returned",
            "凭条领回",
            "return against the receipt",
            params=(
                Param("receipt", required=True, doc="the receipt number (O1)"),
                Param("collected_by", required=True, personal=True),
            ),
            guard=_guard_return,
            effect=_on_return,
        ),
        _event(
            "lost_receipt",
            None,
            "凭条遗失登记",
            "receipt lost: record the claim",
            params=(
                Param("claimant", required=True, personal=True, doc="who claims (L5)"),
                Param("items", "text", required=True, doc="what the claimant says was left"),
                Param("id_type", "choice", required=True, choices=_id_types),
                Param("id_number", required=True, personal=True, doc="masked (G7)"),
            ),
            guard=_guard_lost_receipt,
            effect=_on_lost_receipt,
        ),
        _event(
            "verify_identity",
            None,
            "核验身份",
            "verify identity",
            params=(
                Param("items_match", "bool", required=True),
                Param("id_checked", "bool", required=True),
            ),
            guard=_guard_verify,
            effect=_on_verify,
        ),
        _event(
            "reject_claim",
            None,
            "核验未通过",
            "reject the claim",
            reason_required=True,
            guard=_guard_reject,
            effect=_on_reject,
        ),
        _event(
            "return_verified",
            "returned",
            "核验后领回",
            "return after the identity check",
            params=(Param("taken_by", personal=True),),
            guard=_guard_return_verified,
            effect=_on_return_verified,
        ),
        _event(
            "issue_receipt",
            None,
            "出具凭条",
            "issue the receipt",
            roles=(),
            effect=_on_receipt,
            system=True,
        ),
        _event(
            "custody_expired",
            "handed_over",
            "逾期转失物招领",
            "custody period over: to lost and found",
            roles=(),
            effect=_on_expired,
            system=True,
        ),
    ),
    timers=(
        TimerSpec(
            "custody",
            "寄存期限",
            "custody period",
            ("deposit",),
            (),
            _plan_custody,
            on_mark=_on_custody_mark,
        ),
    ),
)
