"""Who may act on a record: the access rules of the workflow definitions (G3, G5, C4, C5, R2).

A role list says *which kinds* of staff may fire an event; an access rule says *which
of them* may fire it on a given record (责任到人, C4).  Each event of a workflow names
its rule (``EventSpec.who``); the policy may replace it per event
(``access.events``, e.g. ``"complaint.contact" = "any"``).

``any``
    the role list alone decides (registration, dispatching, surveys).
``handler``
    the record's assignee, the staff of the record's department, that department's
    managers (``access.manager_role``) and every role that outranks them.
``assignee``
    the record's assignee (who must belong to the record's department, if it has one),
    that department's managers and every role that outranks them: the dispatched
    technician's arrival (R2), handing work on (G3).

The rules are decided when an entry is built (``Engine.entry_for``), never on replay:
a history once written stays valid.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..domain.records import Actor, Record
from ..errors import InvalidDefinition, PolicyError
from ..policy import Policy
from ..policy.access import ACCESS_RULES
from .spec import WorkflowSpec

__all__ = ["ACCESS_RULES", "RULE_LABELS", "refusal", "rules_for"]

RULE_LABELS: Mapping[str, tuple[str, str]] = {
    "any": ("允许的岗位均可", "any actor of the allowed roles"),
    "handler": (
        "责任人、受理部门员工、部门经理及以上",
        "the assignee, the handling department's staff, its managers and above",
    ),
    "assignee": ("责任人、部门经理及以上", "the assignee, the department's managers and above"),
}
"""Each rule in Chinese and English, for documentation and reports."""


def rules_for(spec: WorkflowSpec, policy: Policy) -> dict[str, str]:
    """The access rule of every event of ``spec`` under ``policy`` (its overrides win).

    Raises :class:`~mallops.errors.InvalidDefinition` for an unknown rule in the spec
    or branches of one event that disagree, and :class:`~mallops.errors.PolicyError`
    for a policy override naming an event this workflow does not have.
    """
    rules: dict[str, str] = {}
    for ev in spec.events:
        if ev.who not in ACCESS_RULES:
            raise InvalidDefinition(
                f"{spec.kind}.{ev.name}: unknown access rule {ev.who!r}; "
                f"rules: {', '.join(ACCESS_RULES)}"
            )
        if rules.setdefault(ev.name, ev.who) != ev.who:
            raise InvalidDefinition(
                f"{spec.kind}.{ev.name}: branches of one event must share their access rule"
            )
    user_events = sorted(ev.name for ev in spec.events if not ev.system)
    for key, rule in policy.access.events.items():
        kind, _, event = key.partition(".")
        if kind != spec.kind:
            continue
        if event not in user_events:
            raise PolicyError(
                f"a {spec.kind} has no event {event!r}; events: {', '.join(user_events)}",
                key=f"access.events.{key}",
            )
        rules[event] = rule
    return rules


def refusal(rule: str, record: Record, actor: Actor, policy: Policy) -> str | None:
    """Why ``actor`` may not act on ``record`` under ``rule``, or ``None`` if they may.

    ``actor.role`` must be a role of ``policy`` (the engine checks it first).
    """
    if rule == "any":
        return None
    manager = policy.access.manager_role
    manager_rank = policy.roles[manager].rank
    rank = policy.roles[actor.role].rank
    if rank > manager_rank:
        return None  # above the department managers: every record (G5)
    dept = record.department
    same_dept = dept is not None and actor.department == dept
    if rank >= manager_rank and same_dept:
        return None  # the department's own manager
    if record.owner is not None and actor.id == record.owner and (dept is None or same_dept):
        return None  # the assignee (责任到人, C4)
    if rule == "handler" and same_dept:
        return None
    who = actor.department or "no department"
    holder = f"assignee {record.owner}" if record.owner else "no assignee"
    where = f"the {dept} department" if dept else "no department"
    allowed = (
        "its assignee, that department's staff"
        if rule == "handler"
        else "its assignee (of that department)"
    )
    return (
        f"{record.id} is held by {where} ({holder}), not by {actor.id} ({actor.role}, "
        f"{who}): only {allowed}, the {policy.roles[manager].en} of that department and roles "
        f"above it "
        f"may act on it (G5, C4)"
    )
