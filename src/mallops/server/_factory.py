"""The application factory (imports Starlette: ``pip install mallops[server]``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..clock import Clock
from ..mall import Mall
from ..policy import Policy
from ..stores.memory import MemoryStore
from ..stores.protocol import Store
from ._api import api_routes, health
from ._app import ServerConfig, ServerState
from ._desk import desk_routes
from ._openapi import openapi
from ._ticker import Ticker
from ._tokens import TokenBook

__all__ = ["create_app"]


def create_app(
    store: Store,
    tokens: TokenBook,
    *,
    policy: Policy | None = None,
    clock: Clock | None = None,
    config: ServerConfig | None = None,
) -> Starlette:
    """The ASGI application over ``store`` for the bearers of ``tokens``.

    ``clock`` defaults to the real time; ``config`` to :class:`ServerConfig`'s
    defaults, whose built-in ticker runs while the application is served
    (``app.state.ticker``).
    """
    from .. import __version__

    state = ServerState(store, tokens, policy, clock, config or ServerConfig())
    ticker = Ticker(state)
    document = openapi(Mall(store=MemoryStore(), policy=state.policy), __version__)

    async def health_route(request: Request) -> Response:
        return await health(state)

    async def openapi_route(request: Request) -> Response:
        return JSONResponse(document)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ticker.start()
        try:
            yield
        finally:
            ticker.stop()

    routes = [
        Route("/health", health_route),
        Route("/openapi.json", openapi_route),
        *api_routes(state),
        *desk_routes(state),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.mallops = state
    app.state.ticker = ticker
    return app
