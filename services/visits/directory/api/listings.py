"""HTTP routes of listings (挂牌): list an inspector at a school, correct, end, read;
and the gaps an office must fill (schools without a listing or zone, zones without a
leader). Corrections and endings take ``If-Match``: the listing's own version.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import Directory, DirectoryFacts
from services.visits.directory.api.access import (
    READERS,
    Reason,
    Text,
    ack,
    every,
    page,
    scope_query,
    seen_doc,
    tagged,
    today,
)
from services.visits.directory.api.answers import Gaps, ListingOut
from services.visits.directory.domain.listing import CorrectListing, EndListing, ListInspector
from services.visits.names import DIVISION_CODE, ID, OFFICES
from shared.auth import CurrentPrincipal, Role, ensure_role
from shared.directory.filters import ensure_filter_within
from shared.directory.lookup import active_query, listing_active_on
from shared.paging import Page
from shared.params import PathId, PlausibleDate
from shared.routing import Caller, IfMatch, PagedOrSkip, accepted_model
from shared.service import RuntimeDep

router = APIRouter(tags=["directory"])
Accepted = accepted_model("listing_id", __name__)


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


@router.post("/listings", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def list_inspector(
    body: ListingCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """挂牌 — list an inspector at a school from a day on."""
    written = await directory.handle(body.school_id, ListInspector(**body.model_dump()), caller)
    return ack(response, "listing_id", written.entry_id, written.version, created="/listings")


@router.patch("/listings/{listing_id}", response_model=Accepted)
async def correct_listing(
    listing_id: PathId,
    body: ListingCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """更正挂牌 — correct a listing's start day or duties (``If-Match``: the listing's version)."""
    cmd = CorrectListing(listing_id=listing_id, **body.model_dump())
    written = await directory.handle(listing_id, cmd, caller, expected)
    return ack(response, "listing_id", listing_id, written.version)


@router.post("/listings/{listing_id}/end", response_model=Accepted)
async def end_listing(
    listing_id: PathId,
    body: ListingEnd,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """撤牌 — end a listing; its history is kept."""
    cmd = EndListing(listing_id=listing_id, **body.model_dump())
    written = await directory.handle(listing_id, cmd, caller, expected)
    return ack(response, "listing_id", listing_id, written.version)


@router.get("/listings", response_model=Page[ListingOut])
async def list_listings(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    facts: DirectoryFacts,
    paging: PagedOrSkip,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    school_id: str | None = None,
    inspector_id: str | None = None,
    active_on: PlausibleDate | None = None,
) -> Page[dict[str, Any]]:
    """Listings inside the caller's jurisdiction (ended ones too unless ``active_on``)."""
    ensure_role(principal, *READERS)
    query = scope_query(principal, county)
    if school_id is not None:
        if query.get("school_id", school_id) != school_id:
            raise HTTPException(403, "超出您的管辖范围 (outside your jurisdiction)")
        query["school_id"] = school_id
    await ensure_filter_within(principal, facts, school_id=school_id, inspector_id=inspector_id)
    if inspector_id is not None:
        query["inspector_id"] = inspector_id
    query |= active_query(active_on)
    return await page(runtime, "listings", query, "listing_id", paging)


@router.get("/listings/{listing_id}", response_model=ListingOut)
async def get_listing(
    listing_id: PathId, principal: CurrentPrincipal, runtime: RuntimeDep, response: Response
) -> dict[str, Any]:
    """A listing; ``ETag`` is its own version (the ``If-Match`` of its changes)."""
    ensure_role(principal, *READERS)
    doc = await seen_doc(runtime, principal, "listings", "listing", listing_id)
    return tagged(response, doc)


# -- gaps ---------------------------------------------------------------------------


@router.get("/directory/gaps", response_model=Gaps)
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
    schools = await every(runtime, "schools", query, "school_id")
    zones = await every(runtime, "zones", {"county": county}, "zone_id")
    listings = await every(runtime, "listings", {"county": county}, "listing_id")
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
