"""mallops: mall and commercial-building operations as durable state machines.

Start from :class:`Mall`; see docs/getting-started.md.  This package exports the facade,
its values, events, policy, clocks, stores and errors.  The rest lives in documented
subpackages: :mod:`mallops.plugins` (write your own workflow), :mod:`mallops.workflows`
(the built-in services and read models), :mod:`mallops.domain` (the parts of a
record), :mod:`mallops.calendar`, :mod:`mallops.stores`, :mod:`mallops.policy`,
:mod:`mallops.report`, :mod:`mallops.testing`.
"""

from __future__ import annotations

from typing import Any as _Any

from ._moved import moved_attribute as _moved_attribute
from ._version import __version__
from .clock import Clock, ManualClock, SystemClock
from .domain.events import DomainEvent
from .domain.records import Actor, Record
from .duration import Duration
from .errors import (
    CalendarError,
    ConfigurationDrift,
    ConflictError,
    CorruptStoreError,
    EventsPruned,
    InvalidDefinition,
    InvalidTransition,
    MallopsError,
    PermissionDenied,
    PolicyError,
    RecordNotFound,
    StoreError,
    SubscriberError,
    ValidationError,
)
from .mall import Mall
from .policy import Policy
from .stores.json_store import JsonStore
from .stores.memory import MemoryStore
from .stores.protocol import Query, Store
from .stores.sql_store import SqlStore

__all__ = [
    "Actor",
    "CalendarError",
    "Clock",
    "ConfigurationDrift",
    "ConflictError",
    "CorruptStoreError",
    "DomainEvent",
    "Duration",
    "EventsPruned",
    "InvalidDefinition",
    "InvalidTransition",
    "JsonStore",
    "Mall",
    "MallopsError",
    "ManualClock",
    "MemoryStore",
    "PermissionDenied",
    "Policy",
    "PolicyError",
    "Query",
    "Record",
    "RecordNotFound",
    "SqlStore",
    "Store",
    "StoreError",
    "SubscriberError",
    "SystemClock",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> _Any:
    """Names that moved to a subpackage keep working for one minor release, with a
    ``DeprecationWarning`` naming the new place (see ``mallops._moved``)."""
    return _moved_attribute(__name__, name)
