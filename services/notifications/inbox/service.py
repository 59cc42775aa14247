"""Marking inbox messages read: only the recipient's own, once each.

Both marks read their own writes: they answer once the inbox read model shows the
messages read, so an unread count asked right after reflects them (503 past
:data:`shared.freshness.READ_WAIT_SECONDS`, the marks kept: retry the read).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

from services.notifications.delivery.service import NotificationService
from services.notifications.inbox.mailboxes import mailboxes_of
from shared.auth import FORBIDDEN
from shared.commands import CallerContext, Forbidden, NotCaughtUp, NotFound
from shared.freshness import READ_WAIT_SECONDS

READ_ALL_AT_MOST = 500


class InboxReads(Protocol):
    async def message(self, notification_id: str) -> dict[str, Any] | None: ...

    async def unread_ids(self, mailboxes: list[str], limit: int) -> list[str]: ...

    async def unread_among(self, notification_ids: list[str]) -> int: ...


class InboxService:
    def __init__(
        self,
        notifications: NotificationService,
        queries: InboxReads,
        wait_seconds: float = READ_WAIT_SECONDS,
    ) -> None:
        self._notifications = notifications
        self._queries = queries
        self._wait_seconds = wait_seconds

    async def mark_read(self, notification_id: str, caller: CallerContext) -> bool:
        doc = await self._queries.message(notification_id)
        if doc is None:
            raise NotFound(f"没有这条消息 (unknown notification {notification_id})")
        if doc["recipient"] not in mailboxes_of(caller.principal):
            raise Forbidden(f"只能处理本人的消息 ({FORBIDDEN})")
        marked = await self._notifications.mark_read(
            notification_id, caller.principal.user_id, caller.ctx
        )
        await self._shown_read([notification_id])
        return marked

    async def mark_all_read(self, caller: CallerContext) -> int:
        """Mark the caller's unread messages read (at most 500 a call); how many were."""
        boxes = mailboxes_of(caller.principal)
        ids = await self._queries.unread_ids(boxes, READ_ALL_AT_MOST) if boxes else []
        marked = 0
        for notification_id in ids:
            marked += await self._notifications.mark_read(
                notification_id, caller.principal.user_id, caller.ctx
            )
        await self._shown_read(ids)
        return marked

    async def _shown_read(self, notification_ids: list[str]) -> None:
        """Wait until the inbox read model shows these messages read."""
        if not notification_ids:
            return
        deadline, pause = time.monotonic() + self._wait_seconds, 0.01
        while await self._queries.unread_among(notification_ids) > 0:
            if time.monotonic() >= deadline:
                raise NotCaughtUp(
                    "已标记为已读，消息列表尚在更新，请稍后刷新 "
                    "(marked read; the inbox has not shown it yet, retry the read)"
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)
