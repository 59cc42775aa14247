"""The event store against the real MongoDB-wire server."""

import asyncio
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.directory import SchoolDetailsCorrected
from shared.eventstore import ConcurrencyConflict, EventStore
from shared.jurisdiction import Jurisdiction
from tests.factories import envelope

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
