"""Appends to notification streams: queue once, record attempts, mark read.

Every method is idempotent: a notification's stream id comes from (cause event,
recipient, channel), so a second queue finds the stream there (a conflict on version 0
means "already queued"), and a second ``sent`` finds the stage moved on.
"""

from __future__ import annotations

from datetime import datetime

from services.notifications.delivery import domain as d
from shared.commands import CommandContext, NotFound, StreamHandler
from shared.contracts.notifications import NotificationFailed, NotificationQueued
from shared.envelope import Actor
from shared.events import EventPayload
from shared.eventstore import ConcurrencyConflict
from shared.jurisdiction import Jurisdiction

SYSTEM = Actor(user_id="svc-notifications", role="system")
SOURCE = "/duxue/notifications"


class NotificationService:
    def __init__(self, streams: StreamHandler[d.Notification], max_attempts: int = 5) -> None:
        self._streams = streams
        self.max_attempts = max_attempts

    async def queue(
        self, message: NotificationQueued, ctx: CommandContext, where: Jurisdiction
    ) -> bool:
        """Queue the message unless it is queued already; True when this call queued it."""
        stream = d.stream_id(message.notification_id)
        try:
            await self._streams.append(stream, 0, [message], ctx, where)
        except ConcurrencyConflict:
            return False
        return True

    async def load(self, notification_id: str) -> tuple[d.Notification, int, Jurisdiction]:
        loaded = await self._streams.load(d.stream_id(notification_id))
        if loaded.jurisdiction is None:
            raise NotFound(f"没有这条消息 (unknown notification {notification_id})")
        return loaded.state, loaded.version, loaded.jurisdiction

    async def record_sent(self, notification_id: str, at: datetime, ctx: CommandContext) -> bool:
        state, version, where = await self.load(notification_id)
        return await self._append(
            notification_id, version, d.record_sent(state, notification_id, at), ctx, where
        )

    async def record_failure(self, notification_id: str, reason: str, ctx: CommandContext) -> bool:
        """Record a failed attempt; True when it was the last one (dead-lettered)."""
        state, version, where = await self.load(notification_id)
        events = d.record_failure(state, notification_id, reason, self.max_attempts)
        await self._append(notification_id, version, events, ctx, where)
        return any(isinstance(e, NotificationFailed) and e.dead_lettered for e in events)

    async def mark_read(self, notification_id: str, user_id: str, ctx: CommandContext) -> bool:
        state, version, where = await self.load(notification_id)
        return await self._append(
            notification_id, version, d.mark_read(state, notification_id, user_id), ctx, where
        )

    async def _append(
        self,
        notification_id: str,
        version: int,
        events: list[EventPayload],
        ctx: CommandContext,
        where: Jurisdiction,
    ) -> bool:
        if not events:
            return False
        await self._streams.append(d.stream_id(notification_id), version, events, ctx, where)
        return True
