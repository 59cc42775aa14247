"""Directory facts for commands, read from the event store: never behind a command.

Planning a visit checks facts other commands wrote a moment before: the school a roster
import just registered, the inspector it just listed there. The read model
(``visits_directory``) follows the log a little later, so a check against it refused a
visit planned right after the import (403, 422). :class:`StoreDirectory` folds the
authoritative streams instead, with the directory's own folds
(:mod:`services.visits.directory.domain.facts`): one stream load per fact, and one load
of the school's stream for the school and its listings together (:meth:`school_on`).

Queries (``GET`` routes) keep reading the read models; only command checks come here.
"""

from __future__ import annotations

from datetime import date

from services.visits.directory.domain import inspector, school, zone
from services.visits.directory.domain.facts import (
    SchoolFile,
    SchoolOnDay,
    fold_inspector,
    fold_school,
    inspector_facts,
)
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.events import EventPayload, EventRegistry
from shared.eventstore import EventStore


class StoreDirectory:
    """``DirectoryLookup`` over the directory's streams (for command checks)."""

    def __init__(self, store: EventStore, registry: EventRegistry) -> None:
        self._store = store
        self._registry = registry

    async def _payloads(self, stream_id: str) -> list[EventPayload]:
        return [self._registry.parse(e) for e in await self._store.load(stream_id)]

    async def school_file(self, school_id: str) -> SchoolFile:
        return fold_school(await self._payloads(school.stream_id(school_id)))

    async def school(self, school_id: str) -> SchoolFacts | None:
        return (await self.school_file(school_id)).facts()

    async def school_on(self, school_id: str, on: date) -> SchoolOnDay | None:
        folded = await self.school_file(school_id)
        facts = folded.facts()
        return None if facts is None else SchoolOnDay(facts, tuple(folded.listed_on(on)))

    async def inspector(self, inspector_id: str) -> InspectorFacts | None:
        return inspector_facts(
            fold_inspector(await self._payloads(inspector.stream_id(inspector_id)))
        )

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        return (await self.school_file(school_id)).listed_on(on)

    async def zone_leader(self, zone_id: str) -> str | None:
        state = zone.Zone()
        for e in await self._payloads(zone.stream_id(zone_id)):
            state = zone.evolve(state, e)
        return state.leader_id if state.established else None
