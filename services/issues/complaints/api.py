"""HTTP routes of complaints (举报投诉) for staff (the public form: :mod:`.public`).

``/complaints`` is for staff: intake of a complaint received by phone, visit, letter or
e-mail; the handling steps, the re-route and the erasure (each answers ``ETag`` = the
stream's version, and takes ``If-Match``: 412 when stale); the list (a :class:`Page`)
and one complaint with its timeline (``ETag`` = the version shown; ``min_version``
waits for a version written), and ``/complaints/summary`` (counts) — every read from
the ``issues_complaints`` read model.
Who sees what is :mod:`services.issues.complaints.access`, for every route: a case the
caller may not see is a 404 and is never listed; the contact is for those handling the
case; the school's principal sees the facts of a verified case only. Free texts are
stored sealed; these routes open them with the complaint's key (``[已删除]`` after
``POST /complaints/{id}/erasure``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    Path,
    Query,
    Response,
    status,
)

from services.issues.complaints import domain as c
from services.issues.complaints.linked_issue import IssueRequest
from services.issues.complaints.permissions import Step as ComplaintCommand
from services.issues.complaints.queries import ComplaintFilter
from services.issues.complaints.schemas import (
    ID,
    Accepted,
    AnswerBody,
    ComplaintOut,
    ComplaintSummary,
    Erased,
    ErasureBody,
    IssueBody,
    LinkedIssue,
    NoteBody,
    ReasonBody,
    RerouteBody,
    StaffComplaintBody,
    StaffReceipt,
    VerifyBody,
)
from services.issues.complaints.service import ComplaintService
from services.issues.deps import ComplaintReads, Complaints, Directory
from shared.auth import (
    CurrentPrincipal,
    Role,
    ensure_role,
)
from shared.commands import CallerContext
from shared.contracts.complaints import (
    ComplaintCategory,
    ComplaintChannel,
)
from shared.directory.filters import ensure_filter_within
from shared.paging import Page, paged
from shared.params import PlausibleDate
from shared.routing import Caller, IfMatch, MinVersionQuery, PagedOrSkip, set_etag

COMPLAINT_ID = r"^[0-9a-f]{32}$"

router = APIRouter(prefix="/complaints", tags=["complaints"])


def _accepted(response: Response, complaint_id: str, version: int, state: str) -> Accepted:
    set_etag(response, version)
    return Accepted(complaint_id=complaint_id, version=version, status=state)


# ---------------------------------------------------------------- staff: intake and steps


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StaffReceipt)
async def submit_staff(
    body: StaffComplaintBody, service: Complaints, caller: Caller, response: Response
) -> dict[str, Any]:
    """登记举报投诉 — record a complaint received by phone, visit, letter, e-mail …"""
    principal = caller.principal
    ensure_role(principal, Role.inspector, Role.zone_leader, Role.county_office)
    receipt = await service.receive(body.intake(body.channel), caller.ctx, principal)
    set_etag(response, receipt.version)
    response.headers["Location"] = f"/complaints/{receipt.complaint_id}"
    return {
        "complaint_id": receipt.complaint_id,
        "tracking_no": receipt.tracking_no,
        "query_code": receipt.query_code,
        "version": receipt.version,
        "status": c.Status.routed.value,
        "routed_to": list(receipt.routed_to),
        "unlisted": receipt.unlisted,
        "answer_due_on": receipt.answer_due_on.isoformat(),
    }


ComplaintId = Annotated[str, Path(pattern=COMPLAINT_ID)]


@dataclass(frozen=True)
class ComplaintStep:
    """What every handling route needs besides its body (see :class:`Accepted`)."""

    service: ComplaintService
    caller: CallerContext
    response: Response
    expected: int | None

    @property
    def by(self) -> str:
        return self.caller.principal.user_id

    async def take(self, complaint_id: str, cmd: ComplaintCommand, state: c.Status) -> Accepted:
        version = await self.service.handle(complaint_id, cmd, self.caller, self.expected)
        return _accepted(self.response, complaint_id, version, state.value)


def _complaint_step(
    service: Complaints, caller: Caller, response: Response, expected: IfMatch
) -> ComplaintStep:
    return ComplaintStep(service, caller, response, expected)


Step = Annotated[ComplaintStep, Depends(_complaint_step)]


@router.post("/{complaint_id}/accept", response_model=Accepted)
async def accept(complaint_id: ComplaintId, body: NoteBody, step: Step) -> Accepted:
    """受理 — the routed inspector (or the county office) accepts the complaint."""
    # as_office: decided by the service from the case (the county office accepting)
    cmd = c.Accept(by=step.by, as_office=False, note=body.note)
    return await step.take(complaint_id, cmd, c.Status.accepted)


@router.post("/{complaint_id}/reject", response_model=Accepted)
async def reject(complaint_id: ComplaintId, body: ReasonBody, step: Step) -> Accepted:
    """不予受理 — not admissible, with the reason the complainant will read."""
    cmd = c.Reject(by=step.by, reason=body.reason)
    return await step.take(complaint_id, cmd, c.Status.rejected)


@router.post("/{complaint_id}/verify", response_model=Accepted)
async def verify(complaint_id: ComplaintId, body: VerifyBody, step: Step) -> Accepted:
    """核实 — substantiated, partly or not, with the findings (and the visit, if any)."""
    cmd = c.Verify(
        by=step.by,
        outcome=body.outcome,
        findings=body.findings,
        visit_id=body.visit_id,
    )
    return await step.take(complaint_id, cmd, c.Status.verified)


@router.post("/{complaint_id}/answer", response_model=Accepted)
async def answer(complaint_id: ComplaintId, body: AnswerBody, step: Step) -> Accepted:
    """答复 — answer the complainant (what and how)."""
    cmd = c.Answer(by=step.by, answer=body.answer, method=body.method, on=step.service.today())
    return await step.take(complaint_id, cmd, c.Status.answered)


@router.post("/{complaint_id}/close", response_model=Accepted)
async def close(complaint_id: ComplaintId, body: NoteBody, step: Step) -> Accepted:
    """办结 — close an answered complaint."""
    cmd = c.Close(by=step.by, note=body.note)
    return await step.take(complaint_id, cmd, c.Status.closed)


@router.post("/{complaint_id}/reroute", response_model=Accepted)
async def reroute(complaint_id: ComplaintId, body: RerouteBody, step: Step) -> Accepted:
    """改派 — the county office routes the complaint to other inspectors (or to itself)."""
    targets = tuple(body.inspector_ids)
    cmd = c.Reroute(by=step.by, inspector_ids=targets, reason=body.reason)
    return await step.take(complaint_id, cmd, c.Status.routed)


@router.post("/{complaint_id}/issue", response_model=LinkedIssue)
async def open_issue(
    complaint_id: ComplaintId,
    body: IssueBody,
    service: Complaints,
    caller: Caller,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """立项整改 — open the linked rectification issue (once; a repeat answers the same id)."""
    req = IssueRequest(
        description=body.description,
        requirement=body.requirement,
        severity=body.severity,
        major_kind=body.major_kind,
        deadline=body.deadline,
        item_code=body.item_code,
        item_title=body.item_title,
    )
    issue_id, created, version = await service.open_issue(complaint_id, req, caller, expected)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/issues/{issue_id}"
    set_etag(response, version)
    return {
        "complaint_id": complaint_id,
        "issue_id": issue_id,
        "created": created,
        "version": version,
    }


@router.post("/{complaint_id}/erasure", response_model=Erased)
async def erase(
    complaint_id: ComplaintId,
    body: ErasureBody,
    service: Complaints,
    caller: Caller,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """删除投诉人个人信息 — the county office erases the complaint's personal data (PIPL):
    the key of its texts and the contact go; ``ComplaintErased`` records who, when, why.
    409 once erased."""
    version = await service.erase(complaint_id, body.reason, body.request_ref, caller, expected)
    set_etag(response, version)
    return {"complaint_id": complaint_id, "version": version, "erased": True}


# ---------------------------------------------------------------- staff: reads
# (services.issues.complaints.queries: who sees what, from the read model)


@router.get("/summary", response_model=ComplaintSummary)
async def summary(
    principal: CurrentPrincipal,
    reads: ComplaintReads,
    directory: Directory,
    county: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    received_from: Annotated[PlausibleDate | None, Query(description="收到日期起（含）")] = None,
    received_to: Annotated[PlausibleDate | None, Query(description="收到日期止（含）")] = None,
) -> dict[str, Any]:
    """投诉统计 — counts by status, category and verification outcome, in the caller's
    jurisdiction (offices and integrators); no case, no text, no id."""
    await ensure_filter_within(principal, directory, school_id=school_id)
    return await reads.summary(principal, county, school_id, received_from, received_to)


@router.get("/{complaint_id}", response_model=ComplaintOut)
async def get_complaint(
    complaint_id: ComplaintId,
    principal: CurrentPrincipal,
    reads: ComplaintReads,
    response: Response,
    min_version: MinVersionQuery = None,
) -> dict[str, Any]:
    """一件投诉 — its state, the timeline, the linked issue; the contact for handlers only;
    the facts only for the school's principal; 404 for anyone else. Waits until the read
    model shows ``min_version`` (default: the stream's current version); 503 past 5 s."""
    doc = await reads.one(principal, complaint_id, min_version)
    set_etag(response, doc["version"])
    return doc


@router.get("", response_model=Page[ComplaintOut])
async def list_complaints(
    principal: CurrentPrincipal,
    reads: ComplaintReads,
    directory: Directory,
    paging: PagedOrSkip,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    county: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    status_: Annotated[c.Status | None, Query(alias="status")] = None,
    channel: Annotated[ComplaintChannel | None, Query()] = None,
    category: Annotated[ComplaintCategory | None, Query()] = None,
    answer_overdue: Annotated[bool | None, Query()] = None,
    handler_id: Annotated[str | None, Query(pattern=ID)] = None,
) -> Page[dict[str, Any]]:
    """投诉列表 — the cases the caller may see, inside their jurisdiction, newest first,
    filtered before paging (offices above the county and integrators: 403, see
    ``/complaints/summary``)."""
    wanted = ComplaintFilter(
        school_id, county, status_, channel, category, answer_overdue, handler_id
    )
    await ensure_filter_within(principal, directory, school_id=school_id)
    total, items = await reads.page(principal, wanted, paging)
    return paged(total, items, paging)
