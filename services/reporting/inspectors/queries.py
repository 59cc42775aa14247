"""Reads of the inspector read model: one inspector's months against the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.inspectors.domain.rules import Listing, listed_schools_visited, month_check
from services.reporting.inspectors.view import NAME
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.periods import Period, month_period
from shared.commands import NotFound
from shared.projection import Doc, ReadModels


def _listings(doc: Doc) -> list[Listing]:
    return [
        Listing(
            x["school_id"],
            x["county"],
            date.fromisoformat(x["starts_on"]),
            date.fromisoformat(x["ends_on"]) if x["ends_on"] else None,
        )
        for x in doc["listings"].values()
    ]


class Inspectors:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._models = ReadModels(db, NAME)

    async def inspector(self, inspector_id: str) -> Doc:
        found = await (await self._models.collection("inspectors")).find_one({"_id": inspector_id})
        if found is None or "level" not in found:
            raise NotFound(f"没有督学 {inspector_id} (unknown inspector)")
        return found

    async def listed_at(self, inspector_id: str, school_id: str, on: date) -> bool:
        """The inspector is listed (挂牌) at the school on ``on``."""
        found = await (await self._models.collection("inspectors")).find_one({"_id": inspector_id})
        if found is None or "listings" not in found:
            return False
        return any(x.school_id == school_id and x.active_in(on, on) for x in _listings(found))

    async def figures(self, doc: Doc, period: Period) -> dict[str, Any]:
        """The inspector's months of the period against the rule, and listed schools."""
        months = await self._models.collection("months")
        query = {"inspector_id": doc["_id"], "month": {"$in": period.months}}
        counts = {d["month"]: d["n"] async for d in months.find(query)}
        listings = _listings(doc)
        rows = []
        for month in period.months:
            one = month_period(month)
            active = [x for x in listings if x.active_in(one.first_day, one.last_day)]
            rows.append(
                {"month": month, **month_check(doc["level"], counts.get(month, {}), active)}
            )
        summed = c.total(counts.values())
        visited = set(c.sub(summed, "school"))
        listed, unvisited = listed_schools_visited(
            listings, visited, period.first_day, period.last_day
        )
        return {
            "inspector_id": doc["_id"],
            "level": doc["level"],
            "province": doc["province"],
            "city": doc["city"],
            "county": doc["county"],
            "months": rows,
            "months_meeting_rule": sum(1 for r in rows if r["meets"]),
            "visits": sum(r["visits"] for r in rows),
            "days_on_site": sum(r["days_on_site"] for r in rows),
            "problems_found": summed.get("problems_found", 0),
            "issues_verified": summed.get("issues_verified", 0),
            "listed_schools": listed,
            "listed_schools_not_visited": unvisited,
        }
