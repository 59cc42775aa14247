"""Typed dependencies of the visits service's routes: one alias per thing a route needs.

Each alias reads what :mod:`services.visits.bootstrap` wired on ``app.state`` at start-up,
so a route names its service by type (``visits: Visits``) and never reaches into the
request itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.visits.campaigns.service import CampaignService
from services.visits.checklists.service import ChecklistService
from services.visits.directory.roster.importer import RosterImporter
from services.visits.directory.service import DirectoryService
from services.visits.plans.report import PlanReports
from services.visits.plans.service import PlanService
from services.visits.visit.queries import VisitQueries
from services.visits.visit.service import VisitService


def _visits(request: Request) -> VisitService:
    service: VisitService = request.app.state.visits
    return service


def _visit_queries(request: Request) -> VisitQueries:
    return VisitQueries(request.app.state.runtime.db)


def _directory(request: Request) -> DirectoryService:
    service: DirectoryService = request.app.state.directory
    return service


def _roster(request: Request) -> RosterImporter:
    importer: RosterImporter = request.app.state.roster_importer
    return importer


def _checklists(request: Request) -> ChecklistService:
    service: ChecklistService = request.app.state.checklists
    return service


def _campaigns(request: Request) -> CampaignService:
    service: CampaignService = request.app.state.campaigns
    return service


def _plans(request: Request) -> PlanService:
    service: PlanService = request.app.state.plans
    return service


def _plan_reports(request: Request) -> PlanReports:
    reports: PlanReports = request.app.state.plan_reports
    return reports


Visits = Annotated[VisitService, Depends(_visits)]
VisitReads = Annotated[VisitQueries, Depends(_visit_queries)]
Directory = Annotated[DirectoryService, Depends(_directory)]
Roster = Annotated[RosterImporter, Depends(_roster)]
Checklists = Annotated[ChecklistService, Depends(_checklists)]
Campaigns = Annotated[CampaignService, Depends(_campaigns)]
Plans = Annotated[PlanService, Depends(_plans)]
Reports = Annotated[PlanReports, Depends(_plan_reports)]
