"""HTTP routes of the directory: each turns a request into a command or a query."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import Directory
from services.visits.directory.api.access import (
    READERS,
    find_doc,
    page,
    read_model,
    scope_query,
    tagged,
)
from services.visits.directory.api.answers import SchoolListings, SchoolOut
from services.visits.directory.domain.school import (
    ChangeSchoolZone,
    CorrectSchoolDetails,
    RegisterSchool,
    stream_id,
)
from services.visits.directory.queries import school_jurisdiction
from services.visits.names import DIVISION_CODE, ID
from shared.auth import CurrentPrincipal, Principal, ensure_role, ensure_sees
from shared.contracts.directory import Location, SchoolKind
from shared.freshness import Freshness
from shared.paging import Page
from shared.params import PathId
from shared.routing import Caller, Fresh, IfMatch, PagedOrSkip, accept, accepted_model
from shared.runtime import Runtime
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


Accepted = accepted_model("school_id", __name__)


class ZoneChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone_id: str = Field(pattern=ID)
    reason: str = Field(min_length=2, max_length=500)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def register_school(
    body: SchoolCreate, caller: Caller, directory: Directory, response: Response
) -> BaseModel:
    """登记学校 — register a school in the directory (county, city or province office)."""
    written = await directory.handle(body.school_id, RegisterSchool(**body.model_dump()), caller)
    response.headers["Location"] = f"/schools/{body.school_id}"
    return accept(response, Accepted, written.version, school_id=body.school_id)


@router.patch("/{school_id}", response_model=Accepted)
async def correct_school(
    school_id: Annotated[str, Field(pattern=ID)],
    body: SchoolCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> BaseModel:
    """更正学校信息 — correct a school's details; send ``If-Match: "<version>"``."""
    cmd = CorrectSchoolDetails(school_id=school_id, **body.model_dump())
    written = await directory.handle(school_id, cmd, caller, expected)
    return accept(response, Accepted, written.version, school_id=school_id)


async def _school(
    runtime: Runtime, principal: Principal, school_id: str, fresh: Freshness | None = None
) -> dict[str, Any]:
    doc = await find_doc(runtime, "schools", "school", school_id, fresh, stream_id(school_id))
    ensure_sees(principal, school_jurisdiction(doc))
    return doc


@router.get("/{school_id}", response_model=SchoolOut)
async def get_school(
    school_id: PathId,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    response: Response,
    fresh: Fresh,
) -> dict[str, Any]:
    """A school as the directory shows it (``ETag``: its version, for ``If-Match``;
    ``min_version``: once the read model shows that version)."""
    return tagged(response, await _school(runtime, principal, school_id, fresh))


@router.post("/{school_id}/zone", response_model=Accepted)
async def change_zone(
    school_id: Annotated[str, Field(pattern=ID)],
    body: ZoneChange,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> BaseModel:
    """调整责任区 — move a school to another zone of its county (or city)."""
    cmd = ChangeSchoolZone(school_id=school_id, **body.model_dump())
    written = await directory.handle(school_id, cmd, caller, expected)
    return accept(response, Accepted, written.version, school_id=school_id)


@router.get("/{school_id}/listings", response_model=SchoolListings)
async def school_listings(
    school_id: PathId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    """挂牌记录 — every listing at a school, current and ended, each with its history,
    and the listed inspectors' names and phones."""
    ensure_role(principal, *READERS)
    doc = await _school(runtime, principal, school_id)
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


@router.get("", response_model=Page[SchoolOut])
async def list_schools(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    paging: PagedOrSkip,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
) -> Page[dict[str, Any]]:
    """Schools inside the caller's jurisdiction, optionally of one county, by id."""
    query = scope_query(principal, county)
    return await page(runtime, "schools", query, "school_id", paging)
