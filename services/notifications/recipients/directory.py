"""The notifications service's copy of the directory, and the facts it answers from it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.notifications.recipients.resolve import leader_at
from shared.directory.lookup import ReadModelDirectory
from shared.directory.view import DirectoryView
from shared.projection import ReadModels

VIEW = "notifications_directory"


def directory_view() -> DirectoryView:
    return DirectoryView(VIEW)


class DirectoryFactsFromReadModel:
    """Listings, zone leaders and inspectors' e-mail, from the service's directory copy."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._lookup = ReadModelDirectory(db, VIEW)
        self._models = ReadModels(db, VIEW)

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        return await self._lookup.listed_inspectors(school_id, on)

    async def zone_leader_at(self, zone_id: str, at: datetime) -> str | None:
        zones = await self._models.collection("zones")
        doc = await zones.find_one({"_id": zone_id})
        return None if doc is None else leader_at(doc, at)

    async def school_name(self, school_id: str) -> str | None:
        """The school's name in the directory copy, if known."""
        school = await self._lookup.school(school_id)
        return school.name if school is not None else None

    async def inspector_contact(self, inspector_id: str, field: str) -> str | None:
        """The inspector's ``email`` or ``phone`` from the directory, if set."""
        inspectors = await self._models.collection("inspectors")
        doc = await inspectors.find_one({"_id": inspector_id})
        value = None if doc is None else doc.get(field)
        return value if isinstance(value, str) and value else None
