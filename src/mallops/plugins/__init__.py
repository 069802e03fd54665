"""Write your own workflow: the public plug-in API (guide: docs/workflows.md).

A workflow is a :class:`Workflow` value handed to the facade::

    mall = Mall(store, clock, policy, workflows=[NOTICE])

It bundles

- a :class:`WorkflowSpec` (states, :class:`EventSpec` events with :class:`Param`
  parameters, guards and effects on a :class:`Context`, :class:`TimerSpec` timers whose
  plans come from :func:`plan_for` / :func:`plan_until`, an escalation ladder);
- a service: a :class:`WorkflowService` subclass with the workflow's typed operations.
  It runs on a :class:`Runtime` (store, clock, policy, calendar, property, ``run`` and
  ``batch`` helpers) and reaches its peers through the typed :class:`Services` registry
  (``self.peers.of("repair", RepairService)``), never through the ``Mall``;
- an optional policy section: a frozen attrs class (fields made with
  :func:`policy_field`) validated with dotted-key errors, read with
  ``policy.section(name, cls)``;
- :class:`Reaction` rows: cross-workflow behaviour as data, run inside the same atomic
  :class:`Batch` as the change that triggers them (a :class:`Reacting` tells the
  handler what changed);
- :data:`ReportSection` functions: the workflow's sections of the monthly report, built
  from :mod:`mallops.report` values (``Section``, ``Table``, ``Kpi``).

The values a workflow handles (:class:`Actor`, :class:`Record`, :class:`Link`,
:class:`DomainEvent`, :class:`Duration`, :class:`Label`, and :class:`Policy` for the
type of a ``choices`` function or a guard's policy) are re-exported here, so a
plug-in needs only this module, :mod:`mallops.report` and :mod:`mallops.errors`.  The
front-desk (:mod:`mallops.frontdesk`) and building-operations (:mod:`mallops.operations`)
workflows shipped with mallops are written on exactly these names.

The seven built-in workflows are :data:`BUILTIN_WORKFLOWS`, registered by ``Mall``
through exactly this path; their reaction table is :data:`BUILTIN_REACTIONS`.
"""

from __future__ import annotations

from ..domain.events import DomainEvent
from ..domain.records import SYSTEM, Actor, Link, Record
from ..duration import Duration
from ..engine.context import Context
from ..engine.engine import Engine
from ..engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from ..engine.timers import TimerPlan, plan_for, plan_until
from ..policy import Label, Policy
from ..policy import field as policy_field
from ..workflows.base import WorkflowService
from ..workflows.builtin import BUILTIN_WORKFLOWS
from ..workflows.bundle import (
    ReportSection,
    ServiceFactory,
    Workflow,
    load_workflow,
    policy_sections,
)
from ..workflows.reactions import BUILTIN_REACTIONS
from ..workflows.runtime import Batch, Reacting, Reaction, Runtime, Services, reaction_rows

__all__ = [
    "BUILTIN_REACTIONS",
    "BUILTIN_WORKFLOWS",
    "SYSTEM",
    "Actor",
    "Batch",
    "Context",
    "DomainEvent",
    "Duration",
    "Engine",
    "EventSpec",
    "Label",
    "Link",
    "Param",
    "Policy",
    "Reacting",
    "Reaction",
    "Record",
    "ReportSection",
    "Runtime",
    "ServiceFactory",
    "Services",
    "StateSpec",
    "TimerPlan",
    "TimerSpec",
    "Workflow",
    "WorkflowService",
    "WorkflowSpec",
    "load_workflow",
    "plan_for",
    "plan_until",
    "policy_field",
    "policy_sections",
    "reaction_rows",
]
