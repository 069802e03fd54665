"""Administration over HTTP, where the command line has it (#20): the recorded policy
change (``Mall.change_policy``), re-planning provisional timers (``mallops tick``'s
re-plan, G9) and the calendar check (``mallops calendar check``).

Only tokens whose role is in ``ServerConfig.admin_roles`` (default: property manager,
general manager) may use ``/api/v1/admin``; any other gets 403 naming the roles that
may.  Each acts in the token's property, as the token's actor, recorded as such.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from ..calendar_ops import coverage
from ..errors import PermissionDenied, ValidationError
from ..policy import Policy
from ..workflows.bundle import policy_sections
from ._app import Call, ServerState, handler

__all__ = ["admin_routes"]


def _admin(call: Call, roles: tuple[str, ...]) -> None:
    role = call.token.actor.role
    if role not in roles:
        raise PermissionDenied(
            f"{role} may not administer this property over HTTP; roles that may: "
            f"{', '.join(roles)}",
            role=role,
        )


def _reason(call: Call) -> str:
    reason = (call.body or {}).get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason: say why (a non-empty text)", field="reason")
    return reason


def change_policy(call: Call) -> Any:
    """``POST /api/v1/admin/policy`` ``{"policy": {...}, "reason": "..."}``: move the
    property to the policy given as the tables of a policy file (merged onto the seed,
    plug-in sections included), recorded with who, when and why (#14)."""
    body = call.body or {}
    data = body.get("policy")
    if not isinstance(data, dict):
        raise ValidationError(
            "policy: give the policy as a JSON object with the tables of a policy file",
            field="policy",
        )
    reason = _reason(call)
    mall = call.mall
    policy = Policy.from_dict(data, sections=policy_sections(mall.workflows))
    events = mall.change_policy(policy, actor=call.token.actor, reason=reason)
    return {
        "policy": policy.name,
        "replanned": sorted({e.record_id for e in events if e.type != "policy_changed"}),
        "events": len(events),
    }


def replan(call: Call) -> Any:
    """``POST /api/v1/admin/replan`` ``{"reason": "..."}``: re-plan the provisional
    timers whose year the calendar now covers (G9), each recorded on its record."""
    reason = _reason(call) if (call.body or {}).get("reason") is not None else None
    done = call.mall.replan_provisional(actor=call.token.actor, reason=reason)
    return {
        "replanned": [
            {
                "record_id": r.record_id,
                "timer": r.timer,
                "year": r.year,
                "old_due": r.old_due.isoformat() if r.old_due else None,
                "new_due": r.new_due.isoformat() if r.new_due else None,
            }
            for r in done
        ]
    }


def calendar(call: Call) -> Any:
    """``GET /api/v1/admin/calendar``: the years of holiday data the property's calendar
    covers and when it runs out (``mallops calendar check``, G9)."""
    cov = coverage(call.mall)
    return {
        "property": call.token.property,
        "region": cov.region,
        "years": list(cov.years),
        "policy_years": list(cov.policy_years),
        "last_day": None if cov.last_day is None or cov.unbounded else cov.last_day.isoformat(),
        "days_left": None if cov.unbounded else cov.days_left,
        "warning_due": cov.warning_due,
        "warn_days": cov.warn_days,
    }


def admin_routes(state: ServerState) -> list[Route]:
    """The ``/api/v1/admin`` routes, each refusing roles outside ``admin_roles``."""
    roles = state.config.admin_roles

    def guarded(work: Any) -> Any:
        def run(call: Call) -> Any:
            _admin(call, roles)
            return work(call)

        run.__doc__ = work.__doc__
        return run

    base = "/api/v1/admin"
    return [
        Route(
            f"{base}/policy", handler(state, guarded(change_policy), body=True), methods=["POST"]
        ),
        Route(f"{base}/replan", handler(state, guarded(replan), body=True), methods=["POST"]),
        Route(f"{base}/calendar", handler(state, guarded(calendar))),
    ]
