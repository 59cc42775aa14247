"""Where offices' rule sets are kept: a port, its MongoDB form and an in-memory fake."""

from __future__ import annotations

from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from services.notifications.rules.domain import RuleSet

COLLECTION = "notification_rules"


class RuleBook(Protocol):
    async def versions(self, office: str) -> list[RuleSet]:
        """Every version of the office's rules (none: the defaults apply)."""
        ...

    async def add(self, rules: RuleSet) -> bool:
        """Store a new version; False when that version exists already."""
        ...


class MemoryRuleBook:
    def __init__(self) -> None:
        self._sets: dict[tuple[str, int], RuleSet] = {}

    async def versions(self, office: str) -> list[RuleSet]:
        return [s for (o, _), s in sorted(self._sets.items()) if o == office]

    async def add(self, rules: RuleSet) -> bool:
        key = (rules.office, rules.version)
        if key in self._sets:
            return False
        self._sets[key] = rules
        return True


class MongoRuleBook:
    """One document per (office, version), ``_id`` ``<office>@<version>`` (the lock)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._coll = db[COLLECTION]

    async def versions(self, office: str) -> list[RuleSet]:
        cursor = self._coll.find({"office": office}).sort("version")
        return [
            RuleSet.model_validate({k: v for k, v in d.items() if k != "_id"}) async for d in cursor
        ]

    async def add(self, rules: RuleSet) -> bool:
        doc = {"_id": f"{rules.office}@{rules.version}", **rules.model_dump(mode="python")}
        result = await self._coll.update_one(
            {"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True
        )
        return result.upserted_id is not None
