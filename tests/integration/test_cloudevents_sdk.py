"""The official CloudEvents SDK reads every event type we publish through its default,
mode-detecting path (``from_kafka_event``), from the real Kafka (issue 17).

One example of each registered type (:mod:`shared.contracts.examples`) is produced the
way the outbox relay produces it (value, key and headers from the envelope) to its
topic; every message is read back and parsed by the SDK, which must see a structured-
mode event with our attributes and the payload as ``data``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event

import shared.contracts  # noqa: F401  (registers every contract)
from shared.contracts.examples import example
from shared.envelope import Actor, EventEnvelope
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.kafka import make_producer
from shared.topics import ensure_topics, event_topic_spec
from tests.conftest import Infra

WHERE = Jurisdiction(province="510000", city="510700", county="510703", school="s1")
AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def example_event(event_type: str) -> EventEnvelope:
    cls = registry.payload_class(event_type)
    stream = f"ce-{uuid4().hex[:12]}"
    return EventEnvelope(
        event_id=uuid4(),
        event_type=event_type,
        schema_version=cls.schema_version,
        source="/duxue/tests/cloudevents",
        stream_id=stream,
        stream_version=1,
        partition_key=stream,
        occurred_at=AT,
        recorded_at=AT,
        actor=Actor(user_id="tester", role="county_office"),
        jurisdiction=WHERE,
        correlation_id=str(uuid4()),
        causation_id="cause-1",
        payload=example(event_type),
    )


async def publish(infra: Infra, events: list[EventEnvelope]) -> dict[str, str]:
    """Each event to its topic (under a prefix of this test); the topics by event id."""
    prefix = f"{infra.topic_prefix}ce."
    topics = {prefix + t for t in registry.topics()}
    await ensure_topics(infra.kafka, [event_topic_spec(t, 2, 1) for t in sorted(topics)])
    producer = make_producer(infra.kafka, "cloudevents-conformance")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                prefix + registry.topic_for(event.event_type),
                value=event.to_bytes(),
                key=event.partition_key.encode(),
                headers=event.kafka_headers(),
            )
    finally:
        await producer.stop()
    return {str(e.event_id): prefix + registry.topic_for(e.event_type) for e in events}


async def read_back(infra: Infra, topics: set[str], wanted: int) -> list[KafkaMessage]:
    consumer = AIOKafkaConsumer(
        *sorted(topics), bootstrap_servers=infra.kafka, auto_offset_reset="earliest"
    )
    await consumer.start()
    messages: list[KafkaMessage] = []
    try:
        while len(messages) < wanted:
            fetched = await consumer.getmany(timeout_ms=10_000)
            assert fetched, f"only {len(messages)} of {wanted} messages came back"
            for records in fetched.values():
                messages += [
                    KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value) for r in records
                ]
    finally:
        await consumer.stop()
    return messages


async def test_the_sdk_reads_every_event_type_through_from_kafka_event(infra: Infra) -> None:
    events = [example_event(entry["type"]) for entry in registry.catalogue()]
    topics = await publish(infra, events)
    messages = await read_back(infra, set(topics.values()), len(events))

    parsed = {}
    for message in messages:
        cloudevent = from_kafka_event(message)
        parsed[cloudevent.get_id()] = (cloudevent, message)
    assert parsed.keys() == topics.keys()
    for event in events:
        cloudevent, message = parsed[str(event.event_id)]
        expected: dict[str, Any] = event.to_cloudevent()
        assert cloudevent.get_specversion() == "1.0"
        assert cloudevent.get_type() == event.event_type
        assert cloudevent.get_source() == event.source
        assert cloudevent.get_subject() == event.stream_id
        assert cloudevent.get_time() == event.occurred_at
        assert cloudevent.get_dataschema() == expected["dataschema"]
        assert cloudevent.get_datacontenttype() == "application/json"
        assert cloudevent.get_data() == event.payload
        for name in ("streamversion", "partitionkey", "schemaversion", "jurisdiction"):
            assert cloudevent.get_extension(name) == expected[name], name
        assert message.key == event.partition_key.encode()
