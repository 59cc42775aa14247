"""Every log line is JSON with ``service``: structlog's own, the stdlib loggers of
uvicorn, aiokafka and pymongo (with and without a traceback), and the request lines,
which carry the request's correlation id (issue 17)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog

from services.visits.bootstrap import create_app as create_visits
from shared.logs import configure_logging


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    captured = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("visits", "INFO", stream=captured)
    try:
        yield captured
    finally:
        structlog.reset_defaults()
        root.handlers, root.level = handlers, level


def lines(captured: io.StringIO) -> list[dict[str, Any]]:
    text = captured.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_structlog_and_stdlib_lines_are_json_with_the_service(output: io.StringIO) -> None:
    structlog.get_logger("shared.outbox").info("outbox_published", events=3, 名称="中文")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/healthz", "1.1", 200
    )
    logging.getLogger("aiokafka.consumer.group_coordinator").warning("Heartbeat failed")
    logging.getLogger("pymongo.topology").debug("below the level: not written")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("pymongo.pool").exception("connection failed")
        structlog.get_logger("shared.consumer").exception("consumer_failed")

    found = lines(output)
    assert [line["event"] for line in found] == [
        "outbox_published",
        "Started server process [42]",
        '127.0.0.1:5000 - "GET /healthz HTTP/1.1" 200',
        "Heartbeat failed",
        "connection failed",
        "consumer_failed",
    ]
    for line in found:
        assert line["service"] == "visits"
        assert {"timestamp", "level", "logger"} <= line.keys()
    assert found[0]["名称"] == "中文" and found[0]["events"] == 3
    assert found[3]["level"] == "warning" and found[3]["logger"].startswith("aiokafka")
    assert "RuntimeError: boom" in found[4]["exception"]
    assert "RuntimeError: boom" in found[5]["exception"]


async def test_request_lines_carry_the_service_and_the_correlation_id(
    output: io.StringIO,
) -> None:
    transport = httpx.ASGITransport(app=create_visits())
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        answer = await http.get("/healthz", headers={"X-Correlation-ID": "corr-17"})
        missing = await http.get("/no-such-route")
    assert answer.status_code == 200 and missing.status_code == 404

    found = lines(output)
    requests = [line for line in found if line["event"] == "request"]
    assert [(r["path"], r["status"]) for r in requests] == [
        ("/healthz", 200),
        ("/no-such-route", 404),
    ]
    assert requests[0]["correlation_id"] == "corr-17"
    assert requests[1]["correlation_id"] == missing.headers["X-Correlation-ID"]
    assert all(line["service"] == "visits" for line in found)
