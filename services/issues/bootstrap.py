"""The one place where the issues service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.directory_view import directory_view
from services.issues.issue_service import IssueService
from services.issues.self_inspection import SelfInspectionService, SelfInspectionTracker
from services.issues.self_inspection_api import router as self_inspection_router
from services.issues.self_inspection_view import SelfInspectionView
from services.issues.settings import IssuesSettings
from shared.directory.lookup import ReadModelDirectory
from shared.runtime import Runtime
from shared.service import StartHook, build_app


def _wire(settings: IssuesSettings) -> StartHook:
    async def start(runtime: Runtime, app: FastAPI) -> None:
        # the directory, as this service's own read model
        app.state.directory_lookup = ReadModelDirectory(runtime.db, DIRECTORY_VIEW)
        await runtime.run_projection(directory_view())
        # rectification issues
        app.state.issues = IssueService(runtime, app.state.directory_lookup)
        # monthly self-inspection reports and their weekly zone consolidation
        app.state.self_inspections = SelfInspectionService(
            runtime,
            app.state.directory_lookup,
            app.state.issues,
            due_day=settings.self_inspection_due_day,
        )
        await runtime.run_projection(SelfInspectionView())
        await runtime.run_reactor(SelfInspectionTracker(app.state.self_inspections))

    return start


def create_app(settings: IssuesSettings | None = None) -> FastAPI:
    settings = settings or IssuesSettings()
    return build_app(
        "issues",
        "整改问题服务 Issues",
        settings,
        [self_inspection_router],
        on_start=_wire(settings),
    )
