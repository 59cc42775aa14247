"""The directory facts: a school's or an inspector's stream folded once, for every reader.

The aggregates' own decisions, the roster reconciliation and the visit lifecycle's
checks all read the same streams. They share one fold each: :func:`school.evolve
<services.visits.directory.domain.school.evolve>` (with the listings that share the
school's stream) and :func:`inspector.evolve
<services.visits.directory.domain.inspector.evolve>`. This module names what the other
readers take from those states; it does no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from services.visits.directory.domain import inspector, listing, school
from services.visits.directory.domain.inspector import Inspector
from services.visits.directory.domain.listing import SchoolListings
from services.visits.directory.domain.school import School
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.events import EventPayload


@dataclass(frozen=True)
class SchoolFile:
    """A school's stream folded once: the school and the listings kept on its stream."""

    school: School = field(default_factory=School)
    listings: SchoolListings = field(default_factory=SchoolListings)

    def facts(self) -> SchoolFacts | None:
        """The school as the visit lifecycle checks it, ``None`` if never registered."""
        where, details = self.school.jurisdiction, self.school.details
        if not self.school.registered or where is None or where.school is None:
            return None
        return SchoolFacts(
            school_id=where.school,
            name=details["name"],
            jurisdiction=where,
            location=details["location"],
            principal_name=details["principal_name"],
            zone_id=self.school.zone_id,
        )

    def listed_on(self, on: date) -> list[str]:
        """Inspectors listed at the school on ``on`` (``ends_on`` is the last day listed)."""
        return [
            entry.inspector_id
            for _, entry in sorted(self.listings.listings.items())
            if entry.active_on(on)
        ]


def evolve_school_file(state: SchoolFile, event: EventPayload) -> SchoolFile:
    return SchoolFile(school.evolve(state.school, event), listing.evolve(state.listings, event))


def fold_school(events: Iterable[EventPayload]) -> SchoolFile:
    state = SchoolFile()
    for e in events:
        state = evolve_school_file(state, e)
    return state


def fold_inspector(events: Iterable[EventPayload]) -> Inspector:
    state = Inspector()
    for e in events:
        state = inspector.evolve(state, e)
    return state


def inspector_facts(state: Inspector) -> InspectorFacts | None:
    """The inspector as the visit lifecycle checks it, ``None`` if never registered."""
    if not state.registered or state.office is None:
        return None
    return InspectorFacts(
        inspector_id=state.inspector_id,
        name=state.name,
        jurisdiction=state.office,
        phone=state.details["phone"],
    )


@dataclass(frozen=True)
class SchoolOnDay:
    """A school and who is listed there on one day, from one load of its stream."""

    school: SchoolFacts
    listed: tuple[str, ...]
