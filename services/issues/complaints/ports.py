"""What the complaints service reads and writes besides its streams, as ports.

The application service and the queries see these protocols only; the MongoDB
adapters below are the real ones (the issues database), the in-memory ones in
``tests/fakes.py`` serve the service-layer tests. The data keys have their own port,
:class:`~services.issues.complaints.keys.KeyStore`.

- :class:`ContactStore` — the complainants' contacts (``complainant_contacts``), never
  in an event: written before ``ComplaintReceived``, deleted by the erasure;
- :class:`TrackingCodes` — tracking numbers with the salted hash of their query code
  (``complaint_codes``);
- :class:`LedZones` — the zones a caller leads (组长), from the directory copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from shared.auth import Principal, Role
from shared.projection import ReadModels

CONTACTS = "complainant_contacts"
CODES = "complaint_codes"
CONTACT_FIELDS = ("name", "phone", "email", "address")


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.name, self.phone, self.email, self.address))

    def shown(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in CONTACT_FIELDS}


@dataclass(frozen=True)
class TrackingCode:
    tracking_no: str
    complaint_id: str
    salt: str
    code_sha256: str


class ContactStore(Protocol):
    async def store(
        self, complaint_id: str, school_id: str, contact: Contact, now: datetime
    ) -> None:
        """Store the whole contact (a repeat stores the same thing)."""
        ...

    async def get_many(self, complaint_ids: Iterable[str]) -> dict[str, Contact]: ...

    async def delete(self, complaint_id: str) -> bool:
        """Delete it; ``False`` if there was none."""
        ...


class TrackingCodes(Protocol):
    async def reserve(self, code: TrackingCode, now: datetime) -> bool:
        """Reserve the tracking number; ``False`` when it is taken."""
        ...

    async def get(self, tracking_no: str) -> TrackingCode | None: ...


class LedZones(Protocol):
    async def led_by(self, user_id: str) -> list[str]:
        """The zones whose leader (组长) the user is."""
        ...


async def led_zones(zones: LedZones, principal: Principal) -> list[str]:
    """The zones the caller leads (组长); none for a caller who is no field staff."""
    if not principal.roles & {Role.inspector, Role.zone_leader}:
        return []
    return await zones.led_by(principal.user_id)


class MongoContacts:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._contacts = db[CONTACTS]

    async def store(
        self, complaint_id: str, school_id: str, contact: Contact, now: datetime
    ) -> None:
        doc = {"_id": complaint_id, **contact.shown(), "school_id": school_id, "stored_at": now}
        await self._contacts.replace_one({"_id": complaint_id}, doc, upsert=True)

    async def get_many(self, complaint_ids: Iterable[str]) -> dict[str, Contact]:
        wanted = sorted(set(complaint_ids))
        if not wanted:
            return {}
        found = self._contacts.find({"_id": {"$in": wanted}})
        return {
            str(doc["_id"]): Contact(**{k: doc.get(k) for k in CONTACT_FIELDS})
            async for doc in found
        }

    async def delete(self, complaint_id: str) -> bool:
        return (await self._contacts.delete_one({"_id": complaint_id})).deleted_count > 0


class MongoTrackingCodes:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._codes = db[CODES]

    async def reserve(self, code: TrackingCode, now: datetime) -> bool:
        try:
            await self._codes.insert_one(
                {
                    "_id": code.tracking_no,
                    "complaint_id": code.complaint_id,
                    "salt": code.salt,
                    "code_sha256": code.code_sha256,
                    "created_at": now,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def get(self, tracking_no: str) -> TrackingCode | None:
        doc = await self._codes.find_one({"_id": tracking_no})
        if doc is None:
            return None
        return TrackingCode(tracking_no, doc["complaint_id"], doc["salt"], doc["code_sha256"])


class DirectoryLedZones:
    """The zones' leaders from the issues service's directory copy (``issues_directory``)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._models = ReadModels(db, DIRECTORY_VIEW)

    async def led_by(self, user_id: str) -> list[str]:
        zones = await self._models.collection("zones")
        cursor = zones.find({"leader_id": user_id}, projection={"_id": True})
        return [doc["_id"] async for doc in cursor]
