"""The OpenAPI 3.1 document of the API, generated from the registered workflow specs:
one request schema per creating event and per event of every workflow (plug-ins
included), so the document always matches what the server accepts."""

from __future__ import annotations

from typing import Any

from ..engine.spec import Param
from ..mall import Mall

__all__ = ["openapi"]

_ERROR = {"$ref": "#/components/responses/Error"}
_ERRORS = {
    str(code): _ERROR for code in (401, 403, 404, 409, 413, 422, 504)
}  # the statuses of mallops errors (see docs/http.md)


def param_schema(param: Param, mall: Mall) -> dict[str, Any]:
    """The JSON schema of one event parameter."""
    schema: dict[str, Any]
    if param.kind in ("str", "text"):
        schema = {"type": "string", "maxLength": param.max_len if param.kind == "str" else 5000}
    elif param.kind == "choice":
        choices = list(param.choices(mall.policy)) if param.choices else []
        schema = {"type": "string", "enum": choices}
    elif param.kind == "int":
        schema = {"type": "integer"}
        if param.minimum is not None:
            schema["minimum"] = param.minimum
        if param.maximum is not None:
            schema["maximum"] = param.maximum
    elif param.kind == "bool":
        schema = {"type": "boolean"}
    elif param.kind == "datetime":
        schema = {"type": "string", "format": "date-time"}
    elif param.kind == "strlist":
        schema = {"type": "array", "items": {"type": "string"}, "maxItems": 100}
    else:
        schema = {}
    if param.doc:
        schema["description"] = param.doc
    return schema


def _object(params: tuple[Param, ...], mall: Mall) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: param_schema(p, mall) for p in params},
        "additionalProperties": False,
    }
    required = [p.name for p in params if p.required]
    if required:
        out["required"] = required
    return out


def _op(summary: str, tag: str, ok: str, **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "tags": [tag],
        "responses": {ok: {"description": "OK", "content": {"application/json": {}}}, **_ERRORS},
        **extra,
    }


def _id_param() -> dict[str, Any]:
    return {"name": "record_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _query(*names: str) -> list[dict[str, Any]]:
    return [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in names
    ]


def _admin_paths() -> dict[str, Any]:
    """``/api/v1/admin``: policy change, re-plan, calendar check (admin roles only)."""
    reason = {"reason": {"type": "string", "minLength": 1}}
    policy_body = {
        "type": "object",
        "required": ["policy", "reason"],
        "properties": {"policy": {"type": "object"}, **reason},
        "additionalProperties": False,
    }

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    return {
        "/api/v1/admin/policy": {
            "post": _op(
                "change the property's policy, recorded (Mall.change_policy); admin roles",
                "admin",
                "200",
                requestBody=body(policy_body),
            )
        },
        "/api/v1/admin/replan": {
            "post": _op(
                "re-plan provisional timers the calendar now covers (G9); admin roles",
                "admin",
                "200",
                requestBody=body({"type": "object", "properties": reason}),
            )
        },
        "/api/v1/admin/calendar": {
            "get": _op(
                "the calendar's coverage (mallops calendar check); admin roles", "admin", "200"
            )
        },
    }


def openapi(mall: Mall, version: str) -> dict[str, Any]:
    """The whole document for the workflows of ``mall``."""
    paths: dict[str, Any] = {
        "/health": {"get": {**_op("store reachable", "service", "200"), "security": []}},
        "/api/v1/me": {"get": _op("the token's property and actor", "service", "200")},
        "/api/v1/workflows": {
            "get": _op("every workflow, its states and events", "service", "200")
        },
        "/api/v1/records": {
            "get": _op(
                "query records",
                "records",
                "200",
                parameters=_query(
                    "kind", "state", "owner", "tenant", "department", "open", "limit"
                ),
            )
        },
        "/api/v1/records/{record_id}": {
            "get": _op(
                "a record with its history and deadlines",
                "records",
                "200",
                parameters=[_id_param()],
            )
        },
        "/api/v1/records/{record_id}/allowed": {
            "get": _op(
                "what the token's actor may do next", "records", "200", parameters=[_id_param()]
            )
        },
        "/api/v1/overdue": {"get": _op("open records with an overdue timer", "records", "200")},
        "/api/v1/at-risk": {"get": _op("open records whose warning fired", "records", "200")},
        "/api/v1/reports/monthly": {
            "get": _op(
                "the monthly report (K1-K5)",
                "reports",
                "200",
                parameters=_query("month", "from", "to", "format", "lang"),
            )
        },
        "/api/v1/tick": {"post": _op("fire every timer that fell due", "service", "200")},
        "/api/v1/export": {
            "get": _op(
                "records as CSV (mallops export)",
                "records",
                "200",
                parameters=_query("kind", "state", "owner", "tenant", "open", "columns", "lang"),
            )
        },
        "/api/v1/policy": {"get": _op("the policy in force", "service", "200")},
        "/api/v1/feed": {
            "get": _op(
                "the event feed after a position (long poll)",
                "feed",
                "200",
                parameters=_query("after", "limit", "wait"),
            )
        },
        "/api/v1/feed/stream": {
            "get": {
                **_op(
                    "the event feed as server-sent events (id = position; resumes after "
                    "the Last-Event-ID header, else ?after=)",
                    "feed",
                    "200",
                    parameters=[
                        *_query("after", "limit", "seconds"),
                        {
                            "name": "Last-Event-ID",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string"},
                        },
                    ],
                ),
                "responses": {
                    "200": {"description": "OK", "content": {"text/event-stream": {}}},
                    **_ERRORS,
                },
            }
        },
        **_admin_paths(),
    }
    for kind, service in mall.services.items():
        spec = service.engine.spec
        base = f"/api/v1/workflows/{kind}"
        body = {
            "required": True,
            "content": {"application/json": {"schema": _object(spec.create.params, mall)}},
        }
        paths[f"{base}/records"] = {
            "post": _op(
                f"open a {spec.en} ({spec.zh})",
                kind,
                "201",
                requestBody=body,
                operationId=f"open_{kind}",
            ),
            "get": _op(
                f"list {spec.en} records",
                kind,
                "200",
                parameters=_query("state", "owner", "open", "limit"),
                operationId=f"list_{kind}",
            ),
        }
        paths[f"{base}/diagram"] = {
            "get": _op(
                f"state diagram of {spec.en}",
                kind,
                "200",
                parameters=_query("format", "lang"),
                operationId=f"diagram_{kind}",
            )
        }
        for name in dict.fromkeys(e.name for e in spec.events if not e.system):
            branch = next(e for e in spec.events if e.name == name)
            fire_body = {
                "type": "object",
                "properties": {
                    "params": _object(service.engine.param_specs(name), mall),
                    "reason": {"type": "string"},
                },
                "additionalProperties": False,
            }
            if branch.reason_required:
                fire_body["required"] = ["reason"]
            paths[f"{base}/records/{{record_id}}/events/{name}"] = {
                "post": _op(
                    f"{branch.en} ({branch.zh}); roles: {', '.join(branch.roles)}",
                    kind,
                    "200",
                    parameters=[_id_param()],
                    requestBody={
                        "required": True,
                        "content": {"application/json": {"schema": fire_body}},
                    },
                    operationId=f"{kind}_{name}",
                )
            }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mallops",
            "version": version,
            "description": "Mall operations over HTTP (docs/http.md).",
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "a mallops error: type, status, title (zh/en), message",
                    "content": {
                        "application/json": {"schema": {"type": "object", "required": ["error"]}}
                    },
                }
            },
        },
    }
