"""The issues service's typed dependencies: what a route may ask for, wired by bootstrap.

Each alias reads one object :mod:`services.issues.bootstrap` put on ``app.state`` at
start-up, so a route states what it needs in its signature (``issues: Issues``) and a
test that builds the app with other adapters gets them in every route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from services.issues.complaints.queries import ComplaintQueries
from services.issues.complaints.service import ComplaintService
from services.issues.notices.service import NoticeService
from services.issues.rectification.overdue import OverdueSweep
from services.issues.rectification.queries import IssueQueries
from services.issues.rectification.service import IssueService
from services.issues.self_inspection.service import SelfInspectionService
from shared.directory.lookup import ReadModelDirectory


def _state(name: str) -> Callable[[Request], Any]:
    """A dependency answering ``app.state.<name>`` (set by bootstrap at start-up)."""

    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    get.__name__ = f"app_state_{name}"
    return get


Issues = Annotated[IssueService, Depends(_state("issues"))]
IssueReads = Annotated[IssueQueries, Depends(_state("issue_queries"))]
Complaints = Annotated[ComplaintService, Depends(_state("complaints"))]
ComplaintReads = Annotated[ComplaintQueries, Depends(_state("complaint_queries"))]
Notices = Annotated[NoticeService, Depends(_state("notices"))]
SelfInspections = Annotated[SelfInspectionService, Depends(_state("self_inspections"))]
Directory = Annotated[ReadModelDirectory, Depends(_state("directory_lookup"))]
Sweep = Annotated[OverdueSweep, Depends(_state("overdue_sweep"))]
ComplaintMaxBody = Annotated[int, Depends(_state("complaint_max_body"))]
"""The public complaint form's body limit in bytes (``COMPLAINT_MAX_BODY_BYTES``)."""
