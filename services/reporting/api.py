"""Roll-up queries for county, city and provincial offices, and projection admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel

from services.reporting.school_counts import SchoolCounts
from shared.auth import CurrentPrincipal, ensure_within
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.service import RuntimeDep

router = APIRouter(tags=["reports"])

DIVISION_CODE = r"^[0-9]{6}$"


class UnitSchoolCount(BaseModel):
    """Schools of one county, or a city's city-direct schools (市直学校)."""

    province: str
    city: str
    county: str | None
    city_direct: bool
    schools: int
    by_kind: dict[str, int]


def _scope(principal_jurisdiction: Jurisdiction) -> dict[str, Any]:
    return {
        level: getattr(principal_jurisdiction, level)
        for level in ("province", "city", "county")
        if getattr(principal_jurisdiction, level) is not None
    }


@router.get("/reports/schools-per-county", response_model=list[UnitSchoolCount])
async def schools_per_county(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    city: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
) -> list[dict[str, Any]]:
    """各县(区)学校数 — schools per county inside the caller's jurisdiction."""
    query = _scope(principal.jurisdiction)
    if city is not None:
        if query.get("city", city) != city:
            raise HTTPException(403, "超出您的管辖范围 (outside your jurisdiction)")
        query["city"] = city
    units = await ReadModels(runtime.db, SchoolCounts.name).collection("units")
    cursor = units.find(query, projection={"_id": False}).sort([("city", 1), ("county", 1)])
    return [doc async for doc in cursor]


@router.get("/reports/counties/{county}/schools", response_model=UnitSchoolCount)
async def county_schools(
    county: Annotated[str, Path(pattern=DIVISION_CODE)],
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    """一个县(区)的学校数 — one county's school count."""
    units = await ReadModels(runtime.db, SchoolCounts.name).collection("units")
    doc = await units.find_one({"_id": county}, projection={"_id": False})
    if doc is None:
        raise HTTPException(404, f"县(区) {county} 没有登记的学校 (unknown county)")
    ensure_within(
        principal, Jurisdiction(province=doc["province"], city=doc["city"], county=county)
    )
    return doc
