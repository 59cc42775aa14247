"""Application service of the directory: commands in, events stored.

Every method loads one stream, hands the pure ``decide`` function the facts it needs
from other streams (is the leader a registered inspector, where is the zone), and
appends the result with optimistic concurrency. Facts from other aggregates are read
from the event store, not the read model, so they are never behind.

Longer than most modules (~320 lines): one short method per directory command (five
aggregates: schools, listings, divisions, zones, inspectors), each load-decide-append.
The commands take the jurisdiction check as ``authorize`` rather than the caller: the
roster import runs them with rows it has already checked against its county.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from services.visits.directory.domain import division, inspector, listing, school, zone
from services.visits.directory.domain.division import Division, RegisterDivision, RenameDivision
from services.visits.directory.domain.inspector import (
    CorrectInspector,
    Inspector,
    RegisterInspector,
)
from services.visits.directory.domain.listing import (
    CorrectListing,
    EndListing,
    ListInspector,
    SchoolListings,
)
from services.visits.directory.domain.school import (
    ChangeSchoolZone,
    CorrectSchoolDetails,
    RegisterSchool,
    School,
)
from services.visits.directory.domain.zone import CorrectZone, EstablishZone, Zone
from shared.auth import ensure_inside
from shared.commands import CommandContext, InvalidField, NotFound, StreamHandler
from shared.contracts.directory import InspectorListed
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

S = TypeVar("S")
Authorize = Callable[[Jurisdiction], None]


NAMES = {
    "school": "学校",
    "zone": "责任区",
    "inspector": "督学",
    "listing": "挂牌",
    "division": "行政区划",
    "import": "导入",
}


class UnknownEntry(NotFound):
    """A school, zone, inspector, division or listing not in the directory (HTTP 404)."""

    def __init__(self, kind: str, entry_id: str) -> None:
        super().__init__(f"{NAMES.get(kind, kind)} {entry_id} 不存在 (unknown {kind})")
        self.kind = kind
        self.entry_id = entry_id


class UnknownSchool(UnknownEntry):
    def __init__(self, school_id: str) -> None:
        super().__init__("school", school_id)


class DirectoryService:
    def __init__(self, runtime: Runtime) -> None:
        def handler(initial: S, evolve: Callable[[S, EventPayload], S]) -> StreamHandler[S]:
            return StreamHandler[S](
                runtime.store,
                registry,
                source="/duxue/visits",
                initial=initial,
                evolve=evolve,
                new_id=runtime.new_id,
                on_append=runtime.relay.notify,
                service=runtime.service,
            )

        self._schools = handler(School(), school.evolve)
        self._listings = handler(SchoolListings(), listing.evolve)
        self._zones = handler(Zone(), zone.evolve)
        self._inspectors = handler(Inspector(), inspector.evolve)
        self._divisions = handler(Division(), division.evolve)

    # -- facts other aggregates need (always current: read from the event store) ------
    async def school_state(self, school_id: str) -> tuple[School, int]:
        loaded = await self._schools.load(school.stream_id(school_id))
        return loaded.state, loaded.version

    async def listings_state(self, school_id: str) -> tuple[SchoolListings, int]:
        loaded = await self._listings.load(school.stream_id(school_id))
        return loaded.state, loaded.version

    async def zone_state(self, zone_id: str) -> tuple[Zone, int]:
        loaded = await self._zones.load(zone.stream_id(zone_id))
        return loaded.state, loaded.version

    async def inspector_state(self, inspector_id: str) -> tuple[Inspector, int]:
        loaded = await self._inspectors.load(inspector.stream_id(inspector_id))
        return loaded.state, loaded.version

    async def inspector_office(self, inspector_id: str | None) -> Jurisdiction | None:
        if inspector_id is None:
            return None
        state, _ = await self.inspector_state(inspector_id)
        return state.office if state.registered else None

    # -- schools ----------------------------------------------------------------------
    async def register_school(
        self, cmd: RegisterSchool, ctx: CommandContext, authorize: Authorize | None = None
    ) -> int:
        """``authorize`` (the caller's jurisdiction check) is asked about a school id
        already taken and about the zone named, before the state machine decides; the
        roster import, which checked its references already, passes none."""
        stream = school.stream_id(cmd.school_id)
        loaded = await self._schools.load(stream)
        if authorize is not None:
            if loaded.state.jurisdiction is not None:  # an id already taken: whose is it?
                authorize(loaded.state.jurisdiction)
            if cmd.zone_id is not None:
                target, _ = await self.zone_state(cmd.zone_id)
                if not target.established or target.jurisdiction is None:
                    raise InvalidField(
                        "body.zone_id", f"责任区 {cmd.zone_id} 不存在 (unknown zone)"
                    )
                authorize(target.jurisdiction)
                if target.jurisdiction.county != cmd.county:
                    raise InvalidField(
                        "body.zone_id",
                        f"责任区 {cmd.zone_id} 不在该校所在的县(区) (zone elsewhere)",
                    )
        events = school.register(loaded.state, cmd)
        return await self._schools.append(
            stream, loaded.version, events, ctx, school.jurisdiction_of(cmd)
        )

    async def load_school(self, school_id: str) -> tuple[School, int]:
        state, version = await self.school_state(school_id)
        if not state.registered:
            raise UnknownSchool(school_id)
        return state, version

    async def correct_school(
        self,
        cmd: CorrectSchoolDetails,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = school.stream_id(cmd.school_id)
        state, version = await self.load_school(cmd.school_id)
        assert state.jurisdiction is not None
        authorize(state.jurisdiction)
        StreamHandler.check_expected(stream, expected_version, version)
        events = school.correct(state, cmd)
        return await self._schools.append(stream, version, events, ctx, state.jurisdiction)

    async def change_school_zone(
        self,
        cmd: ChangeSchoolZone,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = school.stream_id(cmd.school_id)
        state, version = await self.load_school(cmd.school_id)
        assert state.jurisdiction is not None
        authorize(state.jurisdiction)
        StreamHandler.check_expected(stream, expected_version, version)
        target, _ = await self.zone_state(cmd.zone_id)
        if target.jurisdiction is not None:  # another county's zone: 403, not 409
            authorize(target.jurisdiction)
        events = school.change_zone(state, cmd, target.jurisdiction)
        where = school.moved(state.jurisdiction, cmd.zone_id)
        return await self._schools.append(stream, version, events, ctx, where)

    # -- divisions --------------------------------------------------------------------
    async def register_division(self, cmd: RegisterDivision, ctx: CommandContext) -> int:
        stream = division.stream_id(cmd.code)
        loaded = await self._divisions.load(stream)
        parent = division.parent_code(cmd.code, cmd.level)
        parent_registered = False
        if parent is not None:
            parent_registered = (await self._divisions.load(division.stream_id(parent))).version > 0
        events = division.register(loaded.state, cmd, parent_registered)
        where = division.jurisdiction_of(cmd.code, cmd.level)
        return await self._divisions.append(stream, loaded.version, events, ctx, where)

    async def rename_division(
        self,
        cmd: RenameDivision,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = division.stream_id(cmd.code)
        loaded = await self._divisions.load(stream)
        state = loaded.state
        if not state.registered or state.level is None:
            raise UnknownEntry("division", cmd.code)
        where = division.jurisdiction_of(cmd.code, state.level)
        authorize(where)
        StreamHandler.check_expected(stream, expected_version, loaded.version)
        events = division.rename(state, cmd)
        return await self._divisions.append(stream, loaded.version, events, ctx, where)

    # -- zones ------------------------------------------------------------------------
    async def establish_zone(self, cmd: EstablishZone, ctx: CommandContext) -> int:
        stream = zone.stream_id(cmd.zone_id)
        loaded = await self._zones.load(stream)
        leader_office = await self.inspector_office(cmd.leader_id)
        if leader_office is not None:
            ensure_inside(leader_office, zone.jurisdiction_of(cmd), f"督学 {cmd.leader_id} ")
        events = zone.establish(loaded.state, cmd, leader_office)
        return await self._zones.append(
            stream, loaded.version, events, ctx, zone.jurisdiction_of(cmd)
        )

    async def correct_zone(
        self,
        cmd: CorrectZone,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = zone.stream_id(cmd.zone_id)
        state, version = await self.zone_state(cmd.zone_id)
        if not state.established or state.jurisdiction is None:
            raise UnknownEntry("zone", cmd.zone_id)
        authorize(state.jurisdiction)
        StreamHandler.check_expected(stream, expected_version, version)
        leader_office = await self.inspector_office(cmd.leader_id if cmd.change_leader else None)
        if leader_office is not None:
            ensure_inside(leader_office, state.jurisdiction, f"督学 {cmd.leader_id} ")
        events = zone.correct(state, cmd, leader_office)
        return await self._zones.append(stream, version, events, ctx, state.jurisdiction)

    # -- inspectors -------------------------------------------------------------------
    async def register_inspector(self, cmd: RegisterInspector, ctx: CommandContext) -> int:
        stream = inspector.stream_id(cmd.inspector_id)
        loaded = await self._inspectors.load(stream)
        events = inspector.register(loaded.state, cmd)
        return await self._inspectors.append(
            stream, loaded.version, events, ctx, inspector.office_of(cmd)
        )

    async def correct_inspector(
        self,
        cmd: CorrectInspector,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = inspector.stream_id(cmd.inspector_id)
        state, version = await self.inspector_state(cmd.inspector_id)
        if not state.registered or state.office is None:
            raise UnknownEntry("inspector", cmd.inspector_id)
        authorize(state.office)
        StreamHandler.check_expected(stream, expected_version, version)
        events = inspector.correct(state, cmd)
        return await self._inspectors.append(stream, version, events, ctx, state.office)

    # -- listings (in the school's stream) --------------------------------------------
    async def list_inspector(
        self, cmd: ListInspector, ctx: CommandContext, authorize: Authorize
    ) -> tuple[str, int]:
        """Returns the new listing's id and its version (1)."""
        stream = school.stream_id(cmd.school_id)
        state, version = await self.listings_state(cmd.school_id)
        if not state.registered or state.jurisdiction is None:
            raise UnknownSchool(cmd.school_id)
        authorize(state.jurisdiction)
        office = await self.inspector_office(cmd.inspector_id)
        if office is not None:  # another county's inspector: 403 before the state check
            ensure_inside(office, state.jurisdiction, f"督学 {cmd.inspector_id} ")
        events = listing.list_inspector(state, cmd, office)
        await self._listings.append(stream, version, events, ctx, state.jurisdiction)
        first = events[0]
        assert isinstance(first, InspectorListed)
        return first.listing_id, 1

    async def _listing(
        self, listing_id: str, expected: int | None, authorize: Authorize
    ) -> tuple[SchoolListings, int, Jurisdiction]:
        school_id = listing.school_of(listing_id)
        if school_id is None:
            raise UnknownEntry("listing", listing_id)
        state, version = await self.listings_state(school_id)
        current = state.listings.get(listing_id)
        if current is None or state.jurisdiction is None:
            raise UnknownEntry("listing", listing_id)
        authorize(state.jurisdiction)
        StreamHandler.check_expected(listing_id, expected, current.version)
        return state, version, state.jurisdiction

    async def correct_listing(
        self,
        cmd: CorrectListing,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        state, version, where = await self._listing(cmd.listing_id, expected_version, authorize)
        events = listing.correct(state, cmd)
        await self._listings.append(school.stream_id(state.school_id), version, events, ctx, where)
        return state.listings[cmd.listing_id].version + len(events)

    async def end_listing(
        self,
        cmd: EndListing,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        state, version, where = await self._listing(cmd.listing_id, expected_version, authorize)
        events = listing.end(state, cmd)
        await self._listings.append(school.stream_id(state.school_id), version, events, ctx, where)
        return state.listings[cmd.listing_id].version + len(events)
