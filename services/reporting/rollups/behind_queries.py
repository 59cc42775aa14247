"""Reads of what stands behind a zone's or a school's figure: one ``_id`` range of the
``behind`` documents (:mod:`.behind`), paged; the current state of the page's issues and
complaints and its schools' names by ``_id`` (at most a page of each)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.rollups import behind
from services.reporting.rollups.domain import labels
from services.reporting.rollups.domain.periods import Period
from services.reporting.rollups.view import NAME
from shared.projection import Doc, ReadModels

FIGURES = ("visits", "issues_opened", "issues_closed", "issues_overdue_at_end", "complaints")
OVERDUE_AT_END = "issues_overdue_at_end"


def id_range(unit: str, figure: str, period: Period) -> tuple[str, str]:
    """The ``_id`` range (``lo <= _id < hi``) of a figure's rows: those of the period's
    days; for overdue issues every spell of the unit (filtered by :func:`spell_on`)."""
    if figure == OVERDUE_AT_END:
        return f"{unit}|{behind.OVERDUE}|", f"{unit}|{behind.OVERDUE}~"
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    return f"{unit}|{figure}|{first}", f"{unit}|{figure}|{last}~"


def spell_on(doc: Doc, day: str) -> str | None:
    """The day the issue became overdue, when it was still overdue at the end of ``day``."""
    for spell in doc["spells"]:
        if spell["since"] <= day and (spell["until"] is None or spell["until"] > day):
            return str(spell["since"])
    return None


class Behind:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._models = ReadModels(db, NAME)

    async def page(
        self, unit: str, figure: str, period: Period, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(rows in all, this page's rows) behind ``figure`` of ``unit`` in ``period``."""
        docs = await self._models.collection(behind.COLLECTION)
        lo, hi = id_range(unit, figure, period)
        query = {"_id": {"$gte": lo, "$lt": hi}}
        if figure == OVERDUE_AT_END:
            end = period.last_day.isoformat()
            found = []
            async for doc in docs.find(query).sort("_id", 1):
                since = spell_on(doc, end)
                if since is not None:
                    found.append({**doc, "day": since})
            total, rows = len(found), found[offset : offset + limit]
        else:
            total = await docs.count_documents(query)
            rows = [d async for d in docs.find(query).sort("_id", 1).skip(offset).limit(limit)]
        return total, await self._public(figure, rows)

    async def _public(self, figure: str, rows: list[Doc]) -> list[dict[str, Any]]:
        ids = [str(row["item"]).split("@")[0] for row in rows]
        states: dict[str, str | None] = {}
        titles: dict[str, str] = {}
        if figure.startswith("issues"):
            issues = await self._by_id("issues", ids)
            states = {i: labels.issue_state(issues.get(i)) for i in ids}
            titles = labels.ISSUE_STATES
        elif figure == "complaints":
            complaints = await self._by_id("complaints", ids)
            states = {i: labels.complaint_state(complaints.get(i)) for i in ids}
            titles = labels.COMPLAINT_STATES
        schools = {row["school_id"] for row in rows if row.get("school_id")}
        names = await self._by_id("names", [f"school:{s}" for s in sorted(schools)])
        out = []
        for row, item in zip(rows, ids, strict=True):
            state = states.get(item)
            school = row.get("school_id")
            out.append(
                {
                    "id": item,
                    "school_id": school,
                    "school_name": (names.get(f"school:{school}") or {}).get("name"),
                    "day": row["day"],
                    "kind": row.get("kind"),
                    "label": row.get("label"),
                    "status": state,
                    "status_label": titles.get(state) if state else None,
                }
            )
        return out

    async def _by_id(self, collection: str, ids: list[str]) -> dict[str, Doc]:
        if not ids:
            return {}
        docs = await self._models.collection(collection)
        return {d["_id"]: d async for d in docs.find({"_id": {"$in": sorted(set(ids))}})}
