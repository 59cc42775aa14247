"""Listings (挂牌) of inspectors at a school, kept in the school's own stream.

The school stream is the consistency boundary for the per-school rules: an inspector is
listed at most once at a time at a school (periods never overlap), a listing ends on or
after the day it started, and only a registered inspector of the school's county (or
city) is listed. Whether the inspector is registered, and where, is a fact the
application service looks up and hands in. ``ends_on`` is the last day listed.

Each listing counts its own events (``version``), so ``If-Match`` on a listing is not
made stale by changes to other listings of the same school.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from services.visits.directory.domain.school import jurisdiction_of, moved
from shared.commands import IllegalStep, InvalidField
from shared.contracts.directory import (
    InspectorListed,
    ListingCorrected,
    ListingEnded,
    SchoolDetailsCorrected,
    SchoolRegistered,
    SchoolZoneChanged,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

LISTING_EVENTS = (InspectorListed, ListingCorrected, ListingEnded)


@dataclass(frozen=True)
class Listing:
    listing_id: str
    inspector_id: str
    starts_on: date
    ends_on: date | None
    duties: str | None
    version: int = 1

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, starts_on: date, ends_on: date | None) -> bool:
        """Whether ``[starts_on, ends_on]`` (open when ``None``) meets this period."""
        before = ends_on is not None and ends_on < self.starts_on
        after = self.ends_on is not None and starts_on > self.ends_on
        return not (before or after)


@dataclass(frozen=True)
class SchoolListings:
    registered: bool = False
    school_id: str = ""
    jurisdiction: Jurisdiction | None = None
    listings: dict[str, Listing] = field(default_factory=dict)

    def listed_on(self, day: date) -> list[Listing]:
        return [x for x in self.listings.values() if x.active_on(day)]


@dataclass(frozen=True)
class ListInspector:
    school_id: str
    inspector_id: str
    starts_on: date
    duties: str | None = None


@dataclass(frozen=True)
class CorrectListing:
    listing_id: str
    reason: str
    starts_on: date | None = None
    duties: str | None = None


@dataclass(frozen=True)
class EndListing:
    listing_id: str
    ends_on: date
    reason: str


def listing_id(school_id: str, n: int) -> str:
    return f"{school_id}-L{n}"


def school_of(listing_id: str) -> str | None:
    """The school id inside a listing id, or ``None`` if it is not one."""
    school, sep, n = listing_id.rpartition("-L")
    return school if sep and school and n.isdigit() else None


def may_be_listed(office: Jurisdiction, school: Jurisdiction) -> bool:
    """A county inspector at schools of their county; a city inspector in their city."""
    return (
        office.province == school.province
        and office.city == school.city
        and office.county in (None, school.county)
    )


def _registered(state: SchoolListings, school_id: str) -> Jurisdiction:
    if not state.registered or state.jurisdiction is None:
        raise IllegalStep(f"学校 {school_id} 未登记 (school not registered)")
    return state.jurisdiction


def _no_overlap(
    state: SchoolListings, inspector_id: str, starts_on: date, ends_on: date | None, skip: str = ""
) -> None:
    for other in state.listings.values():
        if other.listing_id == skip or other.inspector_id != inspector_id:
            continue
        if other.overlaps(starts_on, ends_on):
            raise IllegalStep(
                f"督学 {inspector_id} 在该校的挂牌与 {other.listing_id} 时间重叠 "
                "(overlaps an existing listing of the same inspector)"
            )


def _get(state: SchoolListings, listing_id: str) -> Listing:
    found = state.listings.get(listing_id)
    if found is None:
        raise IllegalStep(f"挂牌 {listing_id} 不存在 (unknown listing)")
    return found


def list_inspector(
    state: SchoolListings, cmd: ListInspector, inspector_office: Jurisdiction | None
) -> list[EventPayload]:
    where = _registered(state, cmd.school_id)
    if inspector_office is None:
        raise InvalidField(
            "body.inspector_id", f"督学 {cmd.inspector_id} 未登记 (inspector not registered)"
        )
    if not may_be_listed(inspector_office, where):
        raise IllegalStep(
            f"督学 {cmd.inspector_id} 不属于该校所在的县(区)或市 "
            "(the inspector belongs to another county or city)"
        )
    _no_overlap(state, cmd.inspector_id, cmd.starts_on, None)
    new_id = listing_id(cmd.school_id, len(state.listings) + 1)
    return [
        InspectorListed(
            listing_id=new_id,
            school_id=cmd.school_id,
            inspector_id=cmd.inspector_id,
            starts_on=cmd.starts_on,
            duties=cmd.duties,
        )
    ]


def correct(state: SchoolListings, cmd: CorrectListing) -> list[EventPayload]:
    current = _get(state, cmd.listing_id)
    starts_on = cmd.starts_on if cmd.starts_on != current.starts_on else None
    duties = cmd.duties if cmd.duties != current.duties else None
    if starts_on is None and duties is None:
        raise IllegalStep("没有需要更正的内容 (nothing to correct)")
    if starts_on is not None:
        if current.ends_on is not None and starts_on > current.ends_on:
            raise IllegalStep("挂牌开始日期不能晚于结束日期 (a listing cannot start after its end)")
        _no_overlap(
            state, current.inspector_id, starts_on, current.ends_on, skip=current.listing_id
        )
    return [
        ListingCorrected(
            listing_id=cmd.listing_id,
            school_id=state.school_id,
            starts_on=starts_on,
            duties=duties,
            reason=cmd.reason,
        )
    ]


def end(state: SchoolListings, cmd: EndListing) -> list[EventPayload]:
    current = _get(state, cmd.listing_id)
    if current.ends_on is not None:
        raise IllegalStep(f"挂牌 {cmd.listing_id} 已结束 (listing already ended)")
    if cmd.ends_on < current.starts_on:
        raise IllegalStep(
            f"结束日期 {cmd.ends_on} 早于挂牌日期 {current.starts_on} "
            "(a listing cannot end before it starts)"
        )
    return [
        ListingEnded(
            listing_id=cmd.listing_id,
            school_id=state.school_id,
            inspector_id=current.inspector_id,
            ends_on=cmd.ends_on,
            reason=cmd.reason,
        )
    ]


def _with(state: SchoolListings, item: Listing) -> SchoolListings:
    return replace(state, listings={**state.listings, item.listing_id: item})


def evolve(state: SchoolListings, event: EventPayload) -> SchoolListings:
    if isinstance(event, SchoolRegistered):
        return replace(
            state, registered=True, school_id=event.school_id, jurisdiction=jurisdiction_of(event)
        )
    if isinstance(event, SchoolZoneChanged):
        assert state.jurisdiction is not None
        return replace(state, jurisdiction=moved(state.jurisdiction, event.zone_id))
    if isinstance(event, SchoolDetailsCorrected):
        return state
    if isinstance(event, InspectorListed):
        return _with(
            state,
            Listing(event.listing_id, event.inspector_id, event.starts_on, None, event.duties),
        )
    if isinstance(event, ListingCorrected):
        old = state.listings[event.listing_id]
        return _with(
            state,
            replace(
                old,
                starts_on=event.starts_on or old.starts_on,
                duties=event.duties if event.duties is not None else old.duties,
                version=old.version + 1,
            ),
        )
    if isinstance(event, ListingEnded):
        old = state.listings[event.listing_id]
        return _with(state, replace(old, ends_on=event.ends_on, version=old.version + 1))
    raise ValueError(f"a school stream cannot hold {event.event_type}")
