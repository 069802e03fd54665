"""A recorded policy change for one property (#14: configuration that cannot drift).

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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .domain.events import DomainEvent
from .domain.records import Actor
from .engine.engine import POLICY_EVENT, Engine
from .engine.replan import replan_record
from .engine.replay import with_outcomes
from .errors import PermissionDenied, ValidationError
from .policy import Policy
from .stores.protocol import Query
from .workflows.bundle import policy_sections

if TYPE_CHECKING:
    from .mall import Mall

__all__ = ["change_policy"]


def _check(mall: Mall, policy: Policy, actor: Actor, reason: str) -> None:
    if not isinstance(policy, Policy):
        raise ValidationError(f"policy: expected a Policy, got {type(policy).__name__}")
    if not isinstance(actor, Actor):
        raise ValidationError(f"actor: expected an Actor, got {type(actor).__name__}")
    if actor.role not in mall.policy.roles or actor.role not in policy.roles:
        raise PermissionDenied(
            f"unknown role {actor.role!r}; roles: {', '.join(mall.policy.roles)}",
            role=actor.role,
        )
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason: a policy change needs a reason", field="reason")


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
