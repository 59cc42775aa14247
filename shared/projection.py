"""Projections: read models folded from the log, in batches, exactly once in effect.

A :class:`Projection` says which documents an event touches (:meth:`~Projection.keys`)
and how it changes them (:meth:`~Projection.apply`, pure, through a :class:`View`).
The :class:`ProjectionRunner` reads its topics from Kafka and, per batch:

1. drops events it has already applied (their ids are in ``<collections>__processed``);
2. loads each touched document once and applies the batch in memory;
3. writes a **redo record** — every changed document, the new event ids and the new
   Kafka positions — into the projection's checkpoint document (one atomic write);
4. writes each changed document once (bulk upserts) and records the event ids;
5. moves the checkpoint's positions forward and clears the redo record;
6. commits the offsets to Kafka too (for lag dashboards only: the checkpoint rules).

A crash anywhere is repaired on start: a redo record left behind is written again
(each write is a full document, so writing twice equals once), then reading resumes at
the checkpoint. No multi-document transaction is needed, so this is correct on the
MongoDB-wire server and on MongoDB alike.

Rebuilds go into a fresh *generation* of collections from offset 0 up to the log's end,
then the projection's ``active_generation`` pointer switches (see :func:`rebuild`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import bson
import structlog
from aiokafka import AIOKafkaProducer, TopicPartition
from pymongo import ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from shared import metrics
from shared.consumer import DeadLetters, Delivery, assign_from, decode, record_lag
from shared.envelope import EventEnvelope
from shared.events import EventPayload, EventRegistry
from shared.kafka import make_consumer
from shared.topics import dead_letter_topic_spec, ensure_topics

log = structlog.get_logger(__name__)

Doc = dict[str, Any]
META = "projection_meta"
CHECKPOINTS = "projection_checkpoints"
MAX_REDO_BYTES = 12 * 1024 * 1024  # below MongoDB's 16 MiB document limit
DUPLICATE_KEY = 11000
WRITE_CHUNK = 50


@dataclass(frozen=True, order=True)
class DocRef:
    """A read-model document: its collection (unprefixed) and its ``_id``."""

    collection: str
    id: str


class View:
    """What :meth:`Projection.apply` sees: the batch's documents, staged per event.

    Documents returned by :meth:`get` are read-only; write with :meth:`put`.
    """

    def __init__(self, docs: dict[DocRef, Doc | None]) -> None:
        self._docs = docs
        self._staged: dict[DocRef, Doc | None] = {}

    def get(self, ref: DocRef) -> Doc | None:
        if ref in self._staged:
            return self._staged[ref]
        if ref not in self._docs:
            raise KeyError(f"{ref} was not declared by keys()")
        return self._docs[ref]

    def put(self, ref: DocRef, doc: Doc) -> None:
        self._staged[ref] = {**doc, "_id": ref.id}

    def delete(self, ref: DocRef) -> None:
        self._staged[ref] = None

    def _commit(self) -> set[DocRef]:
        self._docs.update(self._staged)
        changed = set(self._staged)
        self._staged = {}
        return changed

    def _discard(self) -> None:
        self._staged = {}


class Projection(Protocol):
    """A read model: its name, what it reads, and how events change it."""

    name: str
    topics: tuple[str, ...]
    handles: frozenset[str]
    collections: tuple[str, ...]

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]: ...

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None: ...


class ReadModels:
    """Resolves a projection's collections in its active generation (for queries)."""

    def __init__(self, db: AsyncDatabase[Doc], projection: str) -> None:
        self._db = db
        self._projection = projection

    async def active_generation(self) -> int:
        meta = await self._db[META].find_one({"_id": self._projection})
        return int(meta["active_generation"]) if meta else 1

    async def collection(self, name: str) -> AsyncCollection[Doc]:
        gen = await self.active_generation()
        return self._db[collection_name(self._projection, gen, name)]


def collection_name(projection: str, generation: int, collection: str) -> str:
    return f"rm_{projection}_g{generation}_{collection}"


@dataclass
class _Batch:
    docs: dict[DocRef, Doc | None] = field(default_factory=dict)
    existing: set[DocRef] = field(default_factory=set)
    changed: set[DocRef] = field(default_factory=set)
    processed: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)


class ProjectionRunner:
    """Keeps one generation of one projection up to date with its topics."""

    def __init__(
        self,
        projection: Projection,
        db: AsyncDatabase[Doc],
        registry: EventRegistry,
        bootstrap_servers: str,
        producer: AIOKafkaProducer,
        generation: int,
        batch_size: int = 2000,
        replication_factor: int = 1,
        topic_prefix: str = "",
    ) -> None:
        self.projection = projection
        self._topics = tuple(topic_prefix + t for t in projection.topics)
        self._replication_factor = replication_factor
        self.generation = generation
        self._db = db
        self._registry = registry
        self._bootstrap = bootstrap_servers
        self._batch_size = batch_size
        self._name = projection.name
        self._dead_letters = DeadLetters(producer, f"projection.{projection.name}", topic_prefix)
        self._checkpoint_id = f"{projection.name}:g{generation}"
        self._stopping = asyncio.Event()
        self.positions: dict[str, int] = {}

    def _coll(self, name: str) -> AsyncCollection[Doc]:
        return self._db[collection_name(self._name, self.generation, name)]

    # -- start-up ---------------------------------------------------------------
    async def recover(self) -> None:
        """Finish a batch that a crash interrupted, then load the positions."""
        checkpoint = await self._db[CHECKPOINTS].find_one({"_id": self._checkpoint_id})
        if checkpoint is None:
            self.positions = {}
            return
        pending = checkpoint.get("pending")
        if pending:
            log.warning("projection_redo", projection=self._name, events=len(pending["processed"]))
            positions = _positions_from_doc(pending["positions"])
            await self._write(pending["writes"], pending["processed"], positions)
            self.positions = positions
        else:
            self.positions = _positions_from_doc(checkpoint.get("positions", []))

    # -- the loop ---------------------------------------------------------------
    async def run(self, until_end: bool = False) -> None:
        """Consume until :meth:`stop` (or, with ``until_end``, to the log's current end)."""
        await self.recover()
        await ensure_topics(
            self._bootstrap,
            [dead_letter_topic_spec(self._dead_letters.topic, self._replication_factor)],
        )
        consumer = make_consumer(
            self._bootstrap,
            group_id=f"projection.{self._name}.g{self.generation}",
            client_id=f"proj-{self._name}",
        )
        await consumer.start()
        try:
            assigned = await assign_from(consumer, self._topics, self.positions)
            end = await consumer.end_offsets(assigned) if until_end else {}
            while not self._stopping.is_set():
                if until_end and all(
                    self.positions.get(f"{tp.topic}:{tp.partition}", 0) >= end[tp] for tp in end
                ):
                    return
                fetched = await consumer.getmany(timeout_ms=300, max_records=self._batch_size)
                records = [r for batch in fetched.values() for r in batch]
                if records:
                    await self.process([decode(r, self._registry) for r in records])
                    await consumer.commit(
                        {TopicPartition(r.topic, r.partition): r.offset + 1 for r in records}
                    )
                record_lag(consumer, f"projection.{self._name}", assigned, self.positions)
        finally:
            await consumer.stop()

    async def stop(self) -> None:
        self._stopping.set()

    # -- one batch --------------------------------------------------------------
    async def process(self, deliveries: list[Delivery]) -> None:
        """Apply a batch and store it with its positions (see the module docstring)."""
        started = time.perf_counter()
        deliveries = [
            d for d in deliveries if d.record.offset >= self.positions.get(d.position_key, 0)
        ]
        if not deliveries:
            return
        batch = await self._apply(deliveries)
        writes = [
            {
                "c": ref.collection,
                "id": ref.id,
                "doc": batch.docs[ref],
                "new": ref not in batch.existing,
            }
            for ref in sorted(batch.changed)
        ]
        redo = {
            "writes": writes,
            "processed": batch.processed,
            "positions": _positions_to_doc(batch.positions),
        }
        if len(bson.encode(redo)) > MAX_REDO_BYTES and len(deliveries) > 1:
            half = len(deliveries) // 2
            await self.process(deliveries[:half])
            await self.process(deliveries[half:])
            return
        await self._db[CHECKPOINTS].update_one(
            {"_id": self._checkpoint_id}, {"$set": {"pending": redo}}, upsert=True
        )
        await self._write(writes, batch.processed, batch.positions)
        self.positions = batch.positions
        metrics.HANDLER_SECONDS.labels(f"projection.{self._name}").observe(
            time.perf_counter() - started
        )

    async def _apply(self, deliveries: list[Delivery]) -> _Batch:
        proj = self.projection
        consumer = f"projection.{self._name}"
        batch = _Batch(positions=dict(self.positions))
        relevant = [
            (d.envelope, d.payload)
            for d in deliveries
            if d.envelope and d.payload and d.envelope.event_type in proj.handles
        ]
        seen = await self._already_processed([str(e.event_id) for e, _ in relevant])
        refs = {ref for e, p in relevant for ref in proj.keys(e, p)}
        batch.docs = await self._load(refs)
        batch.existing = {ref for ref, doc in batch.docs.items() if doc is not None}
        for d in deliveries:
            batch.positions[d.position_key] = d.record.offset + 1
            if d.error is not None or d.envelope is None or d.payload is None:
                await self._dead_letters.send(d.record, d.error or "undecodable")
                metrics.EVENTS_CONSUMED.labels(consumer, "dead_lettered").inc()
                continue
            if d.envelope.event_type not in proj.handles:
                metrics.EVENTS_CONSUMED.labels(consumer, "ignored").inc()
                continue
            event_id = str(d.envelope.event_id)
            if event_id in seen:
                metrics.EVENTS_CONSUMED.labels(consumer, "duplicate").inc()
                continue
            seen.add(event_id)
            view = View(batch.docs)
            try:
                proj.apply(d.envelope, d.payload, view)
            except Exception as exc:  # the event's effect is dropped whole, then parked
                view._discard()
                await self._dead_letters.send(d.record, f"handler_failed: {exc!r}")
                metrics.EVENTS_CONSUMED.labels(consumer, "dead_lettered").inc()
                continue
            batch.changed |= view._commit()
            batch.processed.append(event_id)
            metrics.EVENTS_CONSUMED.labels(consumer, "applied").inc()
        return batch

    async def _already_processed(self, event_ids: list[str]) -> set[str]:
        if not event_ids:
            return set()
        cursor = self._coll("_processed").find({"_id": {"$in": event_ids}}, projection=["_id"])
        return {str(doc["_id"]) async for doc in cursor}

    async def _load(self, refs: set[DocRef]) -> dict[DocRef, Doc | None]:
        docs: dict[DocRef, Doc | None] = dict.fromkeys(refs)
        by_collection: dict[str, list[str]] = {}
        for ref in refs:
            by_collection.setdefault(ref.collection, []).append(ref.id)
        for name, ids in by_collection.items():
            async for doc in self._coll(name).find({"_id": {"$in": ids}}):
                docs[DocRef(name, str(doc["_id"]))] = doc
        return docs

    async def _write(
        self, writes: list[Doc], processed: list[str], positions: dict[str, int]
    ) -> None:
        await self._store_documents(writes, processed)
        await self._advance(positions)

    async def _store_documents(self, writes: list[Doc], processed: list[str]) -> None:
        """Write the batch's documents and applied event ids; safe to repeat.

        Documents the batch created are inserted in one call (a repeat after a crash
        meets duplicate keys, which means "already written"); existing ones are
        replaced in chunks of :data:`WRITE_CHUNK` (FerretDB 1.24 stalls on an update
        command of 100 or more upserts), deleted ones removed in one call.
        """
        by_collection: dict[str, dict[str, list[Doc]]] = {}
        for w in writes:
            kind = "delete" if w["doc"] is None else ("insert" if w["new"] else "replace")
            by_collection.setdefault(w["c"], {}).setdefault(kind, []).append(w)
        for name, kinds in by_collection.items():
            coll = self._coll(name)
            if kinds.get("insert"):
                await _insert_ignoring_duplicates(coll, [w["doc"] for w in kinds["insert"]])
            replaces = [
                ReplaceOne({"_id": w["id"]}, w["doc"], upsert=True)
                for w in kinds.get("replace", [])
            ]
            for start in range(0, len(replaces), WRITE_CHUNK):
                await coll.bulk_write(replaces[start : start + WRITE_CHUNK], ordered=False)
            if kinds.get("delete"):
                await coll.delete_many({"_id": {"$in": [w["id"] for w in kinds["delete"]]}})
        if processed:
            await _insert_ignoring_duplicates(
                self._coll("_processed"), [{"_id": i} for i in processed]
            )

    async def _advance(self, positions: dict[str, int]) -> None:
        """Move the checkpoint and clear the redo record (one document write)."""
        await self._db[CHECKPOINTS].update_one(
            {"_id": self._checkpoint_id},
            {"$set": {"positions": _positions_to_doc(positions), "pending": None}},
            upsert=True,
        )


async def _insert_ignoring_duplicates(coll: AsyncCollection[Doc], docs: list[Doc]) -> None:
    try:
        await coll.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(e.get("code") != DUPLICATE_KEY for e in exc.details["writeErrors"]):
            raise


def _positions_to_doc(positions: dict[str, int]) -> list[dict[str, str | int]]:
    """A list of ``{partition, offset}``: FerretDB refuses dots (topic names) in keys
    and nested arrays, so neither shape is used."""
    return [{"partition": key, "offset": offset} for key, offset in sorted(positions.items())]


def _positions_from_doc(stored: list[dict[str, Any]]) -> dict[str, int]:
    return {str(p["partition"]): int(p["offset"]) for p in stored}


async def activate(db: AsyncDatabase[Doc], projection: str) -> int:
    """The active generation, creating the pointer (generation 1) on first use."""
    meta = await db[META].find_one({"_id": projection})
    if meta is None:
        await db[META].update_one(
            {"_id": projection}, {"$setOnInsert": {"active_generation": 1}}, upsert=True
        )
        return 1
    return int(meta["active_generation"])


async def drop_generation(db: AsyncDatabase[Doc], projection: Projection, generation: int) -> None:
    for name in (*projection.collections, "_processed"):
        await db.drop_collection(collection_name(projection.name, generation, name))
    await db[CHECKPOINTS].delete_one({"_id": f"{projection.name}:g{generation}"})


async def rebuild(
    projection: Projection,
    db: AsyncDatabase[Doc],
    registry: EventRegistry,
    bootstrap_servers: str,
    producer: AIOKafkaProducer,
    batch_size: int = 5000,
    replication_factor: int = 1,
    topic_prefix: str = "",
) -> int:
    """Build a fresh generation from offset 0 to the log's end; make it active.

    The caller stops the live runner first and starts a new one on the returned
    generation afterwards; the previous generation is kept for comparison, older ones
    are dropped.
    """
    current = await activate(db, projection.name)
    new = current + 1
    await drop_generation(db, projection, new)
    runner = ProjectionRunner(
        projection,
        db,
        registry,
        bootstrap_servers,
        producer,
        new,
        batch_size,
        replication_factor,
        topic_prefix,
    )
    await runner.run(until_end=True)
    await db[META].update_one({"_id": projection.name}, {"$set": {"active_generation": new}})
    if current > 1:
        await drop_generation(db, projection, current - 1)
    return new
