"""Kafka topics: names, layout and explicit creation.

Event topics are named ``duxue.<context>.events`` and keep their history forever
(``retention.ms=-1``): read models are rebuilt from them. Messages are keyed by the
envelope's ``partition_key`` (the stream id unless a context chooses a coarser key),
so every stream stays in order on one partition. Brokers run with topic auto-creation
off; services create what they need at start-up with :func:`ensure_topics`.

Dead-letter topics are named ``duxue.dlq.<consumer>``, keep 30 days and carry the
original message with headers that say why it could not be processed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

DIRECTORY = "duxue.directory.events"
VISITS = "duxue.visits.events"
ISSUES = "duxue.issues.events"
NOTIFICATIONS = "duxue.notifications.events"
REPORTING = "duxue.reporting.events"

EVENT_TOPICS: tuple[str, ...] = (DIRECTORY, VISITS, ISSUES, NOTIFICATIONS, REPORTING)

FOREVER = "-1"
DLQ_RETENTION_MS = str(30 * 24 * 3600 * 1000)


def dead_letter_topic(consumer: str) -> str:
    return f"duxue.dlq.{consumer}"


@dataclass(frozen=True)
class TopicSpec:
    """How one topic is laid out."""

    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = field(default_factory=dict)


def event_topic_spec(name: str, partitions: int, replication_factor: int) -> TopicSpec:
    min_isr = "2" if replication_factor >= 3 else "1"
    return TopicSpec(
        name,
        partitions,
        replication_factor,
        {
            "retention.ms": FOREVER,
            "retention.bytes": "-1",
            "cleanup.policy": "delete",
            "min.insync.replicas": min_isr,
        },
    )


def dead_letter_topic_spec(topic: str, replication_factor: int) -> TopicSpec:
    return TopicSpec(topic, 1, replication_factor, {"retention.ms": DLQ_RETENTION_MS})


async def ensure_topics(bootstrap_servers: str, specs: list[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        # another service may create one between our list and our create
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(
                [
                    NewTopic(
                        name=s.name,
                        num_partitions=s.partitions,
                        replication_factor=s.replication_factor,
                        topic_configs=s.config,
                    )
                    for s in missing
                ]
            )
        return [s.name for s in missing]
    finally:
        await admin.close()
