"""Marking inbox messages read: only the recipient's own, once each."""

from __future__ import annotations

from services.notifications.delivery.service import NotificationService
from services.notifications.inbox.mailboxes import mailboxes_of
from services.notifications.inbox.queries import InboxQueries
from shared.auth import FORBIDDEN
from shared.commands import CallerContext, Forbidden, NotFound

READ_ALL_AT_MOST = 500


class InboxService:
    def __init__(self, notifications: NotificationService, queries: InboxQueries) -> None:
        self._notifications = notifications
        self._queries = queries

    async def mark_read(self, notification_id: str, caller: CallerContext) -> bool:
        doc = await self._queries.message(notification_id)
        if doc is None:
            raise NotFound(f"没有这条消息 (unknown notification {notification_id})")
        if doc["recipient"] not in mailboxes_of(caller.principal):
            raise Forbidden(f"只能处理本人的消息 ({FORBIDDEN})")
        return await self._notifications.mark_read(
            notification_id, caller.principal.user_id, caller.ctx
        )

    async def mark_all_read(self, caller: CallerContext) -> int:
        """Mark the caller's unread messages read (at most 500 a call); how many were."""
        boxes = mailboxes_of(caller.principal)
        ids = await self._queries.unread_ids(boxes, READ_ALL_AT_MOST) if boxes else []
        marked = 0
        for notification_id in ids:
            marked += await self._notifications.mark_read(
                notification_id, caller.principal.user_id, caller.ctx
            )
        return marked
