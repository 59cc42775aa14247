"""The event store: MongoDB is the source of truth, Kafka follows through an outbox.

Each append is **one document** (a *commit*) holding every event the command produced.
A single-document insert is atomic on MongoDB and on the MongoDB-wire server alike, so
no multi-document transaction is needed. The commit's ``_id`` is
``<stream_id>@<expected_version>``: two writers that read the same version of a stream
race for the same ``_id`` and the unique index lets exactly one win; the loser gets
:class:`ConcurrencyConflict` (HTTP 409). The commit also starts life with
``published: false``: it *is* the outbox record, and :mod:`shared.outbox` moves it to
Kafka. See docs/architecture.md for every crash point.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.envelope import EventEnvelope

COMMITS = "event_commits"


class ConcurrencyConflict(Exception):
    """The stream moved on since the caller read it (stale expected version)."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual_version}, not {expected_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class EventStore:
    """Append-only streams of events in one MongoDB collection of commits."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._commits: AsyncCollection[dict[str, Any]] = db[COMMITS]

    async def create_indexes(self) -> None:
        await self._commits.create_index([("stream_id", ASCENDING), ("base_version", ASCENDING)])
        await self._commits.create_index(
            [("published", ASCENDING), ("stream_id", ASCENDING), ("base_version", ASCENDING)]
        )

    async def load(self, stream_id: str) -> list[EventEnvelope]:
        """Every event of a stream in order; an unknown stream is empty."""
        cursor = self._commits.find({"stream_id": stream_id}).sort("base_version", ASCENDING)
        events: list[EventEnvelope] = []
        async for commit in cursor:
            events.extend(EventEnvelope.from_cloudevent(e) for e in commit["events"])
        return events

    async def version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        last = await self._commits.find_one(
            {"stream_id": stream_id}, sort=[("base_version", -1)], projection=["last_version"]
        )
        return int(last["last_version"]) if last else 0

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> int:
        """Append events that continue the stream at ``expected_version``.

        Returns the new stream version. Raises :class:`ConcurrencyConflict` when the
        stream is not at ``expected_version``.
        """
        if not events:
            return expected_version
        for offset, event in enumerate(events, start=1):
            if event.stream_id != stream_id or event.stream_version != expected_version + offset:
                raise ValueError("events must continue the stream in order")
        actual = await self.version(stream_id)
        if actual != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        last_version = expected_version + len(events)
        commit = {
            "_id": f"{stream_id}@{expected_version}",
            "stream_id": stream_id,
            "base_version": expected_version,
            "last_version": last_version,
            "recorded_at": events[0].recorded_at,
            "events": [e.to_cloudevent() for e in events],
            "published": False,
        }
        try:
            await self._commits.insert_one(commit)
        except DuplicateKeyError:
            raise ConcurrencyConflict(
                stream_id, expected_version, await self.version(stream_id)
            ) from None
        return last_version

    async def unpublished(self, limit: int) -> list[dict[str, Any]]:
        """The oldest commits not yet on Kafka, in stream order."""
        cursor = (
            self._commits.find({"published": False})
            .sort([("stream_id", ASCENDING), ("base_version", ASCENDING)])
            .limit(limit)
        )
        return [c async for c in cursor]

    async def mark_published(self, commit_ids: Sequence[str], at: datetime) -> None:
        await self._commits.update_many(
            {"_id": {"$in": list(commit_ids)}},
            {"$set": {"published": True, "published_at": at}},
        )

    async def count_unpublished(self) -> int:
        return await self._commits.count_documents({"published": False})
