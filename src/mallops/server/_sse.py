"""The event feed as server-sent events: ``GET /api/v1/feed/stream`` (#20).

Beside the long poll (``/api/v1/feed``): one open response that carries every event of
the token's property as it is committed, each as an SSE message whose ``id`` is its feed
position, ``event`` its type and ``data`` the same JSON object the long poll returns.
A client that loses the connection reconnects with the standard ``Last-Event-ID``
header (browsers' ``EventSource`` do this by themselves) and resumes right after the
last event it got: nothing lost, nothing twice.  The stream ends after ``max_stream``
seconds (or ``limit`` events) so that proxies and workers are not held for ever; a
comment line every ``heartbeat`` seconds keeps idle connections open.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..domain.events import FeedEvent
from ..errors import MallopsError, ValidationError
from ..mall import Mall
from ._app import Call, ServerState, authenticate, error_response, run_work
from ._convert import feed_item
from ._errors import HttpError, language

__all__ = ["stream_endpoint"]

_POLL = 0.2  # seconds between looks at the feed while nothing new came


def _last_event_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id")
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isdigit():
        raise ValidationError(
            f"Last-Event-ID: {raw!r} is not a feed position (a whole number)",
            field="Last-Event-ID",
        )
    return int(text)


def _since(mall: Mall, position: int) -> list[FeedEvent]:
    return mall.feed.events_since(position, limit=100)


def message(item: dict[str, Any]) -> str:
    """One SSE message: ``id`` the feed position, ``event`` the type, ``data`` JSON."""
    data = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    return f"id: {item['position']}\nevent: {item['type']}\ndata: {data}\n\n"


def stream_endpoint(state: ServerState) -> Any:
    """``GET /api/v1/feed/stream?after=N&limit=L&seconds=S`` (or ``Last-Event-ID: N``)."""

    async def endpoint(request: Request) -> Response:
        lang = language(request.headers.get("accept-language"))
        try:
            token = authenticate(state, request)
            call = Call(
                token, state.mall(token.property), {}, dict(request.query_params), None, lang
            )
            resume = _last_event_id(request)  # the header wins over ?after=
            after = resume if resume is not None else call.integer("after", 0, 0, 2**62)
            limit = call.integer("limit", 0, 0, 10**9)
            most = max(1, int(state.config.max_stream))
            seconds = call.integer("seconds", most, 1, most)
        except (MallopsError, HttpError) as exc:
            return error_response(exc, lang)
        mall = call.mall

        async def events() -> AsyncIterator[str]:
            position, sent = after, 0
            yield f"retry: {int(state.config.sse_retry * 1000)}\n\n"
            deadline = anyio.current_time() + seconds
            beat = anyio.current_time()
            while anyio.current_time() < deadline:
                try:
                    items = await run_work(state, functools.partial(_since, mall, position))
                except (MallopsError, HttpError):
                    return  # the store did not answer: end; the client resumes from its id
                for item in items:
                    yield message(feed_item(item))
                    position, sent = item.position, sent + 1
                    if limit and sent >= limit:
                        return
                if items:
                    beat = anyio.current_time()
                    continue
                if anyio.current_time() - beat >= state.config.heartbeat:
                    yield ": keep-alive\n\n"
                    beat = anyio.current_time()
                await anyio.sleep(_POLL)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    return endpoint
