"""``mallops serve``: its options and how it runs (Starlette is imported only to run)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any

from ..errors import ValidationError

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``mallops serve``."""
    p.add_argument("--tokens", metavar="FILE", help="the tokens file (TOML, docs/http.md)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument(
        "--tick-every",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="built-in ticker period (default 30; 0 = no ticker in this process)",
    )
    p.add_argument("--max-body", type=int, default=64 * 1024, metavar="BYTES")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    p.add_argument(
        "--hash-token", metavar="SECRET", help="print the sha256 of SECRET for a tokens file, exit"
    )


def run(args: argparse.Namespace, store: Any, policy: Any, clock: Any) -> int:
    """Serve until interrupted."""
    try:
        import uvicorn

        from ._app import ServerConfig
        from ._factory import create_app
        from ._tokens import TokenBook
    except ImportError as exc:
        raise ValidationError(
            f"mallops serve needs the server extra ({exc.name} is missing): "
            "pip install 'mallops[server]'",
            field="serve",
        ) from None
    if not args.tokens:
        raise ValidationError("--tokens FILE is required (docs/http.md)", field="tokens")
    if not 0 < args.port < 65536:
        raise ValidationError(f"--port {args.port} is not a port", field="port")
    if args.max_body < 1024 or args.timeout <= 0 or args.tick_every < 0:
        raise ValidationError(
            "--max-body is at least 1024, --timeout above 0, --tick-every 0 or more",
            field="serve",
        )
    try:
        ipaddress.ip_address(args.host)
    except ValueError:
        if args.host != "localhost":
            raise ValidationError(f"--host {args.host!r} is not an address", field="host") from None
    config = ServerConfig(max_body=args.max_body, timeout=args.timeout, tick_every=args.tick_every)
    app = create_app(
        store, TokenBook.from_toml(args.tokens), policy=policy, clock=clock, config=config
    )
    sys.stderr.write(f"mallops: serving http://{args.host}:{args.port}/desk\n")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_keep_alive=5)
    return 0
