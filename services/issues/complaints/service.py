"""Application service of complaints (举报投诉): intake, routing, handling, the linked issue.

The legality of each step lives in the pure :mod:`services.issues.complaints.domain`;
this module does the I/O around it and answers **who may**:

- staff intake: an inspector, zone leader or county office whose county holds the school;
- public intake: anyone (the route is rate-limited); the actor is ``public``;
- accept, reject, verify, open the linked issue, answer, close: a *handler* — an
  inspector the complaint is routed to or who accepted it, or the school's county office;
- re-route and erasure of the personal data: the school's county office only.

Who may *see* a case is :mod:`services.issues.complaints.access` (:meth:`visible`): a
caller who sees nothing gets 404 for the case and for every step on it, one who sees it
but may not take the step gets 403.

**Personal data** never enters an event. The complainant's contact is written to
``complainant_contacts`` (``_id`` = complaint id) *before* the ``ComplaintReceived``
event is appended, so an event never points at a contact that was not stored; the
write is an upsert of the whole document, so a retry stores the same thing. Only
handlers read it (:meth:`ComplaintService.contact_for`). The query code that lets a
complainant follow the case without an account is kept apart too
(``complaint_codes``, ``_id`` = tracking number, salted sha256 of the code).

**Free text** (subject, content, notes, reasons, findings, the answer) is sealed with
the complaint's data key (:mod:`services.issues.complaints.keys`) before it enters an
event. The key is created *before* ``ComplaintReceived`` is appended, like the contact.
**Erasure** deletes the key, then the contact, then appends ``ComplaintErased``; a crash
part-way leaves the complaint unreadable but not yet recorded as erased, and repeating
the request finishes it (see docs/complaints.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.issues.complaints import domain as c
from services.issues.complaints.access import Access, Case, access, is_county_office_of
from services.issues.complaints.keys import KeyStore, MongoKeyStore, Reader
from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.rectification import domain as i
from services.issues.rectification.service import IssueService, issue_id_for
from shared.auth import Principal, Role, ensure_role, ensure_sees, without_zone
from shared.commands import (
    CallerContext,
    CommandContext,
    Forbidden,
    IllegalStep,
    InvalidField,
    NotFound,
    StreamHandler,
)
from shared.contracts.complaints import (
    ComplaintCategory,
    ComplaintChannel,
    ErasureReason,
    SealedText,
)
from shared.contracts.issues import IssueSource
from shared.contracts.visits import MajorKind, Severity
from shared.deadlines import ensure_not_past
from shared.directory.lookup import DirectoryLookup, SchoolFacts
from shared.envelope import Actor, EventEnvelope
from shared.events import registry
from shared.eventstore import ConcurrencyConflict
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.runtime import Runtime

CONTACTS = "complainant_contacts"
CODES = "complaint_codes"
PUBLIC = Actor(user_id="public", role="public")
"""The actor of a complaint filed through the public form (no account)."""
STAFF_INTAKE = (Role.inspector, Role.zone_leader, Role.county_office)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ERASE_ATTEMPTS = 3
NOT_HANDLER = (
    "只有承办该投诉的责任督学或学校所在县督导室可以办理 "
    "(only the inspector handling the complaint or the county office)"
)

NOT_DIRECTOR = "只有学校所在县督导室可以改派 (only the county office)"
NOT_ERASER = "只有学校所在县督导室可以删除投诉人个人信息 (only the county office)"

ROUTINE_ITEMS = {
    "administration": "校务管理和制度执行",
    "enrolment": "招生、收费、择校",
    "curriculum": "课程开设和课堂教学",
    "learning_load": "学生学习、体育锻炼和课业负担",
    "teacher_ethics": "教师师德和专业发展",
    "safety": "校园及周边安全、学生交通安全",
    "canteen_hygiene": "食堂、食品、饮水及宿舍卫生",
    "ethos": "校风、教风、学风建设",
}
"""The routine checklist's item titles (the eight 经常性督导事项), for the linked issue."""

ITEM_FOR_CATEGORY: dict[ComplaintCategory, str] = {
    ComplaintCategory.enrolment: "enrolment",
    ComplaintCategory.teaching: "curriculum",
    ComplaintCategory.teacher_ethics: "teacher_ethics",
    ComplaintCategory.learning_load: "learning_load",
    ComplaintCategory.administration: "administration",
    ComplaintCategory.surroundings: "safety",
    ComplaintCategory.safety: "safety",
    ComplaintCategory.other: "administration",
}
"""The checklist item a complaint's issue falls under unless the handler names another."""


HandlerStep = c.Accept | c.Reject | c.Verify | c.Answer | c.Close
"""The steps any handler of the case may take (:meth:`ComplaintService.handle`)."""


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.name, self.phone, self.email, self.address))


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


@dataclass(frozen=True)
class IssueRequest:
    description: str
    requirement: str
    severity: Severity
    deadline: date
    major_kind: MajorKind | None = None
    item_code: str | None = None
    item_title: str | None = None


@dataclass(frozen=True)
class LoadedComplaint:
    state: c.Complaint
    version: int
    jurisdiction: Jurisdiction


class UnknownComplaint(NotFound):
    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"举报投诉 {complaint_id} 不存在 (unknown complaint)")


def _hash(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _no_text(text: str) -> SealedText:
    raise AssertionError("this step carries no text")  # pragma: no cover


class ComplaintService:
    def __init__(
        self,
        runtime: Runtime,
        directory: DirectoryLookup,
        issues: IssueService,
        answer_days: int,
        keys: KeyStore | None = None,
    ) -> None:
        self._runtime = runtime
        self.keys: KeyStore = keys or MongoKeyStore(runtime.db)
        self._directory = directory
        self._issues = issues
        self._answer_days = answer_days
        self._contacts = runtime.db[CONTACTS]
        self._codes = runtime.db[CODES]
        self._streams = StreamHandler[c.Complaint](
            runtime.store,
            registry,
            source="/duxue/issues",
            initial=c.Complaint(),
            evolve=c.evolve,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )

    def today(self) -> date:
        return i.local_day(self._runtime.clock())

    # ------------------------------------------------------------ intake

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
        key = await self.keys.create(complaint_id, ctx.now)
        if contact is not None:
            await self._store_contact(complaint_id, school, contact, ctx)
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
            complaint_id = self._runtime.new_id().hex
            tracking_no = f"TS{day:%Y%m%d}{int(complaint_id, 16) % 10**6:06d}"
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            salt = secrets.token_hex(8)
            try:
                await self._codes.insert_one(
                    {
                        "_id": tracking_no,
                        "complaint_id": complaint_id,
                        "salt": salt,
                        "code_sha256": _hash(code, salt),
                        "created_at": ctx.now,
                    }
                )
            except DuplicateKeyError:
                continue  # the same number today already: draw another
            return complaint_id, tracking_no, code
        raise RuntimeError("no free tracking number")  # pragma: no cover

    async def _store_contact(
        self, complaint_id: str, school: SchoolFacts, contact: Contact, ctx: CommandContext
    ) -> None:
        await self._contacts.replace_one(
            {"_id": complaint_id},
            {
                "_id": complaint_id,
                "name": contact.name,
                "phone": contact.phone,
                "email": contact.email,
                "address": contact.address,
                "school_id": school.school_id,
                "stored_at": ctx.now,
            },
            upsert=True,
        )

    # ------------------------------------------------------------ loading and reading

    async def load(self, complaint_id: str) -> LoadedComplaint:
        loaded = await self._streams.load(c.stream_id(complaint_id))
        if loaded.state.status == c.Status.none or loaded.jurisdiction is None:
            raise UnknownComplaint(complaint_id)
        return LoadedComplaint(loaded.state, loaded.version, loaded.jurisdiction)

    async def led_zones(self, principal: Principal) -> list[str]:
        """The zones the caller leads (组长), from the directory copy."""
        if not principal.roles & {Role.inspector, Role.zone_leader}:
            return []
        zones = await ReadModels(self._runtime.db, DIRECTORY_VIEW).collection("zones")
        cursor = zones.find({"leader_id": principal.user_id}, projection={"_id": True})
        return [doc["_id"] async for doc in cursor]

    async def access(self, principal: Principal, current: LoadedComplaint) -> Access:
        """What the caller may see and do of this complaint (see :mod:`.access`)."""
        case = Case.of_state(current.state, current.jurisdiction)
        seen = access(principal, case)
        if seen.handles or case.where.zone is None:
            return seen  # the zones the caller leads could add nothing
        return access(principal, case, await self.led_zones(principal))

    async def visible(
        self, complaint_id: str, principal: Principal
    ) -> tuple[LoadedComplaint, Access]:
        """The complaint and the caller's access; 404 (as if unknown) when they see nothing."""
        current = await self.load(complaint_id)
        seen = await self.access(principal, current)
        if not seen.visible:
            raise UnknownComplaint(complaint_id)
        return current, seen

    async def visible_with_events(
        self, complaint_id: str, principal: Principal
    ) -> tuple[LoadedComplaint, Access, list[EventEnvelope]]:
        """:meth:`visible`, with the stream's events from the same load (its timeline)."""
        loaded, events = await self._streams.load_with_events(c.stream_id(complaint_id))
        if loaded.state.status == c.Status.none or loaded.jurisdiction is None:
            raise UnknownComplaint(complaint_id)
        current = LoadedComplaint(loaded.state, loaded.version, loaded.jurisdiction)
        seen = await self.access(principal, current)
        if not seen.visible:
            raise UnknownComplaint(complaint_id)
        return current, seen, events

    async def contacts_for(
        self, principal: Principal, complaint_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        """:meth:`contact_for` for a list's rows: one load of their streams (the read model
        lags: the stream decides whether the caller still handles a case) and one of the
        contacts, whatever the number of rows."""
        loaded = await self._streams.load_many([c.stream_id(cid) for cid in complaint_ids])
        handled = [
            state.complaint_id
            for state, where in ((x.state, x.jurisdiction) for x in loaded.values())
            if where is not None
            and state.has_contact
            and access(principal, Case.of_state(state, where)).handles
        ]
        if not handled:
            return {}
        stored = {doc["_id"]: doc async for doc in self._contacts.find({"_id": {"$in": handled}})}
        return {
            cid: (
                {k: stored[cid].get(k) for k in ("name", "phone", "email", "address")}
                if cid in stored
                else {"erased": True}
            )
            for cid in handled
        }

    async def contact_for(
        self, principal: Principal, current: LoadedComplaint
    ) -> dict[str, Any] | None:
        """The complainant's contact if the caller handles the case (else ``None``)."""
        handles = access(principal, Case.of_state(current.state, current.jurisdiction)).handles
        if not current.state.has_contact or not handles:
            return None
        doc = await self._contacts.find_one({"_id": current.state.complaint_id})
        if doc is None:
            return {"erased": True}
        return {k: doc.get(k) for k in ("name", "phone", "email", "address")}

    async def reader(self, complaint_id: str, erased: bool) -> Reader:
        """Reads the complaint's stored texts (``[已删除]`` once erased)."""
        key = None if erased else await self.keys.get(complaint_id)
        return Reader(key, erased)

    async def readers(self, docs: list[dict[str, Any]]) -> dict[str, Reader]:
        """A reader per listed read-model document, with one look-up of their keys."""
        live = [d["complaint_id"] for d in docs if not d.get("erased")]
        keys = await self.keys.get_many(live)
        return {
            d["complaint_id"]: Reader(keys.get(d["complaint_id"]), bool(d.get("erased")))
            for d in docs
        }

    async def public_status(self, tracking_no: str, code: str) -> LoadedComplaint:
        """The complaint for its tracking number and query code; 404 for either wrong."""
        unknown = NotFound(f"未找到受理编号为 {tracking_no} 的投诉，或查询码不正确 (not found)")
        entry = await self._codes.find_one({"_id": tracking_no})
        if entry is None or not hmac.compare_digest(
            entry["code_sha256"], _hash(code.strip().upper(), entry["salt"])
        ):
            raise unknown
        try:
            return await self.load(entry["complaint_id"])
        except UnknownComplaint:
            raise unknown from None  # reserved, but the complaint was never recorded

    # ------------------------------------------------------------ handling

    async def handle(
        self,
        complaint_id: str,
        cmd: HandlerStep,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> int:
        """A handler's step: one load, the handler's check, decide, append."""
        principal, ctx = caller.principal, caller.ctx
        current = await self._authorized(complaint_id, principal)
        if isinstance(cmd, c.Accept):
            # the county office accepts as the office unless the case is routed to it
            as_office = principal.user_id not in current.state.routed_to and is_county_office_of(
                principal, current.jurisdiction
            )
            cmd = replace(cmd, as_office=as_office)
        if isinstance(cmd, c.Verify) and cmd.visit_id:
            await self._issues.visits.ensure_visit_of(
                cmd.visit_id, current.state.school_id, "body.visit_id"
            )
        return await self._append(current, cmd, ctx, expected_version)

    async def reroute(
        self,
        complaint_id: str,
        cmd: c.Reroute,
        caller: CallerContext,
        expected: int | None = None,
    ) -> int:
        principal, ctx = caller.principal, caller.ctx
        current, seen = await self.visible(complaint_id, principal)
        if not seen.directs:
            raise Forbidden(NOT_DIRECTOR)
        for n, inspector_id in enumerate(cmd.inspector_ids):
            facts = await self._directory.inspector(inspector_id)
            if facts is None or not facts.jurisdiction.contains(
                without_zone(current.jurisdiction).model_copy(update={"school": None})
            ):
                raise InvalidField(
                    f"body.inspector_ids[{n}]",
                    f"督学 {inspector_id} 不存在或不属于该县 (unknown inspector here)",
                )
        return await self._append(current, cmd, ctx, expected)

    async def open_issue(
        self,
        complaint_id: str,
        req: IssueRequest,
        caller: CallerContext,
        expected: int | None = None,
    ) -> tuple[str, bool]:
        """Open the linked rectification issue (idempotent); ``(issue_id, newly linked)``."""
        principal, ctx = caller.principal, caller.ctx
        current = await self._authorized(complaint_id, principal)
        state = current.state
        issue_id = issue_id_for("complaint", complaint_id)
        cmd = c.LinkIssue(by=principal.user_id, issue_id=issue_id)
        if not c.decide(state, cmd, _no_text):
            return issue_id, False  # linked already
        ensure_not_past("body.deadline", req.deadline, ctx.now)
        item_code = req.item_code or ITEM_FOR_CATEGORY[state.category]
        item_title = req.item_title or ROUTINE_ITEMS.get(item_code)
        if item_title is None:
            raise InvalidField("body.item_title", "请填写整改事项名称 (item_title required)")
        opening = i.OpenIssue(
            issue_id=issue_id,
            source=IssueSource.complaint,
            school_id=state.school_id,
            item_code=item_code,
            item_title=item_title,
            description=req.description,
            requirement=req.requirement,
            severity=req.severity,
            major_kind=req.major_kind,
            deadline=req.deadline,
            responsible_inspector_id=state.handling_inspector or principal.user_id,
            source_ref=complaint_id,
        )
        await self._issues.open(opening, ctx, current.jurisdiction)
        await self._append(current, cmd, ctx, expected)
        return issue_id, True

    async def _authorized(self, complaint_id: str, principal: Principal) -> LoadedComplaint:
        current, seen = await self.visible(complaint_id, principal)
        if not seen.handles:
            raise Forbidden(NOT_HANDLER)
        return current

    async def _append(
        self,
        current: LoadedComplaint,
        cmd: c.Command,
        ctx: CommandContext,
        expected: int | None,
    ) -> int:
        stream = c.stream_id(current.state.complaint_id)
        StreamHandler.check_expected(stream, expected, current.version)
        seal = _no_text if isinstance(cmd, c.Erase) else await self._seal(current.state, ctx)
        events = c.decide(current.state, cmd, seal)
        if not events:
            return current.version
        where = current.jurisdiction
        return await self._streams.append(stream, current.version, events, ctx, where)

    async def _seal(self, state: c.Complaint, ctx: CommandContext) -> c.Seal:
        """The complaint's sealing function. An erased complaint has none (every step is
        refused); one received before encryption gets its key now."""
        if state.erased:
            return _no_text
        key = await self.keys.get(state.complaint_id)
        if key is None:
            key = await self.keys.create(state.complaint_id, ctx.now)
        return key.seal

    # ------------------------------------------------------------ erasure

    async def erase(
        self,
        complaint_id: str,
        reason: ErasureReason,
        request_ref: str | None,
        caller: CallerContext,
    ) -> int:
        """Erase the personal data (PIPL): delete the key, then the contact, then record
        ``ComplaintErased``. 409 once erased; a repeat after a crash part-way finishes."""
        principal, ctx = caller.principal, caller.ctx
        for _ in range(ERASE_ATTEMPTS):
            current, seen = await self.visible(complaint_id, principal)
            if not seen.directs:
                raise Forbidden(NOT_ERASER)
            if current.state.erased:
                raise IllegalStep("该投诉的个人信息已删除 (personal data already erased)")
            await self.keys.delete(complaint_id)
            removed = await self._contacts.delete_one({"_id": complaint_id})
            cmd = c.Erase(
                by=principal.user_id,
                reason=reason,
                request_ref=request_ref,
                contact_removed=current.state.has_contact or removed.deleted_count > 0,
            )
            try:
                return await self._append(current, cmd, ctx, None)
            except ConcurrencyConflict:
                continue  # a step came in between (sealed with the deleted key): again
        raise IllegalStep("投诉正在被同时办理，请稍后重试 (busy, try again)")
