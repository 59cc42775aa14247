"""Consumer groups carry the topic prefix: two deployments (or test sessions) on one Kafka
with different prefixes run the same projection in groups of their own, with offsets of
their own, against the real Kafka and MongoDB-wire server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo.asynchronous.database import AsyncDatabase

import shared.contracts  # noqa: F401
from services.reporting.school_counts import SchoolCounts
from shared.consumer import ConsumerConfig, consume
from shared.events import registry
from shared.kafka import make_producer
from shared.projection import ProjectionRunner
from shared.reactor import ReactorRunner
from shared.topics import ensure_topics, event_topic_spec
from tests.conftest import Infra
from tests.integration.test_projection import TOPIC, school_event


class Named(SchoolCounts):
    def __init__(self, name: str) -> None:
        self.name = name


@pytest.fixture
async def producer(infra: Infra) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(infra.kafka, "test")
    await p.start()
    yield p
    await p.stop()


def test_the_group_id_is_derived_from_the_prefix_in_one_place() -> None:
    config = ConsumerConfig(bootstrap_servers="", topic_prefix="a.")
    assert config.group_id("projection.x.g1") == "a.projection.x.g1"
    assert ConsumerConfig(bootstrap_servers="").group_id("reactor.y") == "reactor.y"


async def _committed(admin: AIOKafkaAdminClient, group: str) -> dict[str, int]:
    offsets = await admin.list_consumer_group_offsets(group)
    return {f"{tp.topic}:{tp.partition}": meta.offset for tp, meta in offsets.items()}


async def test_two_prefixes_run_the_same_projection_in_independent_groups(
    db: AsyncDatabase[dict[str, Any]], producer: AIOKafkaProducer, infra: Infra
) -> None:
    name = f"p{uuid4().hex[:8]}"
    base = f"{infra.topic_prefix}{name}"
    configs = [
        ConsumerConfig(bootstrap_servers=infra.kafka, topic_prefix=f"{base}a."),
        ConsumerConfig(bootstrap_servers=infra.kafka, topic_prefix=f"{base}b."),
    ]
    published = {configs[0].topic_prefix: 3, configs[1].topic_prefix: 1}
    for config in configs:
        topic = config.topic_prefix + TOPIC
        await ensure_topics(infra.kafka, [event_topic_spec(topic, 1, 1)])
        for i in range(published[config.topic_prefix]):
            event = school_event(i, "510704", "primary")
            await producer.send_and_wait(topic, event.to_bytes(), key=b"k")

    runners = []
    for n, config in enumerate(configs):
        # one database each: the two deployments share only Kafka
        runner = ProjectionRunner(
            Named(name), db.client[f"{db.name}_{n}"], registry, config, producer, generation=1
        )
        await asyncio.wait_for(consume(runner, config, asyncio.Event(), until_end=True), 60)
        runners.append(runner)

    groups = [r.group_id for r in runners]
    assert groups == [f"{c.topic_prefix}projection.{name}.g1" for c in configs]
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    try:
        for config, group in zip(configs, groups, strict=True):
            topic = config.topic_prefix + TOPIC
            assert await _committed(admin, group) == {f"{topic}:0": published[config.topic_prefix]}
    finally:
        await admin.close()
        for n in range(len(configs)):
            await db.client.drop_database(f"{db.name}_{n}")


def test_a_reactor_group_carries_the_prefix() -> None:
    class Opener:
        name = "opener"
        topics = (TOPIC,)

    config = ConsumerConfig(bootstrap_servers="", topic_prefix="a.")
    runner = ReactorRunner(Opener(), None, registry, config, None)  # type: ignore[arg-type]
    assert (runner.consumer_name, runner.group_id) == ("reactor.opener", "a.reactor.opener")
