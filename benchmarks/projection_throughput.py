"""Projection helper throughput on the real Kafka broker and MongoDB-wire server.

``make bench`` (or ``python -m benchmarks.projection_throughput --events 50000``):
publishes N school-registered events over ~180 counties to a fresh topic, then folds
them with the reporting service's ``school_counts`` projection from offset 0 (a
rebuild) and prints events/s and peak memory. Everything it creates is dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import time
from uuid import uuid4

from aiokafka.admin import AIOKafkaAdminClient

import shared.contracts  # noqa: F401
from services.reporting.school_counts import SchoolCounts
from shared.contracts.directory import SchoolKind, SchoolRegistered
from shared.envelope import Actor, EventEnvelope
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.kafka import make_producer
from shared.projection import ProjectionRunner
from shared.runtime import mongo_client, utcnow
from shared.topics import DIRECTORY, ensure_topics, event_topic_spec

KINDS = list(SchoolKind)


def event(i: int) -> EventEnvelope:
    city = f"51{(i % 20) + 1:02d}00"
    county = f"51{(i % 20) + 1:02d}{(i % 9) + 1:02d}"
    school_id = f"b{i}"
    now = utcnow()
    payload = SchoolRegistered(
        school_id=school_id,
        name=f"学校{i}",
        kind=KINDS[i % len(KINDS)],
        province="510000",
        city=city,
        county=county,
        zone_id=None,
        address="地址",
        city_direct=False,
        principal_name=None,
        location=None,
    )
    return EventEnvelope(
        event_id=uuid4(),
        event_type=payload.event_type,
        schema_version=1,
        source="/duxue/bench",
        stream_id=f"school-{school_id}",
        stream_version=1,
        partition_key=f"school-{school_id}",
        occurred_at=now,
        recorded_at=now,
        actor=Actor(user_id="bench", role="county_office"),
        jurisdiction=Jurisdiction(province="510000", city=city, county=county, school=school_id),
        correlation_id="bench",
        payload=payload.model_dump(mode="json"),
    )


async def main(events: int, batch: int) -> None:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo_uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    prefix = f"bench{uuid4().hex[:6]}."
    await ensure_topics(kafka, [event_topic_spec(prefix + DIRECTORY, 6, 1)])
    producer = make_producer(kafka, "bench")
    await producer.start()
    started = time.perf_counter()
    futures = [
        await producer.send(prefix + DIRECTORY, e.to_bytes(), key=e.partition_key.encode())
        for e in map(event, range(events))
    ]
    await asyncio.gather(*futures)
    produced = time.perf_counter() - started

    client = mongo_client(mongo_uri)
    db = client[f"bench_{uuid4().hex[:6]}"]
    runner = ProjectionRunner(
        SchoolCounts(),
        db,
        registry,
        kafka,
        producer,
        generation=1,
        batch_size=batch,
        topic_prefix=prefix,
    )
    started = time.perf_counter()
    await runner.run(until_end=True)
    folded = time.perf_counter() - started
    units = await db["rm_school_counts_g1_units"].count_documents({})
    total = sum([u["schools"] async for u in db["rm_school_counts_g1_units"].find()])
    assert total == events, f"counted {total} of {events}"

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"events: {events}, batch size: {batch}, counties: {units}")
    print(f"produce: {events / produced:,.0f} events/s")
    print(
        f"projection (school_counts, from offset 0): {events / folded:,.0f} events/s "
        f"({folded:.1f} s)"
    )
    print(f"peak RSS: {peak_mb:.0f} MiB")

    await client.drop_database(db.name)
    await client.close()
    await producer.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    await admin.delete_topics([prefix + DIRECTORY, f"{prefix}duxue.dlq.projection.school_counts"])
    await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=5_000)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.batch))
