"""The outbox relay: moves stored commits to Kafka, in stream order, at least once.

Loop: read the outbox's markers and fetch their commits by ``_id``
(:meth:`EventStore.unpublished`: never a query over the whole store) → send every
event (keyed by its partition key, so a stream stays on one partition in order) → wait
until Kafka has acknowledged all of them (``acks=all``) → delete their markers
(:meth:`EventStore.mark_published`). A crash before the delete sends the same events
again on restart; consumers drop the repeats by event id. The crash table of the whole
write path is in docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

import structlog
from aiokafka import AIOKafkaProducer

from shared import metrics
from shared.envelope import EventEnvelope
from shared.events import EventRegistry
from shared.eventstore import EventStore

log = structlog.get_logger(__name__)


class OutboxRelay:
    """Publishes a service's event store to Kafka; one per service process."""

    def __init__(
        self,
        store: EventStore,
        producer: AIOKafkaProducer,
        registry: EventRegistry,
        clock: Callable[[], datetime],
        service: str,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        topic_prefix: str = "",
    ) -> None:
        self._topic_prefix = topic_prefix
        self._store = store
        self._producer = producer
        self._registry = registry
        self._clock = clock
        self._service = service
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._stopping = False

    def notify(self) -> None:
        """Tell the relay that a commit was just stored (saves up to one poll interval)."""
        self._wakeup.set()

    async def publish_pending(self) -> int:
        """Publish one batch of pending commits; returns how many events were sent."""
        commits = await self._store.unpublished(self._batch_size)
        if not commits:
            return 0
        futures = []
        for commit in commits:
            for raw in commit["events"]:
                event = EventEnvelope.from_cloudevent(raw)
                futures.append(
                    await self._producer.send(
                        self._topic_prefix + self._registry.topic_for(event.event_type),
                        value=event.to_bytes(),
                        key=event.partition_key.encode(),
                        headers=event.kafka_headers(),
                    )
                )
        await asyncio.gather(*futures)
        await self._store.mark_published([c["_id"] for c in commits], self._clock())
        metrics.EVENTS_PRODUCED.labels(self._service).inc(len(futures))
        return len(futures)

    async def run(self) -> None:
        """Relay until :meth:`stop`; errors are logged and retried, never dropped."""
        backoff = self._poll_interval
        while not self._stopping:
            try:
                sent = await self.publish_pending()
                metrics.OUTBOX_PENDING.labels(self._service).set(self._store.pending_seen)
                backoff = self._poll_interval
            except Exception:  # the commits stay unpublished and are retried
                log.exception("outbox_publish_failed", service=self._service)
                sent = 0
                backoff = min(backoff * 2, 10.0)
            if sent >= self._batch_size:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=backoff)

    async def stop(self) -> None:
        """Stop after the current batch, flushing what is already pending."""
        self._stopping = True
        self._wakeup.set()
