"""Who may read what in the directory, and the small HTTP helpers its routes share.

Offices act inside their jurisdiction. Inspectors, zone leaders and integrators read
inside theirs, widened to the whole county (an inspector's token may name a zone, but
schools move between zones and inspectors work across them). Principals see their own
school only. Zones never narrow what a caller sees: they are checked at county level.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Response
from pydantic import Field

from services.visits.directory.service import UnknownEntry
from services.visits.directory.view import VIEW
from services.visits.names import OFFICES
from shared.auth import Principal, Role, ensure_sees, scope_filter
from shared.deadlines import local_day
from shared.freshness import Freshness
from shared.jurisdiction import Jurisdiction
from shared.paging import Page, Paging, find_page, paged
from shared.projection import ReadModels
from shared.routing import set_etag
from shared.runtime import Runtime

READERS = (*OFFICES, Role.inspector, Role.zone_leader, Role.integrator, Role.principal)


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


async def read_model(runtime: Runtime, collection: str) -> Any:
    return await ReadModels(runtime.db, VIEW).collection(collection)


async def find_doc(
    runtime: Runtime,
    collection: str,
    kind: str,
    entry_id: str,
    fresh: Freshness | None = None,
    stream_id: str = "",
) -> dict[str, Any]:
    """An entry of the read model (404 unknown), once it shows ``fresh``'s version of
    ``stream_id``."""
    coll = await read_model(runtime, collection)
    if fresh is not None:
        await fresh.at_least(coll, {"_id": entry_id}, stream_id)
    doc: dict[str, Any] | None = await coll.find_one({"_id": entry_id}, projection={"_id": False})
    if doc is None:
        raise UnknownEntry(kind, entry_id)
    return doc


async def seen_doc(
    runtime: Runtime, principal: Principal, collection: str, kind: str, entry_id: str
) -> dict[str, Any]:
    """An entry of the read model the caller sees (404 unknown, 403 outside its reach)."""
    doc = await find_doc(runtime, collection, kind, entry_id)
    ensure_sees(principal, where_of(doc))
    return doc


def today(runtime: Runtime) -> date:
    """Today's date in China (UTC+8, no daylight saving), from the service's clock."""
    return local_day(runtime.clock())


Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
Phone = Annotated[str, Field(pattern=r"^[0-9+() -]{5,24}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=120)]


def ack(
    response: Response, key: str, entry_id: str, version: int, created: str | None = None
) -> dict[str, Any]:
    """The answer to a directory command: the entry's id and version, the version as ETag;
    a new entry's ``Location`` is ``created``/its id."""
    set_etag(response, version)
    if created is not None:
        response.headers["Location"] = f"{created}/{entry_id}"
    return {key: entry_id, "version": version}


def tagged(response: Response, doc: dict[str, Any]) -> dict[str, Any]:
    """A directory entry as read, its ``version`` as ``ETag`` (the next ``If-Match``)."""
    set_etag(response, int(doc["version"]))
    return doc


async def page(
    runtime: Runtime, collection: str, query: dict[str, Any], sort: str, paging: Paging
) -> Page[dict[str, Any]]:
    """The page of directory entries matching ``query``, by ``sort`` (then ``_id``)."""
    coll = await read_model(runtime, collection)
    total, rows = await find_page(coll, query, [(sort, 1)], paging)
    return paged(total, rows, paging)


async def every(
    runtime: Runtime, collection: str, query: dict[str, Any], sort: str
) -> list[dict[str, Any]]:
    """Every directory entry matching ``query`` (a county's, for a report over them)."""
    coll = await read_model(runtime, collection)
    cursor = coll.find(query, projection={"_id": False}).sort([(sort, 1), ("_id", 1)])
    return [doc async for doc in cursor]
