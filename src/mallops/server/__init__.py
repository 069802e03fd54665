"""``mallops serve``: the JSON HTTP API and the web front desk over one store.

Install with ``pip install mallops[server]`` (Starlette and uvicorn).  See
docs/http.md for the API and docs/deploy.md for running it.

>>> from mallops import MemoryStore
>>> from mallops.server import TokenBook, create_app
>>> tokens = TokenBook.from_data([{"secret": "s3cret-token-desk-1", "property": "mall-a",
...     "actor": "desk-1", "role": "front_desk", "department": "customer_service"}])
>>> app = create_app(MemoryStore(), tokens)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._tokens import Token, TokenBook, hash_secret

if TYPE_CHECKING:
    from ._app import ServerConfig
    from ._background import background
    from ._factory import create_app
    from ._ticker import Ticker

__all__ = [
    "ServerConfig",
    "Ticker",
    "Token",
    "TokenBook",
    "background",
    "create_app",
    "hash_secret",
]


def __getattr__(name: str) -> Any:
    """Starlette is imported only when the application is asked for."""
    if name in ("create_app", "ServerConfig", "Ticker", "background"):
        from . import _app, _background, _factory, _ticker

        return {
            "background": _background.background,
            "create_app": _factory.create_app,
            "ServerConfig": _app.ServerConfig,
            "Ticker": _ticker.Ticker,
        }[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
