"""HTTP edge shared by every service: errors, correlation ids, metrics, health.

Errors always come back as ``{"error": code, "message": 中文说明, ...}``; validation
errors list every wrong field as ``{"field": "body.name", "message": …}``. Nothing
escapes as an unhandled 500 without being logged with its correlation id.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from uuid import uuid4

import structlog
from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import metrics
from shared.answers import Health, Readiness
from shared.commands import Forbidden, IllegalStep, InvalidField, NotCaughtUp, NotFound
from shared.envelope import EventEnvelope
from shared.eventstore import ConcurrencyConflict, StalePrecondition
from shared.params import MAX_VERSION

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "X-Correlation-ID"

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
}


OWN_BODY_LIMIT = 1024 * 1024 * 1024
"""The backstop for a route that reads and limits its own, larger body (the evidence and
roster uploads, see :func:`reads_own_body`): above their own limits."""
_BODY_LIMIT = "duxue.body_limit"


NUL_IN_JSON = "请求内容含有空字符 (U+0000)，请删除后重试 (NUL character in the body)"
# A JSON string carries U+0000 only as the escape ``\u0000`` (an odd run of backslashes
# before ``u0000``). No text of the platform needs it, and PostgreSQL's jsonb (under the
# MongoDB-wire server) cannot store it, so a body with one is refused as 422 ``body``.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_NUL_OVERLAP = 256

NOT_JSON = "请求内容不是有效的 JSON（编码须为 UTF-8，嵌套不得过深） (body is not JSON)"


def too_large_message(limit: int) -> str:
    return f"提交内容过大，不能超过 {limit} 字节 (request body larger than {limit} bytes)"


@dataclass
class _Allowance:
    limit: int


class BodyLimit:
    """ASGI middleware: a request body past the limit is refused with 413 before it is
    read whole — at the first read for a declared ``Content-Length``, else as soon as the
    streamed chunks pass it — in the platform's error format (``MAX_JSON_BODY_BYTES``).

    A route that reads its own body and applies its own limits declares
    ``dependencies=[Depends(reads_own_body)]``; its dependencies run before the body is
    read, so the larger allowance is in place by then.
    """

    def __init__(self, app: ASGIApp, default_limit: int) -> None:
        self.app = app
        self.default_limit = default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope):
            errors = [{"field": "path", "message": NUL_IN_URL, "type": "nul_character"}]
            refusal = JSONResponse(error_body(422, NUL_IN_URL, errors=errors), status_code=422)
            await refusal(scope, receive, send)
            return
        allowance = scope[_BODY_LIMIT] = _Allowance(self.default_limit)
        text = Headers(scope=scope).get("content-length", "")
        declared = int(text) if text.isdigit() and len(text) < 19 else None
        json_body = "json" in Headers(scope=scope).get("content-type", "")
        seen = 0
        tail = b""

        async def counted() -> Message:
            nonlocal seen, tail
            if declared is not None and declared > allowance.limit:
                raise HTTPException(413, too_large_message(allowance.limit))
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > allowance.limit:
                    raise HTTPException(413, too_large_message(allowance.limit))
                if json_body:
                    if _NUL_ESCAPE.search(tail + chunk):
                        raise RequestValidationError(
                            [{"loc": ("body",), "msg": NUL_IN_JSON, "type": "nul_character"}]
                        )
                    tail = (tail + chunk)[-_NUL_OVERLAP:]
            return message

        await self.app(scope, counted, send)


NUL_IN_URL = "地址或查询参数中含有 NUL 字符 (NUL character in the path or query)"


def _has_nul(scope: Scope) -> bool:
    """A NUL in the (decoded) path or in the query string, raw or percent-encoded: no id
    or filter of the platform holds one, and PostgreSQL (under the MongoDB-wire server)
    fails on it — a 500 before this check."""
    query = bytes(scope.get("query_string", b"")).lower()
    return "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query


def reads_own_body(request: Request) -> None:
    """Dependency of an upload route: it reads and limits its own body (up to
    :data:`OWN_BODY_LIMIT`) instead of the app's JSON body limit."""
    allowance = request.scope.get(_BODY_LIMIT)
    if isinstance(allowance, _Allowance):
        allowance.limit = OWN_BODY_LIMIT


def error_body(status_code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": _STATUS_CODES.get(status_code, "error"), "message": message, **extra}


def timeline_entry(event: EventEnvelope, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """One step of a stream as the ``…/timeline`` routes show it: what, when, who and why
    (correlation and causation); ``payload`` replaces the event's own (e.g. redacted)."""
    return {
        "version": event.stream_version,
        "type": event.event_type,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": {"user_id": event.actor.user_id, "role": event.actor.role},
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "event_id": str(event.event_id),
        "payload": event.payload if payload is None else payload,
    }


def parse_if_match(if_match: str | None) -> int | None:
    """The stream version a client's ``If-Match`` names (``"3"``, ``W/"3"``); 422 otherwise."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_VERSION)):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "If-Match 必须是版本号 (If-Match must be a version)",
        )
    return int(text)


DOMAIN_ERRORS: dict[type[Exception], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    IllegalStep: status.HTTP_409_CONFLICT,
    StalePrecondition: status.HTTP_412_PRECONDITION_FAILED,
    ConcurrencyConflict: status.HTTP_409_CONFLICT,
    InvalidField: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotCaughtUp: status.HTTP_503_SERVICE_UNAVAILABLE,
}
"""The one mapping of the domain's errors to HTTP (subclasses map as their base).

A stale ``If-Match`` answers 412 (Precondition Failed) and a lost race between two
appends 409, both with the stream's current version (the first match in this order
wins: :class:`StalePrecondition` is a ``ConcurrencyConflict``); services raise these
errors only, never ``HTTPException``."""

STALE_VERSION = "数据已被他人修改，请刷新后重试 (stale version)"


def status_of(error: Exception) -> int:
    """The HTTP status :data:`DOMAIN_ERRORS` gives ``error`` (500 if it is not there)."""
    for kind, code in DOMAIN_ERRORS.items():
        if isinstance(error, kind):
            return code
    return status.HTTP_500_INTERNAL_SERVER_ERROR


def domain_error_body(error: Exception) -> dict[str, Any]:
    """The platform's error body for one of :data:`DOMAIN_ERRORS`."""
    code = status_of(error)
    if isinstance(error, InvalidField):
        errors = [{"field": error.field, "message": error.message, "type": error.kind}]
        return error_body(code, error.summary or error.message, errors=errors)
    if isinstance(error, ConcurrencyConflict):
        return error_body(
            code,
            STALE_VERSION,
            stream_id=error.stream_id,
            expected_version=error.expected_version,
            current_version=error.actual_version,
        )
    return error_body(code, str(error))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(domain_error_body(exc), status_code=status_of(exc))


_ZH_BY_TYPE = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "string_type": "须为文本",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "enum": "取值不在允许的范围内",
    "literal_error": "取值不在允许的范围内",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "须为日期（YYYY-MM-DD）",
    "datetime_type": "须为时间（ISO 8601）",
    "datetime_parsing": "须为时间（ISO 8601）",
    "datetime_from_date_parsing": "须为时间（ISO 8601）",
    "timezone_aware": "时间须带时区",
    "uuid_type": "须为 UUID",
    "uuid_parsing": "须为 UUID",
    "list_type": "须为列表",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "too_short": "项数太少",
    "too_long": "项数太多",
    "json_invalid": "不是有效的 JSON",
    "url_parsing": "须为网址",
    "missing_argument": "必填",
}


def zh_message(kind: str, message: str) -> str:
    """A field's 422 message, zh-CN first and the validator's own words in parentheses
    (a message a validator of ours wrote — already zh-CN — is kept as it is)."""
    zh = _ZH_BY_TYPE.get(kind)
    return f"{zh} ({message})" if zh and message else message


_ZH_BY_STATUS = {
    400: "请求有误",
    401: "未登录或登录已失效",
    403: "无权访问",
    404: "接口不存在",
    405: "不支持该请求方法",
    406: "无法提供所要求的格式",
    413: "提交内容过大",
    415: "不支持的内容类型",
    429: "请求过于频繁，请稍后再试",
    500: "服务内部错误",
    503: "服务暂不可用",
}


def zh_detail(status_code: int, detail: str) -> str:
    """An HTTP error's message, zh-CN first: the framework's own English reason (an
    unknown route's "Not Found", a wrong method's "Method Not Allowed") gets the zh-CN
    words before it; a message of ours (already zh-CN) is kept as it is."""
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return detail
    zh = _ZH_BY_STATUS.get(status_code)
    return f"{zh} ({detail})" if zh and detail == phrase else detail


def install_edge(app: FastAPI, service: str) -> None:
    """Error handlers, correlation-id and latency middleware, ``/metrics``."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ())),
                "message": zh_message(err.get("type", ""), err.get("msg", "")),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        return JSONResponse(
            error_body(422, "请求数据不符合要求 (invalid request)", errors=errors), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's own "error parsing the body" (a JSON body nested too deeply for
            # the parser, or bytes that are not UTF-8): a wrong body is 422 ``body``.
            errors = [{"field": "body", "message": NOT_JSON, "type": "json_invalid"}]
            return JSONResponse(error_body(422, NOT_JSON, errors=errors), status_code=422)
        return JSONResponse(
            error_body(exc.status_code, zh_detail(exc.status_code, str(exc.detail))),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    for error in DOMAIN_ERRORS:
        app.add_exception_handler(error, _domain_error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return JSONResponse(error_body(500, "服务内部错误 (internal error)"), status_code=500)

    @app.middleware("http")
    async def _observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid4())
        if len(correlation_id) > 64:
            correlation_id = correlation_id[:64]
        request.state.correlation_id = correlation_id
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers[CORRELATION_HEADER] = correlation_id
            return response
        finally:
            metrics.HTTP_LATENCY.labels(
                service, request.method, _route_template(request), str(status)
            ).observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("correlation_id")

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _route_template(request: Request) -> str:
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


def install_health(app: FastAPI, readiness: Callable[[], Awaitable[dict[str, str]]]) -> None:
    """``/healthz`` (the process answers) and ``/readyz`` (MongoDB and Kafka reachable)."""

    @app.get("/healthz", tags=["health"], response_model=Health)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "MongoDB or Kafka unreachable"}},
    )
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
        )
