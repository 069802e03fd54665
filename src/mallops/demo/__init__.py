"""``mallops demo``: one simulated month of a mid-size mall, then its monthly report.

The simulation is seeded and reproducible, and deterministic per simulated day: each
day is computed in memory and written in one commit (:class:`DayStore`), and every day
starts by planning from the store alone, so an interrupted run, continued, ends exactly
as an uninterrupted one.  It is made of per-kind *generators*
(:data:`GENERATORS`): each one creates the day's arrivals of its kind of record and, for
every open record, plans the next staff action from the record's state.  Planning from
the stored state (with a random stream derived from the seed, the record id and its
version) is what lets a second run on the same store continue exactly where the first
stopped: nothing but the store is needed to resume.

Extension point: when the repair, return-visit, lost-and-found and tenant-visit
workflows are registered on :class:`~mallops.mall.Mall`, add a generator class for each
(``kind = "repair"`` ...) to :data:`GENERATORS`; :func:`run_demo` uses every generator
whose kind is in ``mall.services`` and ignores the others.
"""

from __future__ import annotations

from .data import DemoConfig, DemoResult, Tenant
from .run import DEFAULT_START, GENERATORS, make_tenants, run_demo
from .simulation import Generator, Simulation
from .staging import DayStore

__all__ = [
    "DEFAULT_START",
    "GENERATORS",
    "DayStore",
    "DemoConfig",
    "DemoResult",
    "Generator",
    "Simulation",
    "Tenant",
    "make_tenants",
    "run_demo",
]
