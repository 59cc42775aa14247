"""Turning Kafka messages into events: the full, validating path and the lean hot path.

:func:`decode` validates the whole CloudEvents envelope with pydantic and upcasts the
payload through the registry; it names the reason when a message cannot be used (the
dead-letter reason). :class:`LeanDecoder` is what the projection kernel runs per event:

1. the ``duxue_type`` Kafka header (``ce_type`` on messages produced before issue 17)
   says the type before anything is parsed, so events the consumer does not handle
   cost a header look-up (messages without either header are parsed to find their
   type);
2. ``orjson`` parses the value; the envelope is assembled from the parsed attributes
   with the same types the validating model would give (UUID, aware datetimes,
   :class:`~shared.jurisdiction.Jurisdiction`), without a second validation pass;
3. the payload is validated by its own model only.

Anything unusual — an old schema version (upcasting), a missing attribute, a bad value,
a payload that fails validation — falls back to :func:`decode`, so the lean path never
decides what a message means differently from the full one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import orjson
from aiokafka import ConsumerRecord
from pydantic import BaseModel

from shared.envelope import LEGACY_TYPE_HEADER, SPEC_VERSION, TYPE_HEADER, Actor, EventEnvelope
from shared.events import EventPayload, EventRegistry, UnknownEventType
from shared.jurisdiction import Jurisdiction

TYPE_HEADERS = (TYPE_HEADER, LEGACY_TYPE_HEADER)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Kafka message with its decoded event, or the reason it could not be decoded."""

    record: ConsumerRecord
    envelope: EventEnvelope | None
    payload: EventPayload | None
    error: str | None

    @property
    def position_key(self) -> str:
        return f"{self.record.topic}:{self.record.partition}"


def decode(record: ConsumerRecord, registry: EventRegistry) -> Delivery:
    """The validating decoder (full envelope, upcasting); names the reason on failure."""
    try:
        envelope = EventEnvelope.from_bytes(record.value)
    except ValueError as exc:
        return Delivery(record, None, None, f"undecodable: {exc}")
    try:
        payload = registry.parse(envelope)
    except UnknownEventType as exc:
        return Delivery(record, envelope, None, f"unknown_type: {exc}")
    except ValueError as exc:
        return Delivery(record, envelope, None, f"invalid_payload: {exc}")
    return Delivery(record, envelope, payload, None)


def header_type(record: ConsumerRecord) -> str | None:
    """The event type from the type header (or the legacy one), if the producer set it."""
    for key, value in record.headers or ():
        if key in TYPE_HEADERS:
            return bytes(value).decode()
    return None


M = TypeVar("M", bound=BaseModel)


def _assemble(cls: type[M], values: dict[str, Any]) -> M:
    """A model instance from values that already have the field types (no validation)."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


K = TypeVar("K")
V = TypeVar("V")
INTERNED = 100_000
"""Entries an interning memo holds before it starts over."""


def _interned(memo: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """One immutable instance per key (actors and jurisdictions repeat on every event)."""
    found = memo.get(key)
    if found is None:
        if len(memo) > INTERNED:
            memo.clear()
        found = memo[key] = make()
    return found


_JURISDICTIONS: dict[str, Jurisdiction] = {}


def _jurisdiction(path: str) -> Jurisdiction:
    """One per school at most."""
    return _interned(_JURISDICTIONS, path, lambda: _parse_jurisdiction(path))


def _parse_jurisdiction(path: str) -> Jurisdiction:
    values: dict[str, str | None] = {
        "province": None,
        "city": None,
        "county": None,
        "zone": None,
        "school": None,
    }
    for part in path.split("/"):
        level, _, code = part.partition(":")
        if level not in values or not code:
            raise ValueError(f"bad jurisdiction path segment: {part!r}")
        values[level] = code
    if values["province"] is None:
        raise ValueError("jurisdiction without a province")
    return _assemble(Jurisdiction, values)


_ACTORS: dict[tuple[str, str], Actor] = {}


def _actor(user_id: str, role: str) -> Actor:
    """A few thousand people."""
    return _interned(
        _ACTORS, (user_id, role), lambda: _assemble(Actor, {"user_id": user_id, "role": role})
    )


def lean_envelope(event: dict[str, Any]) -> EventEnvelope:
    """The envelope from parsed CloudEvents attributes; raises on anything missing."""
    if event["specversion"] != SPEC_VERSION:
        raise ValueError("unsupported specversion")
    data = event["data"]
    if not isinstance(data, dict):
        raise ValueError("data is not an object")
    return _assemble(
        EventEnvelope,
        {
            "event_id": UUID(event["id"]),
            "event_type": str(event["type"]),
            "schema_version": int(event["schemaversion"]),
            "source": str(event["source"]),
            "stream_id": str(event["subject"]),
            "stream_version": int(event["streamversion"]),
            "partition_key": str(event["partitionkey"]),
            "occurred_at": _aware(event["time"]),
            "recorded_at": _aware(event["recordedtime"]),
            "actor": _actor(str(event["actorid"]), str(event["actorrole"])),
            "jurisdiction": _jurisdiction(event["jurisdiction"]),
            "correlation_id": str(event["correlationid"]),
            "causation_id": event.get("causationid"),
            "payload": data,
        },
    )


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("timestamp without a zone")
    return moment


class LeanDecoder:
    """Decodes only the event types a consumer handles, cheaply (see the module doc)."""

    def __init__(self, registry: EventRegistry, handles: frozenset[str]) -> None:
        self._registry = registry
        self.handles = handles
        self._classes = {t: registry.payload_class(t) for t in handles if registry.knows(t)}
        self._handled = {t.encode() for t in handles}

    def wanted(self, record: ConsumerRecord) -> bool:
        """False only when the header names a known type that this consumer ignores
        (an unknown type is decoded, to be dead-lettered with its reason)."""
        for key, value in record.headers or ():
            if key in TYPE_HEADERS:
                return value in self._handled or not self._registry.knows(value.decode())
        return True

    def decode(self, record: ConsumerRecord) -> Delivery | None:
        """The delivery, or ``None`` for a well-formed event of a type not handled."""
        try:
            event = orjson.loads(record.value)
            kind = event["type"]
            if kind not in self.handles and self._registry.knows(kind):
                return None
            cls = self._classes[kind]
            if event["schemaversion"] != cls.schema_version:
                return decode(record, self._registry)  # upcasting, or a newer version
            envelope = lean_envelope(event)
            return Delivery(record, envelope, cls.model_validate(envelope.payload), None)
        except Exception:
            return decode(record, self._registry)  # the validating path names the reason
