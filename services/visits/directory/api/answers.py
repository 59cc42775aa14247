"""What the directory routes answer: each entry as its read model holds it.

The fields declared are in every document of the kind (typed in the OpenAPI); the
others (``history``, ``updated_at``, contact details…) pass through (see
:class:`shared.answers.Document`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.answers import Document, Located


class SchoolOut(Located):
    school_id: str
    name: str
    kind: str
    county: str | None
    zone_id: str | None
    city_direct: bool
    version: int


class ZoneOut(Located):
    zone_id: str
    name: str
    level: str
    county: str | None
    leader_id: str | None
    version: int


class InspectorOut(Located):
    inspector_id: str
    name: str
    employment: str
    county: str | None
    version: int


class ListingOut(Located):
    listing_id: str
    school_id: str
    inspector_id: str
    status: str
    """``active`` or ``ended``."""
    starts_on: str
    ends_on: str | None
    version: int
    """The listing's own version (its changes counted), not the school stream's."""


class DivisionOut(Document):
    code: str
    name: str
    level: str
    parent_code: str | None
    version: int


class SchoolListings(BaseModel):
    school_id: str
    name: str
    active: list[ListingOut]
    ended: list[ListingOut]


class GapSchool(BaseModel):
    school_id: str
    name: str
    zone_id: str | None


class GapZone(BaseModel):
    zone_id: str
    name: str


class Gaps(BaseModel):
    """待补缺口 of a county on a day."""

    county: str
    on: str
    schools: int
    schools_without_listing: list[GapSchool]
    schools_without_zone: list[GapSchool]
    zones_without_leader: list[GapZone]


class PlateInspector(Document):
    name: str
    employment: str
    employment_label: str
    title: str | None
    phone: str | None
    duties: str
    listed_since: str


class Plate(BaseModel):
    """挂牌公示牌 (public)."""

    title: str
    school_id: str
    school_name: str
    address: str | None
    inspectors: list[PlateInspector]
    complaints_url: str
    complaints_note: str
    on: str
    labels: dict[str, Any]


class ImportSummary(BaseModel):
    """The answer of a roster upload (validated, imported, unchanged, already imported)."""

    import_id: str
    status: str
    county: str
    counts: dict[str, int]
    written: int
    skipped: int
    diff: Any = None


class ImportRecord(Document):
    import_id: str
    status: str
    version: int
