"""Reads of the directory's read model shared by the features that show schools."""

from __future__ import annotations

from typing import Any

from shared.jurisdiction import Jurisdiction


def school_jurisdiction(doc: dict[str, Any]) -> Jurisdiction:
    """Where a read-model document of a school (or of a visit to it) sits."""
    return Jurisdiction(
        province=doc["province"],
        city=doc["city"],
        county=doc["county"],
        zone=doc["zone_id"] if doc["county"] else None,
        school=doc["school_id"],
    )
