"""The durable event feed of one property, as ``mall.feed`` (G6).

Every domain event is written by the store in the same commit as the records that
raised it, at a global, gap-free position.  Three ways to read it:

* **consumers** (:class:`Consumer`) keep a durable cursor in the store: an outside
  system reads ``pending()``, does its work and ``commit()``\\ s the cursor.  Work done
  in the same store commit as the cursor (``commit(position, writes=...)``) happens
  exactly once, however often the consumer crashes; other work at least once.  Several
  consumers are independent.
* **in-process subscribers** (``mall.subscribe``) run from the feed after each commit;
  a failing subscriber is logged and retried on later deliveries, never an exception
  for the operation that committed.
* ``events_since(position)`` reads the feed directly.

>>> import pendulum
>>> from mallops import Mall, ManualClock, Actor
>>> mall = Mall(clock=ManualClock(pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")))
>>> desk = Actor("desk-1", "front_desk", "customer_service")
>>> c = mall.complaints.open(actor=desk, channel="phone", complainant="Li Lei",
...     contact="13800000000", location="B1", description="dirty", demand="clean it")
>>> erp = mall.feed.consumer("erp")
>>> [(e.position, e.event.type) for e in erp.pending()][:1]
[(1, 'created')]
>>> erp.commit(erp.pending()[-1].position)
>>> erp.pending()
[]
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .domain.events import DomainEvent, FeedEvent
from .errors import EventsPruned, ValidationError
from .stores.protocol import CounterWrite, Write

if TYPE_CHECKING:
    from .workflows.runtime import Runtime

__all__ = ["Consumer", "Feed"]

_LOG = logging.getLogger("mallops.feed")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PASSES = 1000  # delivery passes per call: handlers that keep raising new events stop

Handler = Callable[[DomainEvent], None]


class Consumer:
    """A named reader of the feed whose cursor is durable data in the store.

    The cursor is the counter ``feed-cursor:<property>:<name>``; moving it is a
    compare-and-set, so two processes running the same consumer never both deliver an
    event: the second ``commit`` raises ``ConflictError``.
    """

    def __init__(self, feed: Feed, name: str) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationError(
                f"consumer name {name!r}: letters, digits and _ . - only, at most 64",
                field="name",
            )
        self._feed = feed
        self.name = name
        self.counter = f"feed-cursor:{feed.runtime.property}:{name}"

    @property
    def position(self) -> int:
        """The last position this consumer committed (0 = none yet)."""
        store = self._feed.runtime.store
        store.refresh()
        return store.counter(self.counter)

    def pending(self, limit: int | None = 100) -> list[FeedEvent]:
        """The next events after the cursor, oldest first (at most ``limit``)."""
        return self._feed.events_since(self.position, limit=limit)

    def commit(
        self,
        position: int,
        *,
        writes: Sequence[Write] = (),
        counters: Sequence[CounterWrite] = (),
        expected: int | None = None,
    ) -> None:
        """Move the cursor to ``position`` (an event's position), together with
        ``writes`` and ``counters`` in one store commit.  ``expected`` is the cursor
        the work was based on (default: the current one); if another process moved it
        meanwhile, ``ConflictError`` and nothing is written."""
        base = self.position if expected is None else expected
        head = self._feed.head()
        if type(position) is not int or not base < position <= head:
            raise ValidationError(
                f"position: expected an integer after the cursor {base} and at most the "
                f"feed's last position {head}, got {position!r}",
                field="position",
            )
        self._feed.runtime.store.commit(
            list(writes), [*counters, CounterWrite(self.counter, base, position)]
        )


class _Subscription:
    __slots__ = ("failures", "handler", "position")

    def __init__(self, handler: Handler, position: int) -> None:
        self.handler = handler
        self.position = position
        self.failures = 0


class Feed:
    """The feed of one property (see the module docstring); ``mall.feed``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._subs: list[_Subscription] = []
        self._lock = threading.Lock()
        self._dirty = False

    # -- reading ----------------------------------------------------------------------------

    def events_since(self, position: int, *, limit: int | None = None) -> list[FeedEvent]:
        """This property's events after ``position`` (0 = from the start), oldest first;
        ``EventsPruned`` if the retention policy removed some of them."""
        self.runtime.store.refresh()
        return self.runtime.store.events_since(
            position, property=self.runtime.property, limit=limit
        )

    def head(self) -> int:
        """The store's last feed position (global across properties; 0 = none)."""
        self.runtime.store.refresh()
        return self.runtime.store.feed_head()

    def consumer(self, name: str) -> Consumer:
        """The durable consumer ``name`` of this property (see :class:`Consumer`)."""
        return Consumer(self, name)

    def prune(self) -> int:
        """Apply the retention policy (``feed.retention_days``): remove the oldest events
        whose time is before ``now - retention_days``, up to the first younger one.
        Returns how many were removed."""
        days = self.runtime.policy.feed.retention_days
        if days == 0:
            return 0
        cutoff = self.runtime.now().subtract(days=days)
        store = self.runtime.store
        store.refresh()
        upto, position = 0, 0
        for _ in range(1_000_000):  # pages of 500: bounded, far beyond any real feed
            try:
                page = store.events_since(position, limit=500)
            except EventsPruned as exc:  # another process pruned meanwhile
                position = exc.first - 1
                continue
            young = next((i for i, e in enumerate(page) if e.event.at >= cutoff), len(page))
            if young:
                upto = page[young - 1].position
            if young < len(page) or not page:
                break
            position = upto
        # events go in position order, up to the first that is still young
        return store.prune_events(upto) if upto else 0

    # -- in-process subscribers -------------------------------------------------------------

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` with every later event of this property after its commit;
        returns an unsubscribe function."""
        if not callable(handler):
            raise ValidationError("handler: expected a callable")
        sub = _Subscription(handler, self.head())
        self._subs.append(sub)

        def unsubscribe() -> None:
            if sub in self._subs:
                self._subs.remove(sub)

        return unsubscribe

    def deliver(self, transient: Sequence[DomainEvent] = ()) -> None:
        """Run the subscribers on the feed events they have not seen (retrying those
        that failed), then on ``transient`` events (not in the feed, such as
        ``tick_failed``: delivered once).  Never raises for a failing handler: it is
        logged, retried on later deliveries and skipped after
        ``feed.subscriber_attempts`` failures of the same event."""
        if not self._subs:
            return
        self._dirty = True
        while self._dirty:
            if not self._lock.acquire(blocking=False):
                return  # another thread (or an outer call) is delivering and will see it
            try:
                self._dirty = False
                for _ in range(_PASSES):
                    if not self._pass():
                        break
                for event in transient:
                    for sub in list(self._subs):
                        self._call(sub, event)
                transient = ()
            finally:
                self._lock.release()

    def deliver_now(self, events: Sequence[DomainEvent]) -> None:
        """Give ``events`` to every subscriber at once, failures logged (used inside
        ``Mall.bulk(hold_events=False)``, whose events reach the feed at its end)."""
        for event in events:
            for sub in list(self._subs):
                self._call(sub, event)

    def skip_to_head(self) -> None:
        """Move every subscriber past the feed's last event (after a bulk commit whose
        events :meth:`deliver_now` already gave them)."""
        head = self.head()
        for sub in self._subs:
            sub.position, sub.failures = max(sub.position, head), 0

    def _pass(self) -> bool:
        """Deliver what is pending once; whether anything was delivered."""
        progressed = False
        for sub in list(self._subs):
            try:
                items = self.events_since(sub.position, limit=1000)
            except EventsPruned as exc:
                _LOG.error("subscriber %r missed events pruned by retention: %s", sub.handler, exc)
                sub.position = exc.first - 1
                progressed = True
                continue
            for item in items:
                if not self._call(sub, item.event):
                    sub.failures += 1
                    if sub.failures < self.runtime.policy.feed.subscriber_attempts:
                        break  # retried on the next delivery
                    _LOG.error(
                        "subscriber %r failed %d times on event %d; skipping it",
                        sub.handler,
                        sub.failures,
                        item.position,
                    )
                sub.position = item.position
                sub.failures = 0
                progressed = True
        return progressed

    @staticmethod
    def _call(sub: _Subscription, event: DomainEvent) -> bool:
        try:
            sub.handler(event)
        except Exception:
            _LOG.exception(
                "subscriber %r failed on %s of %s (the operation was committed; retried later)",
                sub.handler,
                event.type,
                event.record_id,
            )
            return False
        return True
