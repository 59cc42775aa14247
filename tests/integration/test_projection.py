"""The projection kernel against the real MongoDB-wire server (and Kafka for dead letters).

Property: whatever the batching, duplicated deliveries (the outbox relay re-sending),
the working-set size (evictions, loads by ``_id``), the redo record's form and crashes
at any write step, the stored read model equals the plain fold of the unique events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo.asynchronous.database import AsyncDatabase

import shared.contracts  # noqa: F401
from services.reporting.school_counts import SchoolCounts
from shared.consumer import ConsumerConfig, Delivery, decode
from shared.contracts.directory import SchoolDetailsCorrected, SchoolKind, SchoolRegistered
from shared.envelope import EventEnvelope
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.kafka import make_producer
from shared.projection import DocRef, ProjectionRunner, Tuning, collection_name
from shared.runtime import mongo_client
from shared.topics import dead_letter_topic_spec, ensure_topics, event_topic_spec
from tests.conftest import Infra
from tests.factories import envelope
from tests.fakes import fold_projection

TOPIC = "duxue.directory.events"
NO_KAFKA = ConsumerConfig(bootstrap_servers="")


class Crash(Exception):
    pass


@pytest.fixture
async def producer(infra: Infra) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(infra.kafka, "test")
    await p.start()
    yield p
    await p.stop()


def school_event(i: int, county: str, kind: str) -> EventEnvelope:
    where = Jurisdiction(province="510000", city="510700", county=county, school=f"s{i}")
    payload = SchoolRegistered(
        school_id=f"s{i}",
        name=f"学校{i}",
        kind=SchoolKind(kind),
        province="510000",
        city="510700",
        county=county,
        zone_id=None,
        address="地址",
        city_direct=False,
        principal_name=None,
        location=None,
    )
    return envelope(payload, f"school-s{i}", 1, where)


def correction_event(i: int, county: str, kind: str) -> EventEnvelope:
    where = Jurisdiction(province="510000", city="510700", county=county, school=f"s{i}")
    payload = SchoolDetailsCorrected(school_id=f"s{i}", kind=SchoolKind(kind), reason="改制")
    return envelope(payload, f"school-s{i}", 2, where)


def record(event: EventEnvelope | bytes, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = event if isinstance(event, bytes) else event.to_bytes()
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 1, len(value), [])


def reference(events: list[EventEnvelope]) -> dict[DocRef, dict[str, Any]]:
    """The read model by plain in-memory fold of each unique event once."""
    seen, firsts = set(), []  # each event once, as first delivered
    for e in events:
        if e.event_id not in seen:
            seen.add(e.event_id)
            firsts.append(e)
    docs = fold_projection(SchoolCounts(), ((e, registry.parse(e)) for e in firsts))
    return {ref: {**doc, "_id": ref.id} for ref, doc in docs.items() if doc is not None}


async def stored(db: AsyncDatabase[dict[str, Any]], name: str) -> dict[DocRef, dict[str, Any]]:
    out = {}
    for coll in SchoolCounts.collections:
        async for doc in db[collection_name(name, 1, coll)].find():
            out[DocRef(coll, str(doc["_id"]))] = doc
    return out


class Named(SchoolCounts):
    def __init__(self, name: str) -> None:
        self.name = name


@st.composite
def logs(
    draw: st.DrawFn,
) -> tuple[list[EventEnvelope], list[int], list[int | None], Tuning]:
    """Events (with later re-sends of some), batch sizes, crash points per batch, and
    the kernel's sizes (small working sets evict; a zero inline limit chunks the redo)."""
    n = draw(st.integers(1, 25))
    originals: list[EventEnvelope] = []
    for i in range(n):
        county = draw(st.sampled_from(["510703", "510704", "510705"]))
        kind = draw(st.sampled_from(["primary", "junior", "kindergarten"]))
        originals.append(school_event(i, county, kind))
        if draw(st.booleans()):
            originals.append(
                correction_event(i, county, draw(st.sampled_from(["senior", "primary"])))
            )
    log: list[EventEnvelope] = []
    for event in originals:
        log.append(event)
        if draw(st.integers(0, 4)) == 0:
            log.append(draw(st.sampled_from(log)))  # the relay sent an earlier event again
    sizes = draw(st.lists(st.integers(1, 8), min_size=1, max_size=10))
    crashes = draw(st.lists(st.none() | st.integers(0, 3), min_size=len(sizes), max_size=20))
    tuning = Tuning(
        cache_docs=draw(st.sampled_from([2, 5, 1000])),
        mark_buckets=draw(st.sampled_from([1, 3])),
        write_chunk=draw(st.sampled_from([1, 2, 50])),
        inline_redo_bytes=draw(st.sampled_from([0, 1 << 20])),
    )
    return log, sizes, crashes, tuning


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=logs())
def test_read_model_is_exact_under_duplicates_batching_and_crashes(
    infra: Infra, case: tuple[list[EventEnvelope], list[int], list[int | None], Tuning]
) -> None:
    asyncio.run(_replay_with_crashes(infra, *case))


async def _replay_with_crashes(
    infra: Infra,
    log: list[EventEnvelope],
    sizes: list[int],
    crashes: list[int | None],
    tuning: Tuning,
) -> None:
    client = mongo_client(infra.mongodb_uri)
    name = f"p{uuid4().hex[:8]}"
    db = client[f"t_prop_{name}"]
    producer = make_producer(infra.kafka, "prop")
    await producer.start()
    deliveries = [decode(record(e, i), registry) for i, e in enumerate(log)]

    def runner() -> ProjectionRunner:
        return ProjectionRunner(Named(name), db, registry, NO_KAFKA, producer, 1, tuning)

    try:
        current = runner()
        await current.recover()
        step, just_crashed = 0, False
        while (start := current.positions.get(f"{TOPIC}:0", 0)) < len(deliveries):
            size, crash = sizes[step % len(sizes)], crashes[step % len(crashes)]
            step += 1
            if crash is None or just_crashed:  # a restarted process gets one clean try
                await current.process(deliveries[start : start + size])
                just_crashed = False
                continue
            just_crashed = True
            _arm_crash(current, crash)
            with pytest.raises(Crash):
                await current.process(deliveries[start : start + size])
            current = runner()  # a new process after the crash
            await current.recover()
        assert await stored(db, name) == reference(log)
    finally:
        await client.drop_database(db.name)
        await client.close()
        await producer.stop()


def _arm_crash(runner: ProjectionRunner, point: int) -> None:
    """Make the next flush die: before its redo record commits (0), after it (1), half-way
    through a chunk of document writes (2), or after the documents, before the positions (3).
    """
    if point == 0:

        async def begin(*args: Any) -> dict[str, Any]:
            raise Crash()

        runner._begin = begin  # type: ignore[method-assign,assignment]
    elif point == 2:
        store, write = runner._store, runner._write_documents
        real = store.coll
        store.coll = lambda name: DiesMidChunk(real(name))  # type: ignore[method-assign,assignment,return-value]

        async def nothing_to_write(writes: list[Any]) -> None:
            await write(writes)
            raise Crash()  # a flush of positions only dies before them

        runner._write_documents = nothing_to_write  # type: ignore[method-assign]
    else:
        write = runner._write_documents

        async def documents(writes: list[Any]) -> None:
            if point == 3:
                await write(writes)
            raise Crash()

        runner._write_documents = documents  # type: ignore[method-assign]


class DiesMidChunk:
    """A collection whose first write of several documents stores half of them, then kills
    the process (single-document writes pass)."""

    def __init__(self, coll: Any) -> None:
        self._coll = coll

    def __getattr__(self, name: str) -> Any:  # reads pass through
        return getattr(self._coll, name)

    async def insert_many(self, docs: list[dict[str, Any]], ordered: bool = True) -> None:
        await self._coll.insert_many(docs[: max(1, len(docs) // 2)], ordered=ordered)
        if len(docs) > 1:
            raise Crash()

    async def bulk_write(self, requests: list[Any], ordered: bool = True) -> None:
        await self._coll.bulk_write(requests[: max(1, len(requests) // 2)], ordered=ordered)
        if len(requests) > 1:
            raise Crash()


async def test_undecodable_and_unknown_events_go_to_the_dead_letter_topic(
    db: AsyncDatabase[dict[str, Any]], producer: AIOKafkaProducer, infra: Infra
) -> None:
    name = f"p{uuid4().hex[:8]}"
    prefix = f"{infra.topic_prefix}{name}."
    config = ConsumerConfig(bootstrap_servers=infra.kafka, topic_prefix=prefix)
    runner = ProjectionRunner(Named(name), db, registry, config, producer, generation=1)
    await runner.recover()
    await ensure_topics(infra.kafka, [dead_letter_topic_spec(runner.dead_letters.topic, 1)])
    good = school_event(1, "510704", "primary")
    unknown = good.model_copy(update={"event_type": "cn.duxue.nope", "event_id": uuid4()})
    batch = [record(b"{broken", 0), record(unknown, 1), record(good, 2)]
    await runner.process([decode(r, registry) for r in batch])

    assert (await stored(db, name)).keys() == reference([good]).keys()
    consumer = AIOKafkaConsumer(
        runner.dead_letters.topic, bootstrap_servers=infra.kafka, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        fetched = await consumer.getmany(timeout_ms=10_000, max_records=10)
        parked = [r for rs in fetched.values() for r in rs]
    finally:
        await consumer.stop()
    reasons = sorted(dict(r.headers)["dlq-reason"].decode().split(":")[0] for r in parked)
    assert reasons == ["undecodable", "unknown_type"]
    assert runner.positions == {f"{TOPIC}:0": 3}


async def test_positions_and_redo_survive_a_restart(
    db: AsyncDatabase[dict[str, Any]], producer: AIOKafkaProducer
) -> None:
    name = f"p{uuid4().hex[:8]}"
    events = [school_event(i, "510704", "primary") for i in range(3)]
    deliveries: list[Delivery] = [decode(record(e, i), registry) for i, e in enumerate(events)]
    first = ProjectionRunner(Named(name), db, registry, NO_KAFKA, producer, generation=1)
    await first.recover()
    _arm_crash(first, 1)
    with pytest.raises(Crash):
        await first.process(deliveries)
    second = ProjectionRunner(Named(name), db, registry, NO_KAFKA, producer, generation=1)
    await second.recover()  # finishes the batch from its redo record
    assert second.positions == {f"{TOPIC}:0": 3}
    assert await stored(db, name) == reference(events)


async def test_a_batch_rewriting_many_existing_documents_completes(
    db: AsyncDatabase[dict[str, Any]], producer: AIOKafkaProducer
) -> None:
    """FerretDB 1.24 stalls on one update command of 100+ upserts: writes are chunked."""
    name = f"p{uuid4().hex[:8]}"
    counties = [f"{510000 + i}" for i in range(150)]
    first = [school_event(i, c, "primary") for i, c in enumerate(counties)]
    second = [correction_event(i, c, "junior") for i, c in enumerate(counties)]
    runner = ProjectionRunner(Named(name), db, registry, NO_KAFKA, producer, generation=1)
    await runner.recover()
    log = first + second
    deliveries = [decode(record(e, i), registry) for i, e in enumerate(log)]
    await asyncio.wait_for(runner.process(deliveries[:150]), timeout=60)
    await asyncio.wait_for(runner.process(deliveries[150:]), timeout=60)
    assert await stored(db, name) == reference(log)


async def test_a_runner_killed_half_way_through_a_flush_recovers_to_the_plain_fold(
    db: AsyncDatabase[dict[str, Any]], producer: AIOKafkaProducer
) -> None:
    """The process dies inside a chunk of replacements; a fresh runner finishes the flush
    from its redo record, then drops the consumer's redeliveries and the outbox's re-sends."""
    name = f"p{uuid4().hex[:8]}"
    counties = [f"{520000 + i}" for i in range(120)]
    first = [school_event(i, c, "primary") for i, c in enumerate(counties)]
    second = [correction_event(i, c, "junior") for i, c in enumerate(counties)]
    resent = first[:30]  # the relay sent these again after a crash of its own
    log = first + second + resent
    deliveries = [decode(record(e, i), registry) for i, e in enumerate(log)]
    tuning = Tuning(inline_redo_bytes=0, mark_buckets=1)  # a chunked redo record

    dying = ProjectionRunner(Named(name), db, registry, NO_KAFKA, producer, 1, tuning)
    await dying.recover()
    await dying.process(deliveries[:120])
    _arm_crash(dying, 2)
    with pytest.raises(Crash):
        await dying.process(deliveries[120:240])
    half_done = await stored(db, name)
    assert half_done != reference(log[:120]) and half_done != reference(log[:240])

    fresh = ProjectionRunner(Named(name), db, registry, NO_KAFKA, producer, 1, tuning)
    await fresh.recover()
    assert fresh.positions == {f"{TOPIC}:0": 240}
    await fresh.process(deliveries)  # the consumer delivers everything again, and more
    assert fresh.positions == {f"{TOPIC}:0": len(log)}
    assert await stored(db, name) == reference(log)


async def test_positions_of_topics_it_does_not_read_do_not_stop_the_loop(
    db: AsyncDatabase[dict[str, Any]], producer: AIOKafkaProducer, infra: Infra
) -> None:
    """The stored positions name partitions of another topic prefix (a runner of the
    same projection read those before, on the same database): Kafka refuses to commit
    offsets of unassigned partitions, which crashed the loop at every tick."""
    name = f"p{uuid4().hex[:8]}"
    events = [school_event(i, "510704", "primary") for i in range(4)]
    seen: list[dict[str, int]] = []
    for prefix in (f"{infra.topic_prefix}{name}a.", f"{infra.topic_prefix}{name}b."):
        topic = prefix + TOPIC
        await ensure_topics(infra.kafka, [event_topic_spec(topic, 1, 1)])
        half = events[:2] if prefix.endswith("a.") else events[2:]
        for event in half:
            await producer.send_and_wait(topic, event.to_bytes(), key=b"k")
        config = ConsumerConfig(bootstrap_servers=infra.kafka, topic_prefix=prefix)
        runner = ProjectionRunner(Named(name), db, registry, config, producer, generation=1)
        await asyncio.wait_for(runner.run(until_end=True), timeout=60)
        seen.append(dict(runner.stored_positions))
    first, second = seen
    assert first == {f"{infra.topic_prefix}{name}a.{TOPIC}:0": 2}
    assert second == {**first, f"{infra.topic_prefix}{name}b.{TOPIC}:0": 2}
    assert await stored(db, name) == reference(events)
