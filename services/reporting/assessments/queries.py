"""The candidates of a ranking and their indicator values, from precomputed documents.

Schools and zones: the roll-up's monthly documents and visit masks of every unit of the
level inside the ``within`` unit, read by **one** equality query each (on the fields
every roll-up document carries: ``level``, ``parent``, ``province``, ``city``,
``county``), never ``$in``; each unit's figures are :func:`from_documents` of them.
Inspectors: the inspector documents of the place (one equality query) and their monthly
counts, one ``month`` equality query per month of the period (at most 24).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.assessments.domain.indicators import inspector_values, unit_values
from services.reporting.assessments.domain.scoring import Candidate
from services.reporting.inspectors.view import NAME as INSPECTORS
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.figures import from_documents
from services.reporting.rollups.domain.periods import Period
from services.reporting.rollups.queries import Rollups
from services.reporting.rollups.view import NAME as ROLLUPS
from shared.projection import Doc, ReadModels

PLACE = ("province", "city", "county")


def unit_scope(level: str, within: Mapping[str, Any]) -> dict[str, Any]:
    """The filter of the roll-up documents of ``level`` inside the unit ``within``."""
    if within["level"] == "zone" or (within["level"] == "county" and level == "zone"):
        return {"level": level, "parent": within["unit"]}
    depth = PLACE.index(within["level"]) + 1
    return {"level": level, **{k: within[k] for k in PLACE[:depth]}}


def inspector_scope(within: Mapping[str, Any]) -> dict[str, Any]:
    """The filter of the inspectors registered inside ``within`` (a province, city or
    county; a city's ``<city>-direct`` holds the city's own inspectors)."""
    depth = PLACE.index(within["level"]) + 1
    return {k: within[k] for k in PLACE[:depth]}


class Candidates:
    """Schools, zones and inspectors inside a unit, with their indicator values."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._rollups = Rollups(db)
        self._units = ReadModels(db, ROLLUPS)
        self._inspectors = ReadModels(db, INSPECTORS)

    async def unit(self, level: str, code: str) -> dict[str, Any]:
        """The ``within`` unit's fields (404 when the roll-up does not know it)."""
        return await self._rollups.unit(level, code)

    async def candidates(
        self, target: str, within: Mapping[str, Any], period: Period
    ) -> list[Candidate]:
        if target == "inspector":
            return await self._inspector_candidates(within, period)
        return await self._unit_candidates(target, within, period)

    async def _unit_candidates(
        self, level: str, within: Mapping[str, Any], period: Period
    ) -> list[Candidate]:
        scope = unit_scope(level, within)
        months = await self._units.collection("months")
        masks = await self._units.collection("masks")
        monthly: dict[str, list[tuple[str, c.Counts]]] = defaultdict(list)
        meta: dict[str, Doc] = {}
        async for doc in months.find({**scope, "month": {"$lte": period.last}}):
            monthly[doc["code"]].append((doc["month"], doc["n"]))
            if doc["code"] not in meta or meta[doc["code"]]["month"] < doc["month"]:
                meta[doc["code"]] = doc
        year = int(period.last[:4])
        found = {doc["code"]: doc["n"] async for doc in masks.find({**scope, "year": year})}
        return [
            Candidate(
                code,
                {k: meta[code].get(k) for k in ("level", "parent", *PLACE)},
                unit_values(from_documents(period, monthly[code], found.get(code, {}))),
            )
            for code in sorted(monthly)
        ]

    async def _inspector_candidates(
        self, within: Mapping[str, Any], period: Period
    ) -> list[Candidate]:
        inspectors = await self._inspectors.collection("inspectors")
        docs = {
            doc["_id"]: doc
            async for doc in inspectors.find(inspector_scope(within))
            if "level" in doc
        }
        months = await self._inspectors.collection("months")
        counts: dict[str, dict[str, c.Counts]] = defaultdict(dict)
        for month in period.months:
            async for doc in months.find({"month": month}):
                if doc["inspector_id"] in docs:
                    counts[doc["inspector_id"]][month] = doc["n"]
        return [
            Candidate(
                iid,
                {"level": doc["level"], "parent": None, **{k: doc.get(k) for k in PLACE}},
                inspector_values(doc, counts[iid], period),
            )
            for iid, doc in sorted(docs.items())
        ]
