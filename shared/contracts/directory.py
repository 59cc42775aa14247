"""Directory events: the administrative tree, zones, schools, inspectors, listings."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared import topics
from shared.events import EventPayload, registry


class SchoolKind(StrEnum):
    kindergarten = "kindergarten"
    primary = "primary"
    junior = "junior"
    senior = "senior"
    nine_year = "nine_year"
    vocational = "vocational"


class Location(EventPayload):
    """WGS-84 coordinates."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


@registry.register
class SchoolRegistered(EventPayload):
    """A school or kindergarten was entered in the directory (学校登记)."""

    event_type: ClassVar[str] = "cn.duxue.directory.school_registered"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    school_id: str
    name: str
    kind: SchoolKind
    province: str
    city: str
    county: str | None
    zone_id: str | None
    address: str
    city_direct: bool
    principal_name: str | None
    location: Location | None


@registry.register
class SchoolDetailsCorrected(EventPayload):
    """Some details of a registered school were corrected (a new fact, never an edit)."""

    event_type: ClassVar[str] = "cn.duxue.directory.school_details_corrected"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    school_id: str
    name: str | None = None
    kind: SchoolKind | None = None
    address: str | None = None
    principal_name: str | None = None
    location: Location | None = None
    reason: str
