"""Reactor: opens the issues a consolidation event tracks (the crash-safe path beside the
consolidation request's own opening; opening is idempotent)."""

from __future__ import annotations

from services.issues.self_inspection.commands import ConsolidationEvent
from services.issues.self_inspection.service import SelfInspectionService
from shared import topics
from shared.commands import CommandContext
from shared.contracts.self_inspection import (
    SelfInspectionConsolidated,
    SelfInspectionConsolidationAmended,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload


class SelfInspectionTracker:
    name = "issues_self_inspection_tracker"
    topics: tuple[str, ...] = (topics.ISSUES,)
    handles = frozenset(
        c.event_type for c in (SelfInspectionConsolidated, SelfInspectionConsolidationAmended)
    )

    def __init__(self, service: SelfInspectionService) -> None:
        self._service = service

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None:
        if not isinstance(payload, ConsolidationEvent):
            return
        ctx = CommandContext(
            actor=event.actor,
            now=event.occurred_at,
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )
        await self._service.open_tracked(payload, ctx, event.jurisdiction)
