"""``GET /complaints/summary``: counts of the read model's complaints in a scope (no case,
no text, no id) — by status, category and verification outcome, overdue and erased."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.issues.complaints import domain as c

FIELDS = {
    "_id": False,
    "status": True,
    "category": True,
    "verification": True,
    "answer_due_on": True,
    "erased": True,
}


async def counts(
    complaints: AsyncCollection[Any],
    scope: dict[str, Any],
    received_from: date | None,
    received_to: date | None,
    today: date,
) -> dict[str, Any]:
    """The counts of the complaints in ``scope`` received in the days asked."""
    query = dict(scope)
    days: dict[str, str] = {}
    if received_from is not None:
        days["$gte"] = received_from.isoformat()
    if received_to is not None:
        days["$lte"] = received_to.isoformat()
    if days:
        query["received_on"] = days
    day = today.isoformat()
    by: dict[str, dict[str, int]] = {"status": {}, "category": {}, "outcome": {}}
    total = overdue = erased = 0
    async for doc in complaints.find(query, projection=FIELDS):
        total += 1
        outcome = (doc.get("verification") or {}).get("outcome") or "not_verified"
        for axis, value in (
            ("status", doc["status"]),
            ("category", doc["category"]),
            ("outcome", outcome),
        ):
            by[axis][value] = by[axis].get(value, 0) + 1
        overdue += doc["status"] in c.AWAITING_ANSWER and doc["answer_due_on"] < day
        erased += bool(doc.get("erased"))
    return {
        "scope": scope,
        "received_from": received_from.isoformat() if received_from else None,
        "received_to": received_to.isoformat() if received_to else None,
        "total": total,
        "answer_overdue": overdue,
        "erased": erased,
        "by_status": dict(sorted(by["status"].items())),
        "by_category": dict(sorted(by["category"].items())),
        "by_outcome": dict(sorted(by["outcome"].items())),
    }
