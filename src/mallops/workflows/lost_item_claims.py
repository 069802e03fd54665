"""Claims on a found item (rules L5, L10): recording, verifying, rejecting and
releasing to a verified claim; the guards and effects of ``lost_found_spec.LOST_ITEM``.
Claims are a list in ``fields["claims"]``; the last one may be open (pending or verified).
"""

from __future__ import annotations

from typing import Any

from ..engine.context import Context
from .lost_found_rules import is_masked

__all__ = [
    "guard_claim",
    "guard_reject",
    "guard_release",
    "guard_verify",
    "on_claim",
    "on_reject",
    "on_release",
    "on_verify",
    "open_claim",
    "permit_release",
]


def _claims(ctx: Context) -> list[dict[str, Any]]:
    return [dict(c) for c in ctx.get("claims", [])]


def open_claim(ctx: Context) -> dict[str, Any] | None:
    """The item's open claim (pending or verified) as a copy, or ``None``."""
    claims = ctx.get("claims", [])
    if claims and claims[-1]["status"] in ("pending", "verified"):
        return dict(claims[-1])
    return None


def _put_claim(ctx: Context, claim: dict[str, Any]) -> None:
    claims = _claims(ctx)
    claims[-1] = claim
    ctx.set("claims", claims)


def guard_claim(ctx: Context) -> str | None:
    """``claim``: no claim open, the id number masked (G7), a proxy authorised (L10)."""
    p = ctx.policy.lost_found
    if open_claim(ctx) is not None:
        return "a claim is already open on this item; verify and release, or reject it first"
    if not is_masked(ctx.param("id_number"), p.id_visible):
        return "id_number must be stored masked (G7); claim through mall.lost_found.claim"
    if ctx.param("proxy"):
        if not p.proxy_claims:
            return "the policy does not allow claims on the owner's behalf (L10)"
        if not ctx.param("owner_name") or not ctx.param("authorisation"):
            return "a proxy claim needs the owner's name and the owner's authorisation (L10)"
    return None


def on_claim(ctx: Context) -> None:
    """``claim``: record what the claimant states and the document seen (L5)."""
    # rule L5: what the claimant states and which document was seen (number masked)
    claims = _claims(ctx)
    claim = {
        "n": len(claims) + 1,
        "at": ctx.now.isoformat(),
        "by": ctx.actor.id,
        "status": "pending",
    }
    for name in (
        "claimant",
        "features",
        "place",
        "time",
        "id_type",
        "id_number",
        "proxy",
        "owner_name",
        "authorisation",
    ):
        claim[name] = ctx.param(name)
    claim["proxy"] = bool(claim["proxy"])
    claims.append(claim)
    ctx.set("claims", claims)


def guard_verify(ctx: Context) -> str | None:
    """``verify_claim``: a pending claim whose features match and identity was checked (L5)."""
    claim = open_claim(ctx)
    if claim is None or claim["status"] != "pending":
        return "there is no pending claim to verify"
    if not (ctx.param("features_match") and ctx.param("id_checked")):
        return (
            "a claim is verified only when the stated features match and the identity "
            "document was checked (L5); otherwise reject it with a reason"
        )
    return None


def on_verify(ctx: Context) -> None:
    """``verify_claim``: mark the open claim verified."""
    claim = open_claim(ctx)
    assert claim is not None
    claim.update(status="verified", verified_by=ctx.actor.id, verified_at=ctx.now.isoformat())
    _put_claim(ctx, claim)


def guard_reject(ctx: Context) -> str | None:
    """``reject_claim``: there is an open claim."""
    return None if open_claim(ctx) is not None else "there is no open claim to reject"


def on_reject(ctx: Context) -> None:
    """``reject_claim``: record the failed claim; repeated failures escalate (L5)."""
    # rule L5: a failed verification is recorded and the item stays
    claim = open_claim(ctx)
    assert claim is not None
    claim.update(
        status="rejected",
        rejected_by=ctx.actor.id,
        rejected_at=ctx.now.isoformat(),
        reason=ctx.reason,
    )
    _put_claim(ctx, claim)
    failed = int(ctx.get("failed_claims", 0)) + 1
    ctx.set("failed_claims", failed)
    if failed >= ctx.policy.lost_found.failed_claims_flag and not ctx.get("flagged"):
        ctx.set("flagged", True)  # rule L5: repeated failed claims -> the supervisor
        ctx.escalate(1, "failed_claims")


def permit_release(ctx: Context) -> str | None:
    """``release``: only the policy's release roles (L5)."""
    roles = ctx.policy.lost_found.release_roles
    if ctx.actor.role in roles:
        return None
    return f"the policy lets only {', '.join(roles)} release items (L5)"


def guard_release(ctx: Context) -> str | None:
    """``release``: only to a verified claim (L5)."""
    claim = open_claim(ctx)
    if claim is None or claim["status"] != "verified":
        return "an item is released only to a verified claim (L5); record and verify a claim"
    return None


def on_release(ctx: Context) -> None:
    """``release``: record who took the item, against which claim and document."""
    claim = open_claim(ctx)
    assert claim is not None
    claim["status"] = "released"
    _put_claim(ctx, claim)
    ctx.set(
        "release",
        {
            "at": ctx.now.isoformat(),
            "by": ctx.actor.id,
            "taken_by": ctx.param("taken_by") or claim["claimant"],
            "id_type": claim["id_type"],
            "id_number": claim["id_number"],
            "claim": claim["n"],
            "note": ctx.param("note"),
        },
    )
    ctx.set("place", "returned")
