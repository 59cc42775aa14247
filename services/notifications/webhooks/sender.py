"""Pushes platform events to integrators' webhooks, signed, each delivery once.

A reactor on the visits and issues topics. For each event a subscription wants, the
delivery id is derived from (event id, subscription id) and its log entry created once;
a delivery already ``sent`` or ``dead`` is skipped (replays send nothing). Otherwise it
is POSTed, signed (:mod:`.signing`), with the delivery id as ``webhook-id`` — the
integrator's idempotency key for the one window where a crash after their 2xx and
before the log entry's update sends it again. A failure (an error, a non-2xx answer, no
answer within the timeout) is retried with exponential backoff and full jitter up to
``max_attempts``, then the delivery is ``dead``; ``redeliver`` sends it again on demand.
Every attempt is in the delivery log.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import structlog

import shared.contracts  # noqa: F401  (every contract registered: what can be subscribed to)
from services.notifications.webhooks.signing import signed_headers
from services.notifications.webhooks.subscriptions import Subscription, WebhookStore, delivery_id
from shared import metrics, topics
from shared.envelope import EventEnvelope
from shared.events import EventPayload, registry

log = structlog.get_logger(__name__)


class WebhookSender:
    name = "notifications_webhooks"
    topics: tuple[str, ...] = (topics.VISITS, topics.ISSUES)
    handles = frozenset(str(e["type"]) for e in registry.catalogue())

    def __init__(
        self,
        store: WebhookStore,
        clock: Callable[[], datetime],
        timeout: float = 5,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._timeout = timeout
        self.max_attempts = max_attempts
        self._backoff = backoff_seconds

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None:
        for sub in await self._store.subscriptions():
            if sub.wants(event.event_type, event.jurisdiction):
                delivery = delivery_id(str(event.event_id), sub.subscription_id)
                entry = await self._store.begin(
                    delivery, sub.subscription_id, event.to_cloudevent()
                )
                if entry["status"] == "pending":
                    await self.deliver(delivery, sub, entry["body"])

    async def deliver(self, delivery: str, sub: Subscription, body: dict[str, Any]) -> bool:
        """Attempt until sent or out of attempts; True when sent."""
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        for attempt in range(1, self.max_attempts + 1):
            at = self._clock()
            error = await self._post(sub, delivery, text, at)
            last = attempt == self.max_attempts
            status = "sent" if error is None else ("dead" if last else "pending")
            await self._store.attempt(
                delivery, {"at": at.isoformat(), "attempt": attempt, "error": error}, status
            )
            outcome = {"sent": "sent", "dead": "dead_lettered", "pending": "failed"}[status]
            metrics.NOTIFICATIONS.labels("webhook", outcome).inc()
            if error is None:
                return True
            log.warning("webhook_failed", delivery=delivery, attempt=attempt, error=error)
            if not last:
                await asyncio.sleep(random.uniform(0, self._backoff * 2 ** (attempt - 1)))
        return False

    async def redeliver(self, delivery: str) -> bool:
        entry = await self._store.delivery(delivery)
        if entry is None:
            raise LookupError(delivery)
        sub = await self._store.subscription(entry["subscription_id"])
        if sub is None:
            raise LookupError(entry["subscription_id"])
        await self._store.reset(delivery)
        return await self.deliver(delivery, sub, entry["body"])

    async def _post(self, sub: Subscription, delivery: str, text: str, at: datetime) -> str | None:
        headers = signed_headers(sub.secret, delivery, at, text)
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
                r = await client.post(sub.url, content=text.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return f"{exc.__class__.__name__}: {exc}"[:300]
        return None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"
