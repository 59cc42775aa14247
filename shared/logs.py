"""Every log line is one JSON object, from structlog and from the stdlib loggers alike.

structlog's own loggers and the stdlib ones that libraries use (uvicorn, aiokafka,
pymongo, …) end in one handler on the root logger whose
:class:`structlog.stdlib.ProcessorFormatter` renders JSON, so no plain-text line is
mixed into stdout. Each line has ``timestamp``, ``level``, ``logger`` and ``service``
(added by a processor, not a context variable, so lines from any task have it);
``correlation_id`` comes from structlog's contextvars, which the HTTP edge binds per
request. :class:`RequestLog` writes one ``request`` line per HTTP request with the
request's correlation id (uvicorn's access log, which cannot know it, is off).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.types import EventDict, Processor, WrappedLogger

log = structlog.get_logger("duxue.request")


class _Service:
    """A processor that puts the service's name on every line."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
        event.setdefault("service", self.service)
        return event


def configure_logging(service: str, level: str = "INFO", stream: IO[str] | None = None) -> None:
    """JSON lines on ``stream`` (stdout) for structlog and every stdlib logger."""
    numeric = logging.getLevelName(level.upper())
    common: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _Service(service),
    ]
    structlog.configure(
        processors=[
            *common,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=common,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = logging.StreamHandler(stream) if stream is not None else _Stdout()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name in logging.root.manager.loggerDict:
        known = logging.getLogger(name)
        known.handlers = []  # uvicorn's own, if it configured any: everything to the root
        known.propagate = True


class _Stdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at the time of the line (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


class RequestLog:
    """ASGI middleware: one ``request`` line per HTTP request, after its response,
    with the correlation id the edge put on ``request.state``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            state: dict[str, Any] = scope.get("state") or {}
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                correlation_id=state.get("correlation_id"),
            )
