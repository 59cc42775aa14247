"""Reads of the visits read model (``visits_visits``), scoped by the one scoping filter.

Unannounced visits (暗访) stay hidden from the school until the inspectors arrive: the
rule is :func:`visible` for one document and :data:`HIDDEN_FROM_SCHOOL` inside a list
query, so a page is cut after the rule, never before (a page never comes back short).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.visits.directory.queries import school_jurisdiction
from services.visits.visit.domain import stream_id
from services.visits.visit.service import UnknownVisit
from services.visits.visit.view import VisitView
from shared.auth import Principal, Role, ensure_sees, scope_filter
from shared.freshness import Freshness
from shared.paging import Page, Paging, find_page, paged
from shared.projection import ReadModels

SEES_ALL_STAGES = (
    Role.inspector,
    Role.zone_leader,
    Role.county_office,
    Role.city_office,
    Role.province_office,
)
UNSEEN_STAGES = ("planned", "cancelled")
SHOWN_TO_SCHOOL: dict[str, Any] = {
    "$or": [{"announced": True}, {"stage": {"$nin": list(UNSEEN_STAGES)}}]
}


def school_only(principal: Principal) -> bool:
    """A principal's account (and no other role) sees an unannounced visit only once on site."""
    return principal.has_any(Role.principal) and not principal.has_any(*SEES_ALL_STAGES)


def visible(principal: Principal, doc: dict[str, Any]) -> bool:
    if not school_only(principal):
        return True
    return bool(doc.get("announced")) or doc.get("stage") not in UNSEEN_STAGES


class VisitQueries:
    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self._models = ReadModels(db, VisitView.name)

    async def one(
        self, visit_id: str, principal: Principal, fresh: Freshness | None = None
    ) -> dict[str, Any]:
        """The visit as the caller may see it, once it shows ``fresh``'s version."""
        visits = await self._models.collection("visits")
        if fresh is not None:
            await fresh.at_least(visits, {"_id": visit_id}, stream_id(visit_id))
        doc: dict[str, Any] | None = await visits.find_one(
            {"_id": visit_id}, projection={"_id": False}
        )
        if doc is None:
            raise UnknownVisit(visit_id)
        ensure_sees(principal, school_jurisdiction(doc))  # a visit sits where its school is
        if not visible(principal, doc):
            raise UnknownVisit(visit_id)
        return doc

    async def page(
        self, principal: Principal, paging: Paging, **wanted: str | None
    ) -> Page[dict[str, Any]]:
        """Visits the caller sees (zones ignored), newest planned day first: every filter
        is part of the query, so ``limit`` counts only visits the caller may see."""
        query = scope_filter(principal, **wanted)
        if school_only(principal):
            query = {**query, **SHOWN_TO_SCHOOL}
        visits = await self._models.collection("visits")
        total, rows = await find_page(visits, query, [("planned_on", -1)], paging)
        return paged(total, rows, paging)
