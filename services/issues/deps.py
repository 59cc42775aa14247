"""The issues service's typed dependencies: what a route may ask for, wired by bootstrap.

Each alias reads one object :mod:`services.issues.bootstrap` put on ``app.state`` at
start-up, so a route states what it needs in its signature (``issues: Issues``) and a
test that builds the app with other adapters gets them in every route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.issues.complaints.service import ComplaintService
from services.issues.notices.service import NoticeService
from services.issues.rectification.overdue import OverdueSweep
from services.issues.rectification.queries import IssueQueries
from services.issues.rectification.service import IssueService
from services.issues.self_inspection.service import SelfInspectionService
from shared.directory.lookup import ReadModelDirectory


def _issues(request: Request) -> IssueService:
    service: IssueService = request.app.state.issues
    return service


def _issue_queries(request: Request) -> IssueQueries:
    queries: IssueQueries = request.app.state.issue_queries
    return queries


def _complaints(request: Request) -> ComplaintService:
    service: ComplaintService = request.app.state.complaints
    return service


def _notices(request: Request) -> NoticeService:
    service: NoticeService = request.app.state.notices
    return service


def _self_inspections(request: Request) -> SelfInspectionService:
    service: SelfInspectionService = request.app.state.self_inspections
    return service


def _directory(request: Request) -> ReadModelDirectory:
    directory: ReadModelDirectory = request.app.state.directory_lookup
    return directory


def _overdue_sweep(request: Request) -> OverdueSweep:
    sweep: OverdueSweep = request.app.state.overdue_sweep
    return sweep


def _complaint_max_body(request: Request) -> int:
    limit: int = request.app.state.complaint_max_body
    return limit


Issues = Annotated[IssueService, Depends(_issues)]
IssueReads = Annotated[IssueQueries, Depends(_issue_queries)]
Complaints = Annotated[ComplaintService, Depends(_complaints)]
Notices = Annotated[NoticeService, Depends(_notices)]
SelfInspections = Annotated[SelfInspectionService, Depends(_self_inspections)]
Directory = Annotated[ReadModelDirectory, Depends(_directory)]
Sweep = Annotated[OverdueSweep, Depends(_overdue_sweep)]
ComplaintMaxBody = Annotated[int, Depends(_complaint_max_body)]
"""The public complaint form's body limit in bytes (``COMPLAINT_MAX_BODY_BYTES``)."""
