"""Which survey windows ran a campaign (K5): a read model over survey records."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum

from mallops.domain import Record
from mallops.plugins import Policy

from .survey_spec import survey_policy, window_bounds, windows_per_year

__all__ = ["WindowStatus", "window_statuses"]


@attrs.frozen
class WindowStatus:
    """One audience in one survey window (K5): its campaigns and whether one ran in time.

    ``status`` is ``"run"`` (a campaign closed inside the window), ``"late"`` (closed
    only after it), ``"missed"`` (the window is over and none closed) or ``"due"``
    (the window is not over yet and none closed); ``rate`` is the satisfaction rate of
    the campaign that counts (the last one closed)."""

    audience: str
    year: int
    window: int
    start: pendulum.DateTime
    end: pendulum.DateTime
    campaigns: tuple[str, ...]
    status: str
    rate: float | None


def closed_at(r: Record) -> pendulum.DateTime | None:
    """When the campaign was closed (``None`` if it was not)."""
    return next((h.at for h in r.history if h.event == "close"), None)


def window_statuses(
    records: Iterable[Record], policy: Policy, tz: str, year: int, at: pendulum.DateTime
) -> list[WindowStatus]:
    """Every audience in every survey window of ``year`` as it stood just before ``at``
    (K5): campaigns closed before ``at`` count, a window ending by ``at`` is over."""
    mine = [r for r in records if r.kind == "survey" and r.fields.get("year") == year]
    out = []
    for window in range(1, windows_per_year(policy) + 1):
        start, end = window_bounds(policy, year, window, tz)
        for audience in survey_policy(policy).audiences:
            got = [r for r in mine if r.fields.get("window") == window and r.category == audience]
            done = [(c, r) for r in got if (c := closed_at(r)) is not None and c < at]
            in_time = [r for c, r in done if c < end]
            rate: float | None = None
            if in_time:
                status, rate = "run", in_time[-1].fields.get("rate")
            elif done:
                status, rate = "late", done[-1][1].fields.get("rate")
            else:
                status = "missed" if end <= at else "due"
            out.append(
                WindowStatus(
                    audience, year, window, start, end, tuple(r.id for r in got), status, rate
                )
            )
    return out
