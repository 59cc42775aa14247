"""The complaint key store's contract, against the real MongoDB-wire server and in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.issues.complaints.keys import KEYS, KeyStore, MemoryKeyStore, MongoKeyStore

NOW = datetime(2026, 11, 16, tzinfo=UTC)
Stores = dict[str, Callable[[AsyncDatabase[dict[str, Any]]], KeyStore]]
STORES: Stores = {"mongo": MongoKeyStore, "memory": lambda db: MemoryKeyStore()}


@pytest.mark.parametrize("kind", sorted(STORES))
async def test_a_key_is_made_once_read_back_and_deleted_for_good(
    kind: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    store = STORES[kind](db)
    key = await store.create("c1", NOW)
    assert await store.create("c1", NOW) == key  # a retried intake seals with the same key
    other = await store.create("c2", NOW)
    sealed = key.seal("请回电 13912345678")
    assert (await store.get("c1")) == key and key.open(sealed) == "请回电 13912345678"
    assert await store.get_many(["c1", "c2", "c3"]) == {"c1": key, "c2": other}
    assert await store.delete("c1") and not await store.delete("c1")
    assert await store.get("c1") is None and await store.get_many(["c1"]) == {}
    assert other.open(sealed) is None  # another complaint's key opens nothing
    if kind == "mongo":
        assert await db[KEYS].count_documents({"_id": "c1"}) == 0
