"""Group commit for the SQL stores (issue 16): writers of one store that wait for its
connection are committed together, in one transaction and one durable flush.

Every commit of a :class:`~mallops.stores.sql_store.SqlStore` is a *batch*.  A writer
that finds no group being written leads one: it takes every batch waiting at that
moment (its own first), applies each inside its own ``SAVEPOINT`` in one transaction,
and commits once.  A batch that fails (a stale version, a counter taken) is rolled back
to its savepoint and only its writer gets the error; the others are written.  Each
writer returns only when the transaction holding its batch is durable, so what a
caller sees is exactly what serial commits would give, in the order the batches were
taken: a batch sees the batches before it in its group as committed.  Writers that
arrive while a group is being written wait for it and form the next group.  If the
group's transaction fails as a whole (two processes' groups deadlocking on PostgreSQL
row locks, a full disk), nothing of it was written and each batch is committed again
in a transaction of its own, so a writer only ever gets its own batch's error.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from ..errors import StoreError

__all__ = ["GroupCommit"]


class _Batch:
    __slots__ = ("apply", "done", "error")

    def __init__(self, apply: Callable[[], None]) -> None:
        self.apply = apply
        self.done = False
        self.error: BaseException | None = None


class GroupCommit:
    """Commits the batches of the writers waiting at once in one transaction.

    ``transaction`` opens a write transaction (committed when its block ends, rolled
    back if the block raises); ``run`` executes one statement in it; ``lock`` guards
    the connection for the whole transaction.  ``enabled=False`` commits each batch in
    a transaction of its own (the baseline of ``benchmarks/bench_sql_store.py``).
    """

    def __init__(
        self,
        transaction: Callable[[], contextlib.AbstractContextManager[None]],
        run: Callable[[str], object],
        lock: threading.RLock,
        *,
        enabled: bool = True,
    ) -> None:
        self._transaction = transaction
        self._run = run
        self._lock = lock
        self.enabled = enabled
        self._state = threading.Condition(threading.Lock())
        self._waiting: list[_Batch] = []
        self._writing = False
        #: batches written in groups of more than one (for tests and benchmarks)
        self.grouped = 0

    def commit(self, apply: Callable[[], None]) -> None:
        """Apply ``apply`` (the statements of one batch) durably, or raise its error
        and leave the store as it was."""
        batch = _Batch(apply)
        if not self.enabled:
            self._write([batch], single=True)
            if batch.error is not None:
                raise batch.error
            return
        with self._state:
            self._waiting.append(batch)
            while self._writing and not batch.done:
                self._state.wait()
            if not batch.done:  # lead the next group: every batch waiting now
                group, self._waiting = self._waiting, []
                self._writing = True
        if not batch.done:
            try:
                self._write(group, single=len(group) == 1)
            finally:
                with self._state:
                    for b in group:
                        if not b.done and b.error is None:
                            b.error = _interrupted()
                        b.done = True
                    self._writing = False
                    self._state.notify_all()
        if batch.error is not None:
            raise batch.error

    def _write(self, group: list[_Batch], *, single: bool) -> None:
        with self._lock:
            if single:  # one batch: its own transaction, its error rolls it back
                try:
                    with self._transaction():
                        group[0].apply()
                except BaseException as exc:
                    group[0].error = exc
                group[0].done = True
                return
            self.grouped += len(group)
            try:
                with self._transaction():
                    for i, b in enumerate(group):
                        self._run(f"SAVEPOINT mallops_g{i}")
                        try:
                            b.apply()
                        except Exception as exc:  # this batch only: back to its savepoint
                            self._run(f"ROLLBACK TO SAVEPOINT mallops_g{i}")
                            b.error = exc
                        self._run(f"RELEASE SAVEPOINT mallops_g{i}")
            except Exception:
                # the transaction itself failed (a deadlock between two processes'
                # groups on PostgreSQL, a full disk): nothing of it was written, so
                # each batch is committed again on its own, in the same order
                for b in group:
                    b.error = None
                    self._write([b], single=True)
            except BaseException:
                for b in group:
                    b.error = _interrupted()
                raise
            for b in group:
                b.done = True


def _interrupted() -> StoreError:
    return StoreError(
        "the group commit that held this write was interrupted; nothing of it was written"
    )
