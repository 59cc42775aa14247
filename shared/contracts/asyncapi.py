"""``python -m shared.contracts.asyncapi > docs/asyncapi.json``: the AsyncAPI 3.0 document.

Generated from the event registry, like the catalogue (:mod:`shared.catalogue`): one
channel per event topic (``duxue.<context>.events``), one message per event type. A
message's payload is the CloudEvents structured-mode envelope (``components.schemas.
CloudEvent``) with ``type``, ``schemaversion`` and ``dataschema`` fixed and ``data`` the
payload's JSON Schema; its headers are the ones the outbox relay sets; its Kafka key is
the ``partitionkey`` attribute; every message carries one example (made by
:mod:`shared.contracts.examples`). Every service serves the document at
``GET /asyncapi.json``; a unit test keeps docs/asyncapi.json equal to it.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import shared.contracts  # noqa: F401  (registers every contract)
from shared import topics
from shared.contracts.examples import DAY, MOMENT, example
from shared.envelope import (
    CONTENT_TYPE,
    ID_HEADER,
    TYPE_HEADER,
    cloudevent_json_schema,
    schema_urn,
)
from shared.events import EventRegistry, registry

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
ENVELOPE = "CloudEvent"
HEADERS = "KafkaHeaders"
PRODUCERS = {topics.DIRECTORY: "visits"}
"""The service that publishes a topic, where its name is not the topic's context."""

DESCRIPTION = """\
Events of the 责任督学挂牌督导 platform on Kafka. Every message is a CloudEvents 1.0
event in structured mode (Kafka protocol binding): the value is the JSON event, the
header `content-type` is `application/cloudevents+json; charset=utf-8`, no header starts
with `ce_`; `duxue_type` and `duxue_id` repeat the type and id for routing. The key is
the `partitionkey` attribute (the stream id unless a context keys by school), so the
events of one stream arrive in `streamversion` order. A message may arrive more than
once (same `id`): de-duplicate by `id`. A payload schema changes only by a new
`schemaversion` of its type. Topics may carry a deployment prefix (`KAFKA_TOPIC_PREFIX`).
"""


def asyncapi_document(source: EventRegistry = registry) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every event topic and type in ``source``."""
    catalogue = source.catalogue()
    schemas: dict[str, Any] = {ENVELOPE: _envelope_schema(), HEADERS: _headers_schema()}
    messages: dict[str, Any] = {}
    by_topic: dict[str, list[str]] = {t: [] for t in sorted(set(topics.EVENT_TOPICS))}
    for entry in catalogue:
        key = entry["type"]
        schemas[key] = _hoisted(entry["schema"], key)
        messages[key] = _message(entry)
        by_topic.setdefault(entry["topic"], []).append(key)
    channels, operations = {}, {}
    for topic in sorted(by_topic):
        channel = _channel_id(topic)
        channels[channel] = {
            "address": topic,
            "title": topic,
            "description": _channel_description(topic, by_topic[topic]),
            "messages": {k: {"$ref": f"#/components/messages/{k}"} for k in by_topic[topic]},
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
        }
        operations[f"publish_{channel}"] = {
            "action": "send",
            "title": f"The platform publishes to {topic}",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{k}"} for k in by_topic[topic]],
        }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "duxue platform events", "version": "0.1.0", "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


@functools.cache
def published_asyncapi() -> dict[str, Any]:
    """The document of the platform-wide registry, built once (what services serve)."""
    return asyncapi_document()


def _channel_id(topic: str) -> str:
    return topic.removeprefix("duxue.").replace(".", "_")


def _channel_description(topic: str, types: list[str]) -> str:
    if not types:
        return f"`{topic}`: no event type is published here yet."
    return f"`{topic}`: {len(types)} event types, kept forever (read models rebuild from it)."


def _envelope_schema() -> dict[str, Any]:
    schema = cloudevent_json_schema()
    schema.pop("$schema")
    schema["description"] = f"JSON Schema $id {schema.pop('$id')}"
    return schema


def _headers_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["content-type", TYPE_HEADER, ID_HEADER],
        "properties": {
            "content-type": {"const": CONTENT_TYPE},
            TYPE_HEADER: {"type": "string", "description": "the CloudEvents `type`"},
            ID_HEADER: {"type": "string", "format": "uuid", "description": "the `id`"},
        },
    }


def _hoisted(schema: dict[str, Any], key: str) -> dict[str, Any]:
    """The payload schema with its ``$defs`` references made document-absolute (its
    ``$id`` removed, so every resolver reads them against this document), and each
    ``discriminator`` in AsyncAPI's form (the property name, not OpenAPI's object)."""
    hoisted = copy.deepcopy(schema)
    urn = hoisted.pop("$id")
    hoisted["description"] = f"{hoisted.get('description', '')}\n\nJSON Schema $id {urn}".strip()
    prefix = f"#/components/schemas/{key}/$defs/"

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                node["$ref"] = prefix + ref.removeprefix("#/$defs/")
            if isinstance(node.get("discriminator"), dict):  # OpenAPI's form, pydantic's
                node["discriminator"] = node["discriminator"]["propertyName"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(hoisted)
    return hoisted


def _message(entry: dict[str, Any]) -> dict[str, Any]:
    kind, version = entry["type"], entry["schema_version"]
    description: str = entry["description"]
    return {
        "name": kind,
        "title": kind.rsplit(".", 1)[-1],
        "summary": description.splitlines()[0] if description else kind,
        "description": description,
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": f"#/components/schemas/{HEADERS}"},
        "payload": {
            "allOf": [
                {"$ref": f"#/components/schemas/{ENVELOPE}"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": kind},
                        "schemaversion": {"const": version},
                        "dataschema": {"const": schema_urn(kind, version)},
                        "data": {"$ref": f"#/components/schemas/{kind}"},
                    },
                },
            ]
        },
        "correlationId": {
            "description": "the request or process the event belongs to",
            "location": "$message.payload#/correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": "the `partitionkey` attribute (the stream id, or the school)",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [_example(kind, version, entry["topic"])],
    }


def _example(kind: str, version: int, topic: str) -> dict[str, Any]:
    event_id = str(uuid5(NAMESPACE_URL, f"urn:duxue:example:{kind}"))
    producer = PRODUCERS.get(topic, topic.split(".")[1])
    stream = "school-s1"
    return {
        "name": "example",
        "headers": {"content-type": CONTENT_TYPE, TYPE_HEADER: kind, ID_HEADER: event_id},
        "payload": {
            "specversion": "1.0",
            "id": event_id,
            "source": f"/duxue/{producer}",
            "type": kind,
            "subject": stream,
            "time": MOMENT,
            "datacontenttype": "application/json",
            "dataschema": schema_urn(kind, version),
            "schemaversion": version,
            "streamversion": 1,
            "partitionkey": stream,
            "recordedtime": MOMENT,
            "actorid": "u-county-1",
            "actorrole": "county_office",
            "jurisdiction": "province:510000/city:510700/county:510703/school:s1",
            "correlationid": f"req-{DAY}",
            "data": example(kind),
        },
    }


def render() -> str:
    """The checked-in form of the document (docs/asyncapi.json)."""
    return json.dumps(published_asyncapi(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    print(render(), end="")
