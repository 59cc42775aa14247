"""The event store: MongoDB is the source of truth, Kafka follows through an outbox.

Each append is **one document** (a *commit*) holding every event the command produced.
A single-document insert is atomic on MongoDB and on the MongoDB-wire server alike, so
no multi-document transaction is needed. The commit's ``_id`` is
``<stream_id>@<expected_version>``: two writers that read the same version of a stream
race for the same ``_id`` and the unique index lets exactly one win; the loser gets
:class:`ConcurrencyConflict` (HTTP 409). Commits are never updated.

**What the store asks the server** (so that the cost of a command does not grow with
the store): a stream is loaded by one equality query on ``stream_id`` (indexed), a
commit is fetched by its ``_id``, and the outbox is a small collection of its own.
Nothing filters on a field without an index, nothing uses ``$in`` or ranges on the
commits (FerretDB pushes neither into SQL), nothing updates a commit.

**The outbox** is the collection ``outbox_pending``: one small *marker*
``{_id: <commit id>, stream_id, base_version, at}`` per commit not yet on Kafka,
deleted once Kafka acknowledged the commit's events, so it holds only the backlog.
FerretDB has no multi-document transactions, so commit and marker are two writes; the
order makes them safe without one (docs/architecture.md has the crash table):

1. insert the marker (a marker already there is fine: a racer or a retry wrote it);
2. insert the commit (this is the compare-and-append; a duplicate is the conflict);
3. if steps 1-2 took longer than :data:`ORPHAN_GRACE` less :data:`MAX_CLOCK_SKEW`, read
   the marker back and insert it again if it is gone.

A marker whose commit does not exist is an *orphan* (the writer failed between 1 and 2,
or is still between them). The relay leaves it alone until it is older than
:data:`ORPHAN_GRACE` by the relay's clock, then deletes it and looks for the commit once
more, putting the marker back if the commit is there. So the relay can take a marker
for an orphan only after the grace: a writer done within it (clocks within the skew)
had its commit stored before, and the relay's second look finds it; a slower writer
reads its marker back (step 3): of "relay deletes, relay looks" and "writer inserts the
commit, writer looks", whichever looks last sees the other's write. A stored commit
always keeps a marker until it is published; at worst it is published twice (consumers
drop repeats).

The relay gets the commits this process stored from memory (they exist: their insert
succeeded) and fetches only the others by ``_id``: a relay round is one read of the
outbox and one delete.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.envelope import EventEnvelope

COMMITS = "event_commits"
OUTBOX = "outbox_pending"
ORPHAN_GRACE = timedelta(seconds=30)
"""How long a marker without its commit is left alone (a writer may be between steps)."""
MAX_CLOCK_SKEW = timedelta(seconds=5)
"""The most the clocks of two processes sharing a store may differ (NTP keeps ms)."""
LOOKUP_CHUNK = 64
"""Commits fetched by ``_id`` concurrently by the relay."""


def _wallclock() -> datetime:
    return datetime.now(UTC)


LOAD_MANY_AT_ONCE = 16
"""Streams :meth:`EventStore.load_many` loads at once."""


class ConcurrencyConflict(Exception):
    """The stream moved on since the caller read it (stale expected version)."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual_version}, not {expected_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class StalePrecondition(ConcurrencyConflict):
    """The client's ``If-Match`` names a version the stream has moved on from (HTTP 412);
    a lost race between two appends stays a plain :class:`ConcurrencyConflict` (409)."""


class StreamStore(Protocol):
    """What a command handler needs of an event store: load a stream, append to it.

    :class:`EventStore` is the real one; service-layer tests use an in-memory one with
    the same contract (an append at a stale version raises :class:`ConcurrencyConflict`).
    """

    async def load(self, stream_id: str) -> list[EventEnvelope]: ...

    async def load_many(self, stream_ids: Sequence[str]) -> dict[str, list[EventEnvelope]]: ...

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> int: ...


def commit_id(stream_id: str, base_version: int) -> str:
    return f"{stream_id}@{base_version}"


class EventStore:
    """Append-only streams of events in one MongoDB collection of commits.

    ``boundaries`` bounds the memo of versions this process has seen a stream end at. A
    commit boundary never stops being one (commits are immutable), so an append whose
    expected version is a remembered boundary needs no version read: the insert of
    ``stream@expected`` alone decides between success and conflict.
    """

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        boundaries: int = 20_000,
        orphan_grace: timedelta = ORPHAN_GRACE,
    ) -> None:
        self._commits: AsyncCollection[dict[str, Any]] = db[COMMITS]
        self._outbox: AsyncCollection[dict[str, Any]] = db[OUTBOX]
        self._boundaries: OrderedDict[str, int] = OrderedDict()
        self._max_boundaries = boundaries
        self._orphan_grace = orphan_grace
        self._recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        """Commits this process stored and the relay has not published (bounded)."""
        self._max_recent = 10_000
        self.pending_seen = 0
        """Markers the last :meth:`unpublished` read (the outbox backlog, for the gauge)."""

    async def create_indexes(self) -> None:
        await self._commits.create_index([("stream_id", ASCENDING), ("base_version", ASCENDING)])

    def _remember(self, stream_id: str, version: int) -> None:
        self._boundaries[stream_id] = version
        self._boundaries.move_to_end(stream_id)
        while len(self._boundaries) > self._max_boundaries:
            self._boundaries.popitem(last=False)

    async def _stream_commits(self, stream_id: str) -> list[dict[str, Any]]:
        cursor = self._commits.find({"stream_id": stream_id}).sort("base_version", ASCENDING)
        commits = [c async for c in cursor]
        if commits:
            self._remember(stream_id, int(commits[-1]["last_version"]))
        return commits

    async def load(self, stream_id: str) -> list[EventEnvelope]:
        """Every event of a stream in order; an unknown stream is empty."""
        events: list[EventEnvelope] = []
        for commit in await self._stream_commits(stream_id):
            events.extend(EventEnvelope.from_cloudevent(e) for e in commit["events"])
        return events

    async def load_many(self, stream_ids: Sequence[str]) -> dict[str, list[EventEnvelope]]:
        """Every event of each stream, in order (a list's rows, not N loads one after
        another): one point query per stream, :data:`LOAD_MANY_AT_ONCE` at a time — never
        ``$in``, which the MongoDB-wire server answers by scanning every commit; an
        unknown stream is empty."""
        found: dict[str, list[EventEnvelope]] = {sid: [] for sid in stream_ids}
        ids = list(found)
        for start in range(0, len(ids), LOAD_MANY_AT_ONCE):
            chunk = ids[start : start + LOAD_MANY_AT_ONCE]
            loaded = await asyncio.gather(*(self._stream_commits(sid) for sid in chunk))
            for sid, commits in zip(chunk, loaded, strict=True):
                for commit in commits:
                    found[sid].extend(EventEnvelope.from_cloudevent(e) for e in commit["events"])
        return found

    async def version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events): the last commit's
        ``last_version`` from the ``(stream_id, base_version)`` index, no event read."""
        cursor = (
            self._commits.find({"stream_id": stream_id}, projection={"last_version": True})
            .sort("base_version", DESCENDING)
            .limit(1)
        )
        last = [c async for c in cursor]
        if not last:
            return 0
        version = int(last[0]["last_version"])
        self._remember(stream_id, version)
        return version

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
        if expected_version != 0 and self._boundaries.get(stream_id) != expected_version:
            # Not a version this process saw the stream end at: a commit may start or end
            # elsewhere, and inserting stream@expected would fork the stream.
            actual = await self.version(stream_id)
            if actual != expected_version:
                raise ConcurrencyConflict(stream_id, expected_version, actual)
        cid = commit_id(stream_id, expected_version)
        last_version = expected_version + len(events)
        started = time.monotonic()
        marker = {
            "_id": cid,
            "stream_id": stream_id,
            "base_version": expected_version,
            "at": _wallclock(),
        }
        await self._put_marker(marker)  # step 1
        commit = {
            "_id": cid,
            "stream_id": stream_id,
            "base_version": expected_version,
            "last_version": last_version,
            "recorded_at": events[0].recorded_at,
            "events": [e.to_cloudevent() for e in events],
        }
        try:
            await self._commits.insert_one(commit)  # step 2
        except DuplicateKeyError:
            # The winner's marker stays (or ours re-sends its published commit: harmless).
            raise ConcurrencyConflict(
                stream_id, expected_version, await self.version(stream_id)
            ) from None
        except Exception:
            # No answer: the commit may still be stored. Keep its marker (best effort; an
            # insert the server applies later than the grace less the skew is the one
            # case this cannot cover, see docs/architecture.md).
            with contextlib.suppress(Exception):
                if await self._outbox.find_one({"_id": cid}, projection=["_id"]) is None:
                    await self._put_marker(marker)
            raise
        took = timedelta(seconds=time.monotonic() - started)
        slow = took >= self._orphan_grace - MAX_CLOCK_SKEW
        if slow and await self._outbox.find_one({"_id": cid}, projection=["_id"]) is None:
            await self._put_marker(marker)  # step 3
        self._remember(stream_id, last_version)
        self._recent[cid] = commit
        while len(self._recent) > self._max_recent:
            self._recent.popitem(last=False)
        return last_version

    async def _put_marker(self, marker: dict[str, Any]) -> None:
        with contextlib.suppress(DuplicateKeyError):
            await self._outbox.insert_one(dict(marker))

    async def unpublished(self, limit: int) -> list[dict[str, Any]]:
        """The oldest stored commits not yet on Kafka, each stream's in order.

        Reads the outbox (its backlog only) and fetches each commit by ``_id``. A stream
        stops at its first marker whose commit is not (yet) stored, so a later commit of
        it never overtakes an earlier one; orphans past the grace are cleared here.
        """
        markers = [m async for m in self._outbox.find({})]
        self.pending_seen = len(markers)
        markers.sort(key=lambda m: (m["stream_id"], m["base_version"]))
        found = {
            m["_id"]: self._recent[m["_id"]] for m in markers[:limit] if m["_id"] in self._recent
        }
        unknown = [m for m in markers[:limit] if m["_id"] not in found]
        for start in range(0, len(unknown), LOOKUP_CHUNK):
            chunk = unknown[start : start + LOOKUP_CHUNK]
            docs = await asyncio.gather(*(self._commits.find_one({"_id": m["_id"]}) for m in chunk))
            found.update((m["_id"], d) for m, d in zip(chunk, docs, strict=True) if d is not None)
        commits: list[dict[str, Any]] = []
        orphans: list[dict[str, Any]] = []
        blocked: set[str] = set()
        now = _wallclock()
        for marker in markers[:limit]:
            stream = marker["stream_id"]
            commit = found.get(marker["_id"])
            if commit is None:
                blocked.add(stream)
                if now - marker["at"].replace(tzinfo=UTC) > self._orphan_grace:
                    orphans.append(marker)
            elif stream not in blocked:
                commits.append(commit)
        for orphan in orphans:
            await self._drop_orphan(orphan)
        return commits

    async def _drop_orphan(self, marker: dict[str, Any]) -> None:
        """Delete a marker whose commit was not found, then look again (module docstring)."""
        await self._outbox.delete_one({"_id": marker["_id"]})
        if await self._commits.find_one({"_id": marker["_id"]}, projection=["_id"]) is not None:
            await self._put_marker(marker)

    async def mark_published(self, commit_ids: Sequence[str], at: datetime) -> None:
        """Kafka acknowledged these commits' events: they leave the outbox."""
        ids = list(commit_ids)
        for cid in ids:
            self._recent.pop(cid, None)
        for start in range(0, len(ids), 500):
            await self._outbox.delete_many({"_id": {"$in": ids[start : start + 500]}})

    async def count_unpublished(self) -> int:
        """Markers in the outbox (stored commits not yet on Kafka, plus any orphan)."""
        return await self._outbox.count_documents({})
