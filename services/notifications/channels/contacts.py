"""Where messages are sent outside the app: contact details kept by this service only.

Contacts are personal data and never enter the event log. A user sets their own
(``PUT /me/contact``); an inspector's e-mail address also comes from the directory.
"""

from __future__ import annotations

from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

COLLECTION = "contacts"


class InspectorEmails(Protocol):
    async def inspector_email(self, inspector_id: str) -> str | None: ...


class ContactBook:
    """E-mail addresses by mailbox: the user's own first, then the directory's."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], directory: InspectorEmails) -> None:
        self._coll = db[COLLECTION]
        self._directory = directory

    async def set_email(self, mailbox: str, email: str | None) -> None:
        await self._coll.update_one({"_id": mailbox}, {"$set": {"email": email}}, upsert=True)

    async def email(self, mailbox: str) -> str | None:
        doc = await self._coll.find_one({"_id": mailbox})
        if doc is not None and doc.get("email"):
            return str(doc["email"])
        if mailbox.startswith("inspector:"):
            return await self._directory.inspector_email(mailbox.split(":", 1)[1])
        return None


class MemoryContacts:
    def __init__(self, emails: dict[str, str] | None = None) -> None:
        self.emails = dict(emails or {})

    async def email(self, mailbox: str) -> str | None:
        return self.emails.get(mailbox)
