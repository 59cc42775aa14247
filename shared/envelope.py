"""The event envelope: one shape for every event on every topic.

On Kafka an event is a CloudEvents 1.0 JSON document in *structured* content mode
(``content-type: application/cloudevents+json``), as the CloudEvents Kafka protocol
binding defines it: the value is the whole event and no header starts with ``ce_`` (a
``ce_`` header means *binary* mode to a CloudEvents SDK). For routing without parsing,
the headers ``duxue_type`` and ``duxue_id`` repeat the type and id; messages written
before they were renamed carry ``ce_type`` and ``ce_id`` instead, which the consumers
still read (:data:`LEGACY_TYPE_HEADER`). The CloudEvents core attributes carry
id, source, type, subject (the stream id) and time (when it happened); the platform's
own facts travel as CloudEvents extension attributes (lower-case letters only, as the
spec requires):

=================  ==========================================================
``streamversion``  position of the event in its stream, 1, 2, 3 …
``partitionkey``   the Kafka message key (CloudEvents "partitioning" extension)
``recordedtime``   when the platform stored the event
``schemaversion``  version of the payload schema for this ``type``
``actorid``        who caused it; ``actorrole`` in which role
``jurisdiction``   where: ``province:…/city:…/county:…/zone:…/school:…``
``correlationid``  the request or process that the event belongs to
``causationid``    the command or event that directly caused it
=================  ==========================================================
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.jurisdiction import Jurisdiction

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
TYPE_HEADER = "duxue_type"
ID_HEADER = "duxue_id"
LEGACY_TYPE_HEADER = "ce_type"
"""The type header of messages produced before the structured-mode fix (issue 17)."""
SPEC_VERSION = "1.0"


class Actor(BaseModel):
    """Who caused an event: a user in a role, or a service acting on its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=32)


class EventEnvelope(BaseModel):
    """An immutable, attributable fact in one stream."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    event_type: str = Field(min_length=3, max_length=120)
    schema_version: int = Field(ge=1)
    source: str = Field(min_length=1, max_length=120)
    stream_id: str = Field(min_length=1, max_length=200)
    stream_version: int = Field(ge=1)
    partition_key: str = Field(min_length=1, max_length=200)
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    actor: Actor
    jurisdiction: Jurisdiction
    correlation_id: str = Field(min_length=1, max_length=64)
    causation_id: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any]

    def to_cloudevent(self) -> dict[str, Any]:
        """The CloudEvents structured-mode JSON object (plain JSON types only)."""
        event: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": str(self.event_id),
            "source": self.source,
            "type": self.event_type,
            "subject": self.stream_id,
            "time": _iso(self.occurred_at),
            "datacontenttype": "application/json",
            "dataschema": schema_urn(self.event_type, self.schema_version),
            "schemaversion": self.schema_version,
            "streamversion": self.stream_version,
            "partitionkey": self.partition_key,
            "recordedtime": _iso(self.recorded_at),
            "actorid": self.actor.user_id,
            "actorrole": self.actor.role,
            "jurisdiction": self.jurisdiction.path,
            "correlationid": self.correlation_id,
            "data": self.payload,
        }
        if self.causation_id is not None:
            event["causationid"] = self.causation_id
        return event

    @classmethod
    def from_cloudevent(cls, event: dict[str, Any]) -> EventEnvelope:
        """Parse a CloudEvents object written by :meth:`to_cloudevent`."""
        if event.get("specversion") != SPEC_VERSION:
            raise ValueError(f"unsupported CloudEvents specversion {event.get('specversion')!r}")
        return cls(
            event_id=event["id"],
            event_type=event["type"],
            schema_version=event["schemaversion"],
            source=event["source"],
            stream_id=event["subject"],
            stream_version=event["streamversion"],
            partition_key=event["partitionkey"],
            occurred_at=event["time"],
            recorded_at=event["recordedtime"],
            actor=Actor(user_id=event["actorid"], role=event["actorrole"]),
            jurisdiction=Jurisdiction.from_path(event["jurisdiction"]),
            correlation_id=event["correlationid"],
            causation_id=event.get("causationid"),
            payload=event["data"],
        )

    def to_bytes(self) -> bytes:
        """The one JSON encoding used on Kafka (UTF-8, no ASCII escaping, sorted keys)."""
        return json.dumps(
            self.to_cloudevent(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> EventEnvelope:
        """Decode a Kafka message value; raises ``ValueError`` on anything malformed."""
        try:
            event = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a JSON event: {exc}") from exc
        if not isinstance(event, dict):
            raise ValueError("event is not a JSON object")
        try:
            return cls.from_cloudevent(event)
        except KeyError as exc:
            raise ValueError(f"event lacks attribute {exc.args[0]!r}") from exc

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        """Structured-mode headers, with the type and id for routing without parsing
        (never a ``ce_`` header: CloudEvents SDKs would read the message as binary)."""
        return [
            ("content-type", CONTENT_TYPE.encode()),
            (TYPE_HEADER, self.event_type.encode()),
            (ID_HEADER, str(self.event_id).encode()),
        ]


def schema_urn(event_type: str, schema_version: int) -> str:
    """The ``dataschema`` URI that names a payload schema in the published catalogue."""
    return f"urn:duxue:schema:{event_type}:{schema_version}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def cloudevent_json_schema() -> dict[str, Any]:
    """JSON Schema of the value of every message on an event topic (published in docs)."""
    string = {"type": "string", "minLength": 1}
    timestamp = {"type": "string", "format": "date-time"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:duxue:schema:envelope:1",
        "title": "duxue event (CloudEvents 1.0, structured mode)",
        "type": "object",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "dataschema",
            "schemaversion",
            "streamversion",
            "partitionkey",
            "recordedtime",
            "actorid",
            "actorrole",
            "jurisdiction",
            "correlationid",
            "data",
        ],
        "additionalProperties": False,
        "properties": {
            "specversion": {"const": SPEC_VERSION},
            "id": {"type": "string", "format": "uuid"},
            "source": string,
            "type": {"type": "string", "pattern": r"^cn\.duxue\.[a-z_]+\.[a-z_]+$"},
            "subject": string,
            "time": timestamp,
            "datacontenttype": {"const": "application/json"},
            "dataschema": {"type": "string", "pattern": "^urn:duxue:schema:"},
            "schemaversion": {"type": "integer", "minimum": 1},
            "streamversion": {"type": "integer", "minimum": 1},
            "partitionkey": string,
            "recordedtime": timestamp,
            "actorid": string,
            "actorrole": string,
            "jurisdiction": {"type": "string", "pattern": r"^province:[^/]+(/[a-z]+:[^/]+)*$"},
            "correlationid": string,
            "causationid": string,
            "data": {"type": "object"},
        },
    }
