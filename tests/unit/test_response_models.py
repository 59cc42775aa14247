"""Every route of the visits and issues services says what it answers (issue 11).

A route without a response model shows in the OpenAPI as an untyped object (``dict``)
or no schema at all, so a client learns nothing of the body. This walks each route's
2xx answer: JSON must be a typed schema (a model with named properties, a list or page
of one); other content (PDF, CSV, XLSX, an evidence file) must be declared as such.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.visits.bootstrap import create_app as create_visits

APPS: dict[str, Callable[[], FastAPI]] = {"visits": create_visits, "issues": create_issues}


def untyped(schema: dict[str, Any] | None, components: dict[str, Any], depth: int = 0) -> bool:
    """The schema names no fields: missing, ``{}``, a bare object, a list or page of one."""
    if not schema or depth > 3:
        return not schema
    if "$ref" in schema:
        return untyped(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth + 1)
    if "anyOf" in schema:
        return all(untyped(s, components, depth + 1) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return untyped(schema.get("items"), components, depth + 1)
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties")
        if not properties:
            return True
        items = properties.get("items") if "total" in properties else None  # a page
        return bool(items and untyped(items, components, depth + 1))
    return False


def untyped_routes(spec: dict[str, Any]) -> list[str]:
    components = spec.get("components", {}).get("schemas", {})
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answers = [a for code, a in operation["responses"].items() if code.startswith("2")]
            for answer in answers:
                content = answer.get("content", {})
                if not content:
                    if operation["responses"].get("204") is not answer:
                        found.append(f"{method.upper()} {path}: no content declared")
                    continue
                json = content.get("application/json")
                if json is not None and untyped(json.get("schema"), components):
                    found.append(f"{method.upper()} {path}")
    return sorted(found)


@pytest.mark.parametrize("service", list(APPS))
def test_every_route_answers_a_typed_model(service: str) -> None:
    assert untyped_routes(APPS[service]().openapi()) == []


def test_the_check_finds_a_bare_dict_and_a_page_of_them() -> None:
    spec = {
        "paths": {
            "/a": {
                "get": {"responses": {"200": {"content": {"application/json": {"schema": {}}}}}}
            },
            "/b": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/c/P"}}}}
                    }
                }
            },
            "/c": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/c/T"}}}}
                    }
                }
            },
        },
        "components": {
            "schemas": {
                "P": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"},
                        "items": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "T": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
        },
    }
    assert untyped_routes(spec) == ["GET /a", "GET /b"]
