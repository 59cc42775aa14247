"""Integrators' webhook subscriptions (by event type and jurisdiction) and the delivery
log, kept as documents in the notifications database.

A subscription names the event types it wants and a jurisdiction inside the
integrator's own; it receives an event when the type is listed and the event happened
inside that jurisdiction. Its secret is shown once, when it is made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.database import AsyncDatabase

from shared.jurisdiction import Jurisdiction

SUBSCRIPTIONS = "webhook_subscriptions"
DELIVERIES = "webhook_deliveries"


class Subscription(BaseModel):
    model_config = ConfigDict(frozen=True)

    subscription_id: str
    owner: str
    url: str
    event_types: tuple[str, ...] = Field(min_length=1)
    jurisdiction: Jurisdiction
    secret: str
    created_at: datetime

    def wants(self, event_type: str, where: Jurisdiction) -> bool:
        return event_type in self.event_types and self.jurisdiction.contains(where)


def delivery_id(event_id: str, subscription_id: str) -> str:
    """The delivery's id, also its ``webhook-id`` (the integrator's idempotency key)."""
    return str(uuid5(NAMESPACE_URL, f"duxue:webhook:{event_id}:{subscription_id}"))


class WebhookStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._subs = db[SUBSCRIPTIONS]
        self._log = db[DELIVERIES]

    async def add(self, sub: Subscription) -> None:
        await self._subs.insert_one({"_id": sub.subscription_id, **sub.model_dump(mode="json")})

    async def subscriptions(self) -> list[Subscription]:
        return [Subscription.model_validate(d) async for d in self._subs.find({})]

    async def subscription(self, subscription_id: str) -> Subscription | None:
        doc = await self._subs.find_one({"_id": subscription_id})
        return None if doc is None else Subscription.model_validate(doc)

    async def delivery(self, delivery: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._log.find_one({"_id": delivery})
        return doc

    async def begin(
        self, delivery: str, subscription_id: str, event: dict[str, Any]
    ) -> dict[str, Any]:
        """The delivery's log entry, created ``pending`` on first sight (never twice)."""
        fresh = {
            "subscription_id": subscription_id,
            "event_id": event["id"],
            "event_type": event["type"],
            "body": event,
            "status": "pending",
            "attempts": [],
        }
        await self._log.update_one({"_id": delivery}, {"$setOnInsert": fresh}, upsert=True)
        doc = await self.delivery(delivery)
        assert doc is not None
        return doc

    async def attempt(self, delivery: str, entry: dict[str, Any], status: str) -> None:
        await self._log.update_one(
            {"_id": delivery}, {"$push": {"attempts": entry}, "$set": {"status": status}}
        )

    async def reset(self, delivery: str) -> None:
        await self._log.update_one({"_id": delivery}, {"$set": {"status": "pending"}})

    async def log(
        self, subscription_id: str, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        query = {"subscription_id": subscription_id}
        total = await self._log.count_documents(query)
        cursor = self._log.find(query, {"body": 0}).sort("_id").skip(offset).limit(limit)
        return total, [{"delivery_id": d.pop("_id"), **d} async for d in cursor]
