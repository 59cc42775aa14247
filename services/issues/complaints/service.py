"""Application service of complaints (举报投诉): intake, routing, handling, the linked issue.

The legality of each step lives in the pure :mod:`services.issues.complaints.domain`;
this module does the I/O around it and answers **who may**, by one table keyed by
command type (:data:`PERMISSIONS`), after one load of the stream:

- staff intake: an inspector, zone leader or county office whose county holds the school;
- public intake: anyone (the route is rate-limited); the actor is ``public``
  (:mod:`.receiving`);
- accept, reject, verify, open the linked issue, answer, close: a *handler* — an
  inspector the complaint is routed to or who accepted it, or the school's county office;
- re-route and erasure of the personal data: the school's county office only.

Who may *see* a case is :mod:`services.issues.complaints.access` (:meth:`visible`): a
caller who sees nothing gets 404 for the case and for every step on it, one who sees it
but may not take the step gets 403. Every step takes the client's expected version
(``If-Match``: 412 when stale).

**Personal data** never enters an event: the contact goes to the
:class:`~.ports.ContactStore`, free text is sealed with the complaint's data key
(:mod:`services.issues.complaints.keys`) before it enters an event. **Erasure** deletes
the key, then the contact, then appends ``ComplaintErased``; a crash part-way leaves the
complaint unreadable but not yet recorded as erased, and repeating the request finishes
it (see docs/complaints.md). Reads are :mod:`.queries` (the read model only).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID

from services.issues.complaints import domain as c
from services.issues.complaints.access import Access, Case, access
from services.issues.complaints.keys import KeyStore, MongoKeyStore
from services.issues.complaints.linked_issue import IssueRequest, opening
from services.issues.complaints.permissions import (
    NOT_ERASER,
    PERMISSIONS,
    PREPARE,
    HandlerStep,
    LoadedComplaint,
    Step,
    UnknownComplaint,
    handler,
)
from services.issues.complaints.ports import (
    CONTACTS,
    Contact,
    ContactStore,
    DirectoryLedZones,
    LedZones,
    MongoContacts,
    MongoTrackingCodes,
    TrackingCodes,
    led_zones,
)
from services.issues.complaints.receiving import PUBLIC, Intake, Receipt, Receiving
from services.issues.rectification import domain as i
from services.issues.rectification.service import IssueService, issue_id_for
from shared.auth import Principal
from shared.commands import (
    CallerContext,
    CommandContext,
    Forbidden,
    IllegalStep,
    StreamHandler,
)
from shared.contracts.complaints import ErasureReason, SealedText
from shared.deadlines import ensure_not_past
from shared.directory.lookup import DirectoryLookup
from shared.events import registry
from shared.eventstore import ConcurrencyConflict
from shared.runtime import Runtime

__all__ = [
    "CONTACTS",
    "PUBLIC",
    "ComplaintService",
    "Contact",
    "HandlerStep",
    "Intake",
    "IssueRequest",
    "LoadedComplaint",
    "Receipt",
    "UnknownComplaint",
    "complaint_service",
]

ERASE_ATTEMPTS = 3


def _no_text(text: str) -> SealedText:
    raise AssertionError("this step carries no text")  # pragma: no cover


def complaint_streams(runtime: Runtime) -> StreamHandler[c.Complaint]:
    return StreamHandler[c.Complaint](
        runtime.store,
        registry,
        source="/duxue/issues",
        initial=c.Complaint(),
        evolve=c.evolve,
        new_id=runtime.new_id,
        on_append=runtime.relay.notify,
        service=runtime.service,
    )


class ComplaintService:
    def __init__(
        self,
        streams: StreamHandler[c.Complaint],
        directory: DirectoryLookup,
        issues: IssueService,
        keys: KeyStore,
        contacts: ContactStore,
        codes: TrackingCodes,
        zones: LedZones,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
        answer_days: int,
    ) -> None:
        self._streams = streams
        self.directory = directory
        self.issues = issues
        self.keys = keys
        self.contacts = contacts
        self.codes = codes
        self.zones = zones
        self._clock = clock
        self._receiving = Receiving(streams, directory, keys, contacts, codes, new_id, answer_days)

    def today(self) -> date:
        return i.local_day(self._clock())

    async def receive(
        self, intake: Intake, ctx: CommandContext, principal: Principal | None = None
    ) -> Receipt:
        """Record a complaint and route it; ``principal`` is ``None`` for the public form."""
        return await self._receiving.receive(intake, ctx, principal)

    # ------------------------------------------------------------ loading

    async def load(self, complaint_id: str) -> LoadedComplaint:
        loaded = await self._streams.load(c.stream_id(complaint_id))
        if loaded.state.status == c.Status.none or loaded.jurisdiction is None:
            raise UnknownComplaint(complaint_id)
        return LoadedComplaint(loaded.state, loaded.version, loaded.jurisdiction)

    async def access(self, principal: Principal, current: LoadedComplaint) -> Access:
        """What the caller may see and do of this complaint (see :mod:`.access`)."""
        case = Case.of_state(current.state, current.jurisdiction)
        seen = access(principal, case)
        if seen.handles or case.where.zone is None:
            return seen  # the zones the caller leads could add nothing
        return access(principal, case, await led_zones(self.zones, principal))

    async def visible(
        self, complaint_id: str, principal: Principal
    ) -> tuple[LoadedComplaint, Access]:
        """The complaint and the caller's access; 404 (as if unknown) when they see nothing."""
        current = await self.load(complaint_id)
        seen = await self.access(principal, current)
        if not seen.visible:
            raise UnknownComplaint(complaint_id)
        return current, seen

    # ------------------------------------------------------------ handling

    async def handle(
        self,
        complaint_id: str,
        cmd: Step,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> int:
        """A step on the case: one load, the rule of its type, decide, append."""
        principal = caller.principal
        current, seen = await self.visible(complaint_id, principal)
        PERMISSIONS[type(cmd)](seen)
        prepare = PREPARE.get(type(cmd))
        if prepare is not None:
            cmd = await prepare(self, current, cmd, principal)
        return await self._append(current, cmd, caller.ctx, expected_version)

    async def open_issue(
        self,
        complaint_id: str,
        req: IssueRequest,
        caller: CallerContext,
        expected: int | None = None,
    ) -> tuple[str, bool, int]:
        """Open the linked rectification issue (idempotent); ``(issue_id, newly linked,
        the complaint stream's version)``."""
        principal, ctx = caller.principal, caller.ctx
        current, seen = await self.visible(complaint_id, principal)
        handler(seen)
        StreamHandler.check_expected(c.stream_id(complaint_id), expected, current.version)
        issue_id = issue_id_for("complaint", complaint_id)
        cmd = c.LinkIssue(by=principal.user_id, issue_id=issue_id)
        if not c.decide(current.state, cmd, _no_text):
            return issue_id, False, current.version  # linked already
        ensure_not_past("body.deadline", req.deadline, ctx.now)
        await self.issues.open(
            opening(current.state, issue_id, req, principal.user_id), ctx, current.jurisdiction
        )
        version = await self._append(current, cmd, ctx, expected)
        return issue_id, True, version

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
        expected: int | None = None,
    ) -> int:
        """Erase the personal data (PIPL): delete the key, then the contact, then record
        ``ComplaintErased``. 409 once erased; a repeat after a crash part-way finishes;
        ``expected`` (``If-Match``) is checked before anything is deleted: 412 when stale;
        once the deletes began, the erasure finishes even if a step comes in between."""
        principal, ctx = caller.principal, caller.ctx
        for _ in range(ERASE_ATTEMPTS):
            current, seen = await self.visible(complaint_id, principal)
            if not seen.directs:
                raise Forbidden(NOT_ERASER)
            if current.state.erased:
                raise IllegalStep("该投诉的个人信息已删除 (personal data already erased)")
            StreamHandler.check_expected(c.stream_id(complaint_id), expected, current.version)
            expected = None  # once the deletes began, the erasure finishes
            await self.keys.delete(complaint_id)
            removed = await self.contacts.delete(complaint_id)
            cmd = c.Erase(
                by=principal.user_id,
                reason=reason,
                request_ref=request_ref,
                contact_removed=current.state.has_contact or removed,
            )
            try:
                return await self._append(current, cmd, ctx, None)
            except ConcurrencyConflict:
                continue  # a step came in between (sealed with the deleted key): again
        raise IllegalStep("投诉正在被同时办理，请稍后重试 (busy, try again)")


def complaint_service(
    runtime: Runtime, directory: DirectoryLookup, issues: IssueService, answer_days: int
) -> ComplaintService:
    """The service on the runtime's event store and the issues database."""
    return ComplaintService(
        complaint_streams(runtime),
        directory,
        issues,
        MongoKeyStore(runtime.db),
        MongoContacts(runtime.db),
        MongoTrackingCodes(runtime.db),
        DirectoryLedZones(runtime.db),
        lambda: runtime.clock(),  # tests replace the runtime's clock after start-up
        lambda: runtime.new_id(),
        answer_days,
    )
