"""The projection kernel's tuning tool, on the real Kafka broker and MongoDB-wire server.

``python -m benchmarks.projection_throughput --events 200000 --projection all``
publishes N events to fresh topics (school registrations over ~180 counties for the
reporting service's ``school_counts``; issue lifecycles — opened, plan, progress,
submitted, verified — for the issues service's ``issues_issues``), then for each
projection measures, in the same run:

* the **ceiling**: consume the topic from offset 0 and decode the handled events
  (the kernel's lean decoder), doing nothing else;
* the **rebuild**: fold from offset 0 into a fresh generation (what a rebuild does);
* the **catch-up**: a live runner (redo records, interval flushes) from offset 0.

It prints events/s and the peak resident memory; ``--profile`` writes a pyinstrument
profile of the rebuild to ``.state/bench/``. Everything it creates is dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from aiokafka.admin import AIOKafkaAdminClient
from pymongo.asynchronous.database import AsyncDatabase

import shared.contracts  # noqa: F401
from services.issues.rectification.view import IssueView
from services.reporting.school_counts import SchoolCounts
from shared.consumer import ConsumerConfig
from shared.contracts.directory import SchoolKind, SchoolRegistered
from shared.contracts.issues import (
    IssueOpened,
    IssueSource,
    IssueVerified,
    PlanStep,
    ProgressReported,
    RectificationPlanSubmitted,
    SubmittedForVerification,
)
from shared.contracts.visits import Severity
from shared.decoding import LeanDecoder
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from shared.kafka import make_consumer, make_producer
from shared.projection import Projection, ProjectionRunner, Tuning, collection_name
from shared.runtime import mongo_client, utcnow
from shared.topics import DIRECTORY, ISSUES, ensure_topics, event_topic_spec

KINDS = list(SchoolKind)
Events = Callable[[int], Iterator[EventEnvelope]]


def _where(i: int) -> Jurisdiction:
    city = f"51{(i % 20) + 1:02d}00"
    county = f"51{(i % 20) + 1:02d}{(i % 9) + 1:02d}"
    return Jurisdiction(province="510000", city=city, county=county, school=f"b{i % 20000}")


def _envelope(
    payload: EventPayload, stream: str, version: int, where: Jurisdiction
) -> EventEnvelope:
    now = utcnow()
    return EventEnvelope(
        event_id=uuid4(),
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        source="/duxue/bench",
        stream_id=stream,
        stream_version=version,
        partition_key=stream,
        occurred_at=now,
        recorded_at=now,
        actor=Actor(user_id="bench", role="county_office"),
        jurisdiction=where,
        correlation_id="bench",
        payload=payload.model_dump(mode="json"),
    )


def school_events(n: int) -> Iterator[EventEnvelope]:
    for i in range(n):
        where = _where(i)
        payload = SchoolRegistered(
            school_id=f"b{i}",
            name=f"学校{i}",
            kind=KINDS[i % len(KINDS)],
            province="510000",
            city=where.city or "",
            county=where.county,
            zone_id=None,
            address="地址",
            city_direct=False,
            principal_name=None,
            location=None,
        )
        yield _envelope(payload, f"school-b{i}", 1, where.model_copy(update={"school": f"b{i}"}))


def issue_events(n: int) -> Iterator[EventEnvelope]:
    """Five events per issue; issues interleaved 500 at a time, as lifecycles overlap."""
    day = date(2026, 9, 1)
    for base in range(0, n // 5, 500):
        ids = range(base, min(base + 500, n // 5))
        steps: list[Callable[[str], EventPayload]] = [
            lambda i: IssueOpened(
                issue_id=i,
                source=IssueSource.visit_finding,
                visit_id="v1",
                finding_id="f1",
                school_id="b1",
                item_code="safety",
                item_title="安全管理",
                description="消防通道堵塞",
                requirement="立即清理",
                severity=Severity.general,
                deadline=day + timedelta(days=30),
                responsible_inspector_id="insp1",
            ),
            lambda i: RectificationPlanSubmitted(
                issue_id=i,
                submitted_by="p1",
                steps=[PlanStep(description="清理", owner="校长", due_on=day)],
                timetable=False,
                revision=1,
            ),
            lambda i: ProgressReported(issue_id=i, reported_by="p1", note="已清理一半"),
            lambda i: SubmittedForVerification(issue_id=i, submitted_by="p1", note="已完成"),
            lambda i: IssueVerified(issue_id=i, verified_by="insp1", note="复查合格"),
        ]
        for version, step in enumerate(steps, start=1):
            for k in ids:
                issue = f"i{k}"
                yield _envelope(step(issue), f"issue-{issue}", version, _where(k))


BENCHES: dict[str, tuple[Callable[[], Projection], str, Events]] = {
    "school_counts": (SchoolCounts, DIRECTORY, school_events),
    "issues": (IssueView, ISSUES, issue_events),
}


async def _publish(kafka: str, topic: str, events: Iterator[EventEnvelope]) -> float:
    producer = make_producer(kafka, "bench")
    await producer.start()
    started, n = time.perf_counter(), 0
    futures = []
    for e in events:
        value, key = e.to_bytes(), e.partition_key.encode()
        futures.append(await producer.send(topic, value, key=key, headers=e.kafka_headers()))
        n += 1
        if len(futures) >= 20_000:
            await asyncio.gather(*futures)
            futures = []
    await asyncio.gather(*futures)
    await producer.stop()
    return n / (time.perf_counter() - started)


async def _ceiling(
    kafka: str, topic: str, handles: frozenset[str], total: int
) -> tuple[float, float]:
    """Consume and decode the handled events from offset 0, doing nothing else."""
    decoder = LeanDecoder(registry, handles)
    consumer = make_consumer(kafka, f"bench-ceiling-{uuid4().hex[:6]}", "bench")
    await consumer.start()
    consumer.subscribe([topic])
    started, cpu, seen = time.perf_counter(), time.process_time(), 0
    try:
        while seen < total:
            fetched = await consumer.getmany(timeout_ms=500, max_records=5000)
            for batch in fetched.values():
                for record in batch:
                    if decoder.wanted(record):
                        decoder.decode(record)
                    seen += 1
    finally:
        await consumer.stop()
    return seen / (time.perf_counter() - started), seen / (time.process_time() - cpu)


async def _fold(
    db: AsyncDatabase[dict[str, Any]],
    projection: Projection,
    config: ConsumerConfig,
    rebuilding: bool,
    tuning: Tuning,
    profile: Path | None,
) -> tuple[float, float]:
    producer = make_producer(config.bootstrap_servers, "bench-dlq")
    await producer.start()
    generation = 2 if rebuilding else 1
    runner = ProjectionRunner(
        projection, db, registry, config, producer, generation, tuning, rebuilding=rebuilding
    )
    profiler = None
    if profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="enabled")
        profiler.start()
    started, cpu = time.perf_counter(), time.process_time()
    await runner.run(until_end=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None and profile is not None:
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        await asyncio.to_thread(profile.write_text, text)
    await producer.stop()
    return elapsed, cpu


async def bench(name: str, events: int, tuning: Tuning, profile: bool) -> None:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo_uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    make_projection, topic, generate = BENCHES[name]
    prefix = f"bench{uuid4().hex[:6]}."
    await ensure_topics(kafka, [event_topic_spec(prefix + topic, 6, 1)])
    produced = await _publish(kafka, prefix + topic, generate(events))
    projection = make_projection()
    ceiling, ceiling_cpu = await _ceiling(kafka, prefix + topic, projection.handles, events)
    client = mongo_client(mongo_uri)
    db = client[f"bench_{uuid4().hex[:6]}"]
    config = ConsumerConfig(bootstrap_servers=kafka, topic_prefix=prefix)
    out = Path(".state/bench")
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    path = out / f"profile-{name}.txt" if profile else None
    rebuilt, rebuilt_cpu = await _fold(db, projection, config, True, tuning, path)
    caught_up, caught_up_cpu = await _fold(db, projection, config, False, tuning, None)
    docs = await db[collection_name(projection.name, 2, projection.collections[0])].count_documents(
        {}
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name}: {events} events, {docs} {projection.collections[0]} documents")
    print(f"  {'':34} {'wall events/s':>14} {'per CPU-second':>15}")
    print(f"  {'produce':34} {produced:>14,.0f}")
    print(f"  {'ceiling (consume + lean decode)':34} {ceiling:>14,.0f} {ceiling_cpu:>15,.0f}")
    for label, wall, cpu in (
        ("rebuild (fresh generation)", rebuilt, rebuilt_cpu),
        ("live runner from offset 0", caught_up, caught_up_cpu),
    ):
        print(f"  {label:34} {events / wall:>14,.0f} {events / cpu:>15,.0f}  ({wall:.1f} s)")
    print(f"  {'peak RSS so far':34} {peak_mb:>14,.0f} MiB")
    if path is not None:
        print(f"  profile of the rebuild: {path}")

    await client.drop_database(db.name)
    await client.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    await admin.delete_topics([prefix + topic, f"{prefix}duxue.dlq.projection.{projection.name}"])
    await admin.close()


async def main(args: argparse.Namespace) -> None:
    tuning = Tuning(
        flush_events=args.flush_events,
        cache_docs=args.cache_docs,
        flush_seconds=args.flush_seconds,
    )
    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
    names = list(BENCHES) if args.projection == "all" else [args.projection]
    for name in names:
        await bench(name, args.events, tuning, args.profile)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--projection", choices=[*BENCHES, "all"], default="all")
    parser.add_argument("--flush-events", type=int, default=Tuning.flush_events)
    parser.add_argument("--flush-seconds", type=float, default=Tuning.flush_seconds)
    parser.add_argument("--cache-docs", type=int, default=Tuning.cache_docs)
    parser.add_argument("--profile", action="store_true")
    asyncio.run(main(parser.parse_args()))
