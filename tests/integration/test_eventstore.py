"""The event store against the real MongoDB-wire server."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.directory import SchoolDetailsCorrected
from shared.eventstore import COMMITS, OUTBOX, ConcurrencyConflict, EventStore
from shared.jurisdiction import Jurisdiction
from tests.conftest import Infra
from tests.factories import envelope
from tests.fakes import MemoryEventStore

HERE = Jurisdiction(province="510000", city="510700", county="510704")


def correction(n: int) -> SchoolDetailsCorrected:
    return SchoolDetailsCorrected(school_id="s", name=f"名称{n}", reason="更正")


async def test_appends_and_loads_in_order(db: AsyncDatabase[dict[str, Any]]) -> None:
    store = EventStore(db)
    await store.create_indexes()
    first = [envelope(correction(i), "st", i, HERE) for i in (1, 2)]
    assert await store.append("st", 0, first) == 2
    third = [envelope(correction(3), "st", 3, HERE)]
    assert await store.append("st", 2, third) == 3
    loaded = await store.load("st")
    assert [e.stream_version for e in loaded] == [1, 2, 3]
    assert loaded == [*first, *third]
    assert await store.version("nothing") == 0


async def test_a_stale_version_conflicts(db: AsyncDatabase[dict[str, Any]]) -> None:
    store = EventStore(db)
    await store.append("st", 0, [envelope(correction(1), "st", 1, HERE)])
    with pytest.raises(ConcurrencyConflict) as caught:
        await store.append("st", 0, [envelope(correction(1), "st", 1, HERE)])
    assert caught.value.actual_version == 1


async def test_of_concurrent_writers_exactly_one_wins(db: AsyncDatabase[dict[str, Any]]) -> None:
    store = EventStore(db)
    await store.create_indexes()

    async def write(n: int) -> bool:
        try:
            await store.append("race", 0, [envelope(correction(n), "race", 1, HERE)])
            return True
        except ConcurrencyConflict:
            return False

    results = await asyncio.gather(*(write(n) for n in range(8)))
    assert results.count(True) == 1
    assert len(await store.load("race")) == 1


async def test_new_commits_wait_in_the_outbox(db: AsyncDatabase[dict[str, Any]]) -> None:
    store = EventStore(db)
    await store.append("a", 0, [envelope(correction(1), "a", 1, HERE)])
    await store.append("a", 1, [envelope(correction(2), "a", 2, HERE)])
    pending = await store.unpublished(10)
    assert [c["base_version"] for c in pending] == [0, 1]
    await store.mark_published([pending[0]["_id"]], pending[0]["recorded_at"])
    assert await store.count_unpublished() == 1


async def test_events_must_continue_the_stream(db: AsyncDatabase[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="continue the stream"):
        await EventStore(db).append("st", 0, [envelope(correction(1), "st", 2, HERE)])


# -- what the store asks the server: point look-ups and indexed equality only -----------


class Recorder(monitoring.CommandListener):
    """Every command a client sends (name, collection, filters)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, list[dict[str, Any]]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        cmd = event.command
        name = event.command_name
        if name in {"find", "count", "aggregate", "update", "delete", "insert"}:
            target = str(cmd[name])
            if name == "find":
                filters = [dict(cmd.get("filter", {}))]
            elif name == "update":
                filters = [dict(u["q"]) for u in cmd.get("updates", [])]
            elif name == "delete":
                filters = [dict(d["q"]) for d in cmd.get("deletes", [])]
            elif name == "aggregate":
                filters = [dict(s["$match"]) for s in cmd.get("pipeline", []) if "$match" in s]
            else:
                filters = []
            self.seen.append((name, target, filters))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_commits_are_read_by_id_or_stream_and_never_updated(infra: Infra) -> None:
    recorder = Recorder()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongodb_uri, tz_aware=True, event_listeners=[recorder]
    )
    name = f"t_{uuid4().hex[:10]}"
    try:
        store = EventStore(client[name])
        await store.create_indexes()
        await store.append("q", 0, [envelope(correction(1), "q", 1, HERE)])
        await store.append("q", 1, [envelope(correction(2), "q", 2, HERE)])
        await EventStore(client[name]).append("q", 2, [envelope(correction(3), "q", 3, HERE)])
        with pytest.raises(ConcurrencyConflict):
            await store.append("q", 1, [envelope(correction(2), "q", 2, HERE)])
        assert len(await store.load("q")) == 3
        pending = await store.unpublished(100)
        assert [c["base_version"] for c in pending] == [0, 1, 2]
        await store.mark_published([c["_id"] for c in pending], pending[0]["recorded_at"])
        assert await store.count_unpublished() == 0
    finally:
        await client.drop_database(name)
        await client.close()
    on_commits = [(n, f) for n, target, f in recorder.seen if target == COMMITS]
    assert {n for n, _ in on_commits} <= {"find", "insert"}, on_commits
    for _, filters in on_commits:
        for flt in filters:
            assert set(flt) in ({"_id"}, {"stream_id"}), flt
            assert all(isinstance(v, str) for v in flt.values()), flt  # no $in, no ranges


async def test_the_stream_and_id_lookups_use_an_index_on_postgresql(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    """FerretDB's pushed-down equality is served by the GIN twins infra.sh provisions."""
    store = EventStore(db)
    await store.create_indexes()
    await db[COMMITS].insert_many(
        [
            {"_id": f"s{i}@0", "stream_id": f"s{i}", "base_version": 0, "last_version": 1}
            for i in range(3000)
        ]
    )
    plans = [
        await db.command("explain", {"find": COMMITS, "filter": flt})
        for flt in ({"_id": "s7@0"}, {"stream_id": "s7"})
    ]
    if not isinstance(plans[0]["queryPlanner"].get("Plan"), dict):
        pytest.skip("not FerretDB on PostgreSQL (its SQLite backend scans every find)")
    for plan in plans:
        assert "Seq Scan" not in str(plan["queryPlanner"]), plan["queryPlanner"]


# -- the outbox's crash points --------------------------------------------------------


def commit_doc(stream: str, base: int) -> dict[str, Any]:
    event = envelope(correction(base + 1), stream, base + 1, HERE)
    return {
        "_id": f"{stream}@{base}",
        "stream_id": stream,
        "base_version": base,
        "last_version": base + 1,
        "recorded_at": event.recorded_at,
        "events": [event.to_cloudevent()],
    }


def marker_doc(stream: str, base: int, age: timedelta = timedelta(0)) -> dict[str, Any]:
    return {
        "_id": f"{stream}@{base}",
        "stream_id": stream,
        "base_version": base,
        "at": datetime.now(UTC) - age,
    }


async def test_a_marker_without_its_commit_is_never_published_and_is_cleared_late(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    """Writer crashed after the marker, before the commit."""
    await db[OUTBOX].insert_one(marker_doc("o", 0))
    relay = EventStore(db, orphan_grace=timedelta(minutes=5))
    assert await relay.unpublished(10) == []
    assert await relay.count_unpublished() == 1  # within the grace: the writer may be slow
    await db[OUTBOX].replace_one({"_id": "o@0"}, marker_doc("o", 0, timedelta(minutes=6)))
    assert await relay.unpublished(10) == []
    assert await relay.count_unpublished() == 0


async def test_a_stream_waits_behind_its_first_commit_still_being_written(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    await db[OUTBOX].insert_many([marker_doc("w", 0), marker_doc("w", 1), marker_doc("x", 0)])
    await db[COMMITS].insert_many([commit_doc("w", 1), commit_doc("x", 0)])
    relay = EventStore(db)
    assert [c["_id"] for c in await relay.unpublished(10)] == ["x@0"]


async def test_a_relay_that_clears_a_slow_writers_marker_cannot_lose_its_commit(
    db: AsyncDatabase[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay clears the marker while the writer is between marker and commit.

    Both use a grace of 0: every writer counts as slow and reads its marker back.
    """
    writer = EventStore(db, orphan_grace=timedelta(0))
    relay = EventStore(db, orphan_grace=timedelta(0))
    insert = writer._commits.insert_one

    async def stalled_insert(doc: dict[str, Any]) -> Any:
        assert await relay.unpublished(10) == []
        assert await relay.count_unpublished() == 0  # the relay took it for an orphan
        return await insert(doc)

    monkeypatch.setattr(writer._commits, "insert_one", stalled_insert)
    await writer.append("slow", 0, [envelope(correction(1), "slow", 1, HERE)])
    assert [c["_id"] for c in await relay.unpublished(10)] == ["slow@0"]


async def test_a_commit_landing_while_the_relay_clears_its_marker_keeps_it(
    db: AsyncDatabase[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's commit lands after the relay deleted the marker it took for an orphan."""
    await db[OUTBOX].insert_one(marker_doc("late", 0, timedelta(hours=1)))
    relay = EventStore(db, orphan_grace=timedelta(0))
    delete = relay._outbox.delete_one

    async def delete_then_commit_lands(flt: dict[str, Any]) -> Any:
        result = await delete(flt)
        await db[COMMITS].insert_one(commit_doc("late", 0))
        return result

    monkeypatch.setattr(relay._outbox, "delete_one", delete_then_commit_lands)
    assert await relay.unpublished(10) == []
    monkeypatch.undo()
    assert [c["_id"] for c in await relay.unpublished(10)] == ["late@0"]


async def test_an_append_at_a_version_inside_a_commit_does_not_fork_the_stream(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    first = [envelope(correction(i), "f", i, HERE) for i in (1, 2)]
    await EventStore(db).append("f", 0, first)
    other_process = EventStore(db)
    with pytest.raises(ConcurrencyConflict) as caught:
        await other_process.append("f", 1, [envelope(correction(2), "f", 2, HERE)])
    assert caught.value.actual_version == 2
    assert [e.stream_version for e in await other_process.load("f")] == [1, 2]


@pytest.mark.parametrize("kind", ["ferretdb", "memory"])
async def test_many_streams_load_as_each_alone(
    db: AsyncDatabase[dict[str, Any]], kind: str
) -> None:
    """The contract a list relies on, of the real store and of the service tests' fake."""
    store = EventStore(db) if kind == "ferretdb" else MemoryEventStore()
    await store.append("a", 0, [envelope(correction(i), "a", i, HERE) for i in (1, 2)])
    await store.append("a", 2, [envelope(correction(3), "a", 3, HERE)])
    await store.append("b", 0, [envelope(correction(1), "b", 1, HERE)])
    many = await store.load_many(["b", "a", "none"])
    assert many == {"a": await store.load("a"), "b": await store.load("b"), "none": []}
    assert [e.stream_version for e in many["a"]] == [1, 2, 3]
    with pytest.raises(ConcurrencyConflict):
        await store.append("b", 0, [envelope(correction(2), "b", 1, HERE)])
