"""Folds of directory streams into what a roster row is compared with (no I/O).

The aggregates keep only what their decisions need; reconciling a roster needs every
field a roster row can state, as the event store holds it (never a read model, which
may lag). These folds read the same streams with the roster's field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from services.visits.domain import listing
from services.visits.domain.inspector import office_of
from services.visits.domain.listing import SchoolListings
from services.visits.roster_diff import INSPECTOR_FIELDS, SCHOOL_FIELDS
from services.visits.roster_validate import ExistingListing
from shared.contracts.directory import (
    InspectorDetailsCorrected,
    InspectorRegistered,
    SchoolDetailsCorrected,
    SchoolRegistered,
    SchoolZoneChanged,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

CORRECTABLE_SCHOOL_FIELDS = ("name", "kind", "address", "principal_name", "location")


def _corrected(
    fields: dict[str, Any], event: EventPayload, names: tuple[str, ...]
) -> dict[str, Any]:
    return {**fields, **{n: getattr(event, n) for n in names if getattr(event, n) is not None}}


@dataclass(frozen=True)
class InspectorRecord:
    office: Jurisdiction | None = None
    fields: dict[str, Any] = field(default_factory=dict)


def evolve_inspector(state: InspectorRecord, event: EventPayload) -> InspectorRecord:
    if isinstance(event, InspectorRegistered):
        return InspectorRecord(office_of(event), {n: getattr(event, n) for n in INSPECTOR_FIELDS})
    if isinstance(event, InspectorDetailsCorrected):
        return replace(state, fields=_corrected(state.fields, event, INSPECTOR_FIELDS))
    return state


@dataclass(frozen=True)
class SchoolRecord:
    listings: SchoolListings = field(default_factory=SchoolListings)
    fields: dict[str, Any] = field(default_factory=dict)

    def existing_listings(self) -> list[ExistingListing]:
        return [
            ExistingListing(
                x.inspector_id, x.starts_on, x.ends_on, x.listing_id, x.duties, x.version
            )
            for x in self.listings.listings.values()
        ]


def evolve_school(state: SchoolRecord, event: EventPayload) -> SchoolRecord:
    listings = listing.evolve(state.listings, event)
    fields = state.fields
    if isinstance(event, SchoolRegistered):
        fields = {n: getattr(event, n) for n in SCHOOL_FIELDS}
    elif isinstance(event, SchoolDetailsCorrected):
        fields = _corrected(fields, event, CORRECTABLE_SCHOOL_FIELDS)
    elif isinstance(event, SchoolZoneChanged):
        fields = {**fields, "zone_id": event.zone_id}
    return SchoolRecord(listings, fields)
