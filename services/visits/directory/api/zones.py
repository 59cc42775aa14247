"""HTTP routes of inspection zones (督学责任区): establish, correct, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import Directory
from services.visits.directory.api.access import (
    READERS,
    Name,
    Reason,
    ack,
    find_doc,
    page,
    scope_query,
    tagged,
    where_of,
)
from services.visits.directory.api.answers import ZoneOut
from services.visits.directory.domain.zone import CorrectZone, EstablishZone, stream_id
from services.visits.names import DIVISION_CODE, ID
from shared.auth import CurrentPrincipal, ensure_role, ensure_sees
from shared.contracts.directory import ZoneLevel
from shared.paging import Page
from shared.params import PathId
from shared.routing import Caller, Fresh, IfMatch, PagedOrSkip, accepted_model
from shared.service import RuntimeDep

router = APIRouter(tags=["directory"])
Accepted = accepted_model("zone_id", __name__)


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


@router.post("/zones", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def establish_zone(
    body: ZoneCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """设立责任区 — set up a zone (an office of its county or city, or above)."""
    written = await directory.handle(body.zone_id, EstablishZone(**body.model_dump()), caller)
    return ack(response, "zone_id", body.zone_id, written.version, created="/zones")


@router.patch("/zones/{zone_id}", response_model=Accepted)
async def correct_zone(
    zone_id: Annotated[str, Field(pattern=ID)],
    body: ZoneCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """更正责任区 — rename, change the bureau liaison or the leader (组长)."""
    cmd = CorrectZone(
        zone_id=zone_id,
        reason=body.reason,
        name=body.name,
        bureau_liaison=body.bureau_liaison,
        change_leader="leader_id" in body.model_fields_set,
        leader_id=body.leader_id,
    )
    written = await directory.handle(zone_id, cmd, caller, expected)
    return ack(response, "zone_id", zone_id, written.version)


@router.get("/zones", response_model=Page[ZoneOut])
async def list_zones(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    paging: PagedOrSkip,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
) -> Page[dict[str, Any]]:
    """Zones inside the caller's jurisdiction, optionally of one county."""
    ensure_role(principal, *READERS)
    query = scope_query(principal, county)
    query.pop("school_id", None)
    if principal.jurisdiction.school is not None:
        query["zone_id"] = principal.jurisdiction.zone or "-"
    return await page(runtime, "zones", query, "zone_id", paging)


@router.get("/zones/{zone_id}", response_model=ZoneOut)
async def get_zone(
    zone_id: PathId,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    response: Response,
    fresh: Fresh,
) -> dict[str, Any]:
    ensure_role(principal, *READERS)
    doc = await find_doc(runtime, "zones", "zone", zone_id, fresh, stream_id(zone_id))
    ensure_sees(principal, where_of(doc))
    return tagged(response, doc)
