"""HTTP routes of complaints (举报投诉).

``/public/complaints`` needs no token: the form behind the plate's QR code. It is limited
per client IP, its body is read with a size cap (413) and validated strictly (422 naming
the field: unknown fields refused, lengths, phone and e-mail formats, the school must
exist). It answers a tracking number and a query code; with both, anyone can read the
status and the answer — never the internal handling.

``/complaints`` is for staff: intake of a complaint received by phone, visit, letter or
e-mail; the handling steps (each answers ``ETag`` = the stream's version, and takes
``If-Match``); the list (from the ``issues_complaints`` read model) and one complaint
(folded from its stream, with the timeline), and ``/complaints/summary`` (counts).
Who sees what is :mod:`services.issues.complaints.access`, for every route: a case the
caller may not see is a 404 and is never listed; the contact is for those handling the
case; the school's principal sees the facts of a verified case only. Free texts are
stored sealed; these routes open them with the complaint's key (``[已删除]`` after
``POST /complaints/{id}/erasure``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import (
    APIRouter,
    Depends,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    status,
)
from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from services.issues.complaints import domain as c
from services.issues.complaints.queries import ComplaintFilter
from services.issues.complaints.service import (
    PUBLIC,
    ComplaintService,
    Contact,
    HandlerStep,
    Intake,
    IssueRequest,
)
from services.issues.deps import ComplaintMaxBody, ComplaintReads, Complaints
from shared.auth import (
    CurrentPrincipal,
    Role,
    ensure_role,
)
from shared.commands import CallerContext, CommandContext
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintCategory,
    ComplaintChannel,
    ErasureReason,
    VerificationOutcome,
)
from shared.contracts.visits import MajorKind, Severity
from shared.params import PlausibleDate, Skip
from shared.ratelimit import rate_limited
from shared.routing import Caller, IfMatch, set_etag

LIMITER = "complaint_limiter"
ID = r"^[0-9A-Za-z_-]{2,40}$"
COMPLAINT_ID = r"^[0-9a-f]{32}$"
PHONE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
"""A mainland mobile number (11 digits) or a landline with its area code."""
EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}$"
TRACKING_NO = r"^TS[0-9]{14}$"
QUERY_CODE = r"^[0-9A-Za-z]{8}$"
M = TypeVar("M", bound=BaseModel)

router = APIRouter(prefix="/complaints", tags=["complaints"])
public_router = APIRouter(
    prefix="/public",
    tags=["public"],
    dependencies=[Depends(rate_limited(LIMITER))],
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactBody(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    phone: str | None = Field(default=None, pattern=PHONE)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL)
    address: str | None = Field(default=None, min_length=2, max_length=200)


class _ComplaintBody(_Body):
    school_id: str = Field(pattern=ID)
    category: ComplaintCategory
    subject: str = Field(min_length=2, max_length=100, description="投诉事项")
    content: str = Field(min_length=10, max_length=3000, description="投诉内容")
    anonymous: bool = False
    contact: ContactBody | None = Field(default=None, validate_default=True)

    @field_validator("contact")
    @classmethod
    def _contact_fits(cls, value: ContactBody | None, info: ValidationInfo) -> ContactBody | None:
        anonymous = info.data.get("anonymous", False)
        given = value is not None and any(value.model_dump().values())
        if anonymous and given:
            raise PydanticCustomError(
                "anonymous_with_contact", "匿名投诉请不要填写联系方式 (anonymous: no contact)"
            )
        if not anonymous and (value is None or not (value.phone or value.email)):
            raise PydanticCustomError(
                "contact_required",
                "实名投诉请至少留下电话或电子邮箱，以便答复 (phone or e-mail required)",
            )
        return value

    def intake(self, channel: ComplaintChannel) -> Intake:
        contact = Contact(**self.contact.model_dump()) if self.contact is not None else None
        return Intake(
            school_id=self.school_id,
            channel=channel,
            category=self.category,
            subject=self.subject,
            content=self.content,
            anonymous=self.anonymous,
            contact=contact,
        )


class PublicComplaintBody(_ComplaintBody):
    channel: Literal["online", "qr_code"] = "online"


class StaffComplaintBody(_ComplaintBody):
    channel: ComplaintChannel


class NoteBody(_Body):
    note: str = Field(default="", max_length=1000)


class ReasonBody(_Body):
    reason: str = Field(min_length=2, max_length=1000)


class RerouteBody(ReasonBody):
    inspector_ids: list[Annotated[str, Field(pattern=ID)]] = Field(
        default_factory=list, max_length=5
    )
    """Empty: the county office handles it itself."""


class VerifyBody(_Body):
    outcome: VerificationOutcome
    findings: str = Field(min_length=2, max_length=3000)
    visit_id: str | None = Field(default=None, pattern=ID)


class IssueBody(_Body):
    item_code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,39}$")
    item_title: str | None = Field(default=None, min_length=2, max_length=100)
    description: str = Field(min_length=2, max_length=2000)
    requirement: str = Field(min_length=2, max_length=1000)
    severity: Severity
    major_kind: MajorKind | None = Field(default=None, validate_default=True)
    deadline: PlausibleDate

    @field_validator("major_kind")
    @classmethod
    def _major_kind_fits(cls, value: MajorKind | None, info: ValidationInfo) -> MajorKind | None:
        if (info.data.get("severity") == Severity.major) != (value is not None):
            raise PydanticCustomError(
                "major_kind",
                "重大问题须注明类别（违法违规或安全隐患），其他问题不注明 "
                "(major_kind for, and only for, a major problem)",
            )
        return value


class AnswerBody(_Body):
    answer: str = Field(min_length=2, max_length=3000)
    method: AnswerMethod


class ErasureBody(_Body):
    reason: ErasureReason = Field(description="删除依据（个人信息保护法第四十七条）")
    request_ref: str | None = Field(default=None, pattern=ID, description="申请编号")


class Accepted(BaseModel):
    complaint_id: str
    version: int
    status: str


class PublicReceipt(BaseModel):
    tracking_no: str
    query_code: str
    answer_due_on: str
    message: str


class StaffReceipt(BaseModel):
    complaint_id: str
    tracking_no: str
    query_code: str
    version: int
    status: str
    routed_to: list[str]
    unlisted: bool
    answer_due_on: str


class LinkedIssue(BaseModel):
    complaint_id: str
    issue_id: str
    created: bool


class Erased(BaseModel):
    complaint_id: str
    version: int
    erased: bool


def _accepted(response: Response, complaint_id: str, version: int, state: str) -> Accepted:
    set_etag(response, version)
    return Accepted(complaint_id=complaint_id, version=version, status=state)


# ---------------------------------------------------------------- the public form


async def read_body(
    request: Request, model: type[M], limit: int, fixed: dict[str, Any] | None = None
) -> M:
    """The JSON body as ``model``: 413 beyond ``limit`` bytes (never read whole), 422 per field.

    ``fixed`` are values the URL already gives (the school of a plate's QR code); the body
    may repeat them but not contradict them.
    """
    declared = request.headers.get("content-length", "")
    too_large = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"提交内容过大，不能超过 {limit} 字节 (body larger than {limit} bytes)",
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > limit:
            raise too_large
    try:
        data = json.loads(bytes(raw))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _invalid((), "请求内容不是有效的 JSON (body is not JSON)", "json_invalid") from None
    if isinstance(data, dict):
        for key, value in (fixed or {}).items():
            if data.setdefault(key, value) != value:
                raise _invalid((key,), f"与地址中的 {key} 不一致 (contradicts the URL)", "mismatch")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _invalid(loc: tuple[str, ...], message: str, kind: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *loc), "msg": message, "type": kind}])


async def _submit_public(
    service: Complaints,
    limit: int,
    request: Request,
    response: Response,
    fixed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body = await read_body(request, PublicComplaintBody, limit, fixed)
    runtime = request.app.state.runtime
    ctx = CommandContext(
        actor=PUBLIC, now=runtime.clock(), correlation_id=request.state.correlation_id
    )
    receipt = await service.receive(body.intake(ComplaintChannel(body.channel)), ctx)
    response.headers["Location"] = f"/public/complaints/{receipt.tracking_no}"
    return {
        "tracking_no": receipt.tracking_no,
        "query_code": receipt.query_code,
        "answer_due_on": receipt.answer_due_on.isoformat(),
        "message": (
            "您的投诉已登记并转交责任督学办理。请妥善保存受理编号和查询码，"
            f"凭此查询办理进度；我们将在 {receipt.answer_due_on.isoformat()} 前答复。"
        ),
    }


@public_router.post(
    "/complaints", status_code=status.HTTP_201_CREATED, response_model=PublicReceipt
)
async def submit_public(
    service: Complaints, limit: ComplaintMaxBody, request: Request, response: Response
) -> dict[str, Any]:
    """提交举报投诉 — the public form (no account; limited per IP).

    Body: ``school_id``, ``category`` (enrolment, teaching, teacher_ethics,
    learning_load, administration, surroundings, safety, other), ``subject``,
    ``content``, ``channel`` (online | qr_code), ``anonymous``, ``contact``
    (``name``, ``phone``, ``email``, ``address``; phone or e-mail unless anonymous).
    Keep the tracking number and query code: they are the only way to follow the case.
    """
    return await _submit_public(service, limit, request, response)


@public_router.post(
    "/schools/{school_id}/complaints",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicReceipt,
)
async def submit_from_plate(
    school_id: Annotated[str, Path(pattern=ID)],
    service: Complaints,
    limit: ComplaintMaxBody,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    """扫码投诉 — the form behind the plate's QR code (``complaints_url`` of the plate):
    the same body, the school from the URL, channel ``qr_code``."""
    fixed = {"school_id": school_id, "channel": ComplaintChannel.qr_code.value}
    return await _submit_public(service, limit, request, response, fixed)


@public_router.get("/complaints/{tracking_no}", response_model=dict[str, Any])
async def public_status(
    tracking_no: Annotated[str, Path(pattern=TRACKING_NO)],
    code: Annotated[str, Query(pattern=QUERY_CODE, description="查询码")],
    reads: ComplaintReads,
) -> dict[str, Any]:
    """查询办理进度 — status and answer only (with the query code); nothing internal."""
    return await reads.public_status(tracking_no, code)


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

    async def take(self, complaint_id: str, cmd: HandlerStep, state: c.Status) -> Accepted:
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
    version = await step.service.reroute(complaint_id, cmd, step.caller, step.expected)
    return _accepted(step.response, complaint_id, version, c.Status.routed.value)


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
    issue_id, created = await service.open_issue(complaint_id, req, caller, expected)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/issues/{issue_id}"
    return {"complaint_id": complaint_id, "issue_id": issue_id, "created": created}


@router.post("/{complaint_id}/erasure", response_model=Erased)
async def erase(
    complaint_id: ComplaintId,
    body: ErasureBody,
    service: Complaints,
    caller: Caller,
    response: Response,
) -> dict[str, Any]:
    """删除投诉人个人信息 — the county office erases the complaint's personal data (PIPL):
    the key of its texts and the contact go; ``ComplaintErased`` records who, when, why.
    409 once erased."""
    version = await service.erase(complaint_id, body.reason, body.request_ref, caller)
    set_etag(response, version)
    return {"complaint_id": complaint_id, "version": version, "erased": True}


# ---------------------------------------------------------------- staff: reads
# (services.issues.complaints.queries: who sees what, from the read model and the stream)


@router.get("/summary", response_model=dict[str, Any])
async def summary(
    principal: CurrentPrincipal,
    reads: ComplaintReads,
    county: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    received_from: Annotated[PlausibleDate | None, Query(description="收到日期起（含）")] = None,
    received_to: Annotated[PlausibleDate | None, Query(description="收到日期止（含）")] = None,
) -> dict[str, Any]:
    """投诉统计 — counts by status, category and verification outcome, in the caller's
    jurisdiction (offices and integrators); no case, no text, no id."""
    return await reads.summary(principal, county, school_id, received_from, received_to)


@router.get("/{complaint_id}", response_model=dict[str, Any])
async def get_complaint(
    complaint_id: ComplaintId, principal: CurrentPrincipal, reads: ComplaintReads
) -> dict[str, Any]:
    """一件投诉 — its state (from its stream), the timeline, the linked issue; the contact for
    handlers only; the facts only for the school's principal; 404 for anyone else."""
    return await reads.one(principal, complaint_id)


@router.get("", response_model=list[dict[str, Any]])
async def list_complaints(
    principal: CurrentPrincipal,
    reads: ComplaintReads,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    county: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    status_: Annotated[c.Status | None, Query(alias="status")] = None,
    channel: Annotated[ComplaintChannel | None, Query()] = None,
    category: Annotated[ComplaintCategory | None, Query()] = None,
    answer_overdue: Annotated[bool | None, Query()] = None,
    handler_id: Annotated[str | None, Query(pattern=ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    skip: Skip = 0,
) -> list[dict[str, Any]]:
    """投诉列表 — the cases the caller may see, inside their jurisdiction, newest first
    (offices above the county and integrators: 403, see ``/complaints/summary``)."""
    wanted = ComplaintFilter(
        school_id, county, status_, channel, category, answer_overdue, handler_id
    )
    return await reads.page(principal, wanted, limit, skip)
