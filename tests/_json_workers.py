"""Child-process bodies for the JSON store's crash and concurrency tests.

Each runs in a forked child (the parent already imported mallops, so a child starts in
microseconds) and ends with ``os._exit``; nothing here is collected as a test.
"""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable
from pathlib import Path

import attrs

from mallops import ConflictError, JsonStore
from mallops.stores import CounterWrite, Write, json_store
from mallops.testing import sample_record

SMALL_COMPACTION = 20_000
"""Dead bytes after which children compact: small, so crashes also hit compactions."""


def fork(body: Callable[[], None]) -> int:
    """Run ``body`` in a child process; return its pid.  The child exits 0 if ``body``
    returns, 1 if it raises (after printing the traceback)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            json_store._COMPACT_MIN = SMALL_COMPACTION
            body()
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    return pid


def wait(pid: int) -> int:
    """The exit code of child ``pid`` (negative: killed by that signal)."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def writer(path: Path, acks: Path) -> None:
    """Commit forever: each commit creates or updates one of 20 records and moves a
    counter (so old lines pile up and the file compacts often); after ``commit``
    returns, append ``rid version counter`` to ``acks``."""
    store = JsonStore(path)
    ack = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    n = store.counter("n")
    while True:
        rid = f"W-{n % 20}"
        old = store.get_many([rid]).get(rid)
        new = (
            sample_record(rid, fields={"n": n + 1})
            if old is None
            else attrs.evolve(old, version=old.version + 1, fields={"n": n + 1})
        )
        store.commit([Write(new, old.version if old else 0)], [CounterWrite("n", n, n + 1)])
        os.write(ack, f"{rid} {new.version} {n + 1}\n".encode())
        n += 1


def crash_at(path: Path, point: str, action: Callable[[JsonStore], None]) -> None:
    """Open the store, arrange a SIGKILL at the named point, and run ``action``."""
    store = JsonStore(path)

    def hook(where: str) -> None:
        if where == point:
            os.kill(os.getpid(), signal.SIGKILL)

    store._fault_hook = hook
    action(store)


def incrementer(path: Path, worker: int, times: int) -> None:
    """``times`` times: in one commit, add 1 to the shared counter, to the hot record's
    count and to this worker's own record, retrying on ConflictError.  Only rewrites:
    dead lines pile up, so the file compacts several times meanwhile."""
    store = JsonStore(path)
    rid = f"P{worker}"
    done = 0
    while done < times:
        store.refresh()
        hot = store.get("HOT")
        own = store.get_many([rid]).get(rid)
        total = store.counter("total")
        bumped = attrs.evolve(
            hot, version=hot.version + 1, fields={"count": hot.fields["count"] + 1}
        )
        mine = (
            sample_record(rid, kind="tick")
            if own is None
            else attrs.evolve(own, version=own.version + 1)
        )
        try:
            store.commit(
                [Write(bumped, hot.version), Write(mine, own.version if own else 0)],
                [CounterWrite("total", total, total + 1)],
            )
        except ConflictError:
            continue
        done += 1
    store.close()


def watcher(path: Path, rounds: int) -> None:
    """Read while others write: the hot record's count, moved in the same commits as the
    counter, must always lie between two readings of the counter."""
    store = JsonStore(path)
    for _ in range(rounds):
        before = store.counter("total")
        count = store.get("HOT").fields["count"]
        after = store.counter("total")
        assert before <= count <= after, (before, count, after)
    store.close()
