"""The one place where the visits service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.visits.api import router
from services.visits.campaigns import CampaignService
from services.visits.campaigns_api import router as campaigns_router
from services.visits.campaigns_view import CampaignsView
from services.visits.checklist_lookup import ReadModelChecklists
from services.visits.checklists import ChecklistService
from services.visits.checklists_api import router as checklists_router
from services.visits.checklists_view import ChecklistsView
from services.visits.directory import DirectoryService
from services.visits.directory_view import DirectoryView
from services.visits.evidence_api import router as evidence_router
from services.visits.evidence_api import start_evidence
from services.visits.plans import PlanService
from services.visits.plans_api import router as plans_router
from services.visits.plans_report import PlanReports
from services.visits.plans_view import PlansView
from services.visits.settings import VisitsSettings
from shared.runtime import Runtime
from shared.service import build_app


async def _start(runtime: Runtime, app: FastAPI) -> None:
    app.state.directory = DirectoryService(runtime)
    await runtime.run_projection(DirectoryView())
    await start_evidence(runtime, app)
    # checklists, campaigns, monthly plans
    app.state.checklists = ChecklistService(runtime)
    await app.state.checklists.seed_defaults(runtime.clock())
    app.state.campaigns = CampaignService(runtime, app.state.checklists, app.state.directory)
    app.state.plans = PlanService(runtime, app.state.campaigns, app.state.directory)
    app.state.plan_reports = PlanReports(runtime.db)
    app.state.checklist_lookup = ReadModelChecklists(runtime.db)
    for projection in (ChecklistsView(), CampaignsView(), PlansView()):
        await runtime.run_projection(projection)


def create_app(settings: VisitsSettings | None = None) -> FastAPI:
    settings = settings or VisitsSettings()
    return build_app(
        "visits",
        "督导走访服务 Visits",
        settings,
        [router, checklists_router, campaigns_router, plans_router, evidence_router],
        on_start=_start,
    )
