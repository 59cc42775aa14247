"""docs/asyncapi.json is what the code generates, is internally consistent, and is what
every service serves at ``GET /asyncapi.json`` (issue 17).

Regenerate with ``python -m shared.contracts.asyncapi > docs/asyncapi.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.notifications.bootstrap import create_app as create_notifications
from services.reporting.bootstrap import create_app as create_reporting
from services.visits.bootstrap import create_app as create_visits
from shared.contracts.asyncapi import asyncapi_document, render
from shared.envelope import cloudevent_json_schema
from shared.events import registry
from shared.topics import EVENT_TOPICS

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"
APPS: dict[str, Callable[[], FastAPI]] = {
    "visits": create_visits,
    "issues": create_issues,
    "notifications": create_notifications,
    "reporting": create_reporting,
}


def test_the_checked_in_document_is_what_the_code_generates() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "regenerate: python -m shared.contracts.asyncapi > docs/asyncapi.json"
    )


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi_document()


def test_every_reference_resolves_inside_the_document(document: dict[str, Any]) -> None:
    for ref in set(refs(document)):
        resolve(document, ref)


def discriminators(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        if "discriminator" in node:
            yield node["discriminator"]
        for value in node.values():
            yield from discriminators(value)
    elif isinstance(node, list):
        for value in node:
            yield from discriminators(value)


def test_discriminators_have_the_asyncapi_form(document: dict[str, Any]) -> None:
    """AsyncAPI's Schema Object names the property (a string), unlike OpenAPI's object
    that pydantic writes; the official parser refuses the document otherwise."""
    found = list(discriminators(document["components"]["schemas"]))
    assert found and all(isinstance(d, str) for d in found)


def test_a_channel_per_topic_and_a_message_per_event_type(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == set(EVENT_TOPICS) | registry.topics()
    catalogue = registry.catalogue()
    assert set(document["components"]["messages"]) == {e["type"] for e in catalogue}
    for entry in catalogue:
        channel = next(c for c in document["channels"].values() if c["address"] == entry["topic"])
        assert entry["type"] in channel["messages"]
    for operation in document["operations"].values():
        assert operation["action"] == "send"
        resolve(document, operation["channel"]["$ref"])


@pytest.mark.parametrize("event_type", sorted(e["type"] for e in registry.catalogue()))
def test_each_messages_example_fits_the_envelope_and_its_payload_schema(
    event_type: str, document: dict[str, Any]
) -> None:
    message = document["components"]["messages"][event_type]
    (shown,) = message["examples"]
    jsonschema.validate(shown["payload"], cloudevent_json_schema())
    schema = registry.payload_class(event_type).model_json_schema()
    jsonschema.validate(shown["payload"]["data"], schema)
    jsonschema.validate(shown["headers"], document["components"]["schemas"]["KafkaHeaders"])
    fixed = message["payload"]["allOf"][1]["properties"]
    assert shown["payload"]["type"] == fixed["type"]["const"] == event_type
    assert shown["payload"]["dataschema"] == fixed["dataschema"]["const"]


@pytest.mark.parametrize("service", sorted(APPS))
async def test_every_service_serves_the_document(service: str) -> None:
    transport = httpx.ASGITransport(app=APPS[service]())
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        answer = await http.get("/asyncapi.json")
    assert answer.status_code == 200
    assert answer.json() == json.loads(render())
