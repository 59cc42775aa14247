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
import contextlib
import time
from collections.abc import Callable
from typing import Any, Protocol

import structlog
from aiokafka import AIOKafkaProducer, TopicPartition
from pymongo.asynchronous.database import AsyncDatabase

from shared import metrics
from shared.commands import IllegalStep
from shared.consumer import DeadLetters, Delivery, assign_from, decode, record_lag
from shared.envelope import EventEnvelope
from shared.events import EventPayload, EventRegistry
from shared.kafka import make_consumer
from shared.topics import dead_letter_topic_spec, ensure_topics

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
        bootstrap_servers: str,
        producer: AIOKafkaProducer,
        replication_factor: int = 1,
        topic_prefix: str = "",
        batch_size: int = 200,
    ) -> None:
        self.reactor = reactor
        self._db = db
        self._registry = registry
        self._bootstrap = bootstrap_servers
        self._topics = tuple(topic_prefix + t for t in reactor.topics)
        self._replication_factor = replication_factor
        self._batch_size = batch_size
        self._dead_letters = DeadLetters(producer, f"reactor.{reactor.name}", topic_prefix)
        self._stopping = asyncio.Event()
        self.positions: dict[str, int] = {}

    async def _load_positions(self) -> None:
        stored = await self._db[CHECKPOINTS].find_one({"_id": self.reactor.name})
        self.positions = {
            f"{p['topic']}:{p['partition']}": int(p["offset"])
            for p in (stored or {}).get("positions", [])
        }

    async def _store_positions(self) -> None:
        rows = []
        for key, offset in sorted(self.positions.items()):
            topic, partition = key.rsplit(":", 1)
            rows.append({"topic": topic, "partition": int(partition), "offset": offset})
        await self._db[CHECKPOINTS].update_one(
            {"_id": self.reactor.name}, {"$set": {"positions": rows}}, upsert=True
        )

    async def run(self) -> None:
        await self._load_positions()
        await ensure_topics(
            self._bootstrap,
            [dead_letter_topic_spec(self._dead_letters.topic, self._replication_factor)],
        )
        name = self.reactor.name
        consumer = make_consumer(
            self._bootstrap, group_id=f"reactor.{name}", client_id=f"reactor-{name}"
        )
        await consumer.start()
        try:
            assigned = await assign_from(consumer, self._topics, self.positions)
            while not self._stopping.is_set():
                fetched = await consumer.getmany(timeout_ms=300, max_records=self._batch_size)
                records = [r for batch in fetched.values() for r in batch]
                if records:
                    await self.process([decode(r, self._registry) for r in records])
                    await consumer.commit(
                        {TopicPartition(r.topic, r.partition): r.offset + 1 for r in records}
                    )
                record_lag(consumer, f"reactor.{name}", assigned, self.positions)
        finally:
            await consumer.stop()

    async def stop(self) -> None:
        self._stopping.set()

    async def process(self, deliveries: list[Delivery]) -> None:
        """React to a batch, then store the positions after it (see the module docstring)."""
        started = time.perf_counter()
        moved = False
        for delivery in deliveries:
            if delivery.record.offset < self.positions.get(delivery.position_key, 0):
                continue
            await self._handle(delivery)
            self.positions[delivery.position_key] = delivery.record.offset + 1
            moved = True
        if moved:
            await self._store_positions()
        metrics.HANDLER_SECONDS.labels(f"reactor.{self.reactor.name}").observe(
            time.perf_counter() - started
        )

    async def _handle(self, delivery: Delivery) -> None:
        if delivery.error is not None:
            await self._dead_letters.send(delivery.record, delivery.error)
            return
        assert delivery.envelope is not None and delivery.payload is not None
        if delivery.envelope.event_type not in self.reactor.handles:
            return
        try:
            await self.reactor.react(delivery.envelope, delivery.payload)
        except REFUSED as exc:
            await self._dead_letters.send(
                delivery.record, f"refused: {exc.__class__.__name__}: {exc}"
            )
        else:
            metrics.EVENTS_CONSUMED.labels(f"reactor.{self.reactor.name}", "applied").inc()


class LiveReactor:
    """A reactor's runner for the life of a service, restarted after failures."""

    def __init__(self, make_runner: Callable[[], ReactorRunner]) -> None:
        self._make_runner = make_runner
        self.runner: ReactorRunner = make_runner()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start (or, after :meth:`stop`, start again from the stored positions)."""
        if self._stopped.is_set():
            self._stopped = asyncio.Event()
            self.runner = self._make_runner()
        self._task = asyncio.create_task(self._supervise(), name=f"reactor-{self.name}")

    @property
    def name(self) -> str:
        return self.runner.reactor.name

    async def _supervise(self) -> None:
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                await self.runner.run()
                return
            except Exception:
                log.exception("reactor_failed", reactor=self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=backoff)
            backoff = min(backoff * 2, 30.0)
            self.runner = self._make_runner()

    async def stop(self) -> None:
        self._stopped.set()
        await self.runner.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
