"""In-memory stand-ins for the ports of the application services (service-layer tests only).

They keep the contracts of the real adapters that the services rely on — an append at a
stale version raises :class:`ConcurrencyConflict`, streams come back in order — and
nothing else: no Kafka, no MongoDB. The real adapters are tested against the real
FerretDB and Kafka (tests/integration, tests/e2e).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count
from uuid import UUID

from shared.commands import InvalidField
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.envelope import EventEnvelope
from shared.eventstore import ConcurrencyConflict
from shared.evidence.lookup import EvidenceFacts


class MemoryEventStore:
    """Append-only streams in a dict (the :class:`shared.eventstore.StreamStore` port)."""

    def __init__(self) -> None:
        self.streams: dict[str, list[EventEnvelope]] = {}
        self.loads = 0
        """How many times a stream was loaded (a command loads its stream once)."""

    async def load(self, stream_id: str) -> list[EventEnvelope]:
        self.loads += 1
        return list(self.streams.get(stream_id, []))

    async def load_many(self, stream_ids: Sequence[str]) -> dict[str, list[EventEnvelope]]:
        self.loads += 1
        return {sid: list(self.streams.get(sid, [])) for sid in stream_ids}

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

    def types(self, stream_id: str) -> list[str]:
        return [e.event_type.rsplit(".", 1)[-1] for e in self.streams.get(stream_id, [])]


@dataclass
class FakeDirectory:
    """The :class:`shared.directory.lookup.DirectoryLookup` port from plain dicts."""

    schools: dict[str, SchoolFacts] = field(default_factory=dict)
    inspectors: dict[str, InspectorFacts] = field(default_factory=dict)
    listings: dict[str, list[str]] = field(default_factory=dict)
    """school id → the inspectors listed there (on every day)."""
    leaders: dict[str, str] = field(default_factory=dict)
    """zone id → its leader's inspector id."""

    async def school(self, school_id: str) -> SchoolFacts | None:
        return self.schools.get(school_id)

    async def inspector(self, inspector_id: str) -> InspectorFacts | None:
        return self.inspectors.get(inspector_id)

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        return list(self.listings.get(school_id, []))

    async def zone_leader(self, zone_id: str) -> str | None:
        return self.leaders.get(zone_id)


@dataclass
class FakeEvidence:
    """The :class:`shared.evidence.lookup.EvidenceLookup` port."""

    stored: dict[str, EvidenceFacts] = field(default_factory=dict)

    async def evidence(self, evidence_id: str) -> EvidenceFacts | None:
        return self.stored.get(evidence_id)


@dataclass
class FakeVisits:
    """Which school each known visit is of (the issues service's ``VisitLookup``)."""

    schools: dict[str, str] = field(default_factory=dict)

    async def ensure_visit_of(self, visit_id: str, school_id: str, field: str) -> None:
        if self.schools.get(visit_id) != school_id:
            raise InvalidField(field, f"督导 {visit_id} 不是对学校 {school_id} 的督导")


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
