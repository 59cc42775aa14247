"""The projection kernel's memory and its storage: a bounded working set of documents,
and the chunked, coalesced writes of one generation's collections.

:class:`WorkingSet` holds the documents the single writer has read or changed; they are
authoritative (the writer is the only one changing them). Dirty documents stay until
they are flushed; clean ones are dropped oldest-first when the set grows past its
capacity. Once the writer has seen every stored ``_id`` (a fresh generation, or one scan at
start), a Bloom filter of them answers most misses — a new document — without a
look-up; any other miss is loaded by ``_id`` equality, the only filter FerretDB's SQLite
backend pushes into SQL.

:class:`GenerationStore` writes a flush: new documents by ``insert_many`` in chunks,
changed ones by ``ReplaceOne`` in chunks of at most :data:`WRITE_CHUNK` (FerretDB 1.24
keeps one pooled connection per statement of an ``update`` command until it returns,
and stalls when a command has more statements than the pool: 100 on SQLite, 50 by
default on PostgreSQL), deleted ones by ``DeleteOne`` in the same chunks.

High-water marks of ``stream_version`` (the duplicate filter of
:mod:`shared.projection`) live in the reserved collection :data:`MARKS`, one document
per ``(topic, partition, bucket)``; in memory a mark document is ``{"m": {stream:
version}}``, stored as two parallel arrays (FerretDB refuses dots in keys, and stream
ids may hold them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import DeleteOne, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
MARKS = "_marks"
WRITE_CHUNK = 50
INSERT_CHUNK = 250
INSERT_CONCURRENCY = 4
"""Insert chunks stored at once: the server converts documents on several cores (measured
in docs/benchmarks.md: 1.7 times one chunk at a time). Replacements stay one chunk at a
time (the pool limit above)."""


class DocRef(NamedTuple):
    """A read-model document: its collection (unprefixed) and its ``_id``.

    A named tuple: made, hashed and compared per event on the hot path."""

    collection: str
    id: str


@dataclass(frozen=True, slots=True)
class Write:
    """One document's change in a flush, in its stored form (``None``: delete)."""

    collection: str
    id: str
    doc: Doc | RawBSONDocument | None
    """The stored form: encoded (``RawBSONDocument``) in a flush, a dict in a redo."""
    kind: Literal["insert", "replace", "delete"]

    def to_redo(self) -> Doc:
        return {"c": self.collection, "id": self.id, "doc": self.doc, "k": self.kind}

    @classmethod
    def from_redo(cls, raw: Doc) -> Write:
        return cls(raw["c"], raw["id"], raw["doc"], raw["k"])


def stored_form(ref: DocRef, doc: Doc) -> Doc:
    if ref.collection == MARKS:
        marks: dict[str, int] = doc["m"]
        return {"_id": ref.id, "s": list(marks), "v": list(marks.values())}
    return doc


def memory_form(collection: str, doc: Doc) -> Doc:
    if collection == MARKS:
        return {"_id": doc["_id"], "m": dict(zip(doc["s"], doc["v"], strict=True))}
    return doc


class Bloom:
    """A set that may answer "maybe" for a key never added, never "no" for one added.

    2**24 bits (2 MiB) and two probes: about 1 % false positives at a million keys,
    each of which only costs a look-up by ``_id``."""

    _MASK = (1 << 24) - 1

    def __init__(self) -> None:
        self._bits = bytearray(1 << 21)

    def add(self, key: object) -> None:
        h = hash(key)
        a, b = h & self._MASK, (h >> 24) & self._MASK
        self._bits[a >> 3] |= 1 << (a & 7)
        self._bits[b >> 3] |= 1 << (b & 7)

    def __contains__(self, key: object) -> bool:
        h = hash(key)
        a, b = h & self._MASK, (h >> 24) & self._MASK
        return bool(self._bits[a >> 3] & (1 << (a & 7)) and self._bits[b >> 3] & (1 << (b & 7)))


class WorkingSet:
    """Documents in memory, bounded (see the module docstring)."""

    def __init__(self, capacity: int, capacity_bytes: int = 1 << 62) -> None:
        self.capacity = capacity
        self.capacity_bytes = capacity_bytes
        """Bound on the stored (BSON) size of the clean documents held; Python holds a
        document in a few times its BSON size."""
        self.sizes: dict[DocRef, int] = {}
        """Stored size of each document in memory whose size is known (flushed or loaded)."""
        self.size = 0
        self.docs: dict[DocRef, Doc | None] = {}
        self.stored: set[DocRef] = set()
        """Documents in memory that exist in the database (an insert or a replace on flush)."""
        self.dirty: set[DocRef] = set()
        self.known: Bloom | None = None
        """When set: every document stored in the database is in it (plus a few false
        positives), so a miss that it does not know is absent without a look-up."""

    def misses(self, refs: Iterable[DocRef]) -> list[DocRef]:
        """Refs not in memory that must be loaded; each hit becomes the newest entry."""
        docs, known = self.docs, self.known
        missing = []
        for ref in refs:
            if ref in docs:
                docs[ref] = docs.pop(ref)
            elif known is not None and ref not in known:
                docs[ref] = None
            else:
                missing.append(ref)
        return missing

    def loaded(self, ref: DocRef, doc: Doc | None) -> None:
        self.docs[ref] = doc
        if doc is not None:
            self.stored.add(ref)
            self._sized(ref, len(bson.encode(stored_form(ref, doc))))

    def _sized(self, ref: DocRef, size: int) -> None:
        self.size += size - self.sizes.get(ref, 0)
        self.sizes[ref] = size

    def snapshot(self) -> list[Write]:
        """The flush: one write per dirty document, in its stored form, encoded now (so
        folding may change the documents while the flush is stored). The documents
        count as stored from here on and are clean until changed again; a flush that
        fails ends the runner, whose successor reloads from the database."""
        out = []
        for ref in sorted(self.dirty):
            doc = self.docs[ref]
            if doc is None:
                if ref in self.stored:
                    out.append(Write(ref.collection, ref.id, None, "delete"))
                    self.stored.discard(ref)
                self.size -= self.sizes.pop(ref, 0)
            else:
                kind: Literal["insert", "replace"] = "replace" if ref in self.stored else "insert"
                raw = RawBSONDocument(bson.encode(stored_form(ref, doc)))
                self._sized(ref, len(raw.raw))
                out.append(Write(ref.collection, ref.id, raw, kind))
                self.stored.add(ref)
                if self.known is not None:
                    self.known.add(ref)
        self.dirty.clear()
        return out

    def evict(self) -> None:
        """Drop the oldest clean documents until the set is back under its capacity in
        documents and in bytes (a tenth below, so that eviction is not run per flush)."""
        excess = len(self.docs) - self.capacity
        excess_bytes = self.size - self.capacity_bytes
        if excess <= 0 and excess_bytes <= 0:
            return
        target = max(excess, 0) + self.capacity // 10
        target_bytes = max(excess_bytes, 0) + self.capacity_bytes // 10
        victims, freed = [], 0
        for ref in self.docs:
            if ref not in self.dirty:
                victims.append(ref)
                freed += self.sizes.get(ref, 0)
                if len(victims) >= target and (excess_bytes <= 0 or freed >= target_bytes):
                    break
        for ref in victims:
            del self.docs[ref]
            self.stored.discard(ref)
            self.size -= self.sizes.pop(ref, 0)


class GenerationStore:
    """One generation's collections: loads by ``_id``, chunked coalesced writes."""

    def __init__(self, db: AsyncDatabase[Doc], prefix: str, write_chunk: int = WRITE_CHUNK):
        self._db = db
        self._prefix = prefix
        self._write_chunk = write_chunk

    def coll(self, name: str) -> AsyncCollection[Doc]:
        return self._db[f"{self._prefix}{name}"]

    async def find(self, ref: DocRef) -> Doc | None:
        doc = await self.coll(ref.collection).find_one({"_id": ref.id})
        return None if doc is None else memory_form(ref.collection, doc)

    def scan(self, collection: str) -> AsyncCursor[Doc]:
        """Every stored document of the collection, as stored."""
        return self.coll(collection).find({}, batch_size=5000)

    async def write(self, writes: list[Write], replay: bool = False) -> None:
        """Apply a flush; safe to repeat (``replay``: every write as a full replacement)."""
        by_collection: dict[str, list[Write]] = {}
        for w in writes:
            by_collection.setdefault(w.collection, []).append(w)
        for name, group in by_collection.items():
            coll = self.coll(name)
            inserts = [w.doc for w in group if w.kind == "insert" and w.doc and not replay]
            chunks = [inserts[i : i + INSERT_CHUNK] for i in range(0, len(inserts), INSERT_CHUNK)]
            for start in range(0, len(chunks), INSERT_CONCURRENCY):
                await asyncio.gather(
                    *(
                        coll.insert_many(chunk, ordered=False)
                        for chunk in chunks[start : start + INSERT_CONCURRENCY]
                    )
                )
            others: list[ReplaceOne[Doc] | DeleteOne] = [
                DeleteOne({"_id": w.id})
                if w.doc is None
                else ReplaceOne({"_id": w.id}, w.doc, upsert=True)
                for w in group
                if replay or w.kind != "insert"
            ]
            for start in range(0, len(others), self._write_chunk):
                await coll.bulk_write(others[start : start + self._write_chunk], ordered=True)
