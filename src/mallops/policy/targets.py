"""Quality targets (K1) and report settings (K2-K5): the figures each KPI is judged by."""

from __future__ import annotations

import attrs

from ..errors import PolicyError
from ._load import field

_FRACTIONS = (
    "repair_timeliness",
    "repair_pass_rate",
    "complaint_handling_rate",
    "customer_satisfaction",
    "tenant_satisfaction",
    "cleaning_compliance",
    "return_visit_timeliness",
)


@attrs.frozen
class TargetPolicy:
    """K1 quality targets; a report marks every KPI over or under its target."""

    repair_timeliness: float = field(
        0.98, doc="share of repairs responded to within the R3 time", rule="K1", unit="fraction"
    )
    repair_pass_rate: float = field(
        0.95, doc="share of repairs passing inspection", rule="K1", unit="fraction"
    )
    first_time_pass: bool = field(
        True, doc="pass rate counts first-time passes only (else any pass)", rule="K1"
    )
    complaint_handling_rate: float = field(
        1.0, doc="share of complaints handled (resolved or explained)", rule="K1", unit="fraction"
    )
    customer_satisfaction: float = field(
        0.90, doc="share of satisfied survey answers (C12)", rule="K1", unit="fraction"
    )
    tenant_satisfaction: float = field(
        0.90, doc="share of tenants confirming satisfaction in visits", rule="K1", unit="fraction"
    )
    cleaning_compliance: float = field(
        0.90, doc="cleaning and greening compliance", rule="K1", unit="fraction"
    )
    major_incidents: int = field(
        0, doc="major incidents allowed per period", rule="K1", unit="count"
    )
    return_visit_timeliness: float = field(
        1.0, doc="share of return visits done in time", rule="F6", unit="fraction"
    )
    surveys_per_year: int = field(
        2, doc="satisfaction surveys at least this often a year", rule="K5", unit="count"
    )
    hot_spot_min: int = field(
        2, doc="occurrences (same location and category) listed as a hot spot", rule="K4"
    )

    def __attrs_post_init__(self) -> None:
        for name in _FRACTIONS:
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise PolicyError(f"must be between 0 and 1, got {value}", key=name)
        for name in ("major_incidents", "surveys_per_year"):
            if getattr(self, name) < 0:
                raise PolicyError("must be 0 or more", key=name)
        if self.hot_spot_min < 2:
            raise PolicyError("must be at least 2", key="hot_spot_min")
