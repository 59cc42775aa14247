"""The one place where the reporting service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.api import router as counts_router
from services.reporting.documents.api import router as documents_router
from services.reporting.inspectors.api import router as inspectors_router
from services.reporting.inspectors.view import InspectorView
from services.reporting.reports.api import router as reports_router
from services.reporting.reports.service import ReportService, report_streams
from services.reporting.rollups.api import router as rollups_router
from services.reporting.rollups.queries import Rollups
from services.reporting.rollups.view import RollupView
from services.reporting.school_counts import SchoolCounts
from services.reporting.settings import ReportingSettings
from shared.runtime import Runtime
from shared.service import build_app


def projections() -> list[SchoolCounts | RollupView | InspectorView]:
    """Every read model the service keeps (the benchmark builds the same)."""
    return [SchoolCounts(), RollupView(), InspectorView()]


async def _start(runtime: Runtime, app: FastAPI) -> None:
    app.state.reports = ReportService(report_streams(runtime), Rollups(runtime.db))
    for projection in projections():
        await runtime.run_projection(projection)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    return build_app(
        "reporting",
        "统计报表服务 Reporting",
        settings,
        # documents before reports: ``…/monthly/{month}`` would take ``2026-10.pdf``
        [counts_router, rollups_router, documents_router, reports_router, inspectors_router],
        on_start=_start,
    )
