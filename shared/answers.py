"""Typed answers shared by every service, and the base of a read-model document's.

A route that shows a read-model document answers a subclass of :class:`Document`: the
fields it declares are the ones every such document holds (typed in the OpenAPI); the
document's other fields pass through unchanged (``extra="allow"``), so declaring a model
never drops what a client reads today.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Document(BaseModel):
    """A read-model document as a route shows it (undeclared fields pass through)."""

    model_config = ConfigDict(extra="allow")


class Located(Document):
    """A document placed in the jurisdiction tree."""

    province: str
    city: str | None


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    """``ready`` (200) or ``not_ready`` (503)."""
    checks: dict[str, str]


class CatalogueEntry(Document):
    """An event type: its version, its topic, its description and payload ``schema``."""

    type: str
    schema_version: int
    topic: str


class Catalogue(BaseModel):
    """The CloudEvents envelope's JSON Schema beside every event type's payload schema."""

    envelope: dict[str, Any]
    events: list[CatalogueEntry]


class AsyncApiDocument(BaseModel):
    """An AsyncAPI 3.0 document (docs/asyncapi.json): its channels, operations and
    components; every other key of the specification passes through."""

    model_config = ConfigDict(extra="allow")

    asyncapi: str
    info: dict[str, Any]
    channels: dict[str, Any]


class Rebuilt(BaseModel):
    projection: str
    active_generation: int


class Actor(BaseModel):
    user_id: str
    role: str | None


class TimelineEntry(BaseModel):
    """One step of a stream (see :func:`shared.http.timeline_entry`)."""

    version: int
    type: str
    occurred_at: str
    actor: Actor
    correlation_id: str | None
    causation_id: str | None
    event_id: str
    payload: dict[str, Any]
