"""Application service of the directory: commands in, events stored.

Every command goes through :meth:`DirectoryService.handle` (entry id, command, caller,
expected version), as the visit and issue services do: the rule of :data:`PERMISSIONS`
for the command's type (an office; a registration inside the entry it creates), one
load of the entry's stream, the caller's jurisdiction over what is loaded (404 for an
entry a change's path names that does not exist, 422 naming the field for one its body
names, 403 outside the caller's reach, 412 for a
stale ``If-Match``), then the step of :data:`STEPS` — the facts it needs from other
streams (is the leader a registered inspector, where is the zone), read from the event
store, not the read model, so they are never behind — the pure ``decide``, one append.
Errors are the domain's; ``shared.http`` answers them.

The roster import sends the same commands with the importing office as the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from services.visits.directory.domain import division, inspector, listing, school, zone
from services.visits.directory.steps import STEPS
from services.visits.names import OFFICES
from services.visits.streams import SOURCE
from shared.auth import Principal, Role, ensure_inside, ensure_role, ensure_within
from shared.commands import CallerContext, InvalidField, NotFound, StreamHandler
from shared.contracts.directory import InspectorListed
from shared.events import EventPayload, registry
from shared.eventstore import EventStore
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

S = TypeVar("S")

Command = (
    school.RegisterSchool
    | school.CorrectSchoolDetails
    | school.ChangeSchoolZone
    | division.RegisterDivision
    | division.RenameDivision
    | zone.EstablishZone
    | zone.CorrectZone
    | inspector.RegisterInspector
    | inspector.CorrectInspector
    | listing.ListInspector
    | listing.CorrectListing
    | listing.EndListing
)

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


@dataclass(frozen=True)
class Entry(Generic[S]):
    """A directory entry as a command finds it: its stream, state and where it is."""

    stream: str
    state: S
    version: int
    at: Jurisdiction | None
    """Where the entry is; ``None`` when the directory does not hold it."""
    expected: int
    """The version ``If-Match`` names: the stream's, or a listing's own."""


@dataclass(frozen=True)
class Written:
    """A command's answer: the entry written (a new listing's id) and its new version."""

    entry_id: str
    version: int


@dataclass(frozen=True)
class Permission:
    """Who may send a command: the roles, and for a registration where the new entry
    will be (the caller must be inside it before anything is loaded). ``taken`` asks
    the caller's jurisdiction also of an id already registered (403, not 409). ``named_by``
    is the body field that names the entry when the path does not (a new listing's
    ``body.school_id``): an unknown one is 422 naming it, not 404."""

    aggregate: str
    creates: Callable[[Any], Jurisdiction] | None = None
    taken: bool = False
    named_by: str | None = None
    roles: tuple[Role, ...] = OFFICES


PERMISSIONS: dict[type, Permission] = {
    school.RegisterSchool: Permission("school", school.jurisdiction_of, taken=True),
    school.CorrectSchoolDetails: Permission("school"),
    school.ChangeSchoolZone: Permission("school"),
    division.RegisterDivision: Permission(
        "division", lambda c: division.jurisdiction_of(c.code, c.level)
    ),
    division.RenameDivision: Permission("division"),
    zone.EstablishZone: Permission("zone", zone.jurisdiction_of, taken=True),
    zone.CorrectZone: Permission("zone"),
    inspector.RegisterInspector: Permission("inspector", inspector.office_of, taken=True),
    inspector.CorrectInspector: Permission("inspector"),
    listing.ListInspector: Permission("school_listings", named_by="body.school_id"),
    listing.CorrectListing: Permission("listing"),
    listing.EndListing: Permission("listing"),
}
"""Who may send each directory command (every one is an office's)."""

Decision = tuple[list[EventPayload], Jurisdiction]
Step = Callable[["DirectoryService", Entry[Any], Any, Principal], Awaitable[Decision]]


class DirectoryService:
    def __init__(
        self,
        store: EventStore,
        new_id: Callable[[], UUID] = uuid4,
        on_append: Callable[[], None] = lambda: None,
        service: str = "visits",
    ) -> None:
        def handler(initial: S, evolve: Callable[[S, EventPayload], S]) -> StreamHandler[S]:
            return StreamHandler[S](
                store,
                registry,
                source=SOURCE,
                initial=initial,
                evolve=evolve,
                new_id=new_id,
                on_append=on_append,
                service=service,
            )

        self._schools = handler(school.School(), school.evolve)
        self._listings = handler(listing.SchoolListings(), listing.evolve)
        self._zones = handler(zone.Zone(), zone.evolve)
        self._inspectors = handler(inspector.Inspector(), inspector.evolve)
        self._divisions = handler(division.Division(), division.evolve)

    @classmethod
    def on(cls, runtime: Runtime) -> DirectoryService:
        """The service on a running service's event store and relay."""
        return cls(runtime.store, runtime.new_id, runtime.relay.notify, runtime.service)

    async def handle(
        self,
        entry_id: str,
        command: Command,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> Written:
        """One directory command: authorize, load once, decide, append.

        ``entry_id`` is the entry the command names (a listing's id for its changes, the
        school's for a new listing)."""
        who = caller.principal
        permission = PERMISSIONS[type(command)]
        ensure_role(who, *permission.roles)
        if permission.creates is not None:
            ensure_within(who, permission.creates(command))
        entry = await self._load(permission.aggregate, entry_id)
        if permission.creates is None:  # a change: of an entry that exists, the caller's
            if entry.at is None:
                unknown = _unknown(permission.aggregate, entry_id)
                if permission.named_by is not None:
                    raise InvalidField(permission.named_by, str(unknown))
                raise unknown
            ensure_within(who, entry.at)
            StreamHandler.check_expected(
                entry.stream if permission.aggregate != "listing" else entry_id,
                expected_version,
                entry.expected,
            )
        elif permission.taken and entry.at is not None:  # an id already taken: whose?
            ensure_within(who, entry.at)
        events, where = await STEPS[type(command)](self, entry, command, who)
        version = await self._handler(permission.aggregate).append(
            entry.stream, entry.version, events, caller.ctx, where
        )
        return _written(permission.aggregate, entry_id, entry, events, version)

    # -- loading ----------------------------------------------------------------------
    def _handler(self, aggregate: str) -> StreamHandler[Any]:
        handlers: dict[str, StreamHandler[Any]] = {
            "school": self._schools,
            "school_listings": self._listings,
            "listing": self._listings,
            "zone": self._zones,
            "inspector": self._inspectors,
            "division": self._divisions,
        }
        return handlers[aggregate]

    async def _load(self, aggregate: str, entry_id: str) -> Entry[Any]:
        if aggregate == "listing":
            school_id = listing.school_of(entry_id)
            if school_id is None:
                raise UnknownEntry("listing", entry_id)
            found = await self._load("school_listings", school_id)
            current = found.state.listings.get(entry_id)
            at = found.at if current is not None else None
            expected = current.version if current is not None else 0
            return Entry(found.stream, found.state, found.version, at, expected)
        stream = STREAMS[aggregate](entry_id)
        loaded = await self._handler(aggregate).load(stream)
        at = _where(aggregate, entry_id, loaded.state)
        return Entry(stream, loaded.state, loaded.version, at, loaded.version)

    # -- facts other aggregates need (always current: read from the event store) ------
    async def school_state(self, school_id: str) -> tuple[school.School, int]:
        loaded = await self._schools.load(school.stream_id(school_id))
        return loaded.state, loaded.version

    async def load_school(self, school_id: str) -> tuple[school.School, int]:
        state, version = await self.school_state(school_id)
        if not state.registered:
            raise UnknownSchool(school_id)
        return state, version

    async def zone_state(self, zone_id: str) -> tuple[zone.Zone, int]:
        loaded = await self._zones.load(zone.stream_id(zone_id))
        return loaded.state, loaded.version

    async def inspector_office(self, inspector_id: str | None) -> Jurisdiction | None:
        if inspector_id is None:
            return None
        loaded = await self._inspectors.load(inspector.stream_id(inspector_id))
        return loaded.state.office if loaded.state.registered else None

    async def division_registered(self, code: str) -> bool:
        return (await self._divisions.load(division.stream_id(code))).version > 0

    async def leader_office(
        self, leader_id: str | None, where: Jurisdiction
    ) -> Jurisdiction | None:
        """The office of a zone's (new) leader, which must be over the zone (403)."""
        office = await self.inspector_office(leader_id)
        if office is not None:
            ensure_inside(office, where, f"督学 {leader_id} ")
        return office


STREAMS: dict[str, Callable[[str], str]] = {
    "school": school.stream_id,
    "school_listings": school.stream_id,
    "zone": zone.stream_id,
    "inspector": inspector.stream_id,
    "division": division.stream_id,
}


def _where(aggregate: str, entry_id: str, state: Any) -> Jurisdiction | None:
    """Where a loaded entry is, ``None`` when the directory does not hold it."""
    if aggregate == "division":
        if not state.registered or state.level is None:
            return None
        return division.jurisdiction_of(entry_id, state.level)
    if aggregate == "inspector":
        return state.office if state.registered else None
    if aggregate == "zone":
        return state.jurisdiction if state.established else None
    return state.jurisdiction if state.registered else None


def _unknown(aggregate: str, entry_id: str) -> UnknownEntry:
    kind = "school" if aggregate == "school_listings" else aggregate
    return UnknownSchool(entry_id) if kind == "school" else UnknownEntry(kind, entry_id)


def _written(
    aggregate: str, entry_id: str, entry: Entry[Any], events: list[EventPayload], version: int
) -> Written:
    """A listing answers its own version; a new listing its id and version 1."""
    if aggregate == "listing":
        return Written(entry_id, entry.expected + len(events))
    first = events[0] if events else None
    if isinstance(first, InspectorListed):
        return Written(first.listing_id, 1)
    return Written(entry_id, version)
