"""Projections: read models folded from the log by a single writer, exactly once in effect,
with no database I/O per event on the hot path.

A :class:`Projection` says which documents an event touches (:meth:`~Projection.keys`)
and how it changes them (:meth:`~Projection.apply`, pure, through a :class:`View`).
The :class:`ProjectionRunner` is the only writer of its generation's collections, so
the documents it holds in memory (:class:`~shared.workingset.WorkingSet`) are
authoritative. Per fetched batch it:

1. drops consumer redeliveries: a record below the partition's applied offset;
2. decodes only the handled types, leanly (:class:`~shared.decoding.LeanDecoder`);
3. loads the documents it lacks by ``_id`` (a new document costs no look-up: a Bloom
   filter holds every stored ``_id``);
4. drops outbox re-sends: an event whose ``stream_version`` is not above its stream's
   high-water mark (events of one stream sit on one partition, and their first
   occurrences are in stream order, so a repeat is always at or below the mark);
5. applies each event through a :class:`View` (a failing handler's changes are dropped
   whole and the event dead-lettered), raising the stream's mark.

Every ``flush_seconds`` (or ``flush_events`` events, or when the dirty documents fill
half the working set) it **flushes**: one write per dirty document, coalesced, atomic
with the positions through a redo record:

a. the redo record (every write, the new positions, a sequence number) goes into the
   checkpoint document, or into ``projection_redo`` chunks named by the checkpoint when
   large — the checkpoint's ``pending`` field is written last and is the commit point;
b. the documents are written in chunks (:class:`~shared.workingset.GenerationStore`);
c. the checkpoint's positions move and ``pending`` is cleared (one document write);
d. the redo chunks are deleted (by ``_id``).

On start, a ``pending`` redo record is written again (full documents: twice equals
once), then reading resumes at the stored positions. A rebuild (:func:`rebuild`) folds
into a fresh, inactive generation without redo records: a crash there means the
rebuild starts over. No multi-document transaction is needed, so this is correct on
the MongoDB-wire server and on MongoDB alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import bson
import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord
from pymongo import DeleteOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shared import metrics
from shared.consumer import ConsumerConfig, DeadLetters, consume
from shared.decoding import Delivery, LeanDecoder
from shared.envelope import EventEnvelope
from shared.events import EventPayload, EventRegistry
from shared.workingset import (
    MARKS,
    WRITE_CHUNK,
    Bloom,
    Doc,
    DocRef,
    GenerationStore,
    WorkingSet,
    Write,
    memory_form,
)

__all__ = ["Doc", "DocRef", "Projection", "ProjectionRunner", "ReadModels", "Tuning", "View"]

log = structlog.get_logger(__name__)

META = "projection_meta"
CHECKPOINTS = "projection_checkpoints"
REDO = "projection_redo"
INLINE_REDO_BYTES = 1024 * 1024
REDO_CHUNK_BYTES = 8 * 1024 * 1024
YIELD_EVERY = 200
"""Events folded between two turns of the event loop (for the flush in the background)."""


@dataclass(frozen=True)
class Tuning:
    """The kernel's knobs (defaults measured in docs/operations.md)."""

    flush_seconds: float = 0.25
    flush_events: int = 20_000
    cache_docs: int = 100_000
    """Documents (and mark buckets) held in memory; ``Projection.cache_docs`` overrides."""
    cache_bytes: int = 16 * 1024 * 1024
    """Stored size of the clean documents held in memory (large documents, one per
    visit, are bounded by this rather than by their count)."""
    mark_buckets: int = 8
    """Mark documents per partition (FerretDB's SQLite backend scans the collection for
    every replace, so few large mark documents beat many small ones)."""
    catchup_flush_seconds: float = 5.0
    """The flush interval while the runner is behind (its last fetch was full)."""
    write_chunk: int = WRITE_CHUNK
    inline_redo_bytes: int = INLINE_REDO_BYTES


class View:
    """What :meth:`Projection.apply` sees: the event's documents, its changes staged.

    Documents returned by :meth:`get` are read-only; write with :meth:`put`.
    """

    def __init__(
        self, docs: dict[DocRef, Doc | None], declared: Collection[DocRef] | None = None
    ) -> None:
        self._docs = docs
        self._declared = docs if declared is None else declared
        self._staged: dict[DocRef, Doc | None] = {}

    def get(self, ref: DocRef) -> Doc | None:
        if ref in self._staged:
            return self._staged[ref]
        if ref not in self._declared:
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
class _Pending:
    """One event to fold: its delivery, the documents it touches, its mark bucket."""

    delivery: Delivery
    refs: list[DocRef]
    mark: DocRef


class ProjectionRunner:
    """Keeps one generation of one projection up to date with its topics."""

    def __init__(
        self,
        projection: Projection,
        db: AsyncDatabase[Doc],
        registry: EventRegistry,
        config: ConsumerConfig,
        producer: AIOKafkaProducer,
        generation: int,
        tuning: Tuning | None = None,
        rebuilding: bool = False,
    ) -> None:
        self.projection = projection
        self.generation = generation
        self.consumer_name = f"projection.{projection.name}"
        self.group_id = config.group_id(f"{self.consumer_name}.g{generation}")
        self.topics = tuple(config.topic_prefix + t for t in projection.topics)
        self.dead_letters = DeadLetters(producer, self.consumer_name, config.topic_prefix)
        self.tuning = tuning or Tuning()
        self._config = config
        self._db = db
        self._rebuilding = rebuilding
        self._decoder = LeanDecoder(registry, projection.handles)
        self._checkpoint_id = f"{projection.name}:g{generation}"
        self._store = GenerationStore(
            db, collection_name(projection.name, generation, ""), self.tuning.write_chunk
        )
        capacity = getattr(projection, "cache_docs", self.tuning.cache_docs)
        self._ws = WorkingSet(capacity, self.tuning.cache_bytes)
        self._stopping = asyncio.Event()
        self.positions: dict[str, int] = {}
        """Next offset per ``"<topic>:<partition>"`` of what has been applied in memory."""
        self.stored_positions: dict[str, int] = {}
        """The same, as stored with the data (what a restart resumes from)."""
        self._seq = 0
        self._unflushed = 0
        self._last_flush = time.monotonic()
        self._behind = False
        self._mark_refs: dict[tuple[str, int, int], DocRef] = {}
        self._flushing: asyncio.Task[None] | None = None
        """The flush being stored while folding goes on (at most one, in order)."""
        self._reported: dict[str, int] | None = None
        self.recovered = False
        """Positions and working set loaded: the runner folds from here (readiness); a
        runner run again (a rebuild's catch-up) goes on from memory."""

    # -- start-up ---------------------------------------------------------------
    async def recover(self) -> None:
        """Finish a flush that a crash interrupted, load positions and the working set."""
        checkpoint = await self._db[CHECKPOINTS].find_one({"_id": self._checkpoint_id})
        self._ws = WorkingSet(self._ws.capacity, self._ws.capacity_bytes)
        if checkpoint is None:
            self.positions, self.stored_positions = {}, {}
            self._ws.known = Bloom()  # a fresh generation: nothing is stored
            self.recovered = True
            return
        self._seq = int(checkpoint.get("seq", 0))
        pending = checkpoint.get("pending")
        if pending:
            self._seq = max(self._seq, int(pending["seq"]))
            writes = await self._redo_writes(pending)
            log.warning("projection_redo", projection=self.projection.name, writes=len(writes))
            await self._store.write(writes, replay=True)
            await self._advance(_positions_from_doc(pending["positions"]), pending)
        else:
            self.stored_positions = _positions_from_doc(checkpoint.get("positions", []))
            await self._drop_redo(checkpoint.get("last_redo"))
        self.positions = dict(self.stored_positions)
        await self._preload()
        self.recovered = True

    async def _preload(self) -> None:
        """One scan per collection: documents while they fit, every ``_id`` into the filter."""
        ws, known = self._ws, Bloom()
        for name in (*self.projection.collections, MARKS):
            async for doc in self._store.scan(name):
                ref = DocRef(name, str(doc["_id"]))
                known.add(ref)
                if len(ws.docs) < ws.capacity and ws.size < ws.capacity_bytes:
                    ws.loaded(ref, memory_form(name, doc))
        ws.known = known

    # -- the partition loop's handler ---------------------------------------------
    async def run(self, until_end: bool = False, end_offsets: dict[str, int] | None = None) -> None:
        """Consume until :meth:`stop` (or, with ``until_end``, to the log's current end;
        with ``end_offsets``, to those). Run again, a runner goes on from memory."""
        try:
            await consume(self, self._config, self._stopping, until_end, end_offsets)
        finally:  # after a failure, no flush of this runner outlives it
            task, self._flushing = self._flushing, None
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def stop(self) -> None:
        self._stopping.set()

    async def start(self) -> dict[str, int]:
        if not self.recovered:  # a runner run again (a rebuild's catch-up) goes on
            await self.recover()
        return dict(self.stored_positions)

    async def handle(self, records: list[ConsumerRecord]) -> None:
        deliveries = []
        positions = self.positions
        ignored = 0
        wanted = self._decoder.wanted
        for record in records:
            key = f"{record.topic}:{record.partition}"
            if record.offset < positions.get(key, 0):
                continue  # a consumer redelivery
            positions[key] = record.offset + 1
            delivery = self._decoder.decode(record) if wanted(record) else None
            if delivery is None:
                ignored += 1
            else:
                deliveries.append(delivery)
        if ignored:
            metrics.EVENTS_CONSUMED.labels(self.consumer_name, "ignored").inc(ignored)
        await self._fold(deliveries)
        self._unflushed += len(records)
        self._behind = len(records) >= self._config.max_records
        if self._unflushed >= self.tuning.flush_events or len(self._ws.dirty) * 2 > (
            self._ws.capacity
        ):
            await self._start_flush()

    async def tick(self) -> dict[str, int] | None:
        """Start a flush when the interval is up; the positions stored since the last
        tick, if any were (a flush whose storing failed raises here)."""
        if self._flushing is not None and self._flushing.done():
            await self._settle()
        tuning = self.tuning
        interval = tuning.catchup_flush_seconds if self._behind else tuning.flush_seconds
        if not self._rebuilding and time.monotonic() - self._last_flush >= interval:
            await self._start_flush()
        if self.stored_positions == self._reported:
            return None
        self._reported = dict(self.stored_positions)
        return self._reported

    async def finish(self) -> dict[str, int]:
        await self.flush()
        return dict(self.stored_positions)

    # -- folding ------------------------------------------------------------------
    async def process(self, deliveries: list[Delivery]) -> None:
        """Apply decoded deliveries and flush them with their positions (tests, tools)."""
        fresh = []
        for d in deliveries:
            key = d.position_key
            if d.record.offset >= self.positions.get(key, 0):
                self.positions[key] = d.record.offset + 1
                fresh.append(d)
        await self._fold(fresh)
        await self.flush()

    async def _fold(self, deliveries: list[Delivery]) -> None:
        started = time.perf_counter()
        pending = await self._prepare(deliveries)
        if not pending:
            return
        ws = self._ws
        docs, dirty, apply = ws.docs, ws.dirty, self.projection.apply
        applied = duplicates = failed = 0
        for n, item in enumerate(pending):
            if n % YIELD_EVERY == YIELD_EVERY - 1:
                await asyncio.sleep(0)  # the flush being stored moves on meanwhile
            event, payload = item.delivery.envelope, item.delivery.payload
            assert event is not None and payload is not None
            marks: dict[str, int] = docs[item.mark]["m"]  # type: ignore[index]
            stream = event.stream_id
            if marks.get(stream, 0) >= event.stream_version:
                duplicates += 1
                continue
            view = View(docs, item.refs)
            try:
                apply(event, payload, view)
            except Exception as exc:  # the event's effect is dropped whole, then parked
                view._discard()
                await self.dead_letters.send(item.delivery.record, f"handler_failed: {exc!r}")
                failed += 1
                continue
            dirty.update(view._commit())
            marks[stream] = event.stream_version
            dirty.add(item.mark)
            applied += 1
        self._count(applied=applied, duplicate=duplicates, dead_lettered=failed)
        metrics.HANDLER_SECONDS.labels(self.consumer_name).observe(time.perf_counter() - started)

    async def _prepare(self, deliveries: list[Delivery]) -> list[_Pending]:
        """Dead-letter what cannot be used; load every document the rest will touch."""
        keys, buckets, marks = self.projection.keys, self.tuning.mark_buckets, self._mark_refs
        pending, needed, undecodable = [], [], 0
        for d in deliveries:
            event, payload = d.envelope, d.payload
            if d.error is not None or event is None or payload is None:
                await self.dead_letters.send(d.record, d.error or "undecodable")
                undecodable += 1
                continue
            slot = (
                d.record.topic,
                d.record.partition,
                zlib.crc32(event.stream_id.encode()) % buckets,
            )
            mark = marks.get(slot)
            if mark is None:
                mark = marks[slot] = DocRef(MARKS, "{}:{}:{}".format(*slot))
            refs = list(keys(event, payload))
            pending.append(_Pending(d, refs, mark))
            needed.append(mark)
            needed.extend(refs)
        self._count(dead_lettered=undecodable)
        await self._load(self._ws.misses(needed))
        docs = self._ws.docs
        for item in pending:
            if docs[item.mark] is None:
                docs[item.mark] = {"_id": item.mark.id, "m": {}}
        return pending

    async def _load(self, refs: list[DocRef]) -> None:
        for start in range(0, len(refs), 16):
            chunk = list(dict.fromkeys(refs[start : start + 16]))
            found = await asyncio.gather(*(self._store.find(ref) for ref in chunk))
            for ref, doc in zip(chunk, found, strict=True):
                self._ws.loaded(ref, doc)

    def peek(self, ref: DocRef) -> tuple[bool, Doc | None]:
        """For readers in the same process: ``(True, doc)`` when memory holds what the
        store holds for ``ref`` — the document (read-only), or ``None`` for one that is
        not stored — else ``(False, None)``: read it by ``_id``. Memory answers only for
        a clean document while no flush is being stored, so a reader sees exactly the
        stored read model (a flush's documents appear in the order they are written,
        as they do to readers of the store), never one a step ahead of it."""
        flushing = self._flushing
        if not self.recovered or ref.collection == MARKS:
            return False, None
        if flushing is not None and not flushing.done():
            return False, None
        ws = self._ws
        if ref in ws.dirty:
            return False, None
        if ref in ws.docs:
            return True, ws.docs[ref]
        if ws.known is not None and ref not in ws.known:
            return True, None
        return False, None

    def _count(self, **outcomes: int) -> None:
        for outcome, n in outcomes.items():
            if n:
                metrics.EVENTS_CONSUMED.labels(self.consumer_name, outcome).inc(n)

    # -- flushing -------------------------------------------------------------------
    async def flush(self) -> bool:
        """Write the dirty documents once each, atomically with the positions, and wait
        until they are stored; False when there was nothing to store."""
        started = await self._start_flush()
        await self._settle()
        return started

    async def _start_flush(self) -> bool:
        """Snapshot the dirty documents and the positions, and store them in the
        background while folding goes on: the previous flush is awaited first (flushes
        are stored one at a time, in order), and only then are clean documents evicted,
        so a document on its way to the server is never read back from it."""
        await self._settle()
        self._ws.evict()
        self._last_flush = time.monotonic()
        self._unflushed = 0
        if not self._ws.dirty and self.positions == self.stored_positions:
            return False
        positions = dict(self.positions)
        writes = self._ws.snapshot()
        self._seq += 1
        self._flushing = asyncio.create_task(self._store_flush(writes, positions))
        return True

    async def _settle(self) -> None:
        """Wait for the flush being stored; its failure is raised here."""
        task, self._flushing = self._flushing, None
        if task is not None:
            await task

    async def _store_flush(self, writes: list[Write], positions: dict[str, int]) -> None:
        if self._rebuilding:  # an inactive generation: a crash restarts the rebuild
            await self._write_documents(writes)
            await self._advance(positions, None)
        else:
            pending = await self._begin(writes, positions)
            await self._write_documents(writes)
            await self._advance(positions, pending)
            await self._drop_redo(pending)

    async def _write_documents(self, writes: list[Write]) -> None:
        await self._store.write(writes)

    async def _begin(self, writes: list[Write], positions: dict[str, int]) -> Doc:
        """Store the redo record; writing ``pending`` is the commit point.

        The record is one compressed BSON blob (the server stores and drops one opaque
        value instead of converting every document field by field), inline when small,
        else in ``projection_redo`` pieces named by the checkpoint."""
        blob = zlib.compress(bson.encode({"w": [w.to_redo() for w in writes]}), 1)
        pending: Doc = {"seq": self._seq, "positions": _positions_to_doc(positions)}
        if len(blob) <= self.tuning.inline_redo_bytes:
            pending["blob"] = bson.Binary(blob)
        else:
            pieces = [blob[i : i + REDO_CHUNK_BYTES] for i in range(0, len(blob), REDO_CHUNK_BYTES)]
            for index, piece in enumerate(pieces):
                await self._db[REDO].replace_one(
                    {"_id": self._redo_id(self._seq, index)}, {"b": bson.Binary(piece)}, upsert=True
                )
            pending["chunks"] = len(pieces)
        await self._db[CHECKPOINTS].update_one(
            {"_id": self._checkpoint_id}, {"$set": {"pending": pending}}, upsert=True
        )
        return pending

    async def _advance(self, positions: dict[str, int], pending: Doc | None) -> None:
        """Move the checkpoint and clear the redo record (one document write)."""
        done = {"seq": pending["seq"], "chunks": pending.get("chunks", 0)} if pending else None
        await self._db[CHECKPOINTS].update_one(
            {"_id": self._checkpoint_id},
            {
                "$set": {
                    "positions": _positions_to_doc(positions),
                    "pending": None,
                    "seq": self._seq,
                    "last_redo": done,
                }
            },
            upsert=True,
        )
        self.stored_positions = dict(positions)

    def _redo_id(self, seq: int, index: int) -> str:
        return f"{self._checkpoint_id}:{seq}:{index}"

    async def _redo_writes(self, pending: Doc) -> list[Write]:
        if "writes" in pending:  # the uncompressed record of earlier versions
            return [Write.from_redo(w) for w in pending["writes"]]
        if "blob" in pending:
            return _unpack_redo(bytes(pending["blob"]))
        parts: list[bytes] = []
        legacy: list[Write] = []
        for i in range(int(pending["chunks"])):
            chunk = await self._db[REDO].find_one({"_id": self._redo_id(pending["seq"], i)})
            assert chunk is not None, "a redo chunk is missing"
            if "w" in chunk:  # earlier versions: a list of writes per chunk
                legacy.extend(Write.from_redo(w) for w in chunk["w"])
            else:
                parts.append(bytes(chunk["b"]))
        return legacy or _unpack_redo(b"".join(parts))

    async def _drop_redo(self, pending: Doc | None) -> None:
        if not pending or not pending.get("chunks"):
            return
        ids = [self._redo_id(pending["seq"], i) for i in range(int(pending["chunks"]))]
        await self._db[REDO].bulk_write([DeleteOne({"_id": i}) for i in ids], ordered=False)


def _unpack_redo(blob: bytes) -> list[Write]:
    return [Write.from_redo(w) for w in bson.decode(zlib.decompress(blob))["w"]]


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
    for name in (*projection.collections, MARKS, "_processed"):
        await db.drop_collection(collection_name(projection.name, generation, name))
    await db[CHECKPOINTS].delete_one({"_id": f"{projection.name}:g{generation}"})


async def rebuild(
    projection: Projection,
    db: AsyncDatabase[Doc],
    registry: EventRegistry,
    config: ConsumerConfig,
    producer: AIOKafkaProducer,
    tuning: Tuning | None = None,
) -> int:
    """Build a fresh generation from offset 0 to the log's end; make it active.

    The log is streamed, folded in memory and the new generation written in bulk
    (flushes as the working set fills, so memory stays flat). The caller stops the live
    runner first and starts a new one on the returned generation afterwards; the
    previous generation is kept for comparison, older ones are dropped.
    """
    current = await activate(db, projection.name)
    new = current + 1
    await drop_generation(db, projection, new)
    runner = ProjectionRunner(
        projection, db, registry, config, producer, new, tuning, rebuilding=True
    )
    await runner.run(until_end=True)
    await db[META].update_one({"_id": projection.name}, {"$set": {"active_generation": new}})
    if current > 1:
        await drop_generation(db, projection, current - 1)
    return new
