"""The visits service's event streams: one way to load, decide and append any of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from shared.commands import StreamHandler
from shared.events import EventPayload
from shared.runtime import Runtime

S = TypeVar("S")
SOURCE = "/duxue/visits"
"""The CloudEvents ``source`` of every event the visits service writes."""


def stream_handler(
    runtime: Runtime, initial: S, evolve: Callable[[S, EventPayload], S]
) -> StreamHandler[S]:
    """A handler of one aggregate's streams on the runtime's event store and relay."""
    return runtime.stream_handler(SOURCE, initial, evolve)
