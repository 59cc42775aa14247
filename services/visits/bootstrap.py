"""The one place where the visits service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.visits import api_directory, api_roster, public
from services.visits.api import router
from services.visits.directory import DirectoryService
from services.visits.directory_view import DirectoryView
from services.visits.roster_import import RosterImporter
from services.visits.settings import VisitsSettings
from shared.ratelimit import RateLimiter
from shared.runtime import Runtime
from shared.service import build_app


async def _start(runtime: Runtime, app: FastAPI) -> None:
    app.state.directory = DirectoryService(runtime)
    app.state.roster_importer = RosterImporter(runtime, app.state.directory)
    await runtime.run_projection(DirectoryView())


def create_app(settings: VisitsSettings | None = None) -> FastAPI:
    settings = settings or VisitsSettings()
    app = build_app(
        "visits",
        "督导走访服务 Visits",
        settings,
        [router, api_directory.router, api_roster.router, public.router],
        on_start=_start,
    )
    app.state.public_limiter = RateLimiter(
        per_minute=settings.public_rate_per_minute, burst=settings.public_rate_burst
    )
    return app
