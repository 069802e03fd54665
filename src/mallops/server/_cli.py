"""``mallops serve``: its options and how it runs (Starlette is imported only to run)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any

from ..cli import Command
from ..cli.messages import language
from ..clock import ManualClock
from ..errors import ValidationError
from ..policy import Policy
from ..stores import open_store

__all__ = ["COMMANDS", "add_arguments", "run"]

_HELP = {
    "tokens": ("令牌文件（TOML，见 docs/http.md）", "the tokens file (TOML, docs/http.md)"),
    "host": ("监听地址（默认 127.0.0.1）", "address to listen on (default 127.0.0.1)"),
    "port": ("端口（默认 8080）", "port (default 8080)"),
    "tick": (
        "内置计时器的运行间隔，秒（默认 30；0 = 本进程不运行）",
        "built-in ticker period in seconds (default 30; 0 = no ticker in this process)",
    ),
    "body": ("请求体上限，字节（默认 65536）", "largest request body in bytes (default 65536)"),
    "timeout": (
        "每个请求的处理时限，秒（默认 30）",
        "work time per request in seconds (default 30)",
    ),
    "hash": (
        "输出 SECRET 的 sha256（写入令牌文件）后退出",
        "print the sha256 of SECRET for a tokens file, then exit",
    ),
}


def _h(key: str) -> str:
    zh, en = _HELP[key]
    return zh if language() == "zh" else en


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``mallops serve``."""
    p.add_argument("--tokens", metavar="FILE", help=_h("tokens"))
    p.add_argument("--host", default="127.0.0.1", help=_h("host"))
    p.add_argument("--port", type=int, default=8080, help=_h("port"))
    p.add_argument("--tick-every", type=float, default=30.0, metavar="SECONDS", help=_h("tick"))
    p.add_argument("--max-body", type=int, default=64 * 1024, metavar="BYTES", help=_h("body"))
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help=_h("timeout"))
    p.add_argument("--hash-token", metavar="SECRET", help=_h("hash"))


def _run(args: argparse.Namespace) -> int:
    """``mallops serve``: print a token hash, or serve the store until interrupted."""
    from ._tokens import hash_secret

    if args.hash_token is not None:
        sys.stdout.write(hash_secret(args.hash_token) + "\n")
        return 0
    policy = Policy.from_toml(args.policy) if args.policy else Policy.seed()
    store = open_store(args.store)
    try:
        clock = ManualClock(args.now) if args.now is not None else None
        return run(args, store, policy, clock)
    finally:
        store.close()


def run(args: argparse.Namespace, store: Any, policy: Any, clock: Any) -> int:
    """Serve ``store`` with the options of ``args`` until interrupted."""
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


COMMANDS = (Command("serve", "cmd.serve", add_arguments, _run),)
"""The ``serve`` subcommand (listed in ``mallops.cli.COMMAND_MODULES``)."""
