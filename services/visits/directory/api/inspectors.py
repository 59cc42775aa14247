"""HTTP routes of inspectors (责任督学): register, correct, read, their listings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import Directory
from services.visits.directory.api.access import (
    Email,
    Name,
    Phone,
    Reason,
    Text,
    ack,
    find_doc,
    page,
    scope_query,
    tagged,
    where_of,
)
from services.visits.directory.api.answers import InspectorOut, ListingOut
from services.visits.directory.domain.inspector import (
    CorrectInspector,
    RegisterInspector,
    stream_id,
)
from services.visits.names import DIVISION_CODE, ID, OFFICES
from shared.auth import CurrentPrincipal, Principal, Role, ensure_role, ensure_sees
from shared.contracts.directory import Employment
from shared.directory.lookup import active_query
from shared.freshness import Freshness
from shared.paging import Page
from shared.params import PathId, PlausibleDate
from shared.routing import Caller, Fresh, IfMatch, Paged, PagedOrSkip, accepted_model
from shared.runtime import Runtime
from shared.service import RuntimeDep

router = APIRouter(tags=["directory"])
Accepted = accepted_model("inspector_id", __name__)
STAFF = (*OFFICES, Role.inspector, Role.zone_leader, Role.integrator)


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


@router.post("/inspectors", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def register_inspector(
    body: InspectorCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """登记责任督学 — enter an inspector of a county (or city) office."""
    cmd = RegisterInspector(**body.model_dump())
    written = await directory.handle(cmd.inspector_id, cmd, caller)
    return ack(response, "inspector_id", cmd.inspector_id, written.version, created="/inspectors")


@router.patch("/inspectors/{inspector_id}", response_model=Accepted)
async def correct_inspector(
    inspector_id: Annotated[str, Field(pattern=ID)],
    body: InspectorCorrection,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """更正督学信息 — correct an inspector's details."""
    cmd = CorrectInspector(inspector_id=inspector_id, **body.model_dump())
    written = await directory.handle(inspector_id, cmd, caller, expected)
    return ack(response, "inspector_id", inspector_id, written.version)


@router.get("/inspectors", response_model=Page[InspectorOut])
async def list_inspectors(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    paging: PagedOrSkip,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
) -> Page[dict[str, Any]]:
    """Inspectors of the offices inside the caller's jurisdiction."""
    ensure_role(principal, *STAFF)
    query = scope_query(principal, county)
    return await page(runtime, "inspectors", query, "inspector_id", paging)


async def _inspector(
    runtime: Runtime, principal: Principal, inspector_id: str, fresh: Freshness | None = None
) -> dict[str, Any]:
    """An inspector's entry: their own, or one inside an office's or colleague's reach."""
    ensure_role(principal, *STAFF)
    stream = stream_id(inspector_id)
    doc = await find_doc(runtime, "inspectors", "inspector", inspector_id, fresh, stream)
    if doc["inspector_id"] != principal.user_id:
        ensure_sees(principal, where_of(doc))
    return doc


@router.get("/inspectors/{inspector_id}", response_model=InspectorOut)
async def get_inspector(
    inspector_id: PathId,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    response: Response,
    fresh: Fresh,
) -> dict[str, Any]:
    return tagged(response, await _inspector(runtime, principal, inspector_id, fresh))


@router.get("/inspectors/{inspector_id}/listings", response_model=Page[ListingOut])
async def inspector_listings(
    inspector_id: PathId,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    paging: Paged,
    active_on: PlausibleDate | None = None,
) -> Page[dict[str, Any]]:
    """The schools an inspector is (or was) listed at; ``active_on`` keeps one day's."""
    await _inspector(runtime, principal, inspector_id)
    query = {"inspector_id": inspector_id, **active_query(active_on)}
    return await page(runtime, "listings", query, "listing_id", paging)
