"""The GridFS evidence store on the real MongoDB-wire server: write, look up, sweep."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.evidence.store import EvidenceCorrupted, GridFSEvidence

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


async def put(store: GridFSEvidence, evidence_id: str, data: bytes) -> None:
    await store.store(
        evidence_id,
        io.BytesIO(data),
        file_name="录音.m4a",
        sha256=hashlib.sha256(data).hexdigest(),
        media_type="audio/mp4",
        school_id="s-1",
        visit_id=None,
        uploaded_by="u-1",
        jurisdiction="province:510000/city:510700/county:510704/zone:z-1/school:s-1",
        now=NOW,
    )


async def test_store_look_up_and_verify(db: AsyncDatabase[dict[str, Any]]) -> None:
    store = GridFSEvidence(db, chunk_size_bytes=4096)
    await store.prepare()
    data = os.urandom(10_000)
    await put(store, "ev-1", data)
    facts = await store.evidence("ev-1")
    assert facts is not None and facts.size == len(data) and facts.school_id == "s-1"
    assert facts.sha256 == hashlib.sha256(data).hexdigest() and facts.file_name == "录音.m4a"
    same = await store.same_bytes("s-1", facts.sha256)
    assert same is not None and same.evidence_id == "ev-1"
    assert await store.same_bytes("s-2", facts.sha256) is None
    stored = await store.record("ev-1")
    assert stored is not None
    with await store.read_verified(stored) as spool:
        assert spool.read() == data
    await store.chunks.update_one({"files_id": "ev-1", "n": 2}, {"$set": {"data": b"short"}})
    try:
        await store.read_verified(stored)
        raise AssertionError("a damaged file was served")
    except EvidenceCorrupted as exc:
        assert exc.evidence_id == "ev-1"
    assert await store.pending.count_documents({}) == 0


async def test_an_interrupted_upload_is_swept_and_a_finished_one_kept(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    store = GridFSEvidence(db, chunk_size_bytes=4096)
    await store.prepare()
    await put(store, "done", os.urandom(5000))
    # A crash mid-write: the marker and some chunks, no files document.
    await store.pending.insert_one({"_id": "cut", "started_at": NOW - timedelta(hours=2)})
    await store.chunks.insert_many(
        [{"files_id": "cut", "n": n, "data": os.urandom(4096)} for n in range(3)]
    )
    # A crash after GridFS finished but before the marker was removed.
    await store.pending.insert_one({"_id": "done", "started_at": NOW - timedelta(hours=2)})
    # An upload still running (recent marker) is left alone.
    await store.pending.insert_one({"_id": "live", "started_at": NOW})
    await store.chunks.insert_one({"files_id": "live", "n": 0, "data": b"x"})

    assert await store.sweep_interrupted(NOW - timedelta(hours=1)) == 1
    assert await store.chunks.count_documents({"files_id": "cut"}) == 0
    assert await store.chunks.count_documents({"files_id": "done"}) == 2
    assert await store.chunks.count_documents({"files_id": "live"}) == 1
    assert sorted([d["_id"] async for d in store.pending.find()]) == ["live"]
    assert await store.evidence("done") is not None
