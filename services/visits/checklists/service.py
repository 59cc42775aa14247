"""Application service of checklist templates: publish versions, retire, seed defaults."""

from __future__ import annotations

from datetime import datetime

import structlog

from services.visits.checklists import domain as checklist
from services.visits.checklists.data import routine_template
from services.visits.checklists.domain import (
    Checklist,
    PublishChecklist,
    RetireChecklist,
    scope_jurisdiction,
)
from services.visits.streams import stream_handler
from shared.commands import CommandContext, NotFound, StreamHandler
from shared.contracts.checklists import PLATFORM_SCOPE
from shared.envelope import Actor
from shared.eventstore import ConcurrencyConflict
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

log = structlog.get_logger(__name__)

PLATFORM_JURISDICTION = Jurisdiction(province=PLATFORM_SCOPE)
"""The envelope jurisdiction of platform-wide facts (``province:platform``)."""
SYSTEM = Actor(user_id="system", role="system")


class UnknownChecklist(NotFound):
    def __init__(self, checklist_id: str) -> None:
        super().__init__(f"督查记载表 {checklist_id} 不存在 (unknown checklist)")


def envelope_jurisdiction(scope: str) -> Jurisdiction:
    return scope_jurisdiction(scope) or PLATFORM_JURISDICTION


class ChecklistService:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._templates = stream_handler(runtime, Checklist(), checklist.evolve)

    async def state(self, checklist_id: str) -> tuple[Checklist, int]:
        """The template as its stream says (``Checklist()`` and 0 when there is none)."""
        loaded = await self._templates.load(checklist.stream_id(checklist_id))
        return loaded.state, loaded.version

    async def load(self, checklist_id: str) -> tuple[Checklist, int]:
        state, version = await self.state(checklist_id)
        if not state.exists:
            raise UnknownChecklist(checklist_id)
        return state, version

    async def publish(
        self, cmd: PublishChecklist, expected_version: int | None, ctx: CommandContext
    ) -> int:
        """Publish the next version; returns the checklist version (not the stream's)."""
        stream = checklist.stream_id(cmd.checklist_id)
        state, version = await self.state(cmd.checklist_id)
        StreamHandler.check_expected(stream, expected_version, version)
        events = checklist.publish(state, cmd)
        await self._templates.append(stream, version, events, ctx, envelope_jurisdiction(cmd.scope))
        return state.latest_version + 1

    async def retire(
        self, cmd: RetireChecklist, expected_version: int | None, ctx: CommandContext
    ) -> int:
        stream = checklist.stream_id(cmd.checklist_id)
        state, version = await self.load(cmd.checklist_id)
        StreamHandler.check_expected(stream, expected_version, version)
        events = checklist.retire(state, cmd)
        assert state.owner_scope is not None
        return await self._templates.append(
            stream, version, events, ctx, envelope_jurisdiction(state.owner_scope)
        )

    async def seed_defaults(self, now: datetime) -> bool:
        """Publish the routine template v1 as the platform if it is missing (idempotent).

        Returns True when this call published it. Two processes starting at once race
        for the same stream version; the loser finds it published and does nothing.
        """
        data = routine_template()
        state, _ = await self.state(data.checklist_id)
        if state.exists:
            return False
        cmd = PublishChecklist(
            checklist_id=data.checklist_id,
            title=data.title,
            scope=PLATFORM_SCOPE,
            items=data.items,
            note=data.note,
        )
        ctx = CommandContext(actor=SYSTEM, now=now, correlation_id="seed-routine-checklist")
        try:
            await self.publish(cmd, 0, ctx)
        except ConcurrencyConflict:
            return False
        log.info("checklist_seeded", checklist_id=data.checklist_id, version=data.version)
        return True
