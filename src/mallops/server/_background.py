"""Serve an application on a loopback port in a background thread (tests, demos)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from ..errors import StoreError

__all__ = ["background"]


@contextlib.contextmanager
def background(app: Any, host: str = "127.0.0.1", *, startup: float = 20.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port of ``host``; yields its base URL
    (``http://127.0.0.1:PORT``) and stops the server on exit."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="mallops-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise StoreError(f"the HTTP server did not start on {host} within {startup:g} s")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=startup)
