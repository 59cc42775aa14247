"""Application-layer plumbing: load a stream, decide, append, notify the relay.

The domain core of each aggregate stays pure: ``evolve(state, payload) -> state`` and
``decide(state, command) -> list[payload]``. This module does the I/O around them and
turns payloads into envelopes with the context of the request that caused them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar
from uuid import UUID

from shared import metrics
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload, EventRegistry
from shared.eventstore import StalePrecondition, StreamStore
from shared.jurisdiction import Jurisdiction

if TYPE_CHECKING:
    from shared.auth import Principal

S = TypeVar("S")


class IllegalStep(Exception):
    """The command is not allowed in the aggregate's current state (HTTP 409)."""


class Forbidden(PermissionError):
    """The caller may not do this here (HTTP 403); the message says why, in zh-CN."""


class InvalidField(ValueError):
    """A request names something that does not exist or does not fit (HTTP 422).

    ``field`` is the request field at fault, dotted as FastAPI writes a schema error's
    location, e.g. ``body.team.1`` or ``body.evidence.0``.
    The 422 body's ``message`` is the field's message; its one ``errors`` entry has the
    type :attr:`kind`.
    """

    kind = "invalid_reference"
    summary: str | None = None
    """The 422 body's top-level message (``None``: the field's own message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FieldProblem(InvalidField):
    """A command's value does not fit a rule of the domain (HTTP 422 naming ``field``),
    answered like a request that failed validation (``"请求数据不符合要求"``)."""

    kind = "value_error"
    summary = "请求数据不符合要求 (invalid request)"


class UnknownReference(FieldProblem):
    """A command's body names an id that does not exist (HTTP 422 naming ``field``, type
    ``invalid_reference`` like every unknown id), in a command answered as invalid."""

    kind = "invalid_reference"


class NotFound(LookupError):
    """The addressed thing does not exist (HTTP 404); the message says what, in zh-CN."""


class NotCaughtUp(Exception):
    """A read model has not reached the version a read waits for (HTTP 503): the write
    was accepted, the read model will show it shortly; retry."""


@dataclass(frozen=True)
class CommandContext:
    """Who asks, when, and as part of what (brought by the command, never read inside)."""

    actor: Actor
    now: datetime
    correlation_id: str
    causation_id: str | None = None


@dataclass(frozen=True)
class CallerContext:
    """The verified caller of a command and the context the command brings.

    Routes receive it as :data:`shared.routing.Caller`; services take it whole.
    """

    principal: Principal
    ctx: CommandContext


@dataclass(frozen=True)
class Loaded(Generic[S]):
    state: S
    version: int
    jurisdiction: Jurisdiction | None = None
    """Where the stream's first event happened (a stream never moves)."""


class StreamHandler(Generic[S]):
    """Loads, decides and appends for one aggregate type in one service."""

    def __init__(
        self,
        store: StreamStore,
        registry: EventRegistry,
        source: str,
        initial: S,
        evolve: Callable[[S, EventPayload], S],
        new_id: Callable[[], UUID],
        on_append: Callable[[], None] = lambda: None,
        service: str = "",
    ) -> None:
        self._store = store
        self._registry = registry
        self._source = source
        self._initial = initial
        self._evolve = evolve
        self._new_id = new_id
        self._on_append = on_append
        self._service = service

    async def load(self, stream_id: str) -> Loaded[S]:
        loaded, _ = await self.load_with_events(stream_id)
        return loaded

    async def load_with_events(self, stream_id: str) -> tuple[Loaded[S], list[EventEnvelope]]:
        """The stream's state and its events, from one load (a timeline shows both)."""
        events = await self._store.load(stream_id)
        return self._fold(events), events

    async def load_many(self, stream_ids: Sequence[str]) -> dict[str, Loaded[S]]:
        """The state of each stream, from one query of the store."""
        found = await self._store.load_many(stream_ids)
        return {stream_id: self._fold(events) for stream_id, events in found.items()}

    def _fold(self, events: Sequence[EventEnvelope]) -> Loaded[S]:
        state = self._initial
        for envelope in events:
            state = self._evolve(state, self._registry.parse(envelope))
        where = events[0].jurisdiction if events else None
        return Loaded(state, len(events), where)

    async def append(
        self,
        stream_id: str,
        expected_version: int,
        payloads: Sequence[EventPayload],
        ctx: CommandContext,
        jurisdiction: Jurisdiction,
        partition_key: str | None = None,
    ) -> int:
        """Wrap payloads in envelopes and append them; returns the new version."""
        envelopes = [
            EventEnvelope(
                event_id=self._new_id(),
                event_type=p.event_type,
                schema_version=p.schema_version,
                source=self._source,
                stream_id=stream_id,
                stream_version=expected_version + i,
                partition_key=partition_key or stream_id,
                occurred_at=ctx.now,
                recorded_at=ctx.now,
                actor=ctx.actor,
                jurisdiction=jurisdiction,
                correlation_id=ctx.correlation_id,
                causation_id=ctx.causation_id,
                payload=p.model_dump(mode="json"),
            )
            for i, p in enumerate(payloads, start=1)
        ]
        version = await self._store.append(stream_id, expected_version, envelopes)
        for p in payloads:
            metrics.EVENTS_APPENDED.labels(self._service, p.event_type).inc()
        self._on_append()
        return version

    @staticmethod
    def check_expected(stream_id: str, expected: int | None, actual: int) -> None:
        """412 when a client's ``If-Match`` version is stale."""
        if expected is not None and expected != actual:
            raise StalePrecondition(stream_id, expected, actual)
