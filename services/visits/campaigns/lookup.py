"""A campaign as its stream says, for the visit lifecycle's checks (never behind).

Planning a visit under a campaign an office issued a moment before must not wait for
the ``visits_campaigns`` read model; :class:`StoreCampaigns` folds the ``campaign-``
stream instead. A closed campaign is answered with ``closed=True`` (planning under it is
an illegal step, 409), a never-issued one with ``None`` (an unknown id, 422).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from services.visits.campaigns import domain as campaign
from shared.contracts.checklists import CampaignAmended, CampaignClosed, CampaignIssued
from shared.events import EventPayload, EventRegistry
from shared.eventstore import EventStore
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class CampaignFacts:
    campaign_id: str
    title: str
    checklist_id: str
    checklist_version: int
    starts_on: date
    ends_on: date
    zone_ids: tuple[str, ...]
    school_ids: tuple[str, ...]
    jurisdiction: Jurisdiction
    """The issuing office."""
    closed: bool = False


def campaign_facts(events: Iterable[EventPayload]) -> CampaignFacts | None:
    """The campaign as its stream says; ``None`` if never issued."""
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
        elif facts is not None and isinstance(e, CampaignClosed):
            facts = replace(facts, closed=True)
    return facts


class StoreCampaigns:
    """``CampaignLookup`` (services/visits/visit/ports.py) over the ``campaign-`` streams."""

    def __init__(self, store: EventStore, registry: EventRegistry) -> None:
        self._store = store
        self._registry = registry

    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        stored = await self._store.load(campaign.stream_id(campaign_id))
        return campaign_facts(self._registry.parse(e) for e in stored)
