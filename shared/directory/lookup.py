"""What services ask of the directory, answered from their own directory read model.

Identity rule: an inspector's ``inspector_id`` is the user id (``sub``) of their account,
so a token's principal can be matched against listings directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.directory import Location
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels


@dataclass(frozen=True)
class SchoolFacts:
    school_id: str
    name: str
    jurisdiction: Jurisdiction
    location: Location | None
    principal_name: str | None
    zone_id: str | None


@dataclass(frozen=True)
class InspectorFacts:
    inspector_id: str
    name: str
    jurisdiction: Jurisdiction
    """The office the inspector belongs to (a county, or a city for city inspectors)."""
    phone: str | None


class DirectoryLookup(Protocol):
    async def school(self, school_id: str) -> SchoolFacts | None: ...

    async def inspector(self, inspector_id: str) -> InspectorFacts | None: ...

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        """Ids of the inspectors listed (挂牌) at the school on that day."""
        ...

    async def zone_leader(self, zone_id: str) -> str | None:
        """The inspector id of the zone's leader (组长), if one is named."""
        ...


def listing_active_on(doc: dict[str, Any], on: date) -> bool:
    """A listing document is active on ``on`` (``ends_on`` is the last day listed)."""
    day = on.isoformat()
    return bool(doc["starts_on"] <= day and (doc.get("ends_on") is None or day <= doc["ends_on"]))


def active_query(on: date | None) -> dict[str, Any]:
    """The filter of :func:`listing_active_on` as a query (none when ``on`` is ``None``)."""
    if on is None:
        return {}
    day = on.isoformat()
    return {"starts_on": {"$lte": day}, "$or": [{"ends_on": None}, {"ends_on": {"$gte": day}}]}


class ReadModelDirectory:
    """Facts about schools, inspectors, listings and zones for the visit lifecycle."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], view: str) -> None:
        self._models = ReadModels(db, view)
        self._indexed: set[str] = set()

    async def _listings(self) -> AsyncCollection[dict[str, Any]]:
        """The active generation's listings, indexed for the look-ups commands make.

        Commands (planning a visit) find listings by ``school_id`` and ``inspector_id``:
        without an index every such find reads the whole collection. A rebuild switches
        to a new collection, which gets its indexes at first use (creating an existing
        index is a no-op).
        """
        listings = await self._models.collection("listings")
        if listings.name not in self._indexed:
            await listings.create_index("school_id")
            await listings.create_index("inspector_id")
            self._indexed.add(listings.name)
        return listings

    async def _find(self, collection: str, entry_id: str) -> dict[str, Any] | None:
        coll = await self._models.collection(collection)
        doc: dict[str, Any] | None = await coll.find_one({"_id": entry_id})
        return doc

    async def school(self, school_id: str) -> SchoolFacts | None:
        doc = await self._find("schools", school_id)
        if doc is None:
            return None
        county = doc.get("county")
        return SchoolFacts(
            school_id=school_id,
            name=doc["name"],
            jurisdiction=Jurisdiction(
                province=doc["province"],
                city=doc["city"],
                county=county,
                zone=doc.get("zone_id") if county else None,
                school=school_id,
            ),
            location=Location(**doc["location"]) if doc.get("location") else None,
            principal_name=doc.get("principal_name"),
            zone_id=doc.get("zone_id"),
        )

    async def inspector(self, inspector_id: str) -> InspectorFacts | None:
        doc = await self._find("inspectors", inspector_id)
        if doc is None:
            return None
        return InspectorFacts(
            inspector_id=inspector_id,
            name=doc["name"],
            jurisdiction=Jurisdiction(
                province=doc["province"], city=doc["city"], county=doc.get("county")
            ),
            phone=doc.get("phone"),
        )

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        """Ids of the inspectors listed (挂牌) at the school on that day."""
        listings = await self._listings()
        cursor = listings.find({"school_id": school_id}).sort("listing_id")
        return [doc["inspector_id"] async for doc in cursor if listing_active_on(doc, on)]

    async def listed_schools(self, inspector_id: str, month: str) -> list[str]:
        """Schools the inspector is listed at (挂牌) on any day of ``month`` (YYYY-MM).

        Used by the monthly plan report for the rule "every listed school at least one
        visit day a month".
        """
        first = date.fromisoformat(f"{month}-01")
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        start, end = first.isoformat(), following.isoformat()
        listings = await self._listings()
        cursor = listings.find({"inspector_id": inspector_id}).sort("school_id")
        schools = [
            doc["school_id"]
            async for doc in cursor
            if doc["starts_on"] < end and (doc.get("ends_on") is None or doc["ends_on"] >= start)
        ]
        return sorted(set(schools))

    async def zone_leader(self, zone_id: str) -> str | None:
        """The inspector id of the zone's leader (组长), if one is named."""
        doc = await self._find("zones", zone_id)
        return None if doc is None else doc.get("leader_id")

    async def zone_place(self, zone_id: str) -> Jurisdiction | None:
        """Where the zone lies (its county, or its city for a city zone), if it exists."""
        doc = await self._find("zones", zone_id)
        if doc is None:
            return None
        return Jurisdiction(
            province=doc["province"], city=doc.get("city"), county=doc.get("county")
        )
