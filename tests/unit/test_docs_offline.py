"""``/docs`` and ``/redoc`` of every service work with the network cut (issue 17).

The pages must name no other host (no CDN, no web fonts, no remote favicon), and every
script, stylesheet and icon they reference must be served by the service itself. The
apps are built and asked in-process; their lifespan (Kafka, MongoDB) is never started.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.notifications.bootstrap import create_app as create_notifications
from services.reporting.bootstrap import create_app as create_reporting
from services.visits.bootstrap import create_app as create_visits

APPS: dict[str, Callable[[], FastAPI]] = {
    "visits": create_visits,
    "issues": create_issues,
    "notifications": create_notifications,
    "reporting": create_reporting,
}
EXTERNAL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
REFERENCED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")


def client(app: FastAPI) -> httpx.AsyncClient:
    """In-process, without the lifespan (no Kafka, no MongoDB)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


def referenced(page: str) -> list[str]:
    return [a or b for a, b in REFERENCED.findall(page)]


@pytest.mark.parametrize("service", sorted(APPS))
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_names_no_other_host_and_its_assets_answer(service: str, page: str) -> None:
    async with client(APPS[service]()) as http:
        answer = await http.get(page)
        assets = referenced(answer.text)
        fetched = {asset: await http.get(asset) for asset in assets if asset.startswith("/")}
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert EXTERNAL.findall(answer.text) == []
    assert any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/"), asset
        assert fetched[asset].status_code == 200, asset
        assert fetched[asset].content, asset


async def test_swagger_oauth2_redirect_page_is_served() -> None:
    async with client(create_visits()) as http:
        answer = await http.get("/docs/oauth2-redirect")
    assert answer.status_code == 200
    assert EXTERNAL.findall(answer.text) == []
