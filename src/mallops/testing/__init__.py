"""Tools for testing code built on mallops (and mallops itself).

- Hypothesis strategies for actors, event parameters of any workflow, policies, clock
  advances and hostile values (:mod:`mallops.testing.strategies`);
- :class:`MallMachine`, a ready ``RuleBasedStateMachine`` driving a whole mall, which
  you subclass with your policy and your own rules and invariants;
- :func:`check_invariants`, mallops' own invariants on every record of a mall;
- :class:`StoreContract`, the storage contract suite every backend passes;
- :class:`TemporaryPostgres`, a throwaway PostgreSQL server for tests (docs/deploy.md).

Requires the ``testing`` extra (pytest, hypothesis): ``pip install 'mallops[testing]'``.
Guide: docs/testing.md.
"""

from __future__ import annotations

# First: without the extra, an ImportError that names it (issue 21).
from . import _requirements  # noqa: F401
from ._postgres import TemporaryPostgres, postgres_unavailable
from ._store_contract import StoreContract, sample_event, sample_record
from .machine import MallMachine, check_invariants
from .strategies import (
    actors,
    clock_advances,
    clock_steps,
    event_params,
    event_paths,
    hostile_values,
    param_values,
    policies,
    texts,
    timer_spans,
)

__all__ = [
    "MallMachine",
    "StoreContract",
    "TemporaryPostgres",
    "actors",
    "check_invariants",
    "clock_advances",
    "clock_steps",
    "event_params",
    "event_paths",
    "hostile_values",
    "param_values",
    "policies",
    "postgres_unavailable",
    "sample_event",
    "sample_record",
    "texts",
    "timer_spans",
]
