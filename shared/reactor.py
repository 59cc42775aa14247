"""Reactors (process managers): consumers that turn events of one context into commands
of another, e.g. an acknowledged feedback list into rectification issues.

A :class:`Reactor` handles one event at a time with :meth:`Reactor.react`, which must be
idempotent: its commands use ids derived from the event, so a second delivery finds
its effect already stored and does nothing. The :class:`ReactorRunner`:

1. reads its topics with manually assigned partitions, from the positions stored in
   MongoDB (``reactor_checkpoints``), or from the beginning the first time;
2. awaits ``react`` for each event, in log order per partition;
3. stores the new positions only after every effect of the batch is stored, then
   commits the Kafka offsets too (for lag dashboards: the stored positions rule).

A crash between 2 and 3 means the batch is read again, and the idempotent commands
make that harmless. A message that cannot be decoded, or whose reaction is refused by
the domain (:class:`~shared.commands.IllegalStep`, ``ValueError``), goes to the dead-letter
topic with the reason; infrastructure errors instead stop the runner, which the runtime
restarts from the stored positions with growing pauses. Nothing is skipped silently.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord
from pymongo.asynchronous.database import AsyncDatabase

from shared import metrics
from shared.commands import IllegalStep
from shared.consumer import ConsumerConfig, DeadLetters, Supervisor, consume
from shared.decoding import Delivery, decode
from shared.envelope import EventEnvelope
from shared.events import EventPayload, EventRegistry

log = structlog.get_logger(__name__)

CHECKPOINTS = "reactor_checkpoints"
REFUSED = (IllegalStep, ValueError, LookupError)
"""Exceptions that mean "this event can never be handled": dead-lettered, not retried."""


class Reactor(Protocol):
    name: str
    topics: tuple[str, ...]
    handles: frozenset[str]

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None: ...


class ReactorRunner:
    """Feeds one reactor its events, at least once, in order, recording positions."""

    def __init__(
        self,
        reactor: Reactor,
        db: AsyncDatabase[dict[str, Any]],
        registry: EventRegistry,
        config: ConsumerConfig,
        producer: AIOKafkaProducer,
    ) -> None:
        self.reactor = reactor
        self.consumer_name = f"reactor.{reactor.name}"
        self.group_id = config.group_id(self.consumer_name)
        self.topics = tuple(config.topic_prefix + t for t in reactor.topics)
        self.dead_letters = DeadLetters(producer, self.consumer_name, config.topic_prefix)
        self._db = db
        self._registry = registry
        self._config = config
        self._stopping = asyncio.Event()
        self.positions: dict[str, int] = {}
        self._ticked: dict[str, int] = {}

    async def run(self) -> None:
        await consume(self, self._config, self._stopping)

    async def stop(self) -> None:
        self._stopping.set()

    # -- the partition loop's handler ---------------------------------------------
    async def start(self) -> dict[str, int]:
        stored = await self._db[CHECKPOINTS].find_one({"_id": self.reactor.name})
        self.positions = {
            f"{p['topic']}:{p['partition']}": int(p["offset"])
            for p in (stored or {}).get("positions", [])
        }
        return dict(self.positions)

    async def handle(self, records: list[ConsumerRecord]) -> None:
        await self.process([decode(r, self._registry) for r in records])

    async def tick(self) -> dict[str, int] | None:
        """The positions (stored after every batch), when they moved since the last tick."""
        if self.positions == self._ticked:
            return None
        self._ticked = dict(self.positions)
        return self._ticked

    async def finish(self) -> dict[str, int]:
        return dict(self.positions)

    async def _store_positions(self) -> None:
        rows = []
        for key, offset in sorted(self.positions.items()):
            topic, partition = key.rsplit(":", 1)
            rows.append({"topic": topic, "partition": int(partition), "offset": offset})
        await self._db[CHECKPOINTS].update_one(
            {"_id": self.reactor.name}, {"$set": {"positions": rows}}, upsert=True
        )

    async def process(self, deliveries: list[Delivery]) -> None:
        """React to a batch, then store the positions after it (see the module docstring)."""
        started = time.perf_counter()
        applied = 0
        moved = False
        for delivery in deliveries:
            if delivery.record.offset < self.positions.get(delivery.position_key, 0):
                continue
            applied += await self._handle(delivery)
            self.positions[delivery.position_key] = delivery.record.offset + 1
            moved = True
        if moved:
            await self._store_positions()
        if applied:
            metrics.EVENTS_CONSUMED.labels(self.consumer_name, "applied").inc(applied)
        metrics.HANDLER_SECONDS.labels(self.consumer_name).observe(time.perf_counter() - started)

    async def _handle(self, delivery: Delivery) -> int:
        if delivery.error is not None:
            await self.dead_letters.send(delivery.record, delivery.error)
            return 0
        assert delivery.envelope is not None and delivery.payload is not None
        if delivery.envelope.event_type not in self.reactor.handles:
            return 0
        try:
            await self.reactor.react(delivery.envelope, delivery.payload)
        except REFUSED as exc:
            await self.dead_letters.send(
                delivery.record, f"refused: {exc.__class__.__name__}: {exc}"
            )
            return 0
        return 1


class LiveReactor(Supervisor[ReactorRunner]):
    """A reactor's runner for the life of a service, restarted after failures."""
