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
from services.visits.streams import stream_handler
from shared.auth import ensure_inside
from shared.commands import CommandContext, InvalidField, NotFound, StreamHandler
from shared.contracts.directory import InspectorListed
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

S = TypeVar("S")
L = TypeVar("L", CorrectListing, EndListing)
Authorize = Callable[[Jurisdiction], None]
Expected = int | None
"""The version the caller expects (``If-Match``), ``None`` when it named none."""


def _school_at(state: School) -> Jurisdiction | None:
    return state.jurisdiction if state.registered else None


def _zone_at(state: Zone) -> Jurisdiction | None:
    return state.jurisdiction if state.established else None


def _inspector_at(state: Inspector) -> Jurisdiction | None:
    return state.office if state.registered else None


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
        self._schools = stream_handler(runtime, School(), school.evolve)
        self._listings = stream_handler(runtime, SchoolListings(), listing.evolve)
        self._zones = stream_handler(runtime, Zone(), zone.evolve)
        self._inspectors = stream_handler(runtime, Inspector(), inspector.evolve)
        self._divisions = stream_handler(runtime, Division(), division.evolve)

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
        expected: Expected,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = school.stream_id(cmd.school_id)
        state, version, where = await self._change(
            self._schools, stream, _school_at, UnknownSchool(cmd.school_id), expected, authorize
        )
        return await self._schools.append(stream, version, school.correct(state, cmd), ctx, where)

    async def change_school_zone(
        self, cmd: ChangeSchoolZone, expected: Expected, ctx: CommandContext, authorize: Authorize
    ) -> int:
        stream = school.stream_id(cmd.school_id)
        state, version, where = await self._change(
            self._schools, stream, _school_at, UnknownSchool(cmd.school_id), expected, authorize
        )
        target, _ = await self.zone_state(cmd.zone_id)
        if target.jurisdiction is not None:  # another county's zone: 403, not 409
            authorize(target.jurisdiction)
        events = school.change_zone(state, cmd, target.jurisdiction)
        moved = school.moved(where, cmd.zone_id)
        return await self._schools.append(stream, version, events, ctx, moved)

    async def _change(
        self,
        handler: StreamHandler[S],
        stream: str,
        where: Callable[[S], Jurisdiction | None],
        unknown: UnknownEntry,
        expected: Expected,
        authorize: Authorize,
    ) -> tuple[S, int, Jurisdiction]:
        """The entry a correction changes: 404 unless it exists (``where`` answers its
        jurisdiction), then the caller's check, then the expected version (409)."""
        loaded = await handler.load(stream)
        at = where(loaded.state)
        if at is None:
            raise unknown
        authorize(at)
        StreamHandler.check_expected(stream, expected, loaded.version)
        return loaded.state, loaded.version, at

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
        self, cmd: RenameDivision, expected: Expected, ctx: CommandContext, authorize: Authorize
    ) -> int:
        def at(state: Division) -> Jurisdiction | None:
            if not state.registered or state.level is None:
                return None
            return division.jurisdiction_of(cmd.code, state.level)

        stream = division.stream_id(cmd.code)
        unknown = UnknownEntry("division", cmd.code)
        state, version, where = await self._change(
            self._divisions, stream, at, unknown, expected, authorize
        )
        events = division.rename(state, cmd)
        return await self._divisions.append(stream, version, events, ctx, where)

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
        self, cmd: CorrectZone, expected: Expected, ctx: CommandContext, authorize: Authorize
    ) -> int:
        stream = zone.stream_id(cmd.zone_id)
        unknown = UnknownEntry("zone", cmd.zone_id)
        state, version, where = await self._change(
            self._zones, stream, _zone_at, unknown, expected, authorize
        )
        leader_office = await self.inspector_office(cmd.leader_id if cmd.change_leader else None)
        if leader_office is not None:
            ensure_inside(leader_office, where, f"督学 {cmd.leader_id} ")
        events = zone.correct(state, cmd, leader_office)
        return await self._zones.append(stream, version, events, ctx, where)

    # -- inspectors -------------------------------------------------------------------
    async def register_inspector(self, cmd: RegisterInspector, ctx: CommandContext) -> int:
        stream = inspector.stream_id(cmd.inspector_id)
        loaded = await self._inspectors.load(stream)
        events = inspector.register(loaded.state, cmd)
        return await self._inspectors.append(
            stream, loaded.version, events, ctx, inspector.office_of(cmd)
        )

    async def correct_inspector(
        self, cmd: CorrectInspector, expected: Expected, ctx: CommandContext, authorize: Authorize
    ) -> int:
        stream = inspector.stream_id(cmd.inspector_id)
        unknown = UnknownEntry("inspector", cmd.inspector_id)
        state, version, where = await self._change(
            self._inspectors, stream, _inspector_at, unknown, expected, authorize
        )
        events = inspector.correct(state, cmd)
        return await self._inspectors.append(stream, version, events, ctx, where)

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
        self, cmd: CorrectListing, expected: Expected, ctx: CommandContext, authorize: Authorize
    ) -> int:
        return await self._change_listing(cmd, listing.correct, expected, ctx, authorize)

    async def end_listing(
        self, cmd: EndListing, expected: Expected, ctx: CommandContext, authorize: Authorize
    ) -> int:
        return await self._change_listing(cmd, listing.end, expected, ctx, authorize)

    async def _change_listing(
        self,
        cmd: L,
        decide: Callable[[SchoolListings, L], list[EventPayload]],
        expected: Expected,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        """A change of one listing; the answer is the listing's own version."""
        state, version, where = await self._listing(cmd.listing_id, expected, authorize)
        events = decide(state, cmd)
        await self._listings.append(school.stream_id(state.school_id), version, events, ctx, where)
        return state.listings[cmd.listing_id].version + len(events)
