"""What the visit lifecycle asks of the rest of the visits service.

The visit commands need facts they do not own: where a school is and who is listed at
it (the directory), what a checklist holds and what a campaign targets (checklists and
campaigns), and what an uploaded piece of evidence is (the evidence store). Each is a
small protocol here, implemented over the service's own read models and storage, and
replaced by plain in-memory objects in unit tests of the pure logic.

Identity rule: an inspector's ``inspector_id`` is the user id (``sub``) of their account,
so a token's principal can be matched against listings directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from shared.contracts.directory import Location
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class SchoolFacts:
    school_id: str
    name: str
    jurisdiction: Jurisdiction
    location: Location | None
    principal_name: str | None
    zone_id: str | None


@dataclass(frozen=True)
class InspectorFacts:
    inspector_id: str
    name: str
    jurisdiction: Jurisdiction
    """The office the inspector belongs to (a county, or a city for city inspectors)."""
    phone: str | None


class DirectoryLookup(Protocol):
    async def school(self, school_id: str) -> SchoolFacts | None: ...

    async def inspector(self, inspector_id: str) -> InspectorFacts | None: ...

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        """Ids of the inspectors listed (挂牌) at the school on that day."""
        ...

    async def zone_leader(self, zone_id: str) -> str | None:
        """The inspector id of the zone's leader (组长), if one is named."""
        ...


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


class ChecklistLookup(Protocol):
    async def checklist(self, checklist_id: str, version: int | None) -> ChecklistFacts | None:
        """A published checklist template; ``version=None`` means its newest version."""
        ...

    async def campaign(self, campaign_id: str) -> CampaignFacts | None: ...


@dataclass(frozen=True)
class EvidenceFacts:
    evidence_id: str
    sha256: str
    size: int
    media_type: str
    file_name: str
    school_id: str


class EvidenceLookup(Protocol):
    async def evidence(self, evidence_id: str) -> EvidenceFacts | None:
        """Evidence already stored (uploaded and hash-checked) — never its bytes."""
        ...
