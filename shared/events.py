"""Event payload contracts and the registry that publishes them.

Every event type is a frozen pydantic model subclassing :class:`EventPayload` with
three class-level facts: its ``event_type`` (``cn.duxue.<context>.<name>``), its
``schema_version`` and the ``topic`` it is published on. Registering a class makes it
decodable by every consumer and puts its JSON Schema in the published catalogue.

A schema change that is not backwards compatible bumps ``schema_version`` and registers
an *upcaster* that lifts stored payloads of the old version to the new one, so that old
events stay readable forever (the log is never rewritten).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.envelope import EventEnvelope, schema_urn

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventPayload(BaseModel):
    """Base of every event payload: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str]


P = TypeVar("P", bound=EventPayload)


class UnknownEventType(LookupError):
    """The registry does not know the event's type (or that version of it)."""


class EventRegistry:
    """Maps event type names to payload classes; parses, upcasts and exports schemas."""

    def __init__(self) -> None:
        self._types: dict[str, type[EventPayload]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: type[P]) -> type[P]:
        """Register a payload class (usable as a class decorator)."""
        existing = self._types.get(cls.event_type)
        if existing is not None and existing is not cls:
            raise ValueError(f"event type {cls.event_type} registered twice")
        self._types[cls.event_type] = cls
        return cls

    def register_upcaster(self, event_type: str, from_version: int, fn: Upcaster) -> None:
        """Declare how a payload of ``from_version`` becomes ``from_version + 1``."""
        self._upcasters[(event_type, from_version)] = fn

    def payload_class(self, event_type: str) -> type[EventPayload]:
        try:
            return self._types[event_type]
        except KeyError:
            raise UnknownEventType(f"unknown event type {event_type!r}") from None

    def knows(self, event_type: str) -> bool:
        return event_type in self._types

    def topic_for(self, event_type: str) -> str:
        return self.payload_class(event_type).topic

    def topics(self) -> set[str]:
        return {cls.topic for cls in self._types.values()}

    def parse(self, envelope: EventEnvelope) -> EventPayload:
        """The typed payload of an envelope, upcast to the current schema version.

        Raises :class:`UnknownEventType` or ``ValueError`` (a payload that does not fit
        its schema); consumers send such events to their dead-letter topic.
        """
        cls = self.payload_class(envelope.event_type)
        data = envelope.payload
        version = envelope.schema_version
        if version > cls.schema_version:
            raise UnknownEventType(
                f"{envelope.event_type} v{version} is newer than this service knows "
                f"(v{cls.schema_version})"
            )
        while version < cls.schema_version:
            upcaster = self._upcasters.get((envelope.event_type, version))
            if upcaster is None:
                raise UnknownEventType(f"no upcaster for {envelope.event_type} v{version}")
            data = upcaster(data)
            version += 1
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"payload of {envelope.event_type} is invalid: {exc}") from exc

    def catalogue(self) -> list[dict[str, Any]]:
        """One entry per event type: name, version, topic and payload JSON Schema."""
        entries = []
        for name in sorted(self._types):
            cls = self._types[name]
            schema = cls.model_json_schema()
            schema["$id"] = schema_urn(name, cls.schema_version)
            entries.append(
                {
                    "type": name,
                    "schema_version": cls.schema_version,
                    "topic": cls.topic,
                    "description": (cls.__doc__ or "").strip(),
                    "schema": schema,
                }
            )
        return entries


registry = EventRegistry()
"""The platform-wide registry; contract modules in :mod:`shared.contracts` fill it."""
