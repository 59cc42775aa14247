"""In-memory stand-ins for the ports of the application services, for service-layer tests.

Only the service layer is tested against these (never called "integration"). They keep
the contracts of the real adapters that the services rely on — an append at a stale
version raises :class:`ConcurrencyConflict`, a stream's events continue it in order,
streams come back in order — and nothing else: no Kafka, no MongoDB. The real adapters
are tested against FerretDB and Kafka in tests/integration and tests/e2e (the event
store's contract against both: ``tests/integration/test_eventstore.py``). Each fake holds
plain dicts a test fills directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count
from uuid import UUID

from services.issues.complaints.ports import Contact, TrackingCode
from services.visits.campaigns.lookup import CampaignFacts
from services.visits.directory.domain.facts import SchoolOnDay
from services.visits.plans.domain.plan import PlanFacts
from services.visits.visit.ports import ChecklistFacts, ChecklistItemFacts
from shared.auth import Principal, Role
from shared.commands import CallerContext, CommandContext, InvalidField
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload
from shared.eventstore import ConcurrencyConflict, EventStore
from shared.evidence.lookup import EvidenceFacts
from shared.jurisdiction import Jurisdiction
from shared.projection import Doc, DocRef, Projection, View


class MemoryEventStore(EventStore):
    """Append-only streams in a dict (the event store's contract: load, load_many,
    version, append at the expected version)."""

    def __init__(self) -> None:  # no database: the parent's state is never used
        self.streams: dict[str, list[EventEnvelope]] = {}
        self.loads: list[str] = []
        """Every stream id loaded, in order (so a test can count loads per command)."""

    async def load(self, stream_id: str) -> list[EventEnvelope]:
        self.loads.append(stream_id)
        return list(self.streams.get(stream_id, []))

    async def load_many(self, stream_ids: Sequence[str]) -> dict[str, list[EventEnvelope]]:
        self.loads.extend(stream_ids)
        return {sid: list(self.streams.get(sid, [])) for sid in stream_ids}

    async def version(self, stream_id: str) -> int:
        return len(self.streams.get(stream_id, []))

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> int:
        stream = self.streams.setdefault(stream_id, [])
        if len(stream) != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, len(stream))
        for offset, event in enumerate(events, start=1):
            if event.stream_id != stream_id or event.stream_version != expected_version + offset:
                raise ValueError("events must continue the stream in order")
        stream.extend(events)
        return len(stream)

    def event_types(self, stream_id: str) -> list[str]:
        return [e.event_type for e in self.streams.get(stream_id, [])]

    def types(self, stream_id: str) -> list[str]:
        """The short event types (``issue_opened``)."""
        return [t.rsplit(".", 1)[-1] for t in self.event_types(stream_id)]


InMemoryEventStore = MemoryEventStore


@dataclass
class FakeDirectory:
    """The directory as the visit lifecycle's checks see it (``CommandDirectory``)."""

    schools: dict[str, SchoolFacts] = field(default_factory=dict)
    inspectors: dict[str, InspectorFacts] = field(default_factory=dict)
    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    leaders: dict[str, str] = field(default_factory=dict)
    school_loads: int = 0

    async def school(self, school_id: str) -> SchoolFacts | None:
        self.school_loads += 1
        return self.schools.get(school_id)

    async def school_on(self, school_id: str, on: date) -> SchoolOnDay | None:
        self.school_loads += 1
        found = self.schools.get(school_id)
        return None if found is None else SchoolOnDay(found, self.listed.get(school_id, ()))

    async def inspector(self, inspector_id: str) -> InspectorFacts | None:
        return self.inspectors.get(inspector_id)

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        self.school_loads += 1
        return list(self.listed.get(school_id, ()))

    async def zone_leader(self, zone_id: str) -> str | None:
        return self.leaders.get(zone_id)


ROUTINE = ChecklistFacts(
    checklist_id="routine",
    version=1,
    items=(
        ChecklistItemFacts("governance", "校务管理和制度执行", ("document_review",)),
        ChecklistItemFacts("safety", "校园及周边安全、学生交通安全", ("campus_walk",)),
    ),
)


@dataclass
class FakeChecklists:
    checklists: dict[str, ChecklistFacts] = field(default_factory=lambda: {"routine": ROUTINE})

    async def checklist(self, checklist_id: str, version: int | None) -> ChecklistFacts | None:
        found = self.checklists.get(checklist_id)
        return found if found and version in (None, found.version) else None


@dataclass
class FakeCampaigns:
    campaigns: dict[str, CampaignFacts] = field(default_factory=dict)

    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        return self.campaigns.get(campaign_id)


@dataclass
class FakeEvidence:
    stored: dict[str, EvidenceFacts] = field(default_factory=dict)

    async def evidence(self, evidence_id: str) -> EvidenceFacts | None:
        return self.stored.get(evidence_id)


@dataclass
class FakePlans:
    plans: dict[str, PlanFacts] = field(default_factory=dict)

    async def plan(self, plan_id: str) -> PlanFacts | None:
        return self.plans.get(plan_id)


@dataclass
class FakeFindings:
    recorded: set[tuple[str, str]] = field(default_factory=set)

    async def recorded_at(self, school_id: str, finding_id: str) -> bool:
        return (school_id, finding_id) in self.recorded


@dataclass
class FakeVisits:
    """Which school each known visit is of (the issues service's ``VisitLookup``)."""

    schools: dict[str, str] = field(default_factory=dict)

    async def ensure_visit_of(self, visit_id: str, school_id: str, field: str) -> None:
        if self.schools.get(visit_id) != school_id:
            raise InvalidField(field, f"督导 {visit_id} 不是对学校 {school_id} 的督导")


def caller(
    user_id: str, *roles: Role, where: Jurisdiction, now: datetime | None = None
) -> CallerContext:
    """A verified caller of a command (principal and context), as ``shared.routing.Caller``
    hands it to a service."""
    principal = Principal(user_id=user_id, name=user_id, roles=frozenset(roles), jurisdiction=where)
    actor = Actor(user_id=user_id, role=principal.main_role)
    moment = now or datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    return CallerContext(principal, CommandContext(actor=actor, now=moment, correlation_id="c-1"))


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Ids:
    """Event ids 1, 2, 3 … as UUIDs (deterministic)."""

    def __init__(self) -> None:
        self._next = count(1)

    def __call__(self) -> UUID:
        return UUID(int=next(self._next))


@dataclass
class MemoryContacts:
    """The complainants' contacts (``ContactStore``)."""

    stored: dict[str, Contact] = field(default_factory=dict)

    async def store(
        self, complaint_id: str, school_id: str, contact: Contact, now: datetime
    ) -> None:
        self.stored[complaint_id] = contact

    async def get_many(self, complaint_ids: Iterable[str]) -> dict[str, Contact]:
        return {cid: self.stored[cid] for cid in complaint_ids if cid in self.stored}

    async def delete(self, complaint_id: str) -> bool:
        return self.stored.pop(complaint_id, None) is not None


@dataclass
class MemoryTrackingCodes:
    """Tracking numbers and their hashed query codes (``TrackingCodes``)."""

    codes: dict[str, TrackingCode] = field(default_factory=dict)

    async def reserve(self, code: TrackingCode, now: datetime) -> bool:
        if code.tracking_no in self.codes:
            return False
        self.codes[code.tracking_no] = code
        return True

    async def get(self, tracking_no: str) -> TrackingCode | None:
        return self.codes.get(tracking_no)


@dataclass
class FakeLedZones:
    """Zone id → its leader (``LedZones``)."""

    leaders: dict[str, str] = field(default_factory=dict)

    async def led_by(self, user_id: str) -> list[str]:
        return sorted(zone for zone, leader in self.leaders.items() if leader == user_id)


def fold_projection(
    projection: Projection,
    events: Iterable[tuple[EventEnvelope, EventPayload]],
    handled_only: bool = False,
) -> dict[DocRef, Doc | None]:
    """A projection's documents after ``events`` (each with its parsed payload), folded in
    memory one event at a time as the kernel's runner does (``None``: a deleted or never
    written document). ``handled_only`` skips the events the projection does not handle,
    as the runner's decoder does; otherwise every event reaches ``apply``."""
    docs: dict[DocRef, Doc | None] = {}
    for event, payload in events:
        if handled_only and event.event_type not in projection.handles:
            continue
        for ref in projection.keys(event, payload):
            docs.setdefault(ref, None)
        view = View(docs)
        projection.apply(event, payload, view)
        view._commit()
    return docs
