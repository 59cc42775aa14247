"""Reads of the inbox read model (newest first), scoped to the caller's mailboxes."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.notifications.inbox.view import NAME
from shared.projection import ReadModels

PUBLIC = (
    "subject",
    "body",
    "kind",
    "urgent",
    "read",
    "read_at",
    "created_at",
    "school_id",
    "cause_event_id",
)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "notification_id": doc["_id"],
        "recipient": doc["recipient"],
        **{k: doc.get(k) for k in PUBLIC},
    }


class InboxQueries:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._models = ReadModels(db, NAME)

    async def page(
        self, mailboxes: list[str], unread_only: bool, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        inbox = await self._models.collection("inbox")
        query: dict[str, Any] = {"recipient": {"$in": mailboxes}}
        if unread_only:
            query["read"] = False
        total = await inbox.count_documents(query)
        cursor = inbox.find(query).sort([("created_at", -1), ("_id", 1)]).skip(offset).limit(limit)
        return total, [public(d) async for d in cursor]

    async def unread(self, mailboxes: list[str]) -> int:
        inbox = await self._models.collection("inbox")
        return await inbox.count_documents({"recipient": {"$in": mailboxes}, "read": False})

    async def message(self, notification_id: str) -> dict[str, Any] | None:
        inbox = await self._models.collection("inbox")
        doc: dict[str, Any] | None = await inbox.find_one({"_id": notification_id})
        return doc

    async def unread_ids(self, mailboxes: list[str], limit: int) -> list[str]:
        inbox = await self._models.collection("inbox")
        query = {"recipient": {"$in": mailboxes}, "read": False}
        return [str(d["_id"]) async for d in inbox.find(query, {"_id": 1}).limit(limit)]

    async def unread_among(self, notification_ids: list[str]) -> int:
        """How many of these messages the inbox still shows unread."""
        inbox = await self._models.collection("inbox")
        return await inbox.count_documents({"_id": {"$in": notification_ids}, "read": False})

    async def deliveries(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        coll = await self._models.collection("deliveries")
        return [d async for d in coll.find(query)]
