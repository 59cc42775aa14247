"""What each directory command decides, with the facts it needs from other streams.

:meth:`~services.visits.directory.service.DirectoryService.handle` has loaded the
command's stream and checked the caller; a step reads the other streams it needs (the
zone a school names, a leader's or listed inspector's office, a division's parent)
from the event store, calls the pure ``decide`` and says where the events belong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from services.visits.directory.domain import division, inspector, listing, school, zone
from shared.auth import Principal, ensure_inside, ensure_within
from shared.commands import InvalidField
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

if TYPE_CHECKING:
    from services.visits.directory.service import Decision, DirectoryService, Entry, Step


def _at(entry: Entry[Any]) -> Jurisdiction:
    assert entry.at is not None  # a change's entry exists: ``handle`` said 404 otherwise
    return entry.at


def _in_place(decide: Callable[[Any, Any], list[EventPayload]]) -> Step:
    """A change that needs no other stream: decide on the entry, where it is."""

    async def step(
        service: DirectoryService, entry: Entry[Any], cmd: Any, who: Principal
    ) -> Decision:
        return decide(entry.state, cmd), _at(entry)

    return step


async def _register_school(
    service: DirectoryService, entry: Entry[Any], cmd: school.RegisterSchool, who: Principal
) -> Decision:
    """The zone named must be established, the caller's, and of the school's county."""
    if cmd.zone_id is not None:
        target, _ = await service.zone_state(cmd.zone_id)
        if not target.established or target.jurisdiction is None:
            raise InvalidField("body.zone_id", f"责任区 {cmd.zone_id} 不存在 (unknown zone)")
        ensure_within(who, target.jurisdiction)
        if target.jurisdiction.county != cmd.county:
            raise InvalidField(
                "body.zone_id", f"责任区 {cmd.zone_id} 不在该校所在的县(区) (zone elsewhere)"
            )
    return school.register(entry.state, cmd), school.jurisdiction_of(cmd)


async def _change_school_zone(
    service: DirectoryService, entry: Entry[Any], cmd: school.ChangeSchoolZone, who: Principal
) -> Decision:
    target, _ = await service.zone_state(cmd.zone_id)
    if target.jurisdiction is not None:  # another county's zone: 403, not 409
        ensure_within(who, target.jurisdiction)
    events = school.change_zone(entry.state, cmd, target.jurisdiction)
    return events, school.moved(_at(entry), cmd.zone_id)


async def _register_division(
    service: DirectoryService, entry: Entry[Any], cmd: division.RegisterDivision, who: Principal
) -> Decision:
    parent = division.parent_code(cmd.code, cmd.level)
    known = parent is not None and await service.division_registered(parent)
    events = division.register(entry.state, cmd, known)
    return events, division.jurisdiction_of(cmd.code, cmd.level)


async def _establish_zone(
    service: DirectoryService, entry: Entry[Any], cmd: zone.EstablishZone, who: Principal
) -> Decision:
    where = zone.jurisdiction_of(cmd)
    leader_office = await service.leader_office(cmd.leader_id, where)
    return zone.establish(entry.state, cmd, leader_office), where


async def _correct_zone(
    service: DirectoryService, entry: Entry[Any], cmd: zone.CorrectZone, who: Principal
) -> Decision:
    where = _at(entry)
    leader_office = await service.leader_office(cmd.leader_id if cmd.change_leader else None, where)
    return zone.correct(entry.state, cmd, leader_office), where


async def _register_inspector(
    service: DirectoryService, entry: Entry[Any], cmd: inspector.RegisterInspector, who: Principal
) -> Decision:
    return inspector.register(entry.state, cmd), inspector.office_of(cmd)


async def _list_inspector(
    service: DirectoryService, entry: Entry[Any], cmd: listing.ListInspector, who: Principal
) -> Decision:
    where = _at(entry)
    office = await service.inspector_office(cmd.inspector_id)
    if office is not None:  # another county's inspector: 403 before the state check
        ensure_inside(office, where, f"督学 {cmd.inspector_id} ")
    return listing.list_inspector(entry.state, cmd, office), where


STEPS: dict[type, Step] = {
    school.RegisterSchool: _register_school,
    school.CorrectSchoolDetails: _in_place(school.correct),
    school.ChangeSchoolZone: _change_school_zone,
    division.RegisterDivision: _register_division,
    division.RenameDivision: _in_place(division.rename),
    zone.EstablishZone: _establish_zone,
    zone.CorrectZone: _correct_zone,
    inspector.RegisterInspector: _register_inspector,
    inspector.CorrectInspector: _in_place(inspector.correct),
    listing.ListInspector: _list_inspector,
    listing.CorrectListing: _in_place(listing.correct),
    listing.EndListing: _in_place(listing.end),
}
"""The decision of each directory command (its permission: ``service.PERMISSIONS``)."""
