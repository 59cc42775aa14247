"""Pieces every Kafka consumer of the platform shares: decoding, dead letters, lag.

A message that cannot be decoded, whose type is unknown, or whose handler fails is
never skipped silently: it goes to the consumer's dead-letter topic with the reason in
its headers, the ``duxue_dead_letters_total`` metric counts it, and only then is its
offset committed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from shared import metrics, topics
from shared.envelope import EventEnvelope
from shared.events import EventPayload, EventRegistry, UnknownEventType

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One Kafka message with its decoded event, or the reason it could not be decoded."""

    record: ConsumerRecord
    envelope: EventEnvelope | None
    payload: EventPayload | None
    error: str | None

    @property
    def position_key(self) -> str:
        return f"{self.record.topic}:{self.record.partition}"


def decode(record: ConsumerRecord, registry: EventRegistry) -> Delivery:
    try:
        envelope = EventEnvelope.from_bytes(record.value)
    except ValueError as exc:
        return Delivery(record, None, None, f"undecodable: {exc}")
    try:
        payload = registry.parse(envelope)
    except UnknownEventType as exc:
        return Delivery(record, envelope, None, f"unknown_type: {exc}")
    except ValueError as exc:
        return Delivery(record, envelope, None, f"invalid_payload: {exc}")
    return Delivery(record, envelope, payload, None)


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
