"""The one retry policy for version conflicts (#14), used by every operation and by the
ticker.

A commit that meets a :class:`~mallops.errors.ConflictError` is retried, with jittered
exponential back-off, when retrying cannot lose anyone's decision:

* a counter moved, or a new record's id was taken by a concurrent creation (the
  operation takes the next number);
* the record changed only by timer marks and escalations the ticker fired between the
  operation's read and its write (the operation re-reads and applies on top).

Any other conflict (a person changed the record meanwhile) reaches the caller.
"""

from __future__ import annotations

import random
import time

import attrs

from ..domain.records import SYSTEM
from ..errors import ConflictError, RecordNotFound
from ..stores.protocol import Store
from .entries import ESCALATE_EVENT, TIMER_EVENT

__all__ = ["RETRY", "RetryPolicy"]

_TICKER_EVENTS = frozenset({TIMER_EVENT, ESCALATE_EVENT})


@attrs.frozen
class RetryPolicy:
    """``attempts`` commits at most; back-off ``backoff`` seconds doubled per attempt
    (random jitter, capped at 64 times) so racing writers stop colliding."""

    attempts: int = 16
    backoff: float = 0.0005

    def pause(self, attempt: int) -> None:
        """Sleep before retry number ``attempt`` (0-based)."""
        time.sleep(random.uniform(0, self.backoff * 2 ** min(attempt, 6)))

    def retryable(self, exc: ConflictError, store: Store) -> bool:
        """Whether the operation that met ``exc`` may simply run again (see the module
        docstring).  Reads the record's current version from ``store``."""
        if exc.record_id is None or exc.expected == 0:
            return True
        if exc.expected is None:
            return False
        store.refresh()
        try:
            current = store.get(exc.record_id)
        except RecordNotFound:
            return False
        newer = current.history[exc.expected :]
        return bool(newer) and all(h.actor == SYSTEM and h.event in _TICKER_EVENTS for h in newer)


RETRY = RetryPolicy()
"""The retry policy every operation and the ticker use."""
