"""mallops: mall and commercial-building operations as durable state machines.

Start from :class:`Mall`; see docs/getting-started.md.
"""

from __future__ import annotations

from .calendar import BusinessCalendar, YearSchedule
from .clock import Clock, ManualClock, SystemClock
from .domain.events import DomainEvent
from .domain.records import SYSTEM, Actor, Escalation, HistoryEntry, Link, Mark, Record, Timer
from .duration import Duration
from .engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from .errors import (
    CalendarError,
    ConflictError,
    CorruptStoreError,
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
from .stores.protocol import CounterWrite, Query, Store, Write

__version__ = "0.1.0"

__all__ = [
    "SYSTEM",
    "Actor",
    "BusinessCalendar",
    "CalendarError",
    "Clock",
    "ConflictError",
    "CorruptStoreError",
    "CounterWrite",
    "DomainEvent",
    "Duration",
    "Escalation",
    "EventSpec",
    "HistoryEntry",
    "InvalidDefinition",
    "InvalidTransition",
    "JsonStore",
    "Link",
    "Mall",
    "MallopsError",
    "ManualClock",
    "Mark",
    "MemoryStore",
    "Param",
    "PermissionDenied",
    "Policy",
    "PolicyError",
    "Query",
    "Record",
    "RecordNotFound",
    "StateSpec",
    "Store",
    "StoreError",
    "SubscriberError",
    "SystemClock",
    "Timer",
    "TimerSpec",
    "ValidationError",
    "WorkflowSpec",
    "Write",
    "YearSchedule",
    "__version__",
]
