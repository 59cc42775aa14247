"""Mode (a): write the simulated period straight to (prefixed) Kafka topics.

The events go through the platform's own envelope code (``EventEnvelope.to_bytes`` and
``kafka_headers``, keyed by the partition key) with the platform's producer settings
(idempotent, ``acks=all``, batched with a small linger), to the topic the registry
names for each type. Sends are pipelined: up to ``window`` unacknowledged events, then
the oldest are awaited, so memory stays flat.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from benchmarks.province.simulate import Totals
from shared.envelope import EventEnvelope
from shared.events import registry
from shared.kafka import make_producer
from shared.topics import EVENT_TOPICS, ensure_topics, event_topic_spec


@dataclass(frozen=True)
class Published:
    totals: Totals
    seconds: float

    @property
    def rate(self) -> float:
        return self.totals.events / self.seconds if self.seconds else 0.0


async def create_topics(bootstrap: str, prefix: str, partitions: int = 6) -> list[str]:
    names = [prefix + t for t in EVENT_TOPICS]
    await ensure_topics(bootstrap, [event_topic_spec(n, partitions, 1) for n in names])
    return names


async def publish(
    events: Iterable[EventEnvelope],
    bootstrap: str,
    prefix: str,
    partitions: int = 6,
    window: int = 20_000,
) -> Published:
    """Publish every event to ``prefix`` + its registry topic; returns counts and time."""
    await create_topics(bootstrap, prefix, partitions)
    producer = make_producer(bootstrap, "province-sim")
    await producer.start()
    out = Totals()
    pending: deque[asyncio.Future[object]] = deque()
    started = time.perf_counter()
    try:
        for event in events:
            raw = event.to_bytes()
            out.add(event, raw)
            pending.append(
                await producer.send(
                    prefix + registry.topic_for(event.event_type),
                    value=raw,
                    key=event.partition_key.encode(),
                    headers=event.kafka_headers(),
                )
            )
            if len(pending) >= window:
                for _ in range(window // 2):
                    await pending.popleft()
        while pending:
            await pending.popleft()
    finally:
        await producer.stop()
    return Published(out, time.perf_counter() - started)
