"""HTTP routes of the directory: each turns a request into a command or a query."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import Directory
from services.visits.directory.api.access import (
    READERS,
    authorizer,
    read_model,
    scope_query,
)
from services.visits.directory.domain.school import (
    ChangeSchoolZone,
    CorrectSchoolDetails,
    RegisterSchool,
    jurisdiction_of,
)
from services.visits.directory.queries import school_jurisdiction
from services.visits.directory.view import VIEW as DIRECTORY_VIEW
from services.visits.names import DIVISION_CODE, ID, OFFICES
from shared.auth import CurrentPrincipal, ensure_role, ensure_sees, ensure_within
from shared.contracts.directory import Location, SchoolKind
from shared.params import Skip
from shared.projection import ReadModels
from shared.routing import Caller, IfMatch, set_etag
from shared.service import RuntimeDep

router = APIRouter(prefix="/schools", tags=["directory"])


class SchoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_id: str = Field(pattern=ID, description="学校标识码 or the county's own code")
    name: str = Field(min_length=2, max_length=100)
    kind: SchoolKind
    province: str = Field(pattern=DIVISION_CODE)
    city: str = Field(pattern=DIVISION_CODE)
    county: str | None = Field(default=None, pattern=DIVISION_CODE)
    zone_id: str | None = Field(default=None, pattern=ID)
    address: str = Field(min_length=2, max_length=200)
    city_direct: bool = False
    principal_name: str | None = Field(default=None, max_length=50)
    location: Location | None = None


class SchoolCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500)
    name: str | None = Field(default=None, min_length=2, max_length=100)
    kind: SchoolKind | None = None
    address: str | None = Field(default=None, min_length=2, max_length=200)
    principal_name: str | None = Field(default=None, max_length=50)
    location: Location | None = None


class Accepted(BaseModel):
    school_id: str
    version: int


class ZoneChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone_id: str = Field(pattern=ID)
    reason: str = Field(min_length=2, max_length=500)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def register_school(
    body: SchoolCreate, caller: Caller, directory: Directory, response: Response
) -> Accepted:
    """登记学校 — register a school in the directory (county, city or province office)."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = RegisterSchool(**body.model_dump())
    ensure_within(principal, jurisdiction_of(cmd))
    version = await directory.register_school(cmd, caller.ctx, authorizer(principal))
    set_etag(response, version)
    response.headers["Location"] = f"/schools/{cmd.school_id}"
    return Accepted(school_id=cmd.school_id, version=version)


@router.patch("/{school_id}", response_model=Accepted)
async def correct_school(
    school_id: Annotated[str, Field(pattern=ID)],
    body: SchoolCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> Accepted:
    """更正学校信息 — correct a school's details; send ``If-Match: "<version>"``."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = CorrectSchoolDetails(school_id=school_id, **body.model_dump())
    version = await directory.correct_school(
        cmd,
        expected,
        caller.ctx,
        authorize=authorizer(caller.principal),
    )
    set_etag(response, version)
    return Accepted(school_id=school_id, version=version)


@router.get("/{school_id}")
async def get_school(
    school_id: str, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    """A school as the directory shows it."""
    schools = await ReadModels(runtime.db, DIRECTORY_VIEW).collection("schools")
    doc = await schools.find_one({"_id": school_id})
    if doc is None:
        raise HTTPException(404, f"学校 {school_id} 不存在 (unknown school)")
    ensure_sees(principal, school_jurisdiction(doc))
    doc.pop("_id")
    return doc


@router.post("/{school_id}/zone", response_model=Accepted)
async def change_zone(
    school_id: Annotated[str, Field(pattern=ID)],
    body: ZoneChange,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> Accepted:
    """调整责任区 — move a school to another zone of its county (or city)."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = ChangeSchoolZone(school_id=school_id, **body.model_dump())
    version = await directory.change_school_zone(
        cmd,
        expected,
        caller.ctx,
        authorize=authorizer(caller.principal),
    )
    set_etag(response, version)
    return Accepted(school_id=school_id, version=version)


@router.get("/{school_id}/listings")
async def school_listings(
    school_id: str, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    """挂牌记录 — every listing at a school, current and ended, each with its history,
    and the listed inspectors' names and phones."""
    ensure_role(principal, *READERS)
    schools = await read_model(runtime, "schools")
    doc = await schools.find_one({"_id": school_id})
    if doc is None:
        raise HTTPException(404, f"学校 {school_id} 不存在 (unknown school)")
    ensure_sees(principal, school_jurisdiction(doc))
    listings = await read_model(runtime, "listings")
    found = [
        d
        async for d in listings.find({"school_id": school_id}, projection={"_id": False}).sort(
            "listing_id"
        )
    ]
    inspectors = await read_model(runtime, "inspectors")
    people = {}
    for inspector_id in {d["inspector_id"] for d in found}:
        person = await inspectors.find_one({"_id": inspector_id})
        if person is not None:
            people[inspector_id] = {"name": person["name"], "phone": person.get("phone")}
    for d in found:
        d["inspector"] = people.get(d["inspector_id"])
    return {
        "school_id": school_id,
        "name": doc["name"],
        "active": [d for d in found if d["status"] == "active"],
        "ended": [d for d in found if d["status"] == "ended"],
    }


@router.get("")
async def list_schools(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    skip: Skip = 0,
) -> list[dict[str, Any]]:
    """Schools inside the caller's jurisdiction, optionally of one county."""
    query = scope_query(principal, county)
    schools = await ReadModels(runtime.db, DIRECTORY_VIEW).collection("schools")
    cursor = schools.find(query, projection={"_id": False}).sort("school_id").skip(skip)
    return [doc async for doc in cursor.limit(limit)]
