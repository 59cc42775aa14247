"""Typed dependencies of the visits service's routes: one alias per thing a route needs.

Each alias reads what :mod:`services.visits.bootstrap` wired on ``app.state`` at start-up,
so a route names its service by type (``visits: Visits``) and never reaches into the
request itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from services.visits.campaigns.queries import CampaignQueries
from services.visits.campaigns.service import CampaignService
from services.visits.checklists.service import ChecklistService
from services.visits.directory.roster.importer import RosterImporter
from services.visits.directory.service import DirectoryService
from services.visits.plans.queries import PlanQueries
from services.visits.plans.report import PlanReports
from services.visits.plans.service import PlanService
from services.visits.visit.queries import VisitQueries
from services.visits.visit.service import VisitService
from shared.directory.lookup import ReadModelDirectory


def _state(name: str) -> Callable[[Request], Any]:
    """A dependency answering what bootstrap put on ``app.state`` under ``name``."""

    def wired(request: Request) -> Any:
        return getattr(request.app.state, name)

    return wired


def _visit_queries(request: Request) -> VisitQueries:
    return VisitQueries(request.app.state.runtime.db)


def _campaign_queries(request: Request) -> CampaignQueries:
    return CampaignQueries(request.app.state.runtime.db)


def _plan_queries(request: Request) -> PlanQueries:
    return PlanQueries(request.app.state.runtime.db, request.app.state.plan_reports)


Visits = Annotated[VisitService, Depends(_state("visits"))]
VisitReads = Annotated[VisitQueries, Depends(_visit_queries)]
Directory = Annotated[DirectoryService, Depends(_state("directory"))]
DirectoryFacts = Annotated[ReadModelDirectory, Depends(_state("directory_lookup"))]
"""The service's own directory read model (where a school or zone a filter names lies)."""
Roster = Annotated[RosterImporter, Depends(_state("roster_importer"))]
Checklists = Annotated[ChecklistService, Depends(_state("checklists"))]
Campaigns = Annotated[CampaignService, Depends(_state("campaigns"))]
CampaignReads = Annotated[CampaignQueries, Depends(_campaign_queries)]
Plans = Annotated[PlanService, Depends(_state("plans"))]
Reports = Annotated[PlanReports, Depends(_state("plan_reports"))]
PlanReads = Annotated[PlanQueries, Depends(_plan_queries)]
