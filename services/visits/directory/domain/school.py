"""The school aggregate of the directory: registration and corrections."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from shared.commands import IllegalStep, InvalidField
from shared.contracts.directory import (
    InspectorListed,
    ListingCorrected,
    ListingEnded,
    Location,
    SchoolDetailsCorrected,
    SchoolKind,
    SchoolRegistered,
    SchoolZoneChanged,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

DETAILS = ("name", "kind", "zone_id", "address", "principal_name", "location")
"""The school's fields as its stream states them (the roster's column names too)."""
CORRECTABLE = ("name", "kind", "address", "principal_name", "location")


@dataclass(frozen=True)
class School:
    """A school as its stream says: what decisions need, and the details the roster
    reconciliation and the visit lifecycle's checks read (the one fold of the stream)."""

    registered: bool = False
    jurisdiction: Jurisdiction | None = None
    zone_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterSchool:
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


@dataclass(frozen=True)
class ChangeSchoolZone:
    school_id: str
    zone_id: str
    reason: str


@dataclass(frozen=True)
class CorrectSchoolDetails:
    school_id: str
    reason: str
    name: str | None = None
    kind: SchoolKind | None = None
    address: str | None = None
    principal_name: str | None = None
    location: Location | None = None


def stream_id(school_id: str) -> str:
    return f"school-{school_id}"


def jurisdiction_of(cmd: RegisterSchool | SchoolRegistered) -> Jurisdiction:
    return Jurisdiction(
        province=cmd.province,
        city=cmd.city,
        county=cmd.county,
        zone=cmd.zone_id if cmd.county else None,
        school=cmd.school_id,
    )


def register(state: School, cmd: RegisterSchool) -> list[EventPayload]:
    if state.registered:
        raise IllegalStep(f"学校 {cmd.school_id} 已登记 (school already registered)")
    if cmd.city_direct != (cmd.county is None):
        raise IllegalStep(
            "市直学校不属于县(区)，其他学校必须属于县(区) "
            "(a city-direct school has no county; every other school has one)"
        )
    return [SchoolRegistered(**asdict(cmd))]


def correct(state: School, cmd: CorrectSchoolDetails) -> list[EventPayload]:
    if not state.registered:
        raise IllegalStep(f"学校 {cmd.school_id} 未登记 (school not registered)")
    stated = {name: getattr(cmd, name) for name in CORRECTABLE}
    changes = {name: value for name, value in stated.items() if value is not None}
    if not changes:
        raise IllegalStep("没有需要更正的内容 (nothing to correct)")
    return [SchoolDetailsCorrected(school_id=cmd.school_id, reason=cmd.reason, **changes)]


def moved(where: Jurisdiction, zone_id: str) -> Jurisdiction:
    """A school's jurisdiction after it moved to ``zone_id`` (city-direct: no zone level)."""
    return where.model_copy(update={"zone": zone_id if where.county else None})


def change_zone(
    state: School, cmd: ChangeSchoolZone, zone_where: Jurisdiction | None
) -> list[EventPayload]:
    """``zone_where``: the target zone's jurisdiction, ``None`` if it does not exist (422
    naming ``body.zone_id``)."""
    if not state.registered or state.jurisdiction is None:
        raise IllegalStep(f"学校 {cmd.school_id} 未登记 (school not registered)")
    if zone_where is None:
        raise InvalidField("body.zone_id", f"责任区 {cmd.zone_id} 不存在 (unknown zone)")
    here = state.jurisdiction
    if (zone_where.province, zone_where.city, zone_where.county) != (
        here.province,
        here.city,
        here.county,
    ):
        raise IllegalStep(f"责任区 {cmd.zone_id} 不在该校所在的县(区)或市 (the zone is elsewhere)")
    if state.zone_id == cmd.zone_id:
        raise IllegalStep(f"学校已在责任区 {cmd.zone_id} (already in that zone)")
    return [
        SchoolZoneChanged(
            school_id=cmd.school_id,
            zone_id=cmd.zone_id,
            previous_zone_id=state.zone_id,
            reason=cmd.reason,
        )
    ]


def corrected(
    details: Mapping[str, Any], event: EventPayload, names: tuple[str, ...]
) -> dict[str, Any]:
    """``details`` with the fields a correction event states (``None``: unchanged)."""
    changes = {n: getattr(event, n) for n in names if getattr(event, n) is not None}
    return {**details, **changes}


def evolve(state: School, event: EventPayload) -> School:
    if isinstance(event, SchoolRegistered):
        return School(
            registered=True,
            jurisdiction=jurisdiction_of(event),
            zone_id=event.zone_id,
            details={n: getattr(event, n) for n in DETAILS},
        )
    if isinstance(event, SchoolZoneChanged):
        assert state.jurisdiction is not None
        return replace(
            state,
            jurisdiction=moved(state.jurisdiction, event.zone_id),
            zone_id=event.zone_id,
            details={**state.details, "zone_id": event.zone_id},
        )
    if isinstance(event, SchoolDetailsCorrected):
        return replace(state, details=corrected(state.details, event, CORRECTABLE))
    if isinstance(event, InspectorListed | ListingCorrected | ListingEnded):
        return state  # listings share the stream; see services.visits.directory.domain.listing
    raise ValueError(f"a school stream cannot hold {event.event_type}")
