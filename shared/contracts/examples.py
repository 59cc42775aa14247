"""One example payload per registered event type, made from its published JSON Schema.

The examples are what the AsyncAPI document shows and what the CloudEvents conformance
test publishes. Each is the smallest instance the schema allows: required properties
only, the first enum value or union member, the minimum length, count and value; a
``pattern`` takes the first of a few known shapes that matches it. :func:`example`
validates the result with the payload's own model, so an example never shows a payload
that a consumer would refuse; a schema this cannot satisfy raises, naming the type.
"""

from __future__ import annotations

import math
import re
from typing import Any

from shared.events import EventPayload, registry

DAY = "2026-03-02"
MOMENT = "2026-03-02T08:30:00Z"
PATTERN_SHAPES = (
    "x1",
    "county",
    "school",
    "2026-03",
    "2026-W10",
    "0" * 64,
    "A" * 16,
    "QUJD",
)


def example(event_type: str) -> dict[str, Any]:
    """A valid payload of ``event_type`` (current schema version), as JSON values."""
    cls = registry.payload_class(event_type)
    schema = cls.model_json_schema()
    instance = _instance(schema, schema.get("$defs", {}), event_type)
    if not isinstance(instance, dict):
        raise ValueError(f"{event_type}: payload schema is not an object")
    return _validated(cls, instance)


def _validated(cls: type[EventPayload], instance: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = cls.model_validate(instance).model_dump(mode="json")
    return dumped


def _instance(node: dict[str, Any], defs: dict[str, Any], where: str) -> Any:
    if "$ref" in node:
        return _instance(defs[node["$ref"].rsplit("/", 1)[-1]], defs, where)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    for union in ("oneOf", "anyOf"):
        if union in node:
            members = [m for m in node[union] if m.get("type") != "null"] or node[union]
            return _instance(members[0], defs, where)
    if "allOf" in node:
        return _instance(node["allOf"][0], defs, where)
    kind = node.get("type")
    if kind == "object":
        properties: dict[str, Any] = node.get("properties", {})
        return {
            name: _instance(properties[name], defs, f"{where}.{name}")
            for name in node.get("required", [])
        }
    if kind == "array":
        return [
            _instance(node.get("items", {}), defs, where) for _ in range(node.get("minItems", 1))
        ]
    if kind == "string":
        return _string(node, where)
    if kind == "integer":
        return _number(node, 1)
    if kind == "number":
        return float(_number(node, 1))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    raise ValueError(f"{where}: no example for schema {node}")


def _string(node: dict[str, Any], where: str) -> str:
    form = node.get("format")
    if form == "date":
        return DAY
    if form == "date-time":
        return MOMENT
    shortest: int = node.get("minLength", 1)
    longest: int = node.get("maxLength", 10_000)
    pattern = node.get("pattern")
    if pattern is None:
        return "示例" + "x" * max(0, shortest - 2)
    for shape in PATTERN_SHAPES:
        repeated = shape * math.ceil(shortest / len(shape))
        if re.search(pattern, repeated) and len(repeated) <= longest:
            return repeated
    raise ValueError(f"{where}: no example matches pattern {pattern!r}")


def _number(node: dict[str, Any], default: int) -> int:
    value = default
    if "minimum" in node:
        value = max(value, math.ceil(node["minimum"]))
    if "exclusiveMinimum" in node:
        value = max(value, math.floor(node["exclusiveMinimum"]) + 1)
    if "maximum" in node:
        value = min(value, math.floor(node["maximum"]))
    return value
