"""Reads of the campaigns read model (``visits_campaigns``) and a campaign's progress.

A caller sees a campaign issued inside their jurisdiction or by an office above it
(:func:`related`).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.visits.campaigns.domain import CampaignVisit, progress, stream_id
from services.visits.campaigns.service import UnknownCampaign
from services.visits.campaigns.view import CampaignsView
from services.visits.directory.view import VIEW as DIRECTORY_VIEW
from shared.auth import FORBIDDEN, Principal
from shared.commands import Forbidden
from shared.contracts.checklists import CampaignTheme
from shared.freshness import Freshness
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels


def related(principal: Principal, office: Jurisdiction) -> bool:
    """The caller sees an office's work when either jurisdiction contains the other."""
    return principal.can_access(office) or office.contains(principal.jurisdiction)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("_id", "province")}


class CampaignQueries:
    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self._db = db
        self._models = ReadModels(db, CampaignsView.name)

    async def related(
        self, principal: Principal, status: str | None, theme: CampaignTheme | None
    ) -> list[dict[str, Any]]:
        """The campaigns of the offices related to the caller, latest start first."""
        query: dict[str, Any] = {"province": principal.jurisdiction.province}
        if status is not None:
            query["status"] = status
        if theme is not None:
            query["theme"] = theme.value
        campaigns = await self._models.collection("campaigns")
        docs = [d async for d in campaigns.find(query).sort([("starts_on", -1), ("_id", 1)])]
        return [public(d) for d in docs if related(principal, Jurisdiction.from_path(d["office"]))]

    async def visible(
        self, principal: Principal, campaign_id: str, fresh: Freshness | None = None
    ) -> dict[str, Any]:
        """The campaign if the caller may see it, once it shows ``fresh``'s version."""
        campaigns = await self._models.collection("campaigns")
        if fresh is not None:
            await fresh.at_least(campaigns, {"_id": campaign_id}, stream_id(campaign_id))
        doc: dict[str, Any] | None = await campaigns.find_one({"_id": campaign_id})
        if doc is None:
            raise UnknownCampaign(campaign_id)
        if not related(principal, Jurisdiction.from_path(doc["office"])):
            raise Forbidden(FORBIDDEN)
        return doc

    async def _zone_schools(self, office: Jurisdiction, zone_ids: list[str]) -> list[str]:
        """Schools the directory read model places in the zones, inside the issuing office."""
        if not zone_ids:
            return []
        query: dict[str, Any] = {"zone_id": {"$in": zone_ids}}
        for level in ("province", "city", "county"):
            value = getattr(office, level)
            if value is not None:
                query[level] = value
        schools = await ReadModels(self._db, DIRECTORY_VIEW).collection("schools")
        return [str(d["school_id"]) async for d in schools.find(query, projection=["school_id"])]

    async def progress(self, principal: Principal, campaign_id: str) -> dict[str, Any]:
        doc = await self.visible(principal, campaign_id)
        office = Jurisdiction.from_path(doc["office"])
        zone_schools = await self._zone_schools(office, list(doc["zone_ids"]))
        visits = [
            CampaignVisit(visit_id=v["visit_id"], school_id=v["school_id"], status=v["status"])
            async for v in (await self._models.collection("campaign_visits")).find(
                {"campaign_id": campaign_id}
            )
        ]
        return {
            "campaign_id": campaign_id,
            "title": doc["title"],
            "status": doc["status"],
            "starts_on": doc["starts_on"],
            "ends_on": doc["ends_on"],
            **progress(doc["school_ids"], zone_schools, visits),
        }
