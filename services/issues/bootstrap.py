"""The one place where the issues service is wired together.

The service starts with the shared backbone (event store, outbox relay, health,
metrics, the event catalogue); its domain arrives with its own issue on the tracker.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.issues.settings import IssuesSettings
from shared.service import build_app


def create_app(settings: IssuesSettings | None = None) -> FastAPI:
    settings = settings or IssuesSettings()
    return build_app("issues", "整改问题服务 Issues", settings, [])
