"""The school aggregate of the directory: registration and corrections."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from shared.commands import IllegalStep
from shared.contracts.directory import (
    Location,
    SchoolDetailsCorrected,
    SchoolKind,
    SchoolRegistered,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class School:
    """What decisions about a school need to know."""

    registered: bool = False
    jurisdiction: Jurisdiction | None = None


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
    changes = {
        k: v
        for k, v in (
            ("name", cmd.name),
            ("kind", cmd.kind),
            ("address", cmd.address),
            ("principal_name", cmd.principal_name),
            ("location", cmd.location),
        )
        if v is not None
    }
    if not changes:
        raise IllegalStep("没有需要更正的内容 (nothing to correct)")
    return [SchoolDetailsCorrected(school_id=cmd.school_id, reason=cmd.reason, **changes)]


def evolve(state: School, event: EventPayload) -> School:
    if isinstance(event, SchoolRegistered):
        return replace(state, registered=True, jurisdiction=jurisdiction_of(event))
    if isinstance(event, SchoolDetailsCorrected):
        return state
    raise ValueError(f"a school stream cannot hold {event.event_type}")
