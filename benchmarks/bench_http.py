"""Load test of `mallops serve` (issue 20): two servers with their built-in tickers on one
store (SQLite, and PostgreSQL when its server binaries are installed), 8 concurrent
clients, loopback (127.0.0.1) only, bounded in requests and time.

Each client, round-robin over the two servers: opens a complaint, reads it, assigns it,
and contacts every other one (which stops its first-contact timer).  The policy gives
the first contact a few seconds, so the tickers must fire each remaining deadline
while the load runs and after it.  Reported: requests, throughput, p50/p99 latency,
errors (anything but 2xx and the refusals 409/422), and whether every deadline fired
exactly once (from the store's event feed).

    python benchmarks/bench_http.py                 # SQLite (+ PostgreSQL if present)
    python benchmarks/bench_http.py --tiny          # seconds: the test suite's size
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-desk-token-0123456789"
COMPLAINT = {
    "channel": "phone",
    "complainant": "Li Lei",
    "contact": "13800000000",
    "description": "noise",
    "demand": "stop it",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def servers(url: str, work: Path, deadline_s: int, count: int = 2) -> Iterator[list[str]]:
    """``count`` `mallops serve` processes on ``url``, each ticking every 0.5 s."""
    policy = work / "policy.toml"
    policy.write_text(
        f'[complaints.first_contact]\nduration = "{deadline_s} seconds"\nwarn_at = 0.5\n',
        encoding="utf-8",
    )
    tokens = work / "tokens.toml"
    tokens.write_text(
        f'[[token]]\nsecret = "{SECRET}"\nproperty = "bench"\nactor = "desk-1"\n'
        'role = "front_desk"\ndepartment = "customer_service"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs, bases = [], []
    for _ in range(count):
        port = _free_port()
        cmd = [sys.executable, "-m", "mallops", "serve", "--store", url, "--policy", str(policy),
               "--tokens", str(tokens), "--host", "127.0.0.1", "--port", str(port),
               "--tick-every", "0.5"]  # fmt: skip
        procs.append(subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            for _ in range(300):  # up to 30 s to start
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                time.sleep(0.1)
            else:
                raise RuntimeError(f"{base} did not start")
        yield bases
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


class Tally:
    """Latencies and outcomes of every request, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.refusals = 0
        self.errors: list[str] = []
        self.opened: list[str] = []
        self.contacted: set[str] = set()

    def call(self, client: httpx.Client, method: str, url: str, body: Any = None) -> Any:
        start = time.perf_counter()
        try:
            r = client.request(method, url, json=body)
        except httpx.HTTPError as exc:
            with self.lock:
                self.errors.append(f"{method} {url}: {exc!r}")
            return None
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latencies.append(elapsed)
            if r.status_code in (403, 409, 422):  # refusals: role, state, value
                self.refusals += 1
            elif r.status_code >= 300:
                self.errors.append(f"{method} {url}: {r.status_code} {r.text[:200]}")
        return r.json() if r.status_code < 300 else None


def client_loop(bases: list[str], n: int, per_client: int, until: float, tally: Tally) -> None:
    """One client: ``per_client`` rounds at most, and never past ``until``."""
    headers = {"Authorization": f"Bearer {SECRET}"}
    clients = [httpx.Client(base_url=b, headers=headers, timeout=30) for b in bases]
    try:
        for i in range(per_client):
            if time.monotonic() > until:
                break
            c = clients[i % len(clients)]
            body = {**COMPLAINT, "location": f"shop {n}-{i}"}
            made = tally.call(c, "POST", "/api/v1/workflows/complaint/records", body)
            if made is None:
                continue
            rid = made["id"]
            with tally.lock:
                tally.opened.append(rid)
            other = clients[(i + 1) % len(clients)]  # the next step on the other server
            tally.call(other, "GET", f"/api/v1/records/{rid}")
            assign = {"params": {"department": "customer_service", "assignee": "desk-1"}}
            tally.call(c, "POST", f"/api/v1/records/{rid}/events/assign", assign)
            if i % 2 == 0:
                contact = {"params": {"note": "called back"}}
                if tally.call(other, "POST", f"/api/v1/records/{rid}/events/contact", contact):
                    with tally.lock:
                        tally.contacted.add(rid)
    finally:
        for c in clients:
            c.close()


def deadline_check(url: str, tally: Tally, wait_until: float) -> dict[str, Any]:
    """Wait (bounded) for the tickers, then count first-contact breaches in the feed."""
    from mallops.stores import open_store

    expected = set(tally.opened) - tally.contacted
    store = open_store(url)
    try:
        while True:
            breached = [
                e.event.record_id
                for e in store.events_since(0, limit=None)
                if e.event.type == "timer_breached" and e.event.data.get("timer") == "first_contact"
            ]
            if set(breached) >= expected or time.monotonic() > wait_until:
                break
            time.sleep(0.5)
    finally:
        store.close()
    return {
        "deadlines_due": len(expected),
        "deadlines_fired": len(set(breached) & expected),
        "fired_twice": len(breached) - len(set(breached)),
        "fired_wrongly": len(set(breached) - expected),
    }


def run(
    url: str, work: Path, *, clients: int, per_client: int, seconds: float, deadline_s: int
) -> dict[str, Any]:
    """One load run on ``url``; its figures."""
    tally = Tally()
    with servers(url, work, deadline_s) as bases:
        start = time.monotonic()
        until = start + seconds
        threads = [
            threading.Thread(target=client_loop, args=(bases, n, per_client, until, tally))
            for n in range(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 120)
        wall = time.monotonic() - start
        fired = deadline_check(url, tally, time.monotonic() + deadline_s + 20)
    lat = sorted(tally.latencies)
    p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: 0.0)
    return {
        "store": url.split(":", 1)[0],
        "clients": clients,
        "servers": 2,
        "requests": len(lat),
        "seconds": round(wall, 2),
        "throughput_rps": round(len(lat) / wall, 1) if wall else 0.0,
        "p50_ms": round(p(0.50), 1),
        "p99_ms": round(p(0.99), 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else 0.0,
        "errors": len(tally.errors),
        "first_errors": tally.errors[:3],
        "refusals": tally.refusals,
        "complaints": len(tally.opened),
        **fired,
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the load test on SQLite and, if possible, PostgreSQL; print and return."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="a few seconds (the test suite)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("--workdir", metavar="DIR", help="where the stores go (default: a temp dir)")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args(argv)
    size = (
        {"per_client": 4, "seconds": 20.0, "deadline_s": 3}
        if args.tiny
        else {"per_client": 60, "seconds": 60.0, "deadline_s": 10}
    )
    results = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        results.append(run(f"sqlite:///{work / 'ops.db'}", work, clients=args.clients, **size))
        from mallops.testing import TemporaryPostgres, postgres_unavailable

        if not args.no_postgres and postgres_unavailable() is None:
            pg = TemporaryPostgres().start()
            try:
                results.append(run(pg.url(), work, clients=args.clients, **size))
            finally:
                pg.stop()
    for r in results:
        print(
            f"{r['store']:<10} {r['clients']} clients, 2 servers: {r['requests']} requests in "
            f"{r['seconds']} s = {r['throughput_rps']} req/s; p50 {r['p50_ms']} ms, "
            f"p99 {r['p99_ms']} ms; errors {r['errors']}, refusals {r['refusals']}; deadlines "
            f"{r['deadlines_fired']}/{r['deadlines_due']} fired, {r['fired_twice']} twice"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
