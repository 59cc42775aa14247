"""The one place where the issues service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.directory_view import directory_view
from services.issues.hazards import HazardNumbering, hazard_register
from services.issues.hazards_api import router as hazards_router
from services.issues.issue_service import IssueService
from services.issues.notices import NoticeService
from services.issues.notices_api import router as notices_router
from services.issues.number_books import NumberBooks, OfficeNames
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
        # notices (督导整改通知书) and the hazard register (隐患台账)
        office_names = OfficeNames(runtime.db, settings.office_abbreviations)
        app.state.number_books = NumberBooks(runtime, office_names)
        app.state.notices = NoticeService(
            app.state.issues,
            app.state.number_books,
            office_names,
            app.state.directory_lookup,
            runtime.store,
            runtime.registry,
            settings.notice_legal_basis,
        )
        await runtime.run_reactor(HazardNumbering(app.state.number_books, runtime.clock))
        await runtime.run_projection(hazard_register())

    return start


def create_app(settings: IssuesSettings | None = None) -> FastAPI:
    settings = settings or IssuesSettings()
    routers = [notices_router, hazards_router]
    return build_app("issues", "整改问题服务 Issues", settings, routers, on_start=_wire(settings))
