"""The JSON API's work functions and routes, generated from the workflow specs.

Every route under ``/api/v1`` acts as the token's actor in the token's property.
Records are returned with personal data masked (G7), as ``mallops show --json``.
"""

from __future__ import annotations

from typing import Any

import anyio
import pendulum
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..domain.records import Record
from ..errors import MallopsError, ValidationError
from ..mall import Mall
from ..workflows.base import WorkflowService
from ._admin import admin_routes
from ._app import Call, ServerState, authenticate, error_response, handler, run_work
from ._convert import feed_item, masked_record
from ._errors import HttpError, language
from ._sse import stream_endpoint

__all__ = ["api_routes", "at_risk", "overdue", "summary"]

_REPORT_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}


def overdue(record: Record, now: pendulum.DateTime) -> list[str]:
    """The record's running timers that are breached or past due."""
    return [
        t.name
        for t in record.timers
        if t.active and (t.breached or (t.due_at is not None and t.due_at < now))
    ]


def at_risk(record: Record, now: pendulum.DateTime) -> list[str]:
    """The record's running timers whose warning fired but that are not yet overdue."""
    late = set(overdue(record, now))
    return [
        t.name
        for t in record.timers
        if t.active
        and t.name not in late
        and any(m.kind == "warning" and m.fired_at is not None for m in t.marks)
    ]


def summary(record: Record, now: pendulum.DateTime) -> dict[str, Any]:
    """The short form of a record used in lists."""
    deadlines = [t.due_at.isoformat() for t in record.timers if t.active and t.due_at is not None]
    return {
        "id": record.id,
        "kind": record.kind,
        "state": record.state,
        "created_at": record.created_at.isoformat(),
        "owner": record.owner,
        "department": record.department,
        "tenant": record.tenant,
        "category": record.category,
        "severity": record.severity,
        "escalation_level": record.escalation_level,
        "next_deadline": min(deadlines) if deadlines else None,
        "overdue": overdue(record, now),
        "at_risk": at_risk(record, now),
    }


def _full(call: Call, record: Record) -> dict[str, Any]:
    data = masked_record(call.mall, record)
    data["allowed_events"] = list(call.mall.allowed_events(record.id, call.token.actor))
    data["overdue"] = overdue(record, call.mall.now())
    data["at_risk"] = at_risk(record, call.mall.now())
    return data


# -- work functions -------------------------------------------------------------------------


def me(call: Call) -> Any:
    a = call.token.actor
    return {
        "property": call.token.property,
        "actor": {"id": a.id, "role": a.role, "department": a.department, "name": a.name},
    }


def workflows(call: Call) -> Any:
    out = []
    for kind, service in call.mall.services.items():
        spec = service.engine.spec
        out.append(
            {
                "kind": kind,
                "zh": spec.zh,
                "en": spec.en,
                "states": [{"name": s.name, "zh": s.zh, "en": s.en} for s in spec.states],
                "create": _event_info(call.mall, kind, spec.create.name),
                "events": [
                    _event_info(call.mall, kind, name)
                    for name in dict.fromkeys(e.name for e in spec.events if not e.system)
                ],
            }
        )
    return out


def _event_info(mall: Mall, kind: str, event: str) -> dict[str, Any]:
    engine = mall.service(kind).engine
    spec = engine.spec
    branch = next((e for e in (spec.create, *spec.events) if e.name == event), spec.create)
    return {
        "name": event,
        "zh": branch.zh,
        "en": branch.en,
        "roles": list(branch.roles),
        "reason_required": branch.reason_required,
        "params": [
            {"name": p.name, "kind": p.kind, "required": p.required, "doc": p.doc}
            for p in engine.param_specs(event)
        ],
    }


def open_record(call: Call) -> Any:
    service = call.mall.service(call.path["kind"])
    return _full(call, WorkflowService.open(service, actor=call.token.actor, **call.body))


def list_kind(call: Call) -> Any:
    call.mall.service(call.path["kind"])  # an unknown kind is refused
    return _list(call, {"kind": call.path["kind"]})


def list_records(call: Call) -> Any:
    return _list(call, {})


def _list(call: Call, filters: dict[str, Any]) -> Any:
    for name in ("kind", "state", "owner", "tenant", "department", "category"):
        value = call.text(name)
        if value is not None and name not in filters:
            filters[name] = value
    is_open = call.text("open")
    if is_open is not None:
        if is_open not in ("true", "false"):
            raise ValidationError("open: true or false", field="open")
        filters["is_open"] = is_open == "true"
    limit = call.integer("limit", 200, 1, 1000)
    now = call.mall.now()
    records = call.mall.query(**filters)
    return [summary(r, now) for r in records[:limit]]


def get_record(call: Call) -> Any:
    return _full(call, call.mall.get(call.path["record_id"]))


def allowed(call: Call) -> Any:
    rid = call.path["record_id"]
    return {"record_id": rid, "events": list(call.mall.allowed_events(rid, call.token.actor))}


def fire(call: Call) -> Any:
    body = dict(call.body)
    params = body.pop("params", {})
    reason = body.pop("reason", None)
    if body or not isinstance(params, dict):
        raise ValidationError(
            'the body is {"params": {...}, "reason": "..."}; unknown keys: '
            + ", ".join(sorted(body)),
            field="body",
        )
    if reason is not None and not isinstance(reason, str):
        raise ValidationError("reason: expected text", field="reason")
    rid, event = call.path["record_id"], call.path["event"]
    kind = call.path.get("kind")
    if kind is not None and call.mall.get(rid).kind != kind:
        raise ValidationError(f"{rid} is not a {kind}", field="kind")
    record = call.mall.fire(rid, event, actor=call.token.actor, reason=reason, **params)
    return _full(call, record)


def overdue_list(call: Call) -> Any:
    now = call.mall.now()
    return [summary(r, now) for r in call.mall.query(is_open=True) if overdue(r, now)]


def at_risk_list(call: Call) -> Any:
    now = call.mall.now()
    return [summary(r, now) for r in call.mall.query(is_open=True) if at_risk(r, now)]


def report(call: Call) -> Any:
    from ..report import build_report, parse_period, render

    fmt = call.text("format", "json") or "json"
    if fmt not in _REPORT_TYPES:
        raise ValidationError(f"format: one of {', '.join(_REPORT_TYPES)}", field="format")
    start, end = parse_period(call.mall, call.text("month"), call.text("from"), call.text("to"))
    text = render(
        build_report(call.mall, start, end, lang=call.text("lang", call.lang) or "zh"), fmt
    )
    return Response(text, media_type=_REPORT_TYPES[fmt])


def diagram(call: Call) -> Any:
    from ..diagrams import diagram as draw

    fmt = call.text("format", "mermaid") or "mermaid"
    spec = call.mall.service(call.path["kind"]).engine.spec
    return PlainTextResponse(draw(spec, fmt, call.text("lang", call.lang) or "zh"))


def export(call: Call) -> Any:
    """Records as CSV (``mallops export``): the same filters as the record list."""
    from ..export import DEFAULT_COLUMNS, export_rows, to_csv

    records = [call.mall.get(r["id"]) for r in _list(call, {})]
    columns = call.text("columns")
    cols = tuple(c.strip() for c in columns.split(",") if c.strip()) if columns else DEFAULT_COLUMNS
    header, rows = export_rows(call.mall, records, cols, lang=call.text("lang", call.lang) or "zh")
    return Response(to_csv(header, rows), media_type="text/csv; charset=utf-8")


def policy(call: Call) -> Any:
    """The policy in force (``mallops policy show``), as plain data."""
    return call.mall.policy.to_dict()


def tick(call: Call) -> Any:
    return [
        {"type": e.type, "record_id": e.record_id, "at": e.at.isoformat(), "data": dict(e.data)}
        for e in call.mall.tick()
    ]


# -- the feed: a long poll -----------------------------------------------------------------


def feed_endpoint(state: ServerState) -> Any:
    """``GET /api/v1/feed?after=N&limit=L&wait=S``: events after position ``N``;
    waits up to ``S`` seconds (at most ``max_wait``) for the first one."""

    async def endpoint(request: Request) -> Response:
        lang = language(request.headers.get("accept-language"))
        try:
            token = authenticate(state, request)
            q = request.query_params
            call = Call(token, state.mall(token.property), {}, dict(q), None, lang)
            after = call.integer("after", 0, 0, 2**62)
            limit = call.integer("limit", 100, 1, 1000)
            wait = min(float(call.integer("wait", 0, 0, 3600)), state.config.max_wait)
            mall = call.mall
            deadline = anyio.current_time() + wait
            for _ in range(int(wait / 0.2) + 2):  # bounded polling loop
                items = await run_work(state, lambda: mall.feed.events_since(after, limit=limit))
                if items or anyio.current_time() >= deadline:
                    break
                await anyio.sleep(0.2)
        except (MallopsError, HttpError) as exc:
            return error_response(exc, lang)
        nxt = items[-1].position if items else after
        return JSONResponse({"events": [feed_item(i) for i in items], "next": nxt})

    return endpoint


def api_routes(state: ServerState) -> list[Route]:
    """Every route of the JSON API."""
    v1 = "/api/v1"
    return [
        Route(f"{v1}/me", handler(state, me)),
        Route(f"{v1}/workflows", handler(state, workflows)),
        Route(
            f"{v1}/workflows/{{kind}}/records",
            handler(state, open_record, status=201, body=True),
            methods=["POST"],
        ),
        Route(f"{v1}/workflows/{{kind}}/records", handler(state, list_kind), methods=["GET"]),
        Route(
            f"{v1}/workflows/{{kind}}/records/{{record_id}}/events/{{event}}",
            handler(state, fire, body=True),
            methods=["POST"],
        ),
        Route(f"{v1}/workflows/{{kind}}/diagram", handler(state, diagram)),
        Route(f"{v1}/records", handler(state, list_records)),
        Route(f"{v1}/records/{{record_id}}", handler(state, get_record)),
        Route(f"{v1}/records/{{record_id}}/allowed", handler(state, allowed)),
        Route(
            f"{v1}/records/{{record_id}}/events/{{event}}",
            handler(state, fire, body=True),
            methods=["POST"],
        ),
        Route(f"{v1}/overdue", handler(state, overdue_list)),
        Route(f"{v1}/at-risk", handler(state, at_risk_list)),
        Route(f"{v1}/reports/monthly", handler(state, report)),
        Route(f"{v1}/tick", handler(state, tick), methods=["POST"]),
        Route(f"{v1}/export", handler(state, export)),
        Route(f"{v1}/policy", handler(state, policy)),
        Route(f"{v1}/feed", feed_endpoint(state)),
        Route(f"{v1}/feed/stream", stream_endpoint(state)),  # server-sent events (#20)
        *admin_routes(state),  # policy change, re-plan, calendar check (#20)
    ]


async def health(state: ServerState) -> Response:
    """``/health``: the store answers (its feed head) or 503."""
    try:
        head = await run_work(state, state.store.feed_head)
    except (MallopsError, HttpError) as exc:
        return error_response(exc, "en")
    return JSONResponse({"status": "ok", "feed_head": head})
