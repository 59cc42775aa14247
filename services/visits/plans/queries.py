"""Reads of the plans read model (``visits_plans``), each with its rule findings.

An office sees every plan filed in its jurisdiction (scoped by
:func:`shared.auth.scope_filter`, optionally one county); an inspector or zone leader
their own plans; anyone else nothing (403).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.visits.names import OFFICES
from services.visits.plans.domain.plan import stream_id
from services.visits.plans.report import PlanReports
from services.visits.plans.service import UnknownPlan
from services.visits.plans.view import PlansView
from shared.auth import FORBIDDEN, Principal, Role, ensure_role, scope_filter
from shared.commands import Forbidden
from shared.freshness import Freshness
from shared.jurisdiction import Jurisdiction
from shared.paging import Page, Paging, find_page, paged
from shared.projection import ReadModels


def sees(principal: Principal, doc: dict[str, Any]) -> bool:
    if doc["inspector_id"] == principal.user_id:
        return True
    return principal.has_any(*OFFICES) and principal.can_access(
        Jurisdiction.from_path(doc["office"])
    )


class PlanQueries:
    def __init__(self, db: AsyncDatabase[Any], reports: PlanReports) -> None:
        self._models = ReadModels(db, PlansView.name)
        self._reports = reports

    async def page(
        self, principal: Principal, paging: Paging, county: str | None, month: str | None
    ) -> Page[dict[str, Any]]:
        query: dict[str, Any] = {}
        if principal.has_any(*OFFICES):
            query = scope_filter(principal, county=county)
        elif principal.has_any(Role.inspector, Role.zone_leader):
            query["inspector_id"] = principal.user_id
        else:
            ensure_role(principal, *OFFICES, Role.inspector)
        if month is not None:
            query["month"] = month
        plans = await self._models.collection("plans")
        total, docs = await find_page(plans, query, [("_id", 1)], paging)
        return paged(total, [await self._reports.report(d) for d in docs], paging)

    async def one(
        self, principal: Principal, plan_id: str, fresh: Freshness | None = None
    ) -> dict[str, Any]:
        """The plan's report if the caller may see it, once it shows ``fresh``'s version."""
        plans = await self._models.collection("plans")
        if fresh is not None:
            await fresh.at_least(plans, {"_id": plan_id}, stream_id(plan_id))
        doc: dict[str, Any] | None = await plans.find_one({"_id": plan_id})
        if doc is None:
            raise UnknownPlan(plan_id)
        if not sees(principal, doc):
            raise Forbidden(FORBIDDEN)
        return await self._reports.report(doc)
