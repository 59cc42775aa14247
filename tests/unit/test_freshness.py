"""The one read-your-writes wait (``shared.freshness``) on fakes: no Kafka, no MongoDB."""

from __future__ import annotations

import pytest

from shared.commands import NotCaughtUp
from shared.freshness import caught_up


class Head:
    def __init__(self, version: int) -> None:
        self.head = version

    async def version(self, stream_id: str) -> int:
        return self.head


class Lagging:
    """A read model that moves one version per look, up to ``until``."""

    def __init__(self, start: int | None, until: int) -> None:
        self.current, self.until, self.looks = start, until, 0

    async def __call__(self) -> int | None:
        self.looks += 1
        if self.looks > 1:
            self.current = min((self.current or 0) + 1, self.until)
        return self.current


async def test_a_read_model_already_there_is_not_waited_for() -> None:
    shown = Lagging(3, 3)
    assert await caught_up(shown, Head(3), "s", 2) == 3
    assert shown.looks == 1


async def test_the_wait_ends_at_the_version_asked_for() -> None:
    assert await caught_up(Lagging(None, 5), Head(5), "s", 4, wait_seconds=5) == 4


async def test_a_version_past_the_head_is_waited_for_as_the_head() -> None:
    assert await caught_up(Lagging(1, 3), Head(3), "s", 9, wait_seconds=5) == 3


async def test_no_version_asked_means_the_streams_head() -> None:
    assert await caught_up(Lagging(1, 4), Head(4), "s", None, wait_seconds=5) == 4


async def test_an_unknown_stream_is_not_waited_for() -> None:
    assert await caught_up(Lagging(None, 0), Head(0), "s", 2) is None


async def test_a_read_model_that_does_not_catch_up_in_time_is_503() -> None:
    with pytest.raises(NotCaughtUp, match="version 2"):
        await caught_up(Lagging(1, 1), Head(2), "s", 2, wait_seconds=0.05)
