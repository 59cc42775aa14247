"""The evidence store: photos, audio and documents, in the service's own GridFS bucket.

Bytes never travel in events: a ``FindingRecorded`` or a ``ProgressReported`` carries
only an :class:`~shared.contracts.visits.EvidenceRef` (id, sha256, size, media type),
and the lifecycle checks those refs against :class:`GridFSEvidence` (the
:class:`~shared.evidence.lookup.EvidenceLookup` port).

Layout in the service's database (GridFS bucket ``evidence``)::

    evidence.files    {_id: evidence_id, filename, length, chunkSize, uploadDate,
                       metadata: {school_id, visit_id, issue_id, sha256, media_type,
                                  uploaded_by, jurisdiction}}
    evidence.chunks   {files_id: evidence_id, n, data}        (GridFS, 255 KiB each)
    evidence.pending  {_id: evidence_id, started_at}          (an upload in progress)

An upload is written only after every check passed (see :mod:`shared.evidence.upload`). While its
chunks are being written a ``pending`` marker exists; GridFS writes the files document
last. A process that dies mid-write leaves chunks without a files document and a
marker: :meth:`GridFSEvidence.sweep_interrupted` (run at start-up) deletes them.

``visit_id`` / ``issue_id`` only label what the upload was for (either may be absent);
what a piece of evidence is cited by is recorded in the events that cite it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import IO, Any

import structlog
from gridfs.asynchronous import AsyncGridFSBucket
from gridfs.errors import CorruptGridFile, NoFile
from prometheus_client import Counter
from pymongo.asynchronous.database import AsyncDatabase

from shared.evidence.lookup import EvidenceFacts

log = structlog.get_logger(__name__)

Doc = dict[str, Any]
BUCKET = "evidence"
DEFAULT_CHUNK_BYTES = 255 * 1024
SPOOL_MEMORY_BYTES = 1024 * 1024

INTEGRITY_FAILURES = Counter(
    "duxue_evidence_integrity_failures_total",
    "Evidence whose stored bytes no longer match the recorded sha256 or size",
)


@dataclass(frozen=True)
class StoredEvidence:
    """Everything recorded about a piece of evidence (its bytes aside)."""

    evidence_id: str
    sha256: str
    size: int
    media_type: str
    file_name: str
    school_id: str
    visit_id: str | None
    uploaded_by: str
    uploaded_at: datetime
    jurisdiction: str
    """The school's jurisdiction path when it was uploaded (a fallback for scoping)."""
    issue_id: str | None = None

    @property
    def facts(self) -> EvidenceFacts:
        return EvidenceFacts(
            evidence_id=self.evidence_id,
            sha256=self.sha256,
            size=self.size,
            media_type=self.media_type,
            file_name=self.file_name,
            school_id=self.school_id,
        )

    def public(self) -> dict[str, Any]:
        return {
            "evidence_id": self.evidence_id,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "file_name": self.file_name,
            "school_id": self.school_id,
            "visit_id": self.visit_id,
            "issue_id": self.issue_id,
            "uploaded_by": self.uploaded_by,
            "uploaded_at": self.uploaded_at.isoformat(),
        }


class EvidenceCorrupted(Exception):
    """The stored bytes no longer match what was recorded at upload."""

    def __init__(self, evidence_id: str, reason: str) -> None:
        super().__init__(f"evidence {evidence_id}: {reason}")
        self.evidence_id = evidence_id
        self.reason = reason


def _stored(doc: Doc) -> StoredEvidence:
    meta = doc["metadata"]
    return StoredEvidence(
        evidence_id=doc["_id"],
        sha256=meta["sha256"],
        size=int(doc["length"]),
        media_type=meta["media_type"],
        file_name=doc["filename"],
        school_id=meta["school_id"],
        visit_id=meta.get("visit_id"),
        uploaded_by=meta["uploaded_by"],
        uploaded_at=doc["uploadDate"],
        jurisdiction=meta["jurisdiction"],
        issue_id=meta.get("issue_id"),
    )


class GridFSEvidence:
    """Evidence in a GridFS bucket of the service's database; also the ``EvidenceLookup``."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        bucket: str = BUCKET,
        chunk_size_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> None:
        self._db = db
        self._bucket = AsyncGridFSBucket(db, bucket_name=bucket, chunk_size_bytes=chunk_size_bytes)
        self.files = db[f"{bucket}.files"]
        self.chunks = db[f"{bucket}.chunks"]
        self.pending = db[f"{bucket}.pending"]

    async def prepare(self) -> None:
        """Indexes for the same-bytes lookup and the GridFS chunk order."""
        await self.files.create_index([("metadata.school_id", 1), ("metadata.sha256", 1)])
        await self.chunks.create_index([("files_id", 1), ("n", 1)], unique=True)

    # -- EvidenceLookup -------------------------------------------------------------
    async def evidence(self, evidence_id: str) -> EvidenceFacts | None:
        stored = await self.record(evidence_id)
        return stored.facts if stored else None

    # -- queries --------------------------------------------------------------------
    async def record(self, evidence_id: str) -> StoredEvidence | None:
        doc = await self.files.find_one({"_id": evidence_id})
        return _stored(doc) if doc else None

    async def same_bytes(self, school_id: str, sha256: str) -> StoredEvidence | None:
        """Evidence of this school with exactly these bytes, if any was uploaded."""
        doc = await self.files.find_one(
            {"metadata.school_id": school_id, "metadata.sha256": sha256}
        )
        return _stored(doc) if doc else None

    # -- writes ---------------------------------------------------------------------
    async def store(
        self,
        evidence_id: str,
        source: IO[bytes],
        *,
        file_name: str,
        sha256: str,
        media_type: str,
        school_id: str,
        visit_id: str | None,
        uploaded_by: str,
        jurisdiction: str,
        now: datetime,
        issue_id: str | None = None,
    ) -> StoredEvidence:
        """Write checked bytes; on any failure GridFS removes the chunks it wrote."""
        metadata = {
            "school_id": school_id,
            "visit_id": visit_id,
            "issue_id": issue_id,
            "sha256": sha256,
            "media_type": media_type,
            "uploaded_by": uploaded_by,
            "jurisdiction": jurisdiction,
        }
        await self.pending.insert_one({"_id": evidence_id, "started_at": now})
        await self._bucket.upload_from_stream_with_id(
            evidence_id, file_name, source, metadata=metadata
        )
        await self.pending.delete_one({"_id": evidence_id})
        stored = await self.record(evidence_id)
        if stored is None:  # pragma: no cover - the write was acknowledged
            raise RuntimeError(f"evidence {evidence_id} vanished after upload")
        return stored

    async def sweep_interrupted(self, older_than: datetime) -> int:
        """Delete chunks of uploads that a crash cut short; returns how many were swept."""
        swept = 0
        async for marker in self.pending.find({"started_at": {"$lt": older_than}}):
            evidence_id = marker["_id"]
            if await self.files.find_one({"_id": evidence_id}, {"_id": 1}) is None:
                await self.chunks.delete_many({"files_id": evidence_id})
                swept += 1
                log.warning("evidence_upload_swept", evidence_id=evidence_id)
            await self.pending.delete_one({"_id": evidence_id})
        return swept

    # -- reads ----------------------------------------------------------------------
    async def read_verified(self, stored: StoredEvidence) -> SpooledTemporaryFile[bytes]:
        """The bytes, re-hashed on the way out, or :class:`EvidenceCorrupted`.

        The whole file is read (and spooled: memory up to 1 MiB, then disk) before the
        first byte is answered, so that a damaged file gets a clear error status rather
        than a 200 cut off midway.
        """
        spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(  # noqa: SIM115 (handed to the caller)
            max_size=SPOOL_MEMORY_BYTES
        )
        hasher, size = hashlib.sha256(), 0
        try:
            out = await self._bucket.open_download_stream(stored.evidence_id)
            while chunk := await out.readchunk():
                hasher.update(chunk)
                size += len(chunk)
                spool.write(chunk)
        except (CorruptGridFile, NoFile) as exc:
            spool.close()
            raise self._corrupted(stored, f"chunks missing or malformed: {exc}") from None
        except BaseException:
            spool.close()
            raise
        if size != stored.size or hasher.hexdigest() != stored.sha256:
            spool.close()
            raise self._corrupted(
                stored, f"stored bytes hash to {hasher.hexdigest()} ({size} bytes)"
            )
        spool.seek(0)
        return spool

    @staticmethod
    def _corrupted(stored: StoredEvidence, reason: str) -> EvidenceCorrupted:
        INTEGRITY_FAILURES.inc()
        log.error(
            "evidence_integrity_failure",
            evidence_id=stored.evidence_id,
            school_id=stored.school_id,
            recorded_sha256=stored.sha256,
            recorded_size=stored.size,
            reason=reason,
        )
        return EvidenceCorrupted(stored.evidence_id, reason)
