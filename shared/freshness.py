"""Reading one's own writes: wait until a read model shows a stream's version.

A command answers the version it wrote (``ETag`` and ``version``); its read model shows
it a moment later. A single-resource GET that takes ``?min_version=n``
(:data:`shared.routing.MinVersion`) calls :func:`caught_up` before it reads: it returns
at once when the read model already shows version ``n``, else it polls the read model
(10 ms, doubling to 200 ms) until it does. A version past the stream's head (one look-up
of the event store's commit index, no event read) is waited for as the head; an unknown
stream is not waited for (the read answers 404). Past :data:`READ_WAIT_SECONDS` it
raises :class:`~shared.commands.NotCaughtUp` (503): the write is safe, retry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.asynchronous.collection import AsyncCollection

from shared.commands import NotCaughtUp

READ_WAIT_SECONDS = 5.0
"""The longest a read waits for its read model (then 503)."""

Shown = Callable[[], Awaitable[int | None]]
"""The version the read model shows of the resource (``None``: not there yet)."""


class StreamVersions(Protocol):
    """The event store's current version of a stream (the commit index only)."""

    async def version(self, stream_id: str) -> int: ...


def shown_in(collection: AsyncCollection[dict[str, Any]], key: dict[str, Any]) -> Shown:
    """The ``version`` field of the read-model document at ``key``."""

    async def shown() -> int | None:
        doc = await collection.find_one(key, projection={"version": True})
        return None if doc is None or doc.get("version") is None else int(doc["version"])

    return shown


def not_caught_up(wanted: int) -> NotCaughtUp:
    return NotCaughtUp(
        f"第 {wanted} 版尚在处理中，请稍后重试 "
        f"(the read model has not reached version {wanted} yet)"
    )


async def caught_up(
    shown: Shown,
    versions: StreamVersions,
    stream_id: str,
    min_version: int | None,
    wait_seconds: float = READ_WAIT_SECONDS,
) -> int | None:
    """Wait until ``shown()`` reaches ``min_version`` (``None``: the stream's head), or
    the head when ``min_version`` is past it; the version then shown (``None`` for an
    unknown stream). 503 (:class:`NotCaughtUp`) past ``wait_seconds``."""
    current = await shown()
    if min_version is not None and current is not None and current >= min_version:
        return current
    head = await versions.version(stream_id)
    if head == 0:
        return current
    wanted = head if min_version is None else min(min_version, head)
    deadline, pause = time.monotonic() + wait_seconds, 0.01
    while current is None or current < wanted:
        if time.monotonic() >= deadline:
            raise not_caught_up(wanted)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.2)
        current = await shown()
    return current


@dataclass(frozen=True)
class Freshness:
    """What a single-resource GET was asked to wait for (``?min_version=``)."""

    versions: StreamVersions
    min_version: int | None = None
    wait_seconds: float = READ_WAIT_SECONDS

    async def at_least(
        self, collection: AsyncCollection[dict[str, Any]], key: dict[str, Any], stream_id: str
    ) -> None:
        """Wait until the document at ``key`` shows ``min_version`` (nothing to wait for
        when the client named none): the read that follows returns that version or later."""
        if self.min_version is not None:
            shown = shown_in(collection, key)
            await caught_up(shown, self.versions, stream_id, self.min_version, self.wait_seconds)
