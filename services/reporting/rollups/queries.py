"""Reads of the roll-up read model: precomputed monthly documents summed per period.

A unit's figures for a period read its monthly documents up to the period's last month
(the earlier ones give the cumulative figures: schools, open issues) and one visit-mask
document; nothing is folded from events at request time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.rollups import known
from services.reporting.rollups import names as unit_names
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.figures import from_documents, open_on_day
from services.reporting.rollups.domain.labels import synthetic_name
from services.reporting.rollups.domain.periods import Period, month_key
from services.reporting.rollups.domain.units import CHILD, unit_id
from services.reporting.rollups.view import NAME
from shared.commands import NotFound
from shared.projection import Doc, ReadModels

META_FIELDS = ("level", "code", "unit", "parent", "province", "city", "county", "school_id")


def _meta(doc: Doc) -> dict[str, Any]:
    return {k: doc.get(k) for k in META_FIELDS}


class Rollups:
    """Roll-ups of units (province, city, county, zone, school) for periods."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._models = ReadModels(db, NAME)

    async def unit(self, level: str, code: str) -> dict[str, Any]:
        """The unit's fields (for scoping), or :class:`NotFound`."""
        months = await self._models.collection("months")
        doc = await months.find_one({"unit": unit_id(level, code)})
        if doc is None:
            raise NotFound(f"没有 {level} {code} 的统计数据 (unknown {level})")
        return _meta(doc)

    async def figures(
        self, units: list[str], period: Period, known_on: date | None = None
    ) -> dict[str, dict[str, Any]]:
        """Each unit's figures for the period (units without documents: all zero); with
        ``known_on``, as known at the end of that day: the deltas recorded after it are
        taken back out (:mod:`.known`)."""
        months = await self._models.collection("months")
        masks = await self._models.collection("masks")
        monthly: dict[str, list[tuple[str, c.Counts]]] = defaultdict(list)
        cursor = months.find({"unit": {"$in": units}, "month": {"$lte": period.last}})
        async for doc in cursor:
            monthly[doc["unit"]].append((doc["month"], doc["n"]))
        year = int(period.last[:4])
        found = {
            doc["unit"]: doc["n"]
            async for doc in masks.find({"unit": {"$in": units}, "year": year})
        }
        if known_on is not None:
            taken = await known.take_out_unknown(
                self._models, units, period, known_on, monthly, found
            )
            monthly = defaultdict(list, taken)
        return {u: from_documents(period, monthly[u], found.get(u, {})) for u in units}

    async def children(self, level: str, code: str) -> list[dict[str, Any]]:
        """The units one level down (drill-down), in code order."""
        if level not in CHILD:
            return []
        months = await self._models.collection("months")
        parent = unit_id(level, code)
        seen: dict[str, dict[str, Any]] = {}
        async for doc in months.find({"parent": parent, "level": CHILD[level]}):
            seen.setdefault(doc["unit"], _meta(doc))
        return [seen[k] for k in sorted(seen)]

    async def names(self, units: list[dict[str, Any]]) -> dict[str, str | None]:
        """Each unit's name (by unit id) as the directory gave it; a city's city-direct
        schools and a county's schools without a zone by what they are; ``None`` when
        the directory has not named it."""
        keys = {u["unit"]: unit_names.name_id(u["level"], u["code"]) for u in units}
        names = await self._models.collection(unit_names.COLLECTION)
        query = {"_id": {"$in": sorted(set(keys.values()))}}
        found = {d["_id"]: d["name"] async for d in names.find(query)}
        return {u["unit"]: found.get(keys[u["unit"]]) or synthetic_name(u["code"]) for u in units}

    async def school_months(self, school: str, period: Period) -> list[dict[str, Any]]:
        """A school card's months: visits by kind, last visit, issues and complaints."""
        months = await self._models.collection("months")
        rows = []
        query = {"unit": unit_id("school", school), "month": {"$in": period.months}}
        async for doc in months.find(query).sort("month", 1):
            n = doc["n"]
            rows.append(
                {
                    "month": doc["month"],
                    "visits_by_kind": c.sub(n, c.VISITS),
                    "last_visit_on": doc.get("last_visit_on"),
                    "issues_opened": n.get(c.OPENED, 0),
                    "issues_closed": n.get(c.CLOSED, 0),
                    "issues_became_overdue": n.get(c.BECAME_OVERDUE, 0),
                    "complaints_received": n.get(c.COMPLAINTS, 0),
                }
            )
        return rows

    async def open_on(self, unit: str, day: date) -> dict[str, int]:
        """Issues open, and open and overdue, at the end of ``day`` (as it stood then)."""
        months = await self._models.collection("months")
        query = {"unit": unit, "month": {"$lte": month_key(day)}}
        return open_on_day([(d["month"], d["n"]) async for d in months.find(query)], day)
