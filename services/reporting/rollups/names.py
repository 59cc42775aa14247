"""Names of the units, from directory events (collection ``names``): ``_id`` =
``division:<code>`` for a province, city or county, ``zone:<zone id>``,
``school:<school id>``; ``name`` the latest one the directory gave."""

from __future__ import annotations

from shared.contracts.directory import (
    DivisionRegistered,
    DivisionRenamed,
    SchoolDetailsCorrected,
    SchoolRegistered,
    ZoneDetailsCorrected,
    ZoneEstablished,
)
from shared.events import EventPayload
from shared.projection import DocRef, View

COLLECTION = "names"
EVENTS: tuple[type[EventPayload], ...] = (
    DivisionRegistered,
    DivisionRenamed,
    ZoneEstablished,
    ZoneDetailsCorrected,
    SchoolDetailsCorrected,
)
"""Directory events that only name units (``SchoolRegistered`` also counts a school)."""


def name_id(level: str, code: str) -> str:
    """The ``names`` document of a unit of the roll-up tree."""
    kind = "division" if level in ("province", "city", "county") else level
    return f"{kind}:{code}"


def ref(payload: EventPayload) -> DocRef | None:
    match payload:
        case DivisionRegistered() | DivisionRenamed():
            return DocRef(COLLECTION, f"division:{payload.code}")
        case ZoneEstablished() | ZoneDetailsCorrected():
            return DocRef(COLLECTION, f"zone:{payload.zone_id}")
        case SchoolRegistered() | SchoolDetailsCorrected():
            return DocRef(COLLECTION, f"school:{payload.school_id}")
    return None


def record(payload: EventPayload, view: View) -> None:
    """Keep the unit's latest name (a correction without a name changes nothing)."""
    where = ref(payload)
    name = payload.__dict__.get("name")
    if where is not None and name:
        view.put(where, {"name": name})
