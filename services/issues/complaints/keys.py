"""Crypto-shredding of complaint texts: one data key per complaint, kept outside the log.

Every free-text field of a complaint event is a :class:`~shared.contracts.complaints.SealedText`
encrypted with the complaint's data key (AES-256-GCM, 12-byte random nonce, additional
data ``complaint:<complaint_id>``). The keys live in the issues service's own collection
**``complaint_keys``** (``_id`` = complaint id; ``key_id``, ``key`` (32 bytes),
``created_at``), behind the :class:`KeyStore` port. Erasing a complaint deletes its key:
every copy of its texts — on Kafka, in the event store, in every read model and their
backups — is unreadable from then on, and reads show :data:`ERASED`.

:class:`Reader` turns stored texts (in events, read-model documents, timelines) back
into words for one complaint, or :data:`ERASED` when its key is gone.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.commands import IllegalStep
from shared.contracts.complaints import LEGACY_SCHEME, SEALED_SCHEME, SealedText

KEYS = "complaint_keys"
ERASED = "[已删除]"
"""What a text reads as once its complaint's personal data was erased."""
ERASED_SCHEME = "erased"
"""A read model's stand-in for a text after ``ComplaintErased`` (no ciphertext kept)."""
ERASED_TEXT: dict[str, str] = {"scheme": ERASED_SCHEME}


@dataclass(frozen=True)
class DataKey:
    """A complaint's data key (AES-256)."""

    complaint_id: str
    key_id: str
    secret: bytes

    @classmethod
    def new(cls, complaint_id: str) -> DataKey:
        return cls(complaint_id, f"{complaint_id}.{secrets.token_hex(4)}", AESGCM.generate_key(256))

    def seal(self, text: str) -> SealedText:
        nonce = os.urandom(12)
        ciphertext = AESGCM(self.secret).encrypt(nonce, text.encode("utf-8"), self._aad)
        return SealedText(
            scheme=SEALED_SCHEME,
            key_id=self.key_id,
            nonce=base64.b64encode(nonce).decode(),
            ciphertext=base64.b64encode(ciphertext).decode(),
        )

    def open(self, sealed: SealedText) -> str | None:
        """The text, or ``None`` when it was not sealed with this key (or was tampered with)."""
        if sealed.key_id != self.key_id:
            return None
        try:
            plain = AESGCM(self.secret).decrypt(
                base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), self._aad
            )
        except (InvalidTag, ValueError):
            return None
        return plain.decode("utf-8")

    @property
    def _aad(self) -> bytes:
        return f"complaint:{self.complaint_id}".encode()


class KeyStore(Protocol):
    """Where complaint data keys live (never on the log)."""

    async def create(self, complaint_id: str, now: datetime) -> DataKey:
        """The complaint's key, made now if it has none (safe to repeat)."""
        ...

    async def get(self, complaint_id: str) -> DataKey | None: ...

    async def get_many(self, complaint_ids: Iterable[str]) -> dict[str, DataKey]: ...

    async def delete(self, complaint_id: str) -> bool:
        """Delete the key (shred every text sealed with it); ``False`` if there was none."""
        ...


class MongoKeyStore:
    """The key store in the issues database (collection :data:`KEYS`)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._keys = db[KEYS]

    async def create(self, complaint_id: str, now: datetime) -> DataKey:
        key = DataKey.new(complaint_id)
        try:
            await self._keys.insert_one(
                {"_id": complaint_id, "key_id": key.key_id, "key": key.secret, "created_at": now}
            )
        except DuplicateKeyError:
            existing = await self.get(complaint_id)
            if existing is None:  # deleted in between: an erasure won the race
                raise IllegalStep("该投诉的个人信息已删除 (personal data erased)") from None
            return existing
        return key

    async def get(self, complaint_id: str) -> DataKey | None:
        doc = await self._keys.find_one({"_id": complaint_id})
        return _key(doc) if doc is not None else None

    async def get_many(self, complaint_ids: Iterable[str]) -> dict[str, DataKey]:
        wanted = sorted(set(complaint_ids))
        if not wanted:
            return {}
        found = self._keys.find({"_id": {"$in": wanted}})
        return {str(doc["_id"]): _key(doc) async for doc in found}

    async def delete(self, complaint_id: str) -> bool:
        result = await self._keys.delete_one({"_id": complaint_id})
        return result.deleted_count > 0


def _key(doc: dict[str, Any]) -> DataKey:
    return DataKey(str(doc["_id"]), str(doc["key_id"]), bytes(doc["key"]))


class MemoryKeyStore:
    """A key store in memory (tests of the service and the domain)."""

    def __init__(self) -> None:
        self.keys: dict[str, DataKey] = {}

    async def create(self, complaint_id: str, now: datetime) -> DataKey:
        return self.keys.setdefault(complaint_id, DataKey.new(complaint_id))

    async def get(self, complaint_id: str) -> DataKey | None:
        return self.keys.get(complaint_id)

    async def get_many(self, complaint_ids: Iterable[str]) -> dict[str, DataKey]:
        return {i: self.keys[i] for i in complaint_ids if i in self.keys}

    async def delete(self, complaint_id: str) -> bool:
        return self.keys.pop(complaint_id, None) is not None


@dataclass(frozen=True)
class Reader:
    """Reads one complaint's stored texts: its key (``None`` once erased) and whether the
    complaint was erased (which also hides the clear text of version-1 events)."""

    key: DataKey | None
    erased: bool = False

    def text(self, stored: Any) -> Any:
        """A stored text as words (or :data:`ERASED`); anything else is returned as it is."""
        if not isinstance(stored, dict):
            return stored
        scheme = stored.get("scheme")
        if scheme == SEALED_SCHEME:
            return self._open(stored)
        if scheme == LEGACY_SCHEME:
            return ERASED if self.erased else stored.get("text", "")
        if scheme == ERASED_SCHEME:
            return ERASED
        return stored

    def _open(self, stored: dict[str, Any]) -> str:
        if self.erased or self.key is None:
            return ERASED
        try:
            opened = self.key.open(SealedText.model_validate(stored))
        except ValueError:  # malformed: nobody can read it
            return ERASED
        return ERASED if opened is None else opened

    def tree(self, value: Any) -> Any:
        """``value`` with every stored text inside it (dicts and lists) read."""
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        if isinstance(value, dict) and "scheme" not in value:
            return {k: self.tree(v) for k, v in value.items()}
        return self.text(value)
