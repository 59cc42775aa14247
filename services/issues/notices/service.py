"""Formal rectification notices (《督导整改通知书》): numbering, issuing, printing, receipts.

Issuing a notice takes three steps, each safe to repeat:

1. check, before any number is reserved, that the caller may (the county office of
   the school's county, or the city office for a city-direct school:
   :func:`~services.issues.rectification.service.ensure_notice_issuer`) and that the issue may
   get one (the pure :func:`~services.issues.rectification.domain.decide` with a placeholder
   number: open, major, no notice yet): a refusal burns no number;
2. take the issue's number from the issuing office's notice book of the year
   (:class:`~services.issues.numbering.service.NumberBooks`, idempotent per issue);
3. append ``RectificationNoticeIssued`` through
   :meth:`~services.issues.rectification.service.IssueService.act` (which checks again).

A crash between 2 and 3 leaves the number reserved for that issue only: the retry
gets the same number back, so numbers are neither burnt nor duplicated. Two requests
racing for one issue both get its number; one appends, the other gets 409.

The printed notice is filled from the issue's own events (the event store, never a read
model in flux) and the directory (the school's name and principal, the office's name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.issues.notices.documents import NoticeDocument
from services.issues.numbering.service import NumberBooks, OfficeNames, office_code, office_of
from services.issues.rectification import domain as i
from services.issues.rectification.service import (
    IssueService,
    LoadedIssue,
    ensure_notice_issuer,
)
from shared.auth import Principal, Role, ensure_role, ensure_sees, ensure_within
from shared.commands import CallerContext, InvalidField, NotFound, StreamHandler
from shared.contracts.issues import (
    IssueOpened,
    NoticeReceiptRecorded,
    RectificationNoticeIssued,
)
from shared.contracts.registers import NumberKind
from shared.deadlines import ensure_not_past
from shared.directory.lookup import DirectoryLookup
from shared.envelope import EventEnvelope
from shared.events import EventRegistry
from shared.eventstore import StreamStore

PLACEHOLDER = "（待编号）"


class NoNotice(NotFound):
    def __init__(self, issue_id: str) -> None:
        super().__init__(f"整改问题 {issue_id} 尚未下发整改通知书 (no notice issued yet)")


@dataclass(frozen=True)
class IssuedNotice:
    issue_id: str
    notice_no: str
    issued_on: date
    deadline: date
    version: int


@dataclass(frozen=True)
class NoticeFacts:
    """An issue's notice as its events tell it."""

    loaded: LoadedIssue
    opened: IssueOpened
    notice: RectificationNoticeIssued
    notice_event: EventEnvelope
    receipt: NoticeReceiptRecorded | None


class NoticeService:
    def __init__(
        self,
        issues: IssueService,
        books: NumberBooks,
        names: OfficeNames,
        directory: DirectoryLookup,
        store: StreamStore,
        registry: EventRegistry,
        legal_basis: str,
    ) -> None:
        self._issues = issues
        self._books = books
        self._names = names
        self._directory = directory
        self._store = store
        self._registry = registry
        self._legal_basis = legal_basis

    async def issue(
        self,
        issue_id: str,
        deadline: date,
        note: str,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> IssuedNotice:
        """Number and issue the issue's notice (see the module docstring); 412 when
        ``expected_version`` is stale, before a number is reserved."""
        principal, ctx = caller.principal, caller.ctx
        current = await self._issues.load(issue_id)
        ensure_within(principal, current.jurisdiction)
        ensure_notice_issuer(principal, current.jurisdiction)
        StreamHandler.check_expected(i.stream_id(issue_id), expected_version, current.version)
        issued_on = i.local_day(ctx.now)
        ensure_not_past("body.deadline", deadline, ctx.now)
        cmd = i.IssueNotice(
            by=principal.user_id,
            notice_no=PLACEHOLDER,
            issued_on=issued_on,
            deadline=deadline,
            note=note,
        )
        i.decide(current.state, cmd)  # IllegalStep (409) before a number is reserved
        office = office_of(ctx.actor.role, current.jurisdiction)
        assigned = await self._books.assign(
            NumberKind.notice, office, issued_on.year, issue_id, ctx
        )
        numbered = replace(cmd, notice_no=assigned.number)
        version = await self._issues.execute(current, numbered, caller, expected_version)
        return IssuedNotice(issue_id, assigned.number, issued_on, deadline, version)

    async def record_receipt(
        self,
        issue_id: str,
        received_by: str,
        received_on: date,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> int:
        """登记回执: the school received the notice on ``received_on``."""
        principal, ctx = caller.principal, caller.ctx
        # the roles IssueService admits for a receipt, asked before any fact is looked at
        ensure_role(
            principal, Role.principal, Role.county_office, Role.city_office, Role.province_office
        )
        facts = await self.facts(issue_id, principal)
        if received_on < facts.notice.issued_on:
            raise InvalidField(
                "body.received_on",
                f"签收日期不能早于通知书下发日期 {facts.notice.issued_on.isoformat()} "
                "(received before issued)",
            )
        if received_on > i.local_day(ctx.now):
            raise InvalidField("body.received_on", "签收日期不能晚于今天 (received in the future)")
        cmd = i.RecordNoticeReceipt(
            by=principal.user_id, received_by=received_by, received_on=received_on
        )
        return await self._issues.execute(facts.loaded, cmd, caller, expected_version)

    async def facts(self, issue_id: str, principal: Principal) -> NoticeFacts:
        """The notice of an issue the caller may see (404 without one, 403 outside)."""
        loaded = await self._issues.load(issue_id)
        ensure_sees(principal, loaded.jurisdiction)
        opened: IssueOpened | None = None
        notice: tuple[RectificationNoticeIssued, EventEnvelope] | None = None
        receipt: NoticeReceiptRecorded | None = None
        for envelope in await self._store.load(i.stream_id(issue_id)):
            payload = self._registry.parse(envelope)
            if isinstance(payload, IssueOpened):
                opened = payload
            elif isinstance(payload, RectificationNoticeIssued):
                notice = (payload, envelope)
            elif isinstance(payload, NoticeReceiptRecorded):
                receipt = payload
        if opened is None or notice is None:
            raise NoNotice(issue_id)
        return NoticeFacts(loaded, opened, notice[0], notice[1], receipt)

    async def document(self, issue_id: str, principal: Principal) -> NoticeDocument:
        """The printed notice of an issue the caller may see."""
        facts = await self.facts(issue_id, principal)
        school = await self._directory.school(facts.opened.school_id)
        office = office_of(facts.notice_event.actor.role, facts.loaded.jurisdiction)
        return NoticeDocument(
            notice_no=facts.notice.notice_no,
            school_name=school.name if school else facts.opened.school_id,
            office_name=await self._names.office_name(office_code(office)),
            legal_basis=self._legal_basis,
            item_title=facts.opened.item_title,
            description=facts.opened.description,
            requirement=facts.opened.requirement,
            major_kind=facts.opened.major_kind,
            issued_on=facts.notice.issued_on,
            deadline=facts.notice.deadline,
            note=facts.notice.note,
            principal_name=school.principal_name if school else None,
            received_by=facts.receipt.received_by if facts.receipt else None,
            received_on=facts.receipt.received_on if facts.receipt else None,
        )
