"""Receiving a complaint (登记): the tracking number and query code, the data key, the
contact, then ``ComplaintReceived`` + ``ComplaintRouted`` in one commit.

The order is the crash analysis of docs/complaints.md: the key and the contact are
stored *before* the event is appended, so no event ever refers to a key or a contact
that is missing; a crash in between leaves an orphan nobody can read. The query code
is stored as a salted hash only (``complaint_codes``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.issues.complaints import domain as c
from services.issues.complaints.keys import KeyStore
from services.issues.complaints.ports import Contact, ContactStore, TrackingCode, TrackingCodes
from services.issues.rectification import domain as i
from shared.auth import Principal, Role, ensure_role, ensure_sees
from shared.commands import CommandContext, InvalidField, StreamHandler
from shared.contracts.complaints import ComplaintCategory, ComplaintChannel
from shared.directory.lookup import DirectoryLookup, SchoolFacts
from shared.envelope import Actor

PUBLIC = Actor(user_id="public", role="public")
"""The actor of a complaint filed through the public form (no account)."""
STAFF_INTAKE = (Role.inspector, Role.zone_leader, Role.county_office)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Intake:
    school_id: str
    channel: ComplaintChannel
    category: ComplaintCategory
    subject: str
    content: str
    anonymous: bool
    contact: Contact | None = None


@dataclass(frozen=True)
class Receipt:
    complaint_id: str
    tracking_no: str
    query_code: str
    version: int
    routed_to: tuple[str, ...]
    unlisted: bool
    answer_due_on: date


def code_hash(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


class Receiving:
    """The intake of complaints, from the public form and from staff."""

    def __init__(
        self,
        streams: StreamHandler[c.Complaint],
        directory: DirectoryLookup,
        keys: KeyStore,
        contacts: ContactStore,
        codes: TrackingCodes,
        new_id: Callable[[], UUID],
        answer_days: int,
    ) -> None:
        self._streams = streams
        self._directory = directory
        self._keys = keys
        self._contacts = contacts
        self._codes = codes
        self._new_id = new_id
        self._answer_days = answer_days

    async def receive(
        self, intake: Intake, ctx: CommandContext, principal: Principal | None = None
    ) -> Receipt:
        """Record a complaint and route it; ``principal`` is ``None`` for the public form."""
        school = await self._school(intake.school_id)
        if principal is not None:
            ensure_role(principal, *STAFF_INTAKE)
            ensure_sees(principal, school.jurisdiction)
        received_on = i.local_day(ctx.now)
        contact = intake.contact if intake.contact and not intake.contact.empty else None
        complaint_id, tracking_no, code = await self._reserve_number(received_on, ctx)
        key = await self._keys.create(complaint_id, ctx.now)
        if contact is not None:
            await self._contacts.store(complaint_id, school.school_id, contact, ctx.now)
        listed = await self._directory.listed_inspectors(school.school_id, received_on)
        cmd = c.ReceiveComplaint(
            complaint_id=complaint_id,
            tracking_no=tracking_no,
            school_id=school.school_id,
            school_name=school.name,
            channel=intake.channel,
            category=intake.category,
            subject=intake.subject,
            content=intake.content,
            anonymous=intake.anonymous,
            has_contact=contact is not None,
            received_by=principal.user_id if principal is not None else PUBLIC.user_id,
            received_on=received_on,
            answer_days=self._answer_days,
            listed_inspector_ids=tuple(listed),
        )
        events = c.decide(c.Complaint(), cmd, key.seal)
        version = await self._streams.append(
            c.stream_id(complaint_id), 0, events, ctx, school.jurisdiction
        )
        return Receipt(
            complaint_id=complaint_id,
            tracking_no=tracking_no,
            query_code=code,
            version=version,
            routed_to=tuple(dict.fromkeys(listed)),
            unlisted=not listed,
            answer_due_on=c.due_on(received_on, self._answer_days),
        )

    async def _school(self, school_id: str) -> SchoolFacts:
        school = await self._directory.school(school_id)
        if school is None:
            raise InvalidField("body.school_id", f"学校 {school_id} 不存在 (unknown school)")
        return school

    async def _reserve_number(self, day: date, ctx: CommandContext) -> tuple[str, str, str]:
        """A new complaint id, its tracking number and query code (stored hashed)."""
        for _ in range(5):
            complaint_id = self._new_id().hex
            tracking_no = f"TS{day:%Y%m%d}{int(complaint_id, 16) % 10**6:06d}"
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            salt = secrets.token_hex(8)
            entry = TrackingCode(tracking_no, complaint_id, salt, code_hash(code, salt))
            if await self._codes.reserve(entry, ctx.now):
                return complaint_id, tracking_no, code
            # the same number today already: draw another
        raise RuntimeError("no free tracking number")  # pragma: no cover
