"""The durable event feed's policy (G6): how long events are kept, how often a failing
in-process subscriber is retried."""

from __future__ import annotations

import attrs

from ..errors import PolicyError
from ._load import field


@attrs.frozen
class FeedPolicy:
    """Retention of the event feed and delivery to in-process subscribers (G6)."""

    retention_days: int = field(
        90,
        doc="feed events older than this are removed by `Mall.feed.prune()` (0 = keep all)",
        rule="G6",
        unit="days",
    )
    subscriber_attempts: int = field(
        5,
        doc="deliveries of one event to a failing in-process subscriber before it is "
        "skipped (logged as an error)",
        rule="G6",
    )

    def __attrs_post_init__(self) -> None:
        if self.retention_days < 0:
            raise PolicyError("must be 0 (keep all) or more days", key="feed.retention_days")
        if self.subscriber_attempts < 1:
            raise PolicyError("must be at least 1", key="feed.subscriber_attempts")
