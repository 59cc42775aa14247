"""A campaign as its stream says, for the visit lifecycle's checks (never behind).

Planning a visit under a campaign an office issued a moment before must not wait for
the ``visits_campaigns`` read model; :class:`StoreCampaigns` folds the ``campaign-``
stream instead. A closed campaign is answered with ``closed=True`` (planning under it is
an illegal step, 409), a never-issued one with ``None`` (an unknown id, 422).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.visits.campaigns import domain as campaign
from services.visits.campaigns.domain import Campaign
from shared.contracts.checklists import CampaignIssued
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
    """The campaign as its stream says (the aggregate's own fold, with what it was issued
    as); ``None`` if never issued."""
    issued: CampaignIssued | None = None
    state = Campaign()
    for e in events:
        if isinstance(e, CampaignIssued):
            issued, state = e, Campaign()
        if issued is not None:
            state = campaign.evolve(state, e)
    if issued is None:
        return None
    assert state.starts_on is not None and state.ends_on is not None and state.office
    return CampaignFacts(
        **{name: getattr(issued, name) for name in AS_ISSUED},
        **{name: getattr(state, name) for name in AS_NOW},
        jurisdiction=Jurisdiction.from_path(state.office),
    )


AS_ISSUED = ("campaign_id", "title", "checklist_id", "checklist_version")
"""What a campaign keeps from its issue."""
AS_NOW = ("starts_on", "ends_on", "zone_ids", "school_ids", "closed")
"""What amendments and closing change, as the campaign's fold has it now."""


class StoreCampaigns:
    """``CampaignLookup`` (services/visits/visit/ports.py) over the ``campaign-`` streams."""

    def __init__(self, store: EventStore, registry: EventRegistry) -> None:
        self._store = store
        self._registry = registry

    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        stored = await self._store.load(campaign.stream_id(campaign_id))
        return campaign_facts(self._registry.parse(e) for e in stored)
