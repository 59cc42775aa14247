"""The reshape of the services (issue 11) changes no contract.

``fixtures/contract_before.json`` was taken from main before the reshape: the route
table of the issues and visits services (method, path and the names of the path, query
and header parameters) and the published event catalogue (each type, version and topic
with a digest of its payload schema, and a digest of the envelope's). A route, a
parameter or an event schema that changes on purpose changes the fixture in the same
commit, with the reason in its message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.visits.bootstrap import create_app as create_visits
from shared.catalogue import published_catalogue

BEFORE = json.loads((Path(__file__).parent / "fixtures" / "contract_before.json").read_text())


def route_table(app: FastAPI) -> list[dict[str, Any]]:
    rows = []
    for path, operations in sorted(app.openapi()["paths"].items()):
        for method, operation in sorted(operations.items()):
            names = sorted(f"{p['in']}:{p['name']}" for p in operation.get("parameters", []))
            rows.append({"method": method.upper(), "path": path, "parameters": names})
    return rows


def digest(schema: Any) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize("service", ["issues", "visits"])
def test_the_route_table_is_the_one_before_the_reshape(service: str) -> None:
    makers: dict[str, Callable[[], FastAPI]] = {"issues": create_issues, "visits": create_visits}
    app = makers[service]()
    assert route_table(app) == BEFORE["routes"][service]


def test_the_event_catalogue_is_the_one_before_the_reshape() -> None:
    catalogue = published_catalogue()
    assert digest(catalogue["envelope"]) == BEFORE["envelope_sha256"]
    events = [
        {
            "type": e["type"],
            "schema_version": e["schema_version"],
            "topic": e["topic"],
            "schema_sha256": digest(e["schema"]),
        }
        for e in catalogue["events"]
    ]
    assert events == BEFORE["events"]
