"""The one place where the reporting service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.api import router as counts_router
from services.reporting.assessments.api import router as assessments_router
from services.reporting.assessments.queries import Candidates
from services.reporting.assessments.service import AssessmentService, formula_streams
from services.reporting.deps import live_rollups
from services.reporting.documents.api import router as documents_router
from services.reporting.exports.api import router as exports_router
from services.reporting.inspectors.api import router as inspectors_router
from services.reporting.inspectors.view import InspectorView
from services.reporting.rebuilds.api import router as rebuilds_router
from services.reporting.reports.api import router as reports_router
from services.reporting.reports.service import ReportService, report_streams
from services.reporting.rollups.api import router as rollups_router
from services.reporting.rollups.queries import Rollups
from services.reporting.rollups.view import RollupView
from services.reporting.school_counts import SchoolCounts
from services.reporting.settings import ReportingSettings
from shared.rebuilder import Rebuilds
from shared.runtime import Runtime
from shared.service import build_app


def projections() -> list[SchoolCounts | RollupView | InspectorView]:
    """Every read model the service keeps (the benchmark builds the same)."""
    return [SchoolCounts(), RollupView(), InspectorView()]


async def _start(runtime: Runtime, app: FastAPI) -> None:
    rollups = Rollups(runtime.db, live_rollups(runtime))
    app.state.reports = ReportService(report_streams(runtime), rollups)
    app.state.assessments = AssessmentService(formula_streams(runtime), Candidates(runtime.db))
    read_models = projections()
    for projection in read_models:
        await runtime.run_projection(projection)
    rebuilds = app.state.rebuilds = Rebuilds(runtime, [p.name for p in read_models])
    await rebuilds.recover()
    runtime.spawn(rebuilds.run(), "reporting-rebuilds", rebuilds.stop)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    return build_app(
        "reporting",
        "统计报表服务 Reporting",
        settings,
        [
            counts_router,
            exports_router,
            rollups_router,
            # documents before reports: ``…/monthly/{month}`` would take ``2026-10.pdf``
            documents_router,
            reports_router,
            inspectors_router,
            assessments_router,
            rebuilds_router,
        ],
        on_start=_start,
    )
