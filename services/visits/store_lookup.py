"""Facts for commands, read from the event store: never behind what a command just wrote.

Planning a visit checks facts other commands wrote a moment before: the school a roster
import just registered, the inspector it just listed there, the campaign an office just
issued. The read models (``visits_directory``, ``visits_campaigns``) follow the log a
little later, so a check against them refused a visit planned right after the import
(403, 422). These lookups fold the authoritative streams instead, as the directory's own
commands do (:mod:`services.visits.directory`): one small stream load per fact.

- :class:`StoreDirectory` implements :class:`~shared.directory.lookup.DirectoryLookup`
  over the ``school-``, ``inspector-`` and ``zone-`` streams;
- :class:`StoreCampaigns` answers :class:`~services.visits.ports.CampaignFacts` from the
  ``campaign-`` stream; :class:`CommandChecklists` is the visit lifecycle's
  ``ChecklistLookup``: checklists from their read model (published long before any visit
  names them), campaigns from the store.

Queries (``GET`` routes) keep reading the read models; only command checks come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from services.visits.domain import campaign, inspector, listing, school, zone
from services.visits.domain.listing import SchoolListings
from services.visits.ports import CampaignFacts, ChecklistFacts, ChecklistLookup
from shared.contracts.checklists import CampaignAmended, CampaignClosed, CampaignIssued
from shared.contracts.directory import (
    InspectorDetailsCorrected,
    InspectorRegistered,
    SchoolDetailsCorrected,
    SchoolRegistered,
    SchoolZoneChanged,
)
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.events import EventPayload, EventRegistry
from shared.eventstore import EventStore
from shared.jurisdiction import Jurisdiction


class _Streams:
    def __init__(self, store: EventStore, registry: EventRegistry) -> None:
        self._store = store
        self._registry = registry

    async def payloads(self, stream_id: str) -> list[EventPayload]:
        return [self._registry.parse(e) for e in await self._store.load(stream_id)]


# -- pure folds ---------------------------------------------------------------------


def school_facts(events: Sequence[EventPayload]) -> SchoolFacts | None:
    """The school as its stream says, ``None`` when it was never registered."""
    facts: SchoolFacts | None = None
    for e in events:
        if isinstance(e, SchoolRegistered):
            facts = SchoolFacts(
                school_id=e.school_id,
                name=e.name,
                jurisdiction=school.jurisdiction_of(e),
                location=e.location,
                principal_name=e.principal_name,
                zone_id=e.zone_id,
            )
        elif facts is not None and isinstance(e, SchoolDetailsCorrected):
            facts = replace(
                facts,
                name=e.name or facts.name,
                location=e.location or facts.location,
                principal_name=e.principal_name or facts.principal_name,
            )
        elif facts is not None and isinstance(e, SchoolZoneChanged):
            facts = replace(
                facts, jurisdiction=school.moved(facts.jurisdiction, e.zone_id), zone_id=e.zone_id
            )
    return facts


def inspector_facts(events: Sequence[EventPayload]) -> InspectorFacts | None:
    facts: InspectorFacts | None = None
    for e in events:
        if isinstance(e, InspectorRegistered):
            facts = InspectorFacts(
                inspector_id=e.inspector_id,
                name=e.name,
                jurisdiction=inspector.office_of(e),
                phone=e.phone,
            )
        elif facts is not None and isinstance(e, InspectorDetailsCorrected):
            facts = replace(facts, name=e.name or facts.name, phone=e.phone or facts.phone)
    return facts


def listed_on(events: Sequence[EventPayload], on: date) -> list[str]:
    """Inspectors listed at the school on ``on`` (``ends_on`` is the last day listed)."""
    state = SchoolListings()
    for e in events:
        state = listing.evolve(state, e)
    return [
        entry.inspector_id
        for _, entry in sorted(state.listings.items())
        if entry.starts_on <= on and (entry.ends_on is None or on <= entry.ends_on)
    ]


def campaign_facts(events: Sequence[EventPayload]) -> CampaignFacts | None:
    """An open campaign as its stream says; ``None`` if never issued or closed."""
    facts: CampaignFacts | None = None
    for e in events:
        if isinstance(e, CampaignIssued):
            facts = CampaignFacts(
                campaign_id=e.campaign_id,
                title=e.title,
                checklist_id=e.checklist_id,
                checklist_version=e.checklist_version,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                zone_ids=tuple(e.zone_ids),
                school_ids=tuple(e.school_ids),
                jurisdiction=Jurisdiction.from_path(e.office),
            )
        elif facts is not None and isinstance(e, CampaignAmended):
            facts = replace(
                facts,
                starts_on=e.starts_on or facts.starts_on,
                ends_on=e.ends_on or facts.ends_on,
                zone_ids=facts.zone_ids if e.zone_ids is None else tuple(e.zone_ids),
                school_ids=facts.school_ids if e.school_ids is None else tuple(e.school_ids),
            )
        elif isinstance(e, CampaignClosed):
            facts = None
    return facts


# -- the lookups --------------------------------------------------------------------


class StoreDirectory(_Streams):
    """``DirectoryLookup`` over the directory's streams (for command checks)."""

    async def school(self, school_id: str) -> SchoolFacts | None:
        return school_facts(await self.payloads(school.stream_id(school_id)))

    async def inspector(self, inspector_id: str) -> InspectorFacts | None:
        return inspector_facts(await self.payloads(inspector.stream_id(inspector_id)))

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        return listed_on(await self.payloads(school.stream_id(school_id)), on)

    async def zone_leader(self, zone_id: str) -> str | None:
        state = zone.Zone()
        for e in await self.payloads(zone.stream_id(zone_id)):
            state = zone.evolve(state, e)
        return state.leader_id if state.established else None


class StoreCampaigns(_Streams):
    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        return campaign_facts(await self.payloads(campaign.stream_id(campaign_id)))


class CommandChecklists:
    """The visit lifecycle's ``ChecklistLookup``: campaigns from the store."""

    def __init__(self, checklists: ChecklistLookup, campaigns: StoreCampaigns) -> None:
        self._checklists = checklists
        self._campaigns = campaigns

    async def checklist(self, checklist_id: str, version: int | None) -> ChecklistFacts | None:
        return await self._checklists.checklist(checklist_id, version)

    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        return await self._campaigns.campaign(campaign_id)
