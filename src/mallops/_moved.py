"""Public names that moved out of ``mallops`` in 0.2, and where they live now.

``from mallops import Tenant`` keeps working until 0.3 with a ``DeprecationWarning``
naming the replacement (``from mallops.workflows import Tenant``).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__all__ = ["MOVED", "moved_attribute"]

MOVED: dict[str, str] = {
    "SYSTEM": "mallops.domain",
    "Escalation": "mallops.domain",
    "HistoryEntry": "mallops.domain",
    "Link": "mallops.domain",
    "Mark": "mallops.domain",
    "Timer": "mallops.domain",
    "BusinessCalendar": "mallops.calendar",
    "YearSchedule": "mallops.calendar",
    "CounterWrite": "mallops.stores",
    "Write": "mallops.stores",
    "LostFoundPolicy": "mallops.policy",
    "EventSpec": "mallops.plugins",
    "Param": "mallops.plugins",
    "StateSpec": "mallops.plugins",
    "TimerSpec": "mallops.plugins",
    "WorkflowSpec": "mallops.plugins",
    "Coverage": "mallops.workflows",
    "IssueRow": "mallops.workflows",
    "IssueSummary": "mallops.workflows",
    "ItemMatch": "mallops.workflows",
    "LostFoundService": "mallops.workflows",
    "LostReportService": "mallops.workflows",
    "PlanResult": "mallops.workflows",
    "RegisterRow": "mallops.workflows",
    "RepairService": "mallops.workflows",
    "ReturnVisitService": "mallops.workflows",
    "ReturnVisitStats": "mallops.workflows",
    "Tenant": "mallops.workflows",
    "TierCoverage": "mallops.workflows",
    "timeliness": "mallops.workflows",
}
"""Old ``mallops.<name>`` -> the module that exports it now."""


def moved_attribute(package: str, name: str) -> Any:
    """``package.name`` from its new module, with a ``DeprecationWarning``."""
    target = MOVED.get(name)
    if target is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    warnings.warn(
        f"{package}.{name} is deprecated and will be removed in 0.3; "
        f"use: from {target} import {name}",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(target), name)
