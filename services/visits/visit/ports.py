"""What the visit lifecycle asks of the rest of the visits service.

The visit commands need facts they do not own: where a school is and who is listed at
it (the directory), what a checklist holds and what a campaign targets (checklists and
campaigns), and what an uploaded piece of evidence is (the evidence store). Each is a
small protocol here, implemented over the service's own read models and storage, and
replaced by the in-memory fakes of tests/fakes.py in the service-layer tests
(tests/unit/test_visit_service.py).

Identity rule: an inspector's ``inspector_id`` is the user id (``sub``) of their account,
so a token's principal can be matched against listings directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from services.visits.campaigns.lookup import CampaignFacts
from services.visits.directory.domain.facts import SchoolOnDay
from services.visits.plans.domain.plan import PlanFacts
from shared.directory.lookup import DirectoryLookup, InspectorFacts, SchoolFacts
from shared.evidence.lookup import EvidenceFacts, EvidenceLookup

__all__ = [
    "CampaignFacts",
    "DirectoryLookup",
    "EvidenceFacts",
    "EvidenceLookup",
    "InspectorFacts",
    "PlanFacts",
    "SchoolFacts",
    "SchoolOnDay",
]


@dataclass(frozen=True)
class ChecklistItemFacts:
    code: str
    title: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistFacts:
    checklist_id: str
    version: int
    items: tuple[ChecklistItemFacts, ...]


class ChecklistLookup(Protocol):
    async def checklist(self, checklist_id: str, version: int | None) -> ChecklistFacts | None:
        """A published checklist template; ``version=None`` means its newest version."""
        ...


class CampaignLookup(Protocol):
    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        """A campaign as its stream says (closed ones too); ``None``: never issued."""
        ...


class CommandDirectory(DirectoryLookup, Protocol):
    async def school_on(self, school_id: str, on: date) -> SchoolOnDay | None:
        """The school and who is listed there on ``on``, from one load of its stream."""
        ...


class PlanLookup(Protocol):
    async def plan(self, plan_id: str) -> PlanFacts | None:
        """A filed monthly plan, as its stream says (``None``: never filed)."""
        ...


class FindingLookup(Protocol):
    async def recorded_at(self, school_id: str, finding_id: str) -> bool:
        """Whether ``finding_id`` is a finding recorded at a visit to ``school_id`` (the
        earlier findings a follow-up visit names in ``follows_up`` / ``checks_finding_id``)."""
        ...
