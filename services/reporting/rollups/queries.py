"""Reads of the roll-up read model: precomputed documents, fetched by ``_id`` alone.

A unit's figures for a period read its ``units`` document (fields, children, the counts
each month carries into later periods), its monthly documents of the period's months and
one visit-mask document, each by ``_id`` — the one filter the MongoDB-wire server pushes
down (docs/operations.md) — and nothing is folded from events at request time. In the
reporting service the projection runs in the same process: documents its working set
holds are read from memory (:meth:`~shared.projection.ProjectionRunner.peek`), the rest
from the store by ``_id`` (docs/reporting.md, "Cost of reads").
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable
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
from services.reporting.rollups.unit_index import UNITS, carried_before
from services.reporting.rollups.view import NAME
from shared.commands import NotFound
from shared.projection import Doc, DocRef, ProjectionRunner, ReadModels, collection_name

META_FIELDS = ("level", "code", "unit", "parent", "province", "city", "county", "school_id")
BEFORE = "0000-00"
"""The pseudo-month of the counts carried from before a period (sorts before any month)."""

Live = Callable[[], ProjectionRunner | None]
"""The projection's live runner in this process, if any (its memory is read first)."""


def _meta(doc: Doc) -> dict[str, Any]:
    return {k: doc.get(k) for k in META_FIELDS}


class Rollups:
    """Roll-ups of units (province, city, county, zone, school) for periods."""

    def __init__(self, db: AsyncDatabase[Doc], live: Live | None = None) -> None:
        self._db = db
        self._models = ReadModels(db, NAME)
        self._live = live

    async def _docs(self, refs: Iterable[DocRef]) -> dict[DocRef, Doc | None]:
        """The documents, from the live runner's memory where it answers, else by
        ``_id`` from the active generation (concurrently)."""
        runner = self._live() if self._live else None
        if runner is not None and runner.recovered:
            generation = runner.generation
        else:
            runner, generation = None, await self._models.active_generation()
        out: dict[DocRef, Doc | None] = {}
        missing: list[DocRef] = []
        for ref in dict.fromkeys(refs):
            known, doc = runner.peek(ref) if runner is not None else (False, None)
            if known:
                out[ref] = doc
            else:
                missing.append(ref)
        if missing:
            found = await asyncio.gather(
                *(
                    self._db[collection_name(NAME, generation, ref.collection)].find_one(
                        {"_id": ref.id}
                    )
                    for ref in missing
                )
            )
            out.update(zip(missing, found, strict=True))
        return out

    async def unit(self, level: str, code: str) -> dict[str, Any]:
        """The unit's fields (for scoping), or :class:`NotFound`."""
        ref = DocRef(UNITS, unit_id(level, code))
        doc = (await self._docs([ref]))[ref]
        if doc is None:
            raise NotFound(f"没有 {level} {code} 的统计数据 (unknown {level})")
        return _meta(doc)

    async def figures(
        self, units: list[str], period: Period, known_on: date | None = None
    ) -> dict[str, dict[str, Any]]:
        """Each unit's figures for the period (units without documents: all zero); with
        ``known_on``, as known at the end of that day: the deltas recorded after it are
        taken back out (:mod:`.known`)."""
        year = int(period.last[:4])
        months = period.months
        refs = [
            ref
            for u in units
            for ref in (
                DocRef(UNITS, u),
                DocRef("masks", f"{u}|{year:04d}"),
                *(DocRef("months", f"{u}|{m}") for m in months),
            )
        ]
        docs = await self._docs(refs)
        monthly: dict[str, list[tuple[str, c.Counts]]] = defaultdict(list)
        found: dict[str, c.Counts] = {}
        for u in units:
            monthly[u].append((BEFORE, carried_before(docs[DocRef(UNITS, u)], period.first)))
            for m in months:
                doc = docs[DocRef("months", f"{u}|{m}")]
                if doc is not None:
                    monthly[u].append((m, doc["n"]))
            mask = docs[DocRef("masks", f"{u}|{year:04d}")]
            if mask is not None:
                found[u] = mask["n"]
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
        parent = DocRef(UNITS, unit_id(level, code))
        doc = (await self._docs([parent]))[parent]
        if doc is None:
            return []
        refs = [DocRef(UNITS, child) for child in sorted(doc["children"])]
        found = await self._docs(refs)
        return [_meta(d) for ref in refs if (d := found[ref]) is not None]

    async def names(self, units: list[dict[str, Any]]) -> dict[str, str | None]:
        """Each unit's name (by unit id) as the directory gave it; a city's city-direct
        schools and a county's schools without a zone by what they are; ``None`` when
        the directory has not named it."""
        keys = {
            u["unit"]: DocRef(unit_names.COLLECTION, unit_names.name_id(u["level"], u["code"]))
            for u in units
        }
        found = await self._docs(keys.values())
        return {
            u["unit"]: (d["name"] if (d := found[keys[u["unit"]]]) else None)
            or synthetic_name(u["code"])
            for u in units
        }

    async def school_months(self, school: str, period: Period) -> list[dict[str, Any]]:
        """A school card's months: visits by kind, last visit, issues and complaints."""
        unit = unit_id("school", school)
        refs = [DocRef("months", f"{unit}|{m}") for m in period.months]
        docs = await self._docs(refs)
        rows = []
        for ref in refs:
            doc = docs[ref]
            if doc is None:
                continue
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
        month = month_key(day)
        refs = (DocRef(UNITS, unit), DocRef("months", f"{unit}|{month}"))
        docs = await self._docs(refs)
        monthly = [(BEFORE, carried_before(docs[refs[0]], month))]
        if (doc := docs[refs[1]]) is not None:
            monthly.append((month, doc["n"]))
        return open_on_day(monthly, day)
