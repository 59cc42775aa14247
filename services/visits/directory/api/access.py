"""Who may read what in the directory, and the small HTTP helpers its routes share.

Offices act inside their jurisdiction. Inspectors, zone leaders and integrators read
inside theirs, widened to the whole county (an inspector's token may name a zone, but
schools move between zones and inspectors work across them). Principals see their own
school only. Zones never narrow what a caller sees: they are checked at county level.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import HTTPException, status

from services.visits.directory.service import Authorize
from shared.auth import Principal, Role, ensure_within, scope_filter
from shared.deadlines import local_day
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.runtime import Runtime

OFFICES = (Role.county_office, Role.city_office, Role.province_office)
READERS = (*OFFICES, Role.inspector, Role.zone_leader, Role.integrator, Role.principal)
DIVISION_CODE = r"^[0-9]{6}$"
ID = r"^[0-9A-Za-z_-]{2,40}$"
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
