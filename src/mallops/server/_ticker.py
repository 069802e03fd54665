"""The built-in ticker: a thread that ticks every served property and prunes the feed.

Several servers on one store may all run it: the stores fire each deadline exactly
once (a second ticker's write conflicts and re-reads), so tickers only share the work.
"""

from __future__ import annotations

import logging
import threading
import time

from ..errors import MallopsError
from ._app import ServerState

__all__ = ["Ticker"]

_LOG = logging.getLogger("mallops.server")


class Ticker:
    """Tick every property of ``state``'s tokens every ``config.tick_every`` seconds."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at = 0.0

    def start(self) -> None:
        """Start the thread (once; a zero ``tick_every`` starts nothing)."""
        if self.state.config.tick_every > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="mallops-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (at most one tick's work)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.state.config.timeout)

    def run_once(self) -> int:
        """One tick of every property; returns how many events it raised."""
        raised = 0
        prune = time.monotonic() - self._pruned_at >= self.state.config.prune_every
        for prop in self.state.tokens.properties:
            mall = self.state.mall(prop)
            try:
                raised += len(mall.tick())
                if prune:
                    mall.feed.prune()
            except MallopsError as exc:  # the store is down: log, try next time
                _LOG.warning("ticker: property %s: %s", prop, exc)
        if prune:
            self._pruned_at = time.monotonic()
        self.runs += 1
        return raised

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.state.config.tick_every)
