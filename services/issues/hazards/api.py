"""HTTP routes of the hazard register (隐患台账): the list and its Excel-friendly CSV.

``GET /hazards?county=&status=&school=&year=``  hazards in the caller's reach
``GET /hazards.csv`` (same filters)             the register as UTF-8 CSV with a BOM

Reads are scoped by jurisdiction with zones ignored (inspectors see their county,
principals their school); a ``county`` or ``school`` outside the caller's reach is 403.
Names (school, who closed the number) come from the directory read model at read time.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.issues.deps import Directory
from services.issues.hazards.register import VIEW, HazardStatus
from shared.answers import Located
from shared.auth import CurrentPrincipal, Principal, scope_filter
from shared.directory.filters import ensure_filter_within
from shared.directory.lookup import DirectoryLookup
from shared.exports import csv_response
from shared.paging import MAX_OFFSET, Page, Paging, find_page, paged
from shared.projection import ReadModels
from shared.routing import PagedOrSkip
from shared.runtime import Runtime
from shared.service import RuntimeDep


class HazardOut(Located):
    """A row of the hazard register (隐患台账), with the directory's names."""

    issue_id: str
    school_id: str
    school_name: str | None
    county: str
    hazard_no: str | None
    year: int | None
    seq: int | None
    status: str
    status_label: str
    severity: str
    severity_label: str | None
    verified_by: str | None
    verified_by_name: str | None
    version: int


router = APIRouter(tags=["hazards"])

Code = Annotated[str | None, Query(pattern=r"^[0-9A-Za-z_-]{1,40}$")]
SEVERITY = {"minor": "轻微", "general": "一般", "serious": "较重", "major": "重大"}
COLUMNS = (
    ("hazard_no", "隐患编号"),
    ("school_name", "学校"),
    ("item_title", "督导事项"),
    ("description", "隐患描述"),
    ("requirement", "整改要求"),
    ("severity_label", "问题等级"),
    ("opened_on", "发现日期"),
    ("deadline", "整改期限"),
    ("status_label", "状态"),
    ("notice_no", "整改通知书"),
    ("verified_on", "消号日期"),
    ("verified_by_name", "消号人"),
)


def scope(
    principal: Principal, county: str | None, school: str | None, status_: HazardStatus | None
) -> dict[str, Any]:
    """The read-model filter: the caller's reach (zone ignored), narrowed as asked."""
    query = scope_filter(principal, county=county, school_id=school)
    query["stage"] = {"$exists": True}
    if status_ is not None:
        query["status"] = status_.value
    return query


class _Names:
    def __init__(self, directory: DirectoryLookup) -> None:
        self._directory = directory
        self._schools: dict[str, str] = {}
        self._people: dict[str, str] = {}

    async def school(self, school_id: str) -> str:
        if school_id not in self._schools:
            facts = await self._directory.school(school_id)
            self._schools[school_id] = facts.name if facts else school_id
        return self._schools[school_id]

    async def person(self, user_id: str | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._people:
            facts = await self._directory.inspector(user_id)
            self._people[user_id] = facts.name if facts else user_id
        return self._people[user_id]


async def _hazards(
    runtime: Runtime,
    directory: DirectoryLookup,
    query: dict[str, Any],
    year: int | None,
    paging: Paging,
) -> Page[dict[str, Any]]:
    if year is not None:
        query["year"] = year
    coll = await ReadModels(runtime.db, VIEW).collection("hazards")
    order = [("county", 1), ("year", 1), ("seq", 1), ("issue_id", 1)]
    total, found = await find_page(coll, query, order, paging)
    names = _Names(directory)
    rows = []
    for doc in found:
        doc["school_name"] = await names.school(doc["school_id"])
        doc["verified_by_name"] = await names.person(doc.get("verified_by"))
        doc["severity_label"] = SEVERITY.get(doc.get("severity", ""), doc.get("severity"))
        rows.append(doc)
    return paged(total, rows, paging)


@router.get("/hazards", response_model=Page[HazardOut])
async def list_hazards(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    directory: Directory,
    paging: PagedOrSkip,
    county: Code = None,
    school: Code = None,
    status: Annotated[HazardStatus | None, Query(description="pending 待整改 …")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
) -> Page[dict[str, Any]]:
    """隐患台账 — safety hazards with their register numbers and status (已消号 when closed)."""
    query = scope(principal, county, school, status)
    await ensure_filter_within(principal, directory, school_id=school)
    return await _hazards(runtime, directory, query, year, paging)


@router.get(
    "/hazards.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"}},
)
async def hazards_csv(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    directory: Directory,
    county: Code = None,
    school: Code = None,
    status: Annotated[HazardStatus | None, Query()] = None,
    year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
) -> Response:
    """隐患台账 as CSV through the shared export writer (UTF-8 with BOM, formulas defused)."""
    query = scope(principal, county, school, status)
    await ensure_filter_within(principal, directory, school_id=school)
    rows = (await _hazards(runtime, directory, query, year, Paging(0, MAX_OFFSET))).items
    return csv_response(
        "隐患台账.csv",
        [title for _, title in COLUMNS],
        ([row.get(key) for key, _ in COLUMNS] for row in rows),
    )
