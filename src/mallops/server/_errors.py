"""mallops errors as HTTP statuses and JSON bodies, titled in zh-CN or English.

The body is ``{"error": {"type", "status", "title", "message", ...facts}}``:
``message`` is the library's own message (what was wrong and what is allowed), the
same text the CLI prints; ``title`` names the kind of error in the language of the
request's ``Accept-Language`` (Chinese unless English is preferred).
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    ConflictError,
    EventsPruned,
    InvalidTransition,
    MallopsError,
    PermissionDenied,
    PolicyError,
    RecordNotFound,
    StoreError,
    ValidationError,
)

__all__ = ["HttpError", "error_body", "language", "status_of"]

_STATUS: tuple[tuple[type[MallopsError], int, str, str], ...] = (
    (RecordNotFound, 404, "记录不存在", "record not found"),
    (PermissionDenied, 403, "无权执行此操作", "permission denied"),
    (InvalidTransition, 409, "当前状态不允许此操作", "not allowed in the current state"),
    (ConflictError, 409, "记录已被他人修改，请刷新后重试", "changed by someone else; retry"),
    (EventsPruned, 410, "事件已按保留期删除", "events removed by retention"),
    (ValidationError, 422, "输入有误", "invalid input"),
    (PolicyError, 422, "政策配置有误", "invalid policy"),
    (StoreError, 503, "存储暂不可用", "store unavailable"),
)
_FACTS = ("field", "record_id", "state", "event", "allowed", "role", "expected", "actual", "first")


class HttpError(Exception):
    """An error of the HTTP layer itself (no token, body too large ...)."""

    def __init__(self, status: int, zh: str, en: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.zh = zh
        self.en = en
        self.message = message


def language(accept: str | None) -> str:
    """``"en"`` if ``Accept-Language`` prefers English over Chinese, else ``"zh"``."""
    best, best_q = "zh", -1.0
    for part in (accept or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in ("zh", "en") and q > best_q:
            best, best_q = base, q
    return best


def status_of(exc: MallopsError) -> tuple[int, str, str]:
    """The HTTP status and the zh/en titles of a mallops error."""
    for cls, status, zh, en in _STATUS:
        if isinstance(exc, cls):
            return status, zh, en
    return 400, "请求无法处理", "request refused"


def error_body(exc: Exception, lang: str) -> tuple[int, dict[str, Any]]:
    """``(status, JSON body)`` for a mallops or HTTP-layer error."""
    if isinstance(exc, HttpError):
        status, zh, en, message = exc.status, exc.zh, exc.en, exc.message
        facts: dict[str, Any] = {}
    elif isinstance(exc, MallopsError):
        status, zh, en = status_of(exc)
        message = str(exc)
        facts = {}
        for name in _FACTS:
            value = getattr(exc, name, None)
            if value is not None:
                facts[name] = list(value) if isinstance(value, tuple) else value
    else:  # pragma: no cover - the app maps only these two
        raise TypeError(type(exc).__name__)
    title = zh if lang == "zh" else en
    body = {"type": type(exc).__name__, "status": status, "title": title, "message": message}
    return status, {"error": {**body, **facts}}
