"""What every Kafka consumer of the platform shares: one consumer configuration, one
partition loop, one supervisor, dead letters and lag.

Projections (:mod:`shared.projection`) and reactors (:mod:`shared.reactor`) are both a
:class:`PartitionHandler` driven by :func:`consume`:

1. ``start()`` recovers the handler's stored positions (``"<topic>:<partition>"`` → next
   offset); every partition of its topics is assigned manually and sought there, or to
   the beginning when nothing is stored;
2. each fetched batch goes to ``handle()``; after every poll, ``tick()`` lets the
   handler store its work (a projection flushes per interval or per N events) and
   returns the positions it has stored, which are then committed to Kafka too — for
   lag dashboards only, the stored positions rule;
3. a clean stop (or, with ``until_end``, reaching the log's end) calls ``finish()``.

:class:`Supervisor` runs a runner for the life of a service; after a failure (Kafka or
MongoDB away) it starts a fresh one from the stored positions with growing pauses.

A message that cannot be decoded, whose type is unknown, or whose handler fails is
never skipped silently: it goes to the consumer's dead-letter topic with the reason in
its headers, the ``duxue_dead_letters_total`` metric counts it, and only then is its
position stored.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from shared import metrics, topics
from shared.decoding import Delivery, decode
from shared.kafka import make_consumer
from shared.settings import ServiceSettings

__all__ = ["ConsumerConfig", "DeadLetters", "Delivery", "Supervisor", "consume", "decode"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ConsumerConfig:
    """Where and how every consumer of a service reads (the one place for it)."""

    bootstrap_servers: str
    topic_prefix: str = ""
    replication_factor: int = 1
    max_records: int = 5000
    poll_ms: int = 200

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> ConsumerConfig:
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic_prefix=settings.kafka_topic_prefix,
            replication_factor=settings.kafka_replication_factor,
        )

    def group_id(self, name: str) -> str:
        """The Kafka consumer group of ``name`` (``projection.<name>.g<n>``, ``reactor.<name>``,
        ``rebuild.<name>``): the topic prefix goes in front, so that deployments or test
        sessions sharing one Kafka with different prefixes never share a group or its
        committed offsets."""
        return self.topic_prefix + name


class DeadLetters:
    """Sends failed messages to ``duxue.dlq.<consumer>`` and waits for Kafka's ack."""

    def __init__(self, producer: AIOKafkaProducer, consumer: str, topic_prefix: str = "") -> None:
        self._producer = producer
        self.consumer = consumer
        self.topic = topic_prefix + topics.dead_letter_topic(consumer)

    async def send(self, record: ConsumerRecord, reason: str) -> None:
        kind = reason.split(":", 1)[0]
        headers = [
            *list(record.headers or ()),
            ("dlq-reason", reason[:2000].encode()),
            ("dlq-consumer", self.consumer.encode()),
            ("dlq-source", f"{record.topic}:{record.partition}:{record.offset}".encode()),
        ]
        await self._producer.send_and_wait(
            self.topic, value=record.value, key=record.key, headers=headers
        )
        metrics.DEAD_LETTERS.labels(self.consumer, kind).inc()
        log.warning(
            "dead_lettered",
            consumer=self.consumer,
            reason=reason[:500],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )


class PartitionHandler(Protocol):
    """What :func:`consume` drives: a projection runner or a reactor runner."""

    consumer_name: str
    """``projection.<name>`` or ``reactor.<name>``: metrics and dead letters."""
    group_id: str
    """The Kafka group its stored positions are committed to (for lag dashboards)."""
    topics: tuple[str, ...]
    """Full topic names (with the prefix)."""
    dead_letters: DeadLetters

    async def start(self) -> dict[str, int]: ...

    async def handle(self, records: list[ConsumerRecord]) -> None: ...

    async def tick(self) -> dict[str, int] | None: ...

    async def finish(self) -> dict[str, int]: ...


async def consume(
    handler: PartitionHandler,
    config: ConsumerConfig,
    stopping: asyncio.Event,
    until_end: bool = False,
    end_offsets: Mapping[str, int] | None = None,
) -> None:
    """The partition loop (see the module docstring); ``end_offsets``
    (``"<topic>:<partition>"`` → offset) stops it there instead of at the log's end."""
    positions = await handler.start()
    spec = topics.dead_letter_topic_spec(handler.dead_letters.topic, config.replication_factor)
    await topics.ensure_topics(config.bootstrap_servers, [spec])
    consumer = make_consumer(
        config.bootstrap_servers,
        group_id=handler.group_id,
        client_id=handler.consumer_name.replace(".", "-"),
    )
    await consumer.start()
    try:
        assigned = await assign_from(consumer, handler.topics, positions)
        end: dict[TopicPartition, int] | None = None
        if end_offsets is not None:
            end = {tp: end_offsets.get(f"{tp.topic}:{tp.partition}", 0) for tp in assigned}
        elif until_end:
            end = await consumer.end_offsets(assigned)
        while not stopping.is_set():
            if end is not None and await _reached(consumer, end):
                break
            fetched = await consumer.getmany(
                timeout_ms=config.poll_ms, max_records=config.max_records
            )
            records = [r for batch in fetched.values() for r in batch]
            if records:
                await handler.handle(records)
            stored = await handler.tick()
            if stored is not None:
                await _commit(consumer, stored, assigned)
                positions = stored
            record_lag(consumer, handler.consumer_name, assigned, positions)
        await _commit(consumer, await handler.finish(), assigned)
    finally:
        await consumer.stop()


async def _reached(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return False
    return True


async def _commit(
    consumer: AIOKafkaConsumer, positions: dict[str, int], assigned: list[TopicPartition]
) -> None:
    """Mirror the stored positions of the assigned partitions to the Kafka group.

    The stored positions may name partitions this loop does not read: a topic the handler
    no longer subscribes to, or one of another topic prefix on the same database. Kafka
    refuses a commit for an unassigned partition, which used to crash the loop at every
    tick — a restart loop that reloaded the working set each time.
    """
    mine = set(assigned)
    offsets = {}
    for key, offset in positions.items():
        topic, partition = key.rsplit(":", 1)
        tp = TopicPartition(topic, int(partition))
        if tp in mine:
            offsets[tp] = offset
    if offsets:
        await consumer.commit(offsets)


async def all_partitions(
    consumer: AIOKafkaConsumer, topic_names: tuple[str, ...], wait_seconds: float = 20
) -> list[TopicPartition]:
    """Every partition of the given topics (they must exist: nothing is auto-created).

    A topic created a moment ago may take a little while to show in the metadata.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        metadata = await consumer._client.fetch_all_metadata()
        found = {name: metadata.partitions_for_topic(name) for name in topic_names}
        missing = [name for name, partitions in found.items() if not partitions]
        if not missing:
            return [
                TopicPartition(name, p)
                for name, partitions in found.items()
                for p in sorted(partitions or ())
            ]
        if loop.time() > deadline:
            raise RuntimeError(f"topics do not exist: {', '.join(missing)}")
        await asyncio.sleep(0.5)


async def assign_from(
    consumer: AIOKafkaConsumer, topic_names: tuple[str, ...], positions: dict[str, int]
) -> list[TopicPartition]:
    """Assign every partition of the topics, each at its stored position
    (``"<topic>:<partition>"`` → next offset), or at the beginning when none is stored."""
    assigned = await all_partitions(consumer, topic_names)
    consumer.assign(assigned)
    for tp in assigned:
        key = f"{tp.topic}:{tp.partition}"
        if key in positions:
            consumer.seek(tp, positions[key])
        else:
            await consumer.seek_to_beginning(tp)
    return assigned


def record_lag(
    consumer: AIOKafkaConsumer,
    name: str,
    assigned: list[TopicPartition],
    positions: dict[str, int],
) -> None:
    """Set ``duxue_consumer_lag_messages`` from the last fetch's high water marks and
    the positions the consumer has stored."""
    for tp in assigned:
        high = consumer.highwater(tp)
        if high is not None:
            done = positions.get(f"{tp.topic}:{tp.partition}", 0)
            metrics.CONSUMER_LAG.labels(name, tp.topic, str(tp.partition)).set(high - done)


class Runner(Protocol):
    async def run(self) -> None: ...

    async def stop(self) -> None: ...


R = TypeVar("R", bound=Runner)


class Supervisor(Generic[R]):
    """Runs a consumer for the life of a service, restarted after failures.

    ``make_runner`` builds a fresh runner (which recovers from the stored positions);
    after a failure the supervisor waits 0.5 s, 1 s, 2 s … (at most 30 s) and tries a new
    one, until :meth:`stop`.
    """

    def __init__(self, name: str, make_runner: Callable[[], R]) -> None:
        self.name = name
        self._make_runner = make_runner
        self.runner: R = make_runner()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start (or, after :meth:`stop`, start again from the stored positions)."""
        if self._stopped.is_set():
            self._stopped = asyncio.Event()
            self.runner = self._make_runner()
        self._task = asyncio.create_task(self._supervise(), name=self.name)

    async def _supervise(self) -> None:
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                await self.runner.run()
                return  # stopped on request
            except Exception:
                log.exception("consumer_failed", consumer=self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=backoff)
            backoff = min(backoff * 2, 30.0)
            self.runner = self._make_runner()

    async def stop(self) -> None:
        self._stopped.set()
        await self.runner.stop()
        if self._task is not None:
            try:
                await asyncio.shield(self._task)
            except asyncio.CancelledError:
                self._task.cancel()  # the caller gave up waiting: stop the loop now
                if not self._task.done():
                    raise
            except Exception:
                pass  # a crash of the last run is logged by the loop itself
