"""The ASGI application: one store, a mall per property, bounded requests.

Every request but ``/health``, ``/openapi.json`` and the desk's sign-in page needs a
token (``Authorization: Bearer ...`` or the desk's cookie); the token fixes the
property and the actor (G5, G11), so no request can reach another property's records.
The mallops work of a request runs in a worker thread under a time limit.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..clock import Clock
from ..errors import MallopsError, ValidationError
from ..mall import Mall
from ..policy import Policy
from ..stores.protocol import Store
from ._errors import HttpError, error_body, language
from ._tokens import Token, TokenBook

__all__ = ["COOKIE", "Call", "ServerConfig", "ServerState", "handler"]

COOKIE = "mallops_token"


@attrs.frozen
class ServerConfig:
    """Limits and the built-in ticker of a server.

    ``max_body`` bytes per request body (413 above it); ``timeout`` seconds of work per
    request (504 after it: the operation may still complete, so read the record
    again); ``max_wait`` seconds a feed long-poll may wait; ``tick_every`` seconds
    between runs of the built-in ticker (0 = no ticker in this process).
    ``max_stream`` seconds a server-sent-events stream stays open (the client then
    reconnects with ``Last-Event-ID``), ``heartbeat`` seconds between its keep-alive
    comments, ``sse_retry`` seconds it tells clients to wait before reconnecting;
    ``admin_roles``: the token roles that may use ``/api/v1/admin`` (policy change,
    re-planning, calendar check).
    """

    max_body: int = 64 * 1024
    timeout: float = 30.0
    max_wait: float = 25.0
    tick_every: float = 30.0
    prune_every: float = 3600.0
    max_stream: float = 300.0
    heartbeat: float = 15.0
    sse_retry: float = 2.0
    admin_roles: tuple[str, ...] = ("property_manager", "general_manager")


class ServerState:
    """What every request shares: the store, the malls by property, the tokens."""

    def __init__(
        self,
        store: Store,
        tokens: TokenBook,
        policy: Policy | None,
        clock: Clock | None,
        config: ServerConfig,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.policy = policy if policy is not None else Policy.seed()
        self.clock = clock
        self.config = config
        self._malls: dict[str, Mall] = {}
        self._lock = threading.Lock()

    def mall(self, prop: str) -> Mall:
        """The mall of property ``prop`` (made once, shared by the request threads)."""
        with self._lock:
            mall = self._malls.get(prop)
            if mall is None:
                mall = Mall(store=self.store, clock=self.clock, policy=self.policy, property=prop)
                self._malls[prop] = mall
            return mall


@attrs.frozen
class Call:
    """One authenticated request, as the work function sees it."""

    token: Token
    mall: Mall
    path: dict[str, Any]
    query: dict[str, str]
    body: Any
    lang: str

    def text(self, name: str, default: str | None = None) -> str | None:
        """A query parameter (``default`` when absent)."""
        return self.query.get(name, default)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """A whole-number query parameter within ``low..high``."""
        raw = self.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError(f"{name}: {raw!r} is not a whole number", field=name) from None
        if not low <= value <= high:
            raise ValidationError(f"{name}: {value} is outside {low}..{high}", field=name)
        return value


Work = Callable[[Call], Any]


def bearer(request: Request) -> str | None:
    """The token secret of a request: the Authorization header or the desk cookie."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.cookies.get(COOKIE)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, at most ``limit`` bytes (413 otherwise)."""
    declared = request.headers.get("content-length")
    too_big = HttpError(413, "请求内容过大", "request body too large", f"at most {limit} bytes")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def authenticate(state: ServerState, request: Request) -> Token:
    """The request's token (401 without a known one)."""
    secret = bearer(request)
    token = state.tokens.find(secret) if secret else None
    if token is None:
        raise HttpError(
            401, "需要有效的令牌", "a valid token is needed", "send 'Authorization: Bearer TOKEN'"
        )
    return token


def error_response(exc: Exception, lang: str) -> JSONResponse:
    """The JSON error response of ``exc``."""
    status, body = error_body(exc, lang)
    return JSONResponse(body, status_code=status)


async def run_work(state: ServerState, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a worker thread, at most ``config.timeout`` seconds (504)."""
    result: list[Any] = []
    with anyio.move_on_after(state.config.timeout):
        result.append(await anyio.to_thread.run_sync(work, abandon_on_cancel=True))
    if not result:
        raise HttpError(
            504,
            "处理超时",
            "timed out",
            f"no answer within {state.config.timeout:g} s; the operation may still "
            "complete: read the record again before retrying",
        )
    return result[0]


def handler(
    state: ServerState, work: Work, *, status: int = 200, body: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that authenticates, reads a bounded JSON body (if ``body``), runs
    ``work`` under the time limit and maps mallops errors to statuses."""

    async def endpoint(request: Request) -> Response:
        lang = language(request.headers.get("accept-language"))
        try:
            token = authenticate(state, request)
            data: Any = None
            if body:
                raw = await read_body(request, state.config.max_body)
                try:
                    data = json.loads(raw or b"{}")
                except ValueError:
                    raise ValidationError("the body is not JSON", field="body") from None
                if not isinstance(data, dict):
                    raise ValidationError("the body must be a JSON object", field="body")
            call = Call(
                token,
                state.mall(token.property),
                dict(request.path_params),
                dict(request.query_params),
                data,
                lang,
            )
            result = await run_work(state, lambda: work(call))
        except (MallopsError, HttpError) as exc:
            return error_response(exc, lang)
        if isinstance(result, Response):
            return result
        return JSONResponse(result, status_code=status)

    return endpoint
