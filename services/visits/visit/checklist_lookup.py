"""``ChecklistLookup`` (services/visits/visit/ports.py) over the checklist and campaign read models.

The default routine template is always available: the service publishes ``routine`` v1
at start-up, and until the read model has folded it this lookup answers ``routine`` v1
from the same data file the published event was built from. A retired template and a
closed campaign are answered as ``None`` (nothing new may be planned under them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.visits.campaigns.view import CampaignsView
from services.visits.checklists.data import routine_template
from services.visits.checklists.view import ChecklistsView, version_key
from services.visits.visit.ports import CampaignFacts, ChecklistFacts, ChecklistItemFacts
from shared.contracts.checklists import ChecklistItem
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels


def _facts(checklist_id: str, version: int, items: list[ChecklistItem]) -> ChecklistFacts:
    return ChecklistFacts(
        checklist_id=checklist_id,
        version=version,
        items=tuple(
            ChecklistItemFacts(
                code=i.code, title=i.title, methods=tuple(m.value for m in i.methods)
            )
            for i in items
        ),
    )


class ReadModelChecklists:
    """Answers from the ``visits_checklists`` and ``visits_campaigns`` read models."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._checklists = ReadModels(db, ChecklistsView.name)
        self._campaigns = ReadModels(db, CampaignsView.name)

    async def checklist(self, checklist_id: str, version: int | None) -> ChecklistFacts | None:
        templates = await self._checklists.collection("templates")
        template = await templates.find_one({"_id": checklist_id})
        if template is None:
            return self._fallback(checklist_id, version)
        if template["retired"]:
            return None
        wanted = int(template["latest_version"]) if version is None else version
        versions = await self._checklists.collection("versions")
        doc = await versions.find_one({"_id": version_key(checklist_id, wanted)})
        if doc is None:
            return self._fallback(checklist_id, version) if wanted == 1 else None
        items = [ChecklistItem.model_validate(i) for i in doc["items"]]
        return _facts(checklist_id, wanted, items)

    @staticmethod
    def _fallback(checklist_id: str, version: int | None) -> ChecklistFacts | None:
        data = routine_template()
        if checklist_id != data.checklist_id or version not in (None, data.version):
            return None
        return _facts(data.checklist_id, data.version, list(data.items))

    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        campaigns = await self._campaigns.collection("campaigns")
        doc = await campaigns.find_one({"_id": campaign_id})
        if doc is None or doc["status"] != "open":
            return None
        return CampaignFacts(
            campaign_id=campaign_id,
            title=doc["title"],
            checklist_id=doc["checklist_id"],
            checklist_version=int(doc["checklist_version"]),
            starts_on=date.fromisoformat(doc["starts_on"]),
            ends_on=date.fromisoformat(doc["ends_on"]),
            zone_ids=tuple(doc["zone_ids"]),
            school_ids=tuple(doc["school_ids"]),
            jurisdiction=Jurisdiction.from_path(doc["office"]),
        )
