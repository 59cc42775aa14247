"""The one place where the issues service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.issues.complaints.api import router as complaints_router
from services.issues.complaints.public import LIMITER as COMPLAINT_LIMITER
from services.issues.complaints.public import public_router as public_complaints_router
from services.issues.complaints.queries import ComplaintQueries
from services.issues.complaints.service import complaint_service
from services.issues.complaints.view import ComplaintsView
from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.directory_view import directory_view
from services.issues.hazards.api import router as hazards_router
from services.issues.hazards.register import HazardNumbering, hazard_register
from services.issues.notices.api import router as notices_router
from services.issues.notices.service import NoticeService
from services.issues.numbering.service import NumberBooks, OfficeNames
from services.issues.rectification import api as issues_api
from services.issues.rectification.opener import IssueOpener
from services.issues.rectification.overdue import OverdueSweep
from services.issues.rectification.queries import IssueQueries
from services.issues.rectification.service import IssueService, issue_streams
from services.issues.rectification.view import IssueView
from services.issues.rectification.visit_origins import VisitOriginsView, VisitSchools
from services.issues.self_inspection.api import router as self_inspection_router
from services.issues.self_inspection.service import SelfInspectionService
from services.issues.self_inspection.tracker import SelfInspectionTracker
from services.issues.self_inspection.view import SelfInspectionView
from services.issues.settings import IssuesSettings
from shared.auth import Role
from shared.directory.lookup import ReadModelDirectory
from shared.evidence.api import FIELD_STAFF_AND_OFFICES, start_evidence
from shared.evidence.api import router as evidence_router
from shared.ratelimit import RateLimiter
from shared.runtime import Runtime
from shared.service import StartHook, build_app

EVIDENCE_UPLOADERS = (Role.principal, *FIELD_STAFF_AND_OFFICES)
"""The principal of the school (its own school only) and inspectors and offices within
the school's jurisdiction (see ``shared.evidence.api.EvidenceAccess``)."""


def _wire(settings: IssuesSettings) -> StartHook:
    async def start(runtime: Runtime, app: FastAPI) -> None:
        # the directory, as this service's own read model
        app.state.directory_lookup = ReadModelDirectory(runtime.db, DIRECTORY_VIEW)
        await runtime.run_projection(directory_view())
        # evidence of rectification (the school's progress, the inspector's verification)
        visit_schools = VisitSchools(runtime.db)
        await start_evidence(
            runtime,
            app,
            directory=app.state.directory_lookup,
            uploaders=EVIDENCE_UPLOADERS,
            labels={
                "visit_id": visit_schools.school_of,
                "issue_id": lambda issue_id: app.state.issues.school_of(issue_id),
            },
        )
        # rectification issues
        app.state.issues = IssueService(
            issue_streams(runtime),
            app.state.directory_lookup,
            app.state.evidence,
            visit_schools,
            runtime.clock,
        )
        app.state.issue_queries = IssueQueries(runtime)
        await runtime.run_projection(IssueView())
        await runtime.run_projection(VisitOriginsView())
        app.state.opener = await runtime.run_reactor(IssueOpener(app.state.issues))
        sweep = OverdueSweep(runtime, app.state.issues, settings.overdue_sweep_seconds)
        app.state.overdue_sweep = sweep
        runtime.spawn(sweep.run(), "overdue-sweep", sweep.stop)
        # monthly self-inspection reports and their weekly zone consolidation
        app.state.self_inspections = SelfInspectionService(
            runtime,
            app.state.directory_lookup,
            app.state.issues,
            due_day=settings.self_inspection_due_day,
        )
        await runtime.run_projection(SelfInspectionView())
        await runtime.run_reactor(SelfInspectionTracker(app.state.self_inspections))
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
        # complaints (举报投诉)
        complaints = complaint_service(
            runtime,
            app.state.directory_lookup,
            app.state.issues,
            answer_days=settings.complaint_answer_days,
        )
        app.state.complaints = complaints
        app.state.complaint_queries = ComplaintQueries(
            runtime.db,
            complaints.keys,
            complaints.contacts,
            complaints.codes,
            complaints.zones,
            runtime.store,
            lambda: runtime.clock(),  # tests replace the runtime's clock after start-up
        )
        await runtime.run_projection(ComplaintsView())

    return start


def create_app(settings: IssuesSettings | None = None) -> FastAPI:
    settings = settings or IssuesSettings()
    app = build_app(
        "issues",
        "整改问题服务 Issues",
        settings,
        [
            issues_api.router,
            notices_router,
            issues_api.admin_router,
            evidence_router,
            self_inspection_router,
            hazards_router,
            complaints_router,
            public_complaints_router,
        ],
        on_start=_wire(settings),
    )
    limiter = RateLimiter(
        per_minute=settings.complaint_rate_per_minute, burst=settings.complaint_rate_burst
    )
    setattr(app.state, COMPLAINT_LIMITER, limiter)
    app.state.complaint_max_body = settings.complaint_max_body_bytes
    return app
