"""Directory events: the administrative tree, zones, schools, inspectors, listings."""

from __future__ import annotations

from datetime import date
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


# -- the administrative tree ---------------------------------------------------------


class DivisionLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"


@registry.register
class DivisionRegistered(EventPayload):
    """An administrative division was named in the directory (行政区划登记).

    ``code`` is the six-digit GB/T 2260 code; ``parent_code`` the province of a city or
    the city of a county (none for a province), so roll-ups can show names.
    """

    event_type: ClassVar[str] = "cn.duxue.directory.division_registered"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    code: str
    name: str
    level: DivisionLevel
    parent_code: str | None


@registry.register
class DivisionRenamed(EventPayload):
    """A division's name was corrected or changed (区划更名)."""

    event_type: ClassVar[str] = "cn.duxue.directory.division_renamed"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    code: str
    name: str
    reason: str


# -- zones ---------------------------------------------------------------------------


class ZoneLevel(StrEnum):
    county = "county"
    city = "city"


@registry.register
class ZoneEstablished(EventPayload):
    """An inspection responsibility zone was set up (督学责任区设立).

    A county zone covers schools of one county; a city zone (``county`` empty) covers
    senior high and city-direct schools. ``leader_id`` is the inspector id of the zone
    leader (组长); ``bureau_liaison`` the bureau leader who is its liaison (局领导联系).
    """

    event_type: ClassVar[str] = "cn.duxue.directory.zone_established"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    zone_id: str
    name: str
    level: ZoneLevel
    province: str
    city: str
    county: str | None
    leader_id: str | None
    bureau_liaison: str | None


@registry.register
class ZoneDetailsCorrected(EventPayload):
    """A zone's name or bureau liaison changed (责任区信息更正); absent fields are unchanged."""

    event_type: ClassVar[str] = "cn.duxue.directory.zone_details_corrected"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    zone_id: str
    name: str | None = None
    bureau_liaison: str | None = None
    reason: str


@registry.register
class ZoneLeaderChanged(EventPayload):
    """A zone got a new leader (组长变更), or none (``leader_id`` empty)."""

    event_type: ClassVar[str] = "cn.duxue.directory.zone_leader_changed"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    zone_id: str
    leader_id: str | None
    previous_leader_id: str | None
    reason: str


@registry.register
class SchoolZoneChanged(EventPayload):
    """A school moved to another zone (学校调整责任区); a school is in exactly one zone."""

    event_type: ClassVar[str] = "cn.duxue.directory.school_zone_changed"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    school_id: str
    zone_id: str
    previous_zone_id: str | None
    reason: str


# -- inspectors ----------------------------------------------------------------------


class Employment(StrEnum):
    full_time = "full_time"
    part_time = "part_time"


@registry.register
class InspectorRegistered(EventPayload):
    """A responsible inspector was entered in the directory (责任督学登记).

    ``inspector_id`` is the user id (token ``sub``) of the inspector's account. The
    office the inspector belongs to is the county (``county`` set) or, for a city
    inspector, the city. ``employment``: full-time (专职) or part-time (兼职).
    """

    event_type: ClassVar[str] = "cn.duxue.directory.inspector_registered"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    inspector_id: str
    name: str
    employment: Employment
    phone: str
    email: str | None
    title: str | None
    duties: str | None
    province: str
    city: str
    county: str | None


@registry.register
class InspectorDetailsCorrected(EventPayload):
    """Some details of an inspector were corrected (督学信息更正); absent fields unchanged."""

    event_type: ClassVar[str] = "cn.duxue.directory.inspector_details_corrected"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    inspector_id: str
    name: str | None = None
    employment: Employment | None = None
    phone: str | None = None
    email: str | None = None
    title: str | None = None
    duties: str | None = None
    reason: str


# -- listings (挂牌), kept in the school's stream -----------------------------------------


@registry.register
class InspectorListed(EventPayload):
    """An inspector was listed at a school from a day on (责任督学挂牌).

    Stored in the school's stream; ``listing_id`` is ``<school_id>-L<n>``.
    """

    event_type: ClassVar[str] = "cn.duxue.directory.inspector_listed"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    listing_id: str
    school_id: str
    inspector_id: str
    starts_on: date
    duties: str | None


@registry.register
class ListingCorrected(EventPayload):
    """A listing's start day or duties were corrected (挂牌信息更正); absent fields unchanged."""

    event_type: ClassVar[str] = "cn.duxue.directory.listing_corrected"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    listing_id: str
    school_id: str
    starts_on: date | None = None
    duties: str | None = None
    reason: str


@registry.register
class ListingEnded(EventPayload):
    """A listing ended (撤牌/调整挂牌); ``ends_on`` is the last day the inspector was listed."""

    event_type: ClassVar[str] = "cn.duxue.directory.listing_ended"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    listing_id: str
    school_id: str
    inspector_id: str
    ends_on: date
    reason: str


# -- roster imports ----------------------------------------------------------------------


@registry.register
class RosterImportStarted(EventPayload):
    """A validated roster file began to be written into the directory (花名册导入开始).

    ``import_id`` is derived from the county and the file's SHA-256, so the same file
    posted again is recognised; the counts are what the file holds.
    """

    event_type: ClassVar[str] = "cn.duxue.directory.roster_import_started"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    import_id: str
    province: str
    city: str
    county: str
    file_name: str
    file_sha256: str
    zones: int
    schools: int
    inspectors: int
    listings: int


@registry.register
class RosterImportCompleted(EventPayload):
    """Every row of a roster import is in the directory (花名册导入完成).

    ``written`` counts entries registered, corrected or ended; ``skipped`` rows the
    directory already held as the file states them (unchanged, or written by an
    interrupted first attempt).
    """

    event_type: ClassVar[str] = "cn.duxue.directory.roster_import_completed"
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.DIRECTORY

    import_id: str
    written: int
    skipped: int
