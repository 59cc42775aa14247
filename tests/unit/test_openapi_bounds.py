"""Every number and day a request may bring is bounded in every service's OpenAPI.

An integer without a maximum reaches MongoDB (8-byte ints) or arithmetic unchecked; a
date without the plausible window (``shared.params.PlausibleDate``) reaches calendar
arithmetic that ends at 9999-12-31. Both gave 500s (issue 9): this keeps new routes from
bringing them back. Response schemas are not inputs and are not walked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.notifications.bootstrap import create_app as create_notifications
from services.reporting.bootstrap import create_app as create_reporting
from services.visits.bootstrap import create_app as create_visits

APPS: dict[str, Callable[[], FastAPI]] = {
    "visits": create_visits,
    "issues": create_issues,
    "notifications": create_notifications,
    "reporting": create_reporting,
}


def unbounded_inputs(spec: dict[str, Any]) -> list[str]:
    """Where a request's parameters or body hold an unbounded integer or date."""
    components = spec.get("components", {}).get("schemas", {})
    found: list[str] = []

    def walk(node: Any, where: str, seen: frozenset[str]) -> None:
        if isinstance(node, list):
            for n, item in enumerate(node):
                walk(item, f"{where}[{n}]", seen)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], f"{where}<{name}>", seen | {name})
            return
        if node.get("type") == "integer" and not {"maximum", "exclusiveMaximum"} & set(node):
            found.append(f"{where}: integer without a maximum")
        if node.get("format") == "date" and "x-plausible-window" not in node:
            found.append(f"{where}: date without the plausible window")
        for key, value in node.items():
            walk(value, f"{where}.{key}", seen)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            at = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                walk(
                    parameter.get("schema", {}),
                    f"{at} {parameter['in']}.{parameter['name']}",
                    frozenset(),
                )
            walk(operation.get("requestBody", {}), f"{at} body", frozenset())
    return found


@pytest.mark.parametrize("service", list(APPS))
def test_every_integer_and_day_a_request_brings_is_bounded(service: str) -> None:
    assert unbounded_inputs(APPS[service]().openapi()) == []


def test_the_walk_finds_an_unbounded_integer_and_date() -> None:
    spec = {
        "paths": {
            "/x": {
                "get": {
                    "parameters": [{"in": "query", "name": "skip", "schema": {"type": "integer"}}],
                    "requestBody": {"$ref": "#/components/schemas/B"},
                }
            }
        },
        "components": {
            "schemas": {"B": {"properties": {"on": {"type": "string", "format": "date"}}}}
        },
    }
    assert len(unbounded_inputs(spec)) == 2
