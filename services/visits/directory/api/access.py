"""Who may read what in the directory, and the small HTTP helpers its routes share.

Offices act inside their jurisdiction. Inspectors, zone leaders and integrators read
inside theirs, widened to the whole county (an inspector's token may name a zone, but
schools move between zones and inspectors work across them). Principals see their own
school only. Zones never narrow what a caller sees: they are checked at county level.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import HTTPException, Query, Response, status
from pydantic import Field

from services.visits.directory.service import Authorize
from services.visits.names import OFFICES
from shared.auth import Principal, Role, ensure_within, scope_filter
from shared.deadlines import local_day
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.routing import set_etag
from shared.runtime import Runtime

READERS = (*OFFICES, Role.inspector, Role.zone_leader, Role.integrator, Role.principal)
VIEW = "visits_directory"


def scope_query(principal: Principal, county: str | None = None) -> dict[str, Any]:
    """A read-model filter for the caller's reach, narrowed to ``county`` if asked."""
    return scope_filter(principal, county=county)


def where_of(doc: dict[str, Any]) -> Jurisdiction:
    """The jurisdiction of a read-model document with province/city/county fields."""
    return Jurisdiction(
        province=doc["province"],
        city=doc.get("city"),
        county=doc.get("county"),
        school=doc.get("school_id"),
    )


def not_found(kind: str, entry_id: str) -> HTTPException:
    names = {
        "school": "学校",
        "zone": "责任区",
        "inspector": "督学",
        "listing": "挂牌",
        "division": "行政区划",
        "import": "导入",
    }
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"{names.get(kind, kind)} {entry_id} 不存在 (unknown {kind})"
    )


def authorizer(principal: Principal) -> Authorize:
    """The directory service's jurisdiction check for a caller (the roster import, which
    checked its rows against the county already, passes its own)."""
    return lambda where: ensure_within(principal, where)


async def read_model(runtime: Runtime, collection: str) -> Any:
    return await ReadModels(runtime.db, VIEW).collection(collection)


async def find_doc(runtime: Runtime, collection: str, kind: str, entry_id: str) -> dict[str, Any]:
    coll = await read_model(runtime, collection)
    doc: dict[str, Any] | None = await coll.find_one({"_id": entry_id}, projection={"_id": False})
    if doc is None:
        raise not_found(kind, entry_id)
    return doc


def today(runtime: Runtime) -> date:
    """Today's date in China (UTC+8, no daylight saving), from the service's clock."""
    return local_day(runtime.clock())


Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
Phone = Annotated[str, Field(pattern=r"^[0-9+() -]{5,24}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=120)]
Limit = Annotated[int, Query(ge=1, le=1000)]


def ack(response: Response, key: str, entry_id: str, version: int) -> dict[str, Any]:
    """The answer to a directory command: the entry's id and version, the version as ETag."""
    set_etag(response, version)
    return {key: entry_id, "version": version}


async def page(
    runtime: Runtime, collection: str, query: dict[str, Any], sort: str, limit: int, skip: int
) -> list[dict[str, Any]]:
    coll = await read_model(runtime, collection)
    cursor = coll.find(query, projection={"_id": False}).sort(sort).skip(skip).limit(limit)
    return [doc async for doc in cursor]
