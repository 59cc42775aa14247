"""The zone aggregate (督学责任区): set-up, corrections, the leader (组长).

A county zone groups schools of one county; a city zone (no county) groups senior high
and city-direct schools. Whether the named leader is a registered inspector is a fact
the application service looks up and hands in (``leader_office``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from shared.commands import IllegalStep, InvalidField
from shared.contracts.directory import (
    ZoneDetailsCorrected,
    ZoneEstablished,
    ZoneLeaderChanged,
    ZoneLevel,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class Zone:
    established: bool = False
    name: str = ""
    jurisdiction: Jurisdiction | None = None
    leader_id: str | None = None
    bureau_liaison: str | None = None


@dataclass(frozen=True)
class EstablishZone:
    zone_id: str
    name: str
    level: ZoneLevel
    province: str
    city: str
    county: str | None
    leader_id: str | None = None
    bureau_liaison: str | None = None


@dataclass(frozen=True)
class CorrectZone:
    """``change_leader`` says whether ``leader_id`` is meant (``None`` then clears it)."""

    zone_id: str
    reason: str
    name: str | None = None
    bureau_liaison: str | None = None
    change_leader: bool = False
    leader_id: str | None = None


def stream_id(zone_id: str) -> str:
    return f"zone-{zone_id}"


def jurisdiction_of(cmd: EstablishZone | ZoneEstablished) -> Jurisdiction:
    return Jurisdiction(
        province=cmd.province,
        city=cmd.city,
        county=cmd.county,
        zone=cmd.zone_id if cmd.county else None,
    )


def may_lead(office: Jurisdiction, zone: Jurisdiction) -> bool:
    """An inspector of the zone's county, or of its city, may lead it."""
    return (
        office.province == zone.province
        and office.city == zone.city
        and office.county in (None, zone.county)
    )


def _check_leader(leader_id: str, leader_office: Jurisdiction | None, zone: Jurisdiction) -> None:
    if leader_office is None:
        raise InvalidField(
            "body.leader_id",
            f"组长 {leader_id} 不是已登记的督学 (leader is not a registered inspector)",
        )
    if not may_lead(leader_office, zone):
        raise IllegalStep(
            f"督学 {leader_id} 不属于本责任区所在的县(区)或市 "
            "(the leader belongs to another county or city)"
        )


def establish(
    state: Zone, cmd: EstablishZone, leader_office: Jurisdiction | None
) -> list[EventPayload]:
    if state.established:
        raise IllegalStep(f"责任区 {cmd.zone_id} 已设立 (zone already established)")
    if (cmd.level is ZoneLevel.county) != (cmd.county is not None):
        raise IllegalStep(
            "县级责任区必须属于一个县(区)，市级责任区不属于县(区) "
            "(a county zone has a county; a city zone has none)"
        )
    if cmd.leader_id is not None:
        _check_leader(cmd.leader_id, leader_office, jurisdiction_of(cmd))
    return [ZoneEstablished(**asdict(cmd))]


def correct(
    state: Zone, cmd: CorrectZone, leader_office: Jurisdiction | None
) -> list[EventPayload]:
    if not state.established or state.jurisdiction is None:
        raise IllegalStep(f"责任区 {cmd.zone_id} 不存在 (zone not established)")
    events: list[EventPayload] = []
    name = cmd.name if cmd.name not in (None, state.name) else None
    liaison = cmd.bureau_liaison if cmd.bureau_liaison not in (None, state.bureau_liaison) else None
    if name is not None or liaison is not None:
        events.append(
            ZoneDetailsCorrected(
                zone_id=cmd.zone_id, name=name, bureau_liaison=liaison, reason=cmd.reason
            )
        )
    if cmd.change_leader and cmd.leader_id != state.leader_id:
        if cmd.leader_id is not None:
            _check_leader(cmd.leader_id, leader_office, state.jurisdiction)
        events.append(
            ZoneLeaderChanged(
                zone_id=cmd.zone_id,
                leader_id=cmd.leader_id,
                previous_leader_id=state.leader_id,
                reason=cmd.reason,
            )
        )
    if not events:
        raise IllegalStep("没有需要更正的内容 (nothing to correct)")
    return events


def evolve(state: Zone, event: EventPayload) -> Zone:
    if isinstance(event, ZoneEstablished):
        return Zone(
            established=True,
            name=event.name,
            jurisdiction=jurisdiction_of(event),
            leader_id=event.leader_id,
            bureau_liaison=event.bureau_liaison,
        )
    if isinstance(event, ZoneDetailsCorrected):
        return replace(
            state,
            name=event.name or state.name,
            bureau_liaison=event.bureau_liaison or state.bureau_liaison,
        )
    if isinstance(event, ZoneLeaderChanged):
        return replace(state, leader_id=event.leader_id)
    raise ValueError(f"a zone stream cannot hold {event.event_type}")
