"""Where messages are sent outside the app: contact details kept by this service only.

Contacts are personal data and never enter the event log. A user sets their own
(``PUT /me/contact``: e-mail, phone, a WeCom group robot's URL for an office); an
inspector's e-mail and phone also come from the directory.
"""

from __future__ import annotations

from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.notifications import Channel

COLLECTION = "contacts"
FIELDS = {Channel.email: "email", Channel.sms: "phone", Channel.wecom: "wecom_robot_url"}


class InspectorContacts(Protocol):
    async def inspector_contact(self, inspector_id: str, field: str) -> str | None: ...


class ContactBook:
    """Addresses by mailbox and channel: the user's own first, then the directory's."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], directory: InspectorContacts) -> None:
        self._coll = db[COLLECTION]
        self._directory = directory

    async def set(self, mailbox: str, values: dict[str, str | None]) -> None:
        """Set the given fields; the others stay as they were."""
        if values:
            await self._coll.update_one({"_id": mailbox}, {"$set": values}, upsert=True)

    async def own(self, mailbox: str) -> dict[str, str | None]:
        """The contact details the user set (``None`` where unset)."""
        doc = await self._coll.find_one({"_id": mailbox}) or {}
        return {field: doc.get(field) for field in FIELDS.values()}

    async def address(self, mailbox: str, channel: Channel) -> str | None:
        field = FIELDS.get(channel)
        if field is None:
            return None
        doc = await self._coll.find_one({"_id": mailbox})
        if doc is not None and doc.get(field):
            return str(doc[field])
        if mailbox.startswith("inspector:") and channel in (Channel.email, Channel.sms):
            return await self._directory.inspector_contact(mailbox.split(":", 1)[1], field)
        return None


class MemoryContacts:
    def __init__(self, addresses: dict[tuple[str, Channel], str] | None = None) -> None:
        self.addresses = dict(addresses or {})

    async def address(self, mailbox: str, channel: Channel) -> str | None:
        return self.addresses.get((mailbox, channel))
