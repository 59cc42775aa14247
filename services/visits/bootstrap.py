"""The one place where the visits service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.visits.api import router
from services.visits.directory import DirectoryService
from services.visits.directory_view import DirectoryView
from services.visits.evidence_api import router as evidence_router
from services.visits.evidence_api import start_evidence
from services.visits.settings import VisitsSettings
from shared.runtime import Runtime
from shared.service import build_app


async def _start(runtime: Runtime, app: FastAPI) -> None:
    app.state.directory = DirectoryService(runtime)
    await runtime.run_projection(DirectoryView())
    await start_evidence(runtime, app)


def create_app(settings: VisitsSettings | None = None) -> FastAPI:
    settings = settings or VisitsSettings()
    return build_app(
        "visits", "督导走访服务 Visits", settings, [router, evidence_router], on_start=_start
    )
