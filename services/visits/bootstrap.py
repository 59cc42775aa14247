"""The one place where the visits service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.visits.campaigns.api import router as campaigns_router
from services.visits.campaigns.lookup import StoreCampaigns
from services.visits.campaigns.service import CampaignService
from services.visits.campaigns.view import CampaignsView
from services.visits.checklists.api import router as checklists_router
from services.visits.checklists.service import ChecklistService
from services.visits.checklists.view import ChecklistsView
from services.visits.directory import public
from services.visits.directory.api import divisions, inspectors, listings, schools, zones
from services.visits.directory.roster import api as roster_api
from services.visits.directory.roster.importer import RosterImporter
from services.visits.directory.service import DirectoryService
from services.visits.directory.store import StoreDirectory
from services.visits.directory.view import VIEW as DIRECTORY_VIEW
from services.visits.directory.view import directory_view
from services.visits.plans.api import router as plans_router
from services.visits.plans.report import PlanReports
from services.visits.plans.service import PlanService
from services.visits.plans.view import PlansView
from services.visits.settings import VisitsSettings
from services.visits.visit import api as visits_api
from services.visits.visit.checklist_lookup import ReadModelChecklists
from services.visits.visit.documents import api as documents_api
from services.visits.visit.service import VisitService
from services.visits.visit.view import ViewFindings, VisitView
from shared.directory.lookup import ReadModelDirectory
from shared.evidence.api import FIELD_STAFF_AND_OFFICES, start_evidence
from shared.evidence.api import router as evidence_router
from shared.ratelimit import RateLimiter
from shared.runtime import Runtime
from shared.service import StartHook, build_app


def _wire(settings: VisitsSettings) -> StartHook:
    async def start(runtime: Runtime, app: FastAPI) -> None:
        # the directory: schools, zones, inspectors, listings, roster imports
        app.state.directory = DirectoryService.on(runtime)
        app.state.directory_lookup = ReadModelDirectory(runtime.db, DIRECTORY_VIEW)
        app.state.roster_importer = RosterImporter(
            runtime, app.state.directory, max_rows=settings.roster_max_rows
        )
        await runtime.run_projection(directory_view())
        # evidence storage
        await start_evidence(
            runtime,
            app,
            directory=app.state.directory_lookup,
            uploaders=FIELD_STAFF_AND_OFFICES,
            labels={"visit_id": lambda visit_id: app.state.visits.school_of(visit_id)},
        )
        # checklists, campaigns, monthly plans
        app.state.checklists = ChecklistService(runtime)
        await app.state.checklists.seed_defaults(runtime.clock())
        app.state.campaigns = CampaignService(runtime, app.state.checklists, app.state.directory)
        app.state.plans = PlanService(runtime, app.state.campaigns, app.state.directory)
        app.state.plan_reports = PlanReports(runtime.db, app.state.directory_lookup)
        app.state.checklist_lookup = ReadModelChecklists(runtime.db)
        for projection in (ChecklistsView(), CampaignsView(), PlansView()):
            await runtime.run_projection(projection)
        # the visit lifecycle: its checks read the directory and campaigns from the
        # event store, so a visit can be planned right after the roster import
        app.state.command_directory = StoreDirectory(runtime.store, runtime.registry)
        app.state.visits = VisitService(
            runtime.store,
            app.state.command_directory,
            app.state.checklist_lookup,
            StoreCampaigns(runtime.store, runtime.registry),
            app.state.evidence,
            plans=app.state.plans,
            findings=ViewFindings(runtime.db),
            radius_m=settings.signin_radius_m,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )
        await runtime.run_projection(VisitView())

    return start


def create_app(settings: VisitsSettings | None = None) -> FastAPI:
    settings = settings or VisitsSettings()
    app = build_app(
        "visits",
        "督导走访服务 Visits",
        settings,
        [
            schools.router,
            divisions.router,
            zones.router,
            inspectors.router,
            listings.router,
            roster_api.router,
            public.router,
            checklists_router,
            campaigns_router,
            plans_router,
            evidence_router,
            visits_api.router,
            documents_api.router,
        ],
        on_start=_wire(settings),
    )
    app.state.public_limiter = RateLimiter(
        per_minute=settings.public_rate_per_minute, burst=settings.public_rate_burst
    )
    return app
