"""What each directory command decides, with the facts it needs from other streams.

:meth:`~services.visits.directory.service.DirectoryService.handle` has loaded the
command's stream and checked the caller; a step reads the other streams it needs (the
zone a school names, a leader's or listed inspector's office, a division's parent)
from the event store, calls the pure ``decide`` and says where the events belong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.visits.directory.domain import division, inspector, listing, school, zone
from services.visits.directory.domain.division import RegisterDivision, RenameDivision
from services.visits.directory.domain.inspector import CorrectInspector, RegisterInspector
from services.visits.directory.domain.listing import CorrectListing, EndListing, ListInspector
from services.visits.directory.domain.school import (
    ChangeSchoolZone,
    CorrectSchoolDetails,
    RegisterSchool,
)
from services.visits.directory.domain.zone import CorrectZone, EstablishZone
from shared.auth import Principal, ensure_inside, ensure_within
from shared.commands import InvalidField
from shared.jurisdiction import Jurisdiction

if TYPE_CHECKING:
    from services.visits.directory.service import Decision, DirectoryService, Entry, Step


def _at(entry: Entry[Any]) -> Jurisdiction:
    assert entry.at is not None  # a change's entry exists: ``handle`` said 404 otherwise
    return entry.at


async def _register_school(
    service: DirectoryService, entry: Entry[Any], cmd: RegisterSchool, who: Principal
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


async def _correct_school(
    service: DirectoryService, entry: Entry[Any], cmd: CorrectSchoolDetails, who: Principal
) -> Decision:
    return school.correct(entry.state, cmd), _at(entry)


async def _change_school_zone(
    service: DirectoryService, entry: Entry[Any], cmd: ChangeSchoolZone, who: Principal
) -> Decision:
    target, _ = await service.zone_state(cmd.zone_id)
    if target.jurisdiction is not None:  # another county's zone: 403, not 409
        ensure_within(who, target.jurisdiction)
    events = school.change_zone(entry.state, cmd, target.jurisdiction)
    return events, school.moved(_at(entry), cmd.zone_id)


async def _register_division(
    service: DirectoryService, entry: Entry[Any], cmd: RegisterDivision, who: Principal
) -> Decision:
    parent = division.parent_code(cmd.code, cmd.level)
    known = parent is not None and await service.division_registered(parent)
    events = division.register(entry.state, cmd, known)
    return events, division.jurisdiction_of(cmd.code, cmd.level)


async def _rename_division(
    service: DirectoryService, entry: Entry[Any], cmd: RenameDivision, who: Principal
) -> Decision:
    return division.rename(entry.state, cmd), _at(entry)


async def _establish_zone(
    service: DirectoryService, entry: Entry[Any], cmd: EstablishZone, who: Principal
) -> Decision:
    where = zone.jurisdiction_of(cmd)
    leader_office = await service.leader_office(cmd.leader_id, where)
    return zone.establish(entry.state, cmd, leader_office), where


async def _correct_zone(
    service: DirectoryService, entry: Entry[Any], cmd: CorrectZone, who: Principal
) -> Decision:
    where = _at(entry)
    leader_office = await service.leader_office(cmd.leader_id if cmd.change_leader else None, where)
    return zone.correct(entry.state, cmd, leader_office), where


async def _register_inspector(
    service: DirectoryService, entry: Entry[Any], cmd: RegisterInspector, who: Principal
) -> Decision:
    return inspector.register(entry.state, cmd), inspector.office_of(cmd)


async def _correct_inspector(
    service: DirectoryService, entry: Entry[Any], cmd: CorrectInspector, who: Principal
) -> Decision:
    return inspector.correct(entry.state, cmd), _at(entry)


async def _list_inspector(
    service: DirectoryService, entry: Entry[Any], cmd: ListInspector, who: Principal
) -> Decision:
    where = _at(entry)
    office = await service.inspector_office(cmd.inspector_id)
    if office is not None:  # another county's inspector: 403 before the state check
        ensure_inside(office, where, f"督学 {cmd.inspector_id} ")
    return listing.list_inspector(entry.state, cmd, office), where


async def _correct_listing(
    service: DirectoryService, entry: Entry[Any], cmd: CorrectListing, who: Principal
) -> Decision:
    return listing.correct(entry.state, cmd), _at(entry)


async def _end_listing(
    service: DirectoryService, entry: Entry[Any], cmd: EndListing, who: Principal
) -> Decision:
    return listing.end(entry.state, cmd), _at(entry)


STEPS: dict[type, Step] = {
    RegisterSchool: _register_school,
    CorrectSchoolDetails: _correct_school,
    ChangeSchoolZone: _change_school_zone,
    RegisterDivision: _register_division,
    RenameDivision: _rename_division,
    EstablishZone: _establish_zone,
    CorrectZone: _correct_zone,
    RegisterInspector: _register_inspector,
    CorrectInspector: _correct_inspector,
    ListInspector: _list_inspector,
    CorrectListing: _correct_listing,
    EndListing: _end_listing,
}
"""The decision of each directory command (its permission: ``service.PERMISSIONS``)."""
