"""Recorded configuration changes for one property (#14: configuration that cannot
drift): :func:`change_policy` and :func:`change_workflows`.  Only the roles of the
policy's ``access.configure_roles`` may make them (default: property manager and general
manager; G5).

:func:`change_policy` is what ``Mall.change_policy`` runs.  In one atomic commit it

* records the change in the property's configuration history: who, when, why, the old
  and the new policy and calendar fingerprints;
* fills in the outcomes of history entries written before mallops recorded them
  (computed under the old policy and kept only when they reproduce the record), so
  those records too replay exactly afterwards (G6);
* re-plans each running timer of every open record by the timer's own rule
  (``on_change``: keep, restart or recompute) under the new policy, as a ``_policy``
  history entry on the record.

Then the ``Mall`` works under the new policy.  If anything fails, nothing changed.

* re-places provisional timers whose year the new calendar covers (G9,
  :func:`mallops.engine.replan.replan_record`, a ``_replan`` entry).

:func:`change_workflows` is what ``Mall.change_workflows`` runs: it records that this
process's workflow definitions replace those the property's records were written under
(an upgrade that changed a workflow), refusing a definition that lacks a state some of
the property's records are in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .domain.events import DomainEvent
from .domain.records import Actor
from .engine.engine import POLICY_EVENT, Engine
from .engine.replan import replan_record
from .engine.replay import with_outcomes
from .errors import ConfigurationDrift, PermissionDenied, ValidationError
from .policy import Policy
from .stores.protocol import Query
from .workflows.bundle import policy_sections

if TYPE_CHECKING:
    from .mall import Mall

__all__ = ["change_policy", "change_workflows"]


def _check(mall: Mall, policy: Policy, actor: Actor, reason: str) -> None:
    if not isinstance(policy, Policy):
        raise ValidationError(f"policy: expected a Policy, got {type(policy).__name__}")
    _check_actor(mall, actor, reason, "a policy change")
    if actor.role not in policy.roles:
        raise PermissionDenied(
            f"unknown role {actor.role!r}; roles: {', '.join(policy.roles)}", role=actor.role
        )


def _check_actor(mall: Mall, actor: Actor, reason: str, what: str) -> None:
    if not isinstance(actor, Actor):
        raise ValidationError(f"actor: expected an Actor, got {type(actor).__name__}")
    if actor.role not in mall.policy.roles:
        raise PermissionDenied(
            f"unknown role {actor.role!r}; roles: {', '.join(mall.policy.roles)}",
            role=actor.role,
        )
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError(f"reason: {what} needs a reason", field="reason")
    allowed = mall.policy.access.configure_roles
    if actor.role not in allowed:
        raise PermissionDenied(
            f"role {actor.role!r} may not make {what} (access.configure_roles): roles "
            f"allowed: {', '.join(allowed)} / 该角色无权变更配置",
            role=actor.role,
            allowed=allowed,
        )


def change_policy(mall: Mall, policy: Policy, *, actor: Actor, reason: str) -> list[DomainEvent]:
    """Move ``mall``'s property to ``policy``; see the module docstring.  Returns the
    domain events raised, for the ``Mall`` to deliver."""
    _check(mall, policy, actor, reason)
    # the registered workflows' own sections, with their defaults where the new policy
    # has none (as Mall() does): a shipped plug-in's engine needs its section
    policy = policy.with_sections(policy_sections(mall.workflows))
    now = mall.now()
    calendar = policy.build_calendar()
    services = mall.services
    old_engines = {kind: s.engine for kind, s in services.items()}
    new_engines = {kind: Engine(e.spec, policy, calendar) for kind, e in old_engines.items()}
    write, data = mall.configuration.change(policy, actor, reason, now)
    before = mall.configuration.stored()
    batch = mall.runtime.batch()
    batch.put(before, write.record)
    mall.store.refresh()
    for record in mall.store.query(Query(property=mall.property)):
        old = old_engines.get(record.kind)
        if old is None:
            continue
        current = record
        sealed = with_outcomes(old, record)
        if sealed is not None:
            batch.put(record, sealed)
            current = sealed
        if not current.is_open or not any(t.active for t in current.timers):
            continue
        engine = new_engines[record.kind]
        current = services[record.kind].catch_up(batch, current, now)
        entry = engine.entry_for_system(current, POLICY_EVENT, now, data)
        applied = engine.apply(current, entry, record_id=current.id, property=current.property)
        batch.put(current, applied.record)
        batch.events.extend(applied.events)
        # G9: provisional timers whose year the new calendar covers are re-placed (cal)
        replanned = replan_record(engine, applied.record, now, actor=actor, reason=reason)
        if replanned is not None:
            batch.put(applied.record, replanned[0])
            batch.events.extend(replanned[1])
    batch.commit()
    mall.policy = mall.runtime.policy = policy
    mall.calendar = mall.runtime.calendar = calendar
    for kind, service in services.items():
        service.engine = new_engines[kind]
    mall.configuration.set_policy(policy)
    batch.events.append(
        DomainEvent("policy_changed", write.record.id, write.record.kind, mall.property, now, data)
    )
    return batch.events


def change_workflows(mall: Mall, *, actor: Actor, reason: str) -> list[DomainEvent]:
    """Record ``mall``'s workflow definitions as its property's; see the module
    docstring.  Returns the ``workflows_changed`` event, or nothing when no definition
    differs from the recorded ones."""
    _check_actor(mall, actor, reason, "a workflow definition change")
    now = mall.now()
    guard = mall.configuration
    mall.store.refresh()
    before = guard.stored()
    got = guard.change_workflows(actor, reason, now)
    if got is None:
        return []
    write, data = got
    lost = []
    for kind in data["changed"]:
        states = set(mall.services[kind].engine.spec.state_names)
        held = {r.state for r in mall.store.query(Query(property=mall.property, kind=kind))}
        if held - states:
            lost.append(
                f"workflow {kind}: records are in {', '.join(sorted(held - states))}, which "
                "the new definition lacks / 新定义缺少记录所处的状态"
            )
    if lost:
        raise ConfigurationDrift(
            f"property {mall.property!r}: the new workflow definitions cannot replace the "
            "recorded ones: " + "; ".join(lost),
            property=mall.property,
            differences=tuple(lost),
        )
    batch = mall.runtime.batch()
    batch.put(before, write.record)
    batch.commit()
    record = write.record
    return [DomainEvent("workflows_changed", record.id, record.kind, mall.property, now, data)]
