"""The one place where the issues service is wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from services.issues.complaints import ComplaintService
from services.issues.complaints_api import LIMITER as COMPLAINT_LIMITER
from services.issues.complaints_api import public_router as public_complaints_router
from services.issues.complaints_api import router as complaints_router
from services.issues.complaints_view import ComplaintsView
from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.directory_view import directory_view
from services.issues.issue_service import IssueService
from services.issues.settings import IssuesSettings
from shared.directory.lookup import ReadModelDirectory
from shared.events import registry
from shared.ratelimit import RateLimiter
from shared.runtime import Runtime, utcnow
from shared.service import StartHook, build_app


def _wire(settings: IssuesSettings) -> StartHook:
    async def start(runtime: Runtime, app: FastAPI) -> None:
        # the directory, as this service's own read model
        app.state.directory_lookup = ReadModelDirectory(runtime.db, DIRECTORY_VIEW)
        await runtime.run_projection(directory_view())
        # rectification issues
        app.state.issues = IssueService(runtime, app.state.directory_lookup)
        # complaints (举报投诉)
        app.state.complaints = ComplaintService(
            runtime,
            app.state.directory_lookup,
            app.state.issues,
            answer_days=settings.complaint_answer_days,
        )
        await runtime.run_projection(ComplaintsView())

    return start


def create_app(
    settings: IssuesSettings | None = None, clock: Callable[[], datetime] = utcnow
) -> FastAPI:
    """The issues app; tests pass ``clock`` to move time (never sleep)."""
    settings = settings or IssuesSettings()
    app = build_app(
        "issues",
        "整改问题服务 Issues",
        settings,
        [complaints_router, public_complaints_router],
        on_start=_wire(settings),
        runtime_factory=lambda: Runtime("issues", settings, registry, clock=clock),
    )
    setattr(
        app.state,
        COMPLAINT_LIMITER,
        RateLimiter(
            per_minute=settings.complaint_rate_per_minute, burst=settings.complaint_rate_burst
        ),
    )
    app.state.complaint_max_body = settings.complaint_max_body_bytes
    return app
