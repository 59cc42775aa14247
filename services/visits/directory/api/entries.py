"""HTTP routes of the directory beyond schools: divisions, zones, inspectors, listings, gaps.

Commands: ``POST`` creates, ``PATCH`` with ``If-Match: "<version>"`` corrects, ``POST
…/end`` ends a listing. Every answer to a command carries the new version as ``ETag``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import Directory
from services.visits.directory.api.access import (
    DIVISION_CODE,
    ID,
    OFFICES,
    READERS,
    authorizer,
    find_doc,
    read_model,
    scope_query,
    today,
    where_of,
)
from services.visits.directory.domain import division, zone
from services.visits.directory.domain.division import RegisterDivision, RenameDivision
from services.visits.directory.domain.inspector import CorrectInspector, RegisterInspector
from services.visits.directory.domain.listing import CorrectListing, EndListing, ListInspector
from services.visits.directory.domain.zone import CorrectZone, EstablishZone
from shared.auth import CurrentPrincipal, Role, ensure_role, ensure_sees, ensure_within
from shared.contracts.directory import DivisionLevel, Employment, ZoneLevel
from shared.directory.lookup import listing_active_on
from shared.jurisdiction import Jurisdiction
from shared.params import PlausibleDate, Skip
from shared.routing import Caller, IfMatch, set_etag
from shared.service import RuntimeDep

router = APIRouter(tags=["directory"])

Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
Phone = Annotated[str, Field(pattern=r"^[0-9+() -]{5,24}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=120)]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _ack(response: Response, key: str, entry_id: str, version: int) -> dict[str, Any]:
    set_etag(response, version)
    return {key: entry_id, "version": version}


async def _page(
    runtime: Any, collection: str, query: dict[str, Any], sort: str, limit: int, skip: int
) -> list[dict[str, Any]]:
    coll = await read_model(runtime, collection)
    cursor = coll.find(query, projection={"_id": False}).sort(sort).skip(skip).limit(limit)
    return [doc async for doc in cursor]


# -- divisions ------------------------------------------------------------------------


class DivisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=DIVISION_CODE, description="GB/T 2260 六位区划代码")
    name: Name
    level: DivisionLevel


class DivisionRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    reason: Reason


@router.post("/divisions", status_code=status.HTTP_201_CREATED)
async def register_division(
    body: DivisionCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """登记行政区划 — name a province, city or county (an office above or at it)."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    ensure_within(principal, division.jurisdiction_of(body.code, body.level))
    cmd = RegisterDivision(**body.model_dump())
    version = await directory.register_division(cmd, caller.ctx)
    response.headers["Location"] = f"/divisions/{body.code}"
    return _ack(response, "code", body.code, version)


@router.patch("/divisions/{code}")
async def rename_division(
    code: Annotated[str, Field(pattern=DIVISION_CODE)],
    body: DivisionRename,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """区划更名 — correct a division's name."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    version = await directory.rename_division(
        RenameDivision(code=code, **body.model_dump()),
        expected,
        caller.ctx,
        authorizer(caller.principal),
    )
    return _ack(response, "code", code, version)


@router.get("/divisions")
async def list_divisions(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    parent_code: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    level: DivisionLevel | None = None,
    limit: Limit = 500,
    skip: Skip = 0,
) -> list[dict[str, Any]]:
    """Division names (public facts: any signed-in user)."""
    query: dict[str, Any] = {}
    if parent_code is not None:
        query["parent_code"] = parent_code
    if level is not None:
        query["level"] = level.value
    return await _page(runtime, "divisions", query, "code", limit, skip)


@router.get("/divisions/{code}")
async def get_division(
    code: str, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    return await find_doc(runtime, "divisions", "division", code)


# -- zones ----------------------------------------------------------------------------


class ZoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone_id: str = Field(pattern=ID)
    name: Name
    level: ZoneLevel = ZoneLevel.county
    province: str = Field(pattern=DIVISION_CODE)
    city: str = Field(pattern=DIVISION_CODE)
    county: str | None = Field(default=None, pattern=DIVISION_CODE)
    leader_id: str | None = Field(default=None, pattern=ID, description="组长的督学编号")
    bureau_liaison: str | None = Field(default=None, max_length=50, description="联系局领导")


class ZoneCorrection(BaseModel):
    """Send ``leader_id: null`` to clear the leader; leave it out to keep it."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason
    name: Name | None = None
    bureau_liaison: str | None = Field(default=None, min_length=1, max_length=50)
    leader_id: str | None = Field(default=None, pattern=ID)


@router.post("/zones", status_code=status.HTTP_201_CREATED)
async def establish_zone(
    body: ZoneCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """设立责任区 — set up a zone (an office of its county or city, or above)."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = EstablishZone(**body.model_dump())
    ensure_within(principal, zone.jurisdiction_of(cmd))
    version = await directory.establish_zone(cmd, caller.ctx)
    response.headers["Location"] = f"/zones/{cmd.zone_id}"
    return _ack(response, "zone_id", cmd.zone_id, version)


@router.patch("/zones/{zone_id}")
async def correct_zone(
    zone_id: Annotated[str, Field(pattern=ID)],
    body: ZoneCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """更正责任区 — rename, change the bureau liaison or the leader (组长)."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = CorrectZone(
        zone_id=zone_id,
        reason=body.reason,
        name=body.name,
        bureau_liaison=body.bureau_liaison,
        change_leader="leader_id" in body.model_fields_set,
        leader_id=body.leader_id,
    )
    version = await directory.correct_zone(
        cmd,
        expected,
        caller.ctx,
        authorizer(caller.principal),
    )
    return _ack(response, "zone_id", zone_id, version)


@router.get("/zones")
async def list_zones(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    limit: Limit = 200,
    skip: Skip = 0,
) -> list[dict[str, Any]]:
    """Zones inside the caller's jurisdiction, optionally of one county."""
    ensure_role(principal, *READERS)
    query = scope_query(principal, county)
    query.pop("school_id", None)
    if principal.jurisdiction.school is not None:
        query["zone_id"] = principal.jurisdiction.zone or "-"
    return await _page(runtime, "zones", query, "zone_id", limit, skip)


@router.get("/zones/{zone_id}")
async def get_zone(
    zone_id: str, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    ensure_role(principal, *READERS)
    doc = await find_doc(runtime, "zones", "zone", zone_id)
    ensure_sees(principal, where_of(doc))
    return doc


# -- inspectors -----------------------------------------------------------------------


class InspectorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inspector_id: str = Field(pattern=ID, description="the inspector's user id (token sub)")
    name: Name
    employment: Employment
    phone: Phone
    province: str = Field(pattern=DIVISION_CODE)
    city: str = Field(pattern=DIVISION_CODE)
    county: str | None = Field(default=None, pattern=DIVISION_CODE, description="空为市级督学")
    email: Email | None = None
    title: Name | None = None
    duties: Text | None = None


class InspectorCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    name: Name | None = None
    employment: Employment | None = None
    phone: Phone | None = None
    email: Email | None = None
    title: Name | None = None
    duties: Text | None = None


@router.post("/inspectors", status_code=status.HTTP_201_CREATED)
async def register_inspector(
    body: InspectorCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """登记责任督学 — enter an inspector of a county (or city) office."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = RegisterInspector(**body.model_dump())
    ensure_within(principal, Jurisdiction(province=cmd.province, city=cmd.city, county=cmd.county))
    version = await directory.register_inspector(cmd, caller.ctx)
    response.headers["Location"] = f"/inspectors/{cmd.inspector_id}"
    return _ack(response, "inspector_id", cmd.inspector_id, version)


@router.patch("/inspectors/{inspector_id}")
async def correct_inspector(
    inspector_id: Annotated[str, Field(pattern=ID)],
    body: InspectorCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """更正督学信息 — correct an inspector's details."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = CorrectInspector(inspector_id=inspector_id, **body.model_dump())
    version = await directory.correct_inspector(
        cmd,
        expected,
        caller.ctx,
        authorizer(caller.principal),
    )
    return _ack(response, "inspector_id", inspector_id, version)


@router.get("/inspectors")
async def list_inspectors(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    limit: Limit = 200,
    skip: Skip = 0,
) -> list[dict[str, Any]]:
    """Inspectors of the offices inside the caller's jurisdiction."""
    ensure_role(principal, *OFFICES, Role.inspector, Role.zone_leader, Role.integrator)
    query = scope_query(principal, county)
    return await _page(runtime, "inspectors", query, "inspector_id", limit, skip)


@router.get("/inspectors/{inspector_id}")
async def get_inspector(
    inspector_id: str, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    ensure_role(principal, *OFFICES, Role.inspector, Role.zone_leader, Role.integrator)
    doc = await find_doc(runtime, "inspectors", "inspector", inspector_id)
    if doc["inspector_id"] != principal.user_id:
        ensure_sees(principal, where_of(doc))
    return doc


@router.get("/inspectors/{inspector_id}/listings")
async def inspector_listings(
    inspector_id: str,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    active_on: PlausibleDate | None = None,
) -> list[dict[str, Any]]:
    """The schools an inspector is (or was) listed at; ``active_on`` keeps one day's."""
    ensure_role(principal, *OFFICES, Role.inspector, Role.zone_leader, Role.integrator)
    doc = await find_doc(runtime, "inspectors", "inspector", inspector_id)
    if inspector_id != principal.user_id:
        ensure_sees(principal, where_of(doc))
    docs = await _page(runtime, "listings", {"inspector_id": inspector_id}, "listing_id", 1000, 0)
    return [d for d in docs if active_on is None or listing_active_on(d, active_on)]


# -- listings -------------------------------------------------------------------------


class ListingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_id: str = Field(pattern=ID)
    inspector_id: str = Field(pattern=ID)
    starts_on: PlausibleDate
    duties: Text | None = None


class ListingCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    starts_on: PlausibleDate | None = None
    duties: Text | None = None


class ListingEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ends_on: PlausibleDate = Field(description="挂牌的最后一天 (last day listed)")
    reason: Reason


@router.post("/listings", status_code=status.HTTP_201_CREATED)
async def list_inspector(
    body: ListingCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """挂牌 — list an inspector at a school from a day on."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    listing_id, version = await directory.list_inspector(
        ListInspector(**body.model_dump()),
        caller.ctx,
        authorizer(caller.principal),
    )
    response.headers["Location"] = f"/listings/{listing_id}"
    return _ack(response, "listing_id", listing_id, version)


@router.patch("/listings/{listing_id}")
async def correct_listing(
    listing_id: str,
    body: ListingCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """更正挂牌 — correct a listing's start day or duties (``If-Match``: the listing's version)."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    version = await directory.correct_listing(
        CorrectListing(listing_id=listing_id, **body.model_dump()),
        expected,
        caller.ctx,
        authorizer(caller.principal),
    )
    return _ack(response, "listing_id", listing_id, version)


@router.post("/listings/{listing_id}/end")
async def end_listing(
    listing_id: str,
    body: ListingEnd,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """撤牌 — end a listing; its history is kept."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    version = await directory.end_listing(
        EndListing(listing_id=listing_id, **body.model_dump()),
        expected,
        caller.ctx,
        authorizer(caller.principal),
    )
    return _ack(response, "listing_id", listing_id, version)


@router.get("/listings")
async def list_listings(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    school_id: str | None = None,
    inspector_id: str | None = None,
    active_on: PlausibleDate | None = None,
    limit: Limit = 500,
    skip: Skip = 0,
) -> list[dict[str, Any]]:
    """Listings inside the caller's jurisdiction (ended ones too unless ``active_on``)."""
    ensure_role(principal, *READERS)
    query = scope_query(principal, county)
    if school_id is not None:
        if query.get("school_id", school_id) != school_id:
            raise HTTPException(403, "超出您的管辖范围 (outside your jurisdiction)")
        query["school_id"] = school_id
    if inspector_id is not None:
        query["inspector_id"] = inspector_id
    docs = await _page(runtime, "listings", query, "listing_id", limit, skip)
    return [d for d in docs if active_on is None or listing_active_on(d, active_on)]


@router.get("/listings/{listing_id}")
async def get_listing(
    listing_id: str, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    ensure_role(principal, *READERS)
    doc = await find_doc(runtime, "listings", "listing", listing_id)
    ensure_sees(principal, where_of(doc))
    return doc


# -- gaps -----------------------------------------------------------------------------


@router.get("/directory/gaps")
async def gaps(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    county: Annotated[str, Query(pattern=DIVISION_CODE)],
    on: PlausibleDate | None = None,
) -> dict[str, Any]:
    """待补缺口 — what an office must fix in a county: schools with no active listing,
    schools whose zone is not set up, zones without a leader (组长)."""
    ensure_role(principal, *OFFICES, Role.inspector, Role.zone_leader, Role.integrator)
    query = scope_query(principal, county)
    day = on or today(runtime)
    schools = await _page(runtime, "schools", query, "school_id", 100_000, 0)
    zones = await _page(runtime, "zones", {"county": county}, "zone_id", 10_000, 0)
    listings = await _page(runtime, "listings", {"county": county}, "listing_id", 100_000, 0)
    listed = {d["school_id"] for d in listings if listing_active_on(d, day)}
    zone_ids = {z["zone_id"] for z in zones}

    def brief(s: dict[str, Any]) -> dict[str, Any]:
        return {"school_id": s["school_id"], "name": s["name"], "zone_id": s.get("zone_id")}

    return {
        "county": county,
        "on": day.isoformat(),
        "schools": len(schools),
        "schools_without_listing": [brief(s) for s in schools if s["school_id"] not in listed],
        "schools_without_zone": [brief(s) for s in schools if s.get("zone_id") not in zone_ids],
        "zones_without_leader": [
            {"zone_id": z["zone_id"], "name": z["name"]} for z in zones if not z.get("leader_id")
        ],
    }
