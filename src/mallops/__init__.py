"""mallops: mall and commercial-building operations as durable state machines.

Start from :class:`Mall`; see docs/getting-started.md.
"""

from __future__ import annotations

from ._version import __version__
from .calendar import BusinessCalendar, YearSchedule
from .clock import Clock, ManualClock, SystemClock
from .domain.events import DomainEvent
from .domain.records import SYSTEM, Actor, Escalation, HistoryEntry, Link, Mark, Record, Timer
from .duration import Duration
from .engine.spec import EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec
from .errors import (
    CalendarError,
    ConfigurationDrift,
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
from .policy import LostFoundPolicy, Policy
from .stores.json_store import JsonStore
from .stores.memory import MemoryStore
from .stores.protocol import CounterWrite, Query, Store, Write
from .stores.sql_store import SqlStore
from .workflows.lost_found import LostFoundService, RegisterRow
from .workflows.lost_reports import ItemMatch, LostReportService
from .workflows.repairs import RepairService
from .workflows.return_visits import ReturnVisitService, ReturnVisitStats, timeliness
from .workflows.suggestions import IssueRow, IssueSummary
from .workflows.tenants import Tenant
from .workflows.visit_reports import Coverage, TierCoverage
from .workflows.visits import PlanResult

__all__ = [
    "SYSTEM",
    "Actor",
    "BusinessCalendar",
    "CalendarError",
    "Clock",
    "ConfigurationDrift",
    "ConflictError",
    "CorruptStoreError",
    "CounterWrite",
    "Coverage",
    "DomainEvent",
    "Duration",
    "Escalation",
    "EventSpec",
    "HistoryEntry",
    "InvalidDefinition",
    "InvalidTransition",
    "IssueRow",
    "IssueSummary",
    "ItemMatch",
    "JsonStore",
    "Link",
    "LostFoundPolicy",
    "LostFoundService",
    "LostReportService",
    "Mall",
    "MallopsError",
    "ManualClock",
    "Mark",
    "MemoryStore",
    "Param",
    "PermissionDenied",
    "PlanResult",
    "Policy",
    "PolicyError",
    "Query",
    "Record",
    "RecordNotFound",
    "RegisterRow",
    "RepairService",
    "ReturnVisitService",
    "ReturnVisitStats",
    "SqlStore",
    "StateSpec",
    "Store",
    "StoreError",
    "SubscriberError",
    "SystemClock",
    "Tenant",
    "TierCoverage",
    "Timer",
    "TimerSpec",
    "ValidationError",
    "WorkflowSpec",
    "Write",
    "YearSchedule",
    "__version__",
    "timeliness",
]
