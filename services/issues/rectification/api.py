"""HTTP routes of a rectification issue's lifecycle (``/issues``).

Every step is one command on the issue's stream (see
:mod:`services.issues.rectification.service` for who may take it); steps accept ``If-Match``
(409 when stale) and answer ``{issue_id, version}`` with the new version as ``ETag``.
Reads come from the ``issues_issues`` read model, except the timeline, which is the
stream itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.issues.rectification import domain as i
from services.issues.rectification.service import CallerCommand, IssueService
from shared.auth import CurrentPrincipal, Principal
from shared.contracts.visits import EvidenceRef
from shared.http import parse_if_match
from shared.params import PlausibleDate
from shared.service import command_context

router = APIRouter(prefix="/issues", tags=["issues"])

ID = r"^[0-9A-Za-z_-]{1,80}$"
Text = Annotated[str, Field(min_length=2, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepBody(_Body):
    description: str = Field(min_length=2, max_length=500)
    owner: Name
    due_on: PlausibleDate


class PlanBody(_Body):
    steps: list[StepBody] = Field(min_length=1, max_length=30)
    timetable: bool = False
    """The problem cannot be fixed at once: the steps are a timetable of milestones."""


class ProgressBody(_Body):
    note: Text
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=30)


class NoteBody(_Body):
    note: Text


class VerifyBody(_Body):
    note: Text
    visit_id: str | None = Field(default=None, pattern=ID)
    """The revisit (回访) on which the rectification was checked, if any."""


class RejectBody(_Body):
    reason: Text
    visit_id: str | None = Field(default=None, pattern=ID)


class ReopenBody(_Body):
    reason: Text
    deadline: PlausibleDate


class ExtensionBody(_Body):
    new_deadline: PlausibleDate
    reason: Text


class ReasonBody(_Body):
    reason: Text


class EscalateBody(_Body):
    to_body: Name
    """The local government or department, e.g. 县住建局."""
    report: Text


class ReceiptBody(_Body):
    received_by: Name
    note: str = Field(default="", max_length=2000)


class AnswerBody(_Body):
    answered_by: Name
    answer: Text


class Accepted(BaseModel):
    issue_id: str
    version: int


def _service(request: Request) -> IssueService:
    service: IssueService = request.app.state.issues
    return service


async def _step(
    request: Request,
    response: Response,
    principal: Principal,
    issue_id: str,
    cmd: CallerCommand,
    if_match: str | None,
) -> Accepted:
    ctx = command_context(request, principal)
    version = await _service(request).act(
        issue_id, cmd, principal, ctx, expected=parse_if_match(if_match)
    )
    response.headers["ETag"] = f'"{version}"'
    return Accepted(issue_id=issue_id, version=version)


IfMatch = Annotated[str | None, Header()]


@router.post("/{issue_id}/plan", response_model=Accepted)
async def submit_plan(
    issue_id: str,
    body: PlanBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """提交整改方案 — the school's plan (steps, owners, dates; a timetable if not at once)."""
    steps = tuple((s.description, s.owner, s.due_on) for s in body.steps)
    cmd = i.SubmitPlan(by=principal.user_id, steps=steps, timetable=body.timetable)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/progress", response_model=Accepted)
async def report_progress(
    issue_id: str,
    body: ProgressBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """报告整改进展 — progress with evidence (uploaded first to ``/evidence``; each ref must
    match what is stored for the issue's school, else 422 ``body.evidence[i]``)."""
    cmd = i.ReportProgress(by=principal.user_id, note=body.note, evidence=tuple(body.evidence))
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/submission", response_model=Accepted)
async def submit_for_verification(
    issue_id: str,
    body: NoteBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """申请验收 — the school declares the rectification done."""
    cmd = i.SubmitForVerification(by=principal.user_id, note=body.note)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/verification", response_model=Accepted)
async def verify(
    issue_id: str,
    body: VerifyBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """验收通过、销号 — the inspector verified the rectification; the issue is closed."""
    cmd = i.Verify(by=principal.user_id, note=body.note, on_visit_id=body.visit_id)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/rejection", response_model=Accepted)
async def reject(
    issue_id: str,
    body: RejectBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """验收未通过 — not yet meeting the requirement, with the reason."""
    cmd = i.RejectVerification(by=principal.user_id, reason=body.reason, on_visit_id=body.visit_id)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/reopening", response_model=Accepted)
async def reopen(
    issue_id: str,
    body: ReopenBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """问题反弹、重新打开 — the problem recurred; a new deadline."""
    cmd = i.Reopen(by=principal.user_id, reason=body.reason, deadline=body.deadline)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/extension", response_model=Accepted)
async def request_extension(
    issue_id: str,
    body: ExtensionBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """申请延期 — the school asks for a later deadline."""
    cmd = i.RequestExtension(
        by=principal.user_id, new_deadline=body.new_deadline, reason=body.reason
    )
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/extension/approval", response_model=Accepted)
async def approve_extension(
    issue_id: str,
    body: NoteBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """批准延期 — the pending extension is approved; its date is the deadline from now on."""
    cmd = i.ApproveExtension(by=principal.user_id, note=body.note)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/extension/denial", response_model=Accepted)
async def deny_extension(
    issue_id: str,
    body: ReasonBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """不予延期 — the deadline stands."""
    cmd = i.DenyExtension(by=principal.user_id, reason=body.reason)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/escalation", response_model=Accepted)
async def escalate(
    issue_id: str,
    body: EscalateBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """上报 — a problem the school cannot fix itself, reported in writing to a body."""
    cmd = i.Escalate(by=principal.user_id, to_body=body.to_body, report=body.report)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/escalation/receipt", response_model=Accepted)
async def escalation_receipt(
    issue_id: str,
    body: ReceiptBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """上报签收 — the body acknowledged the report (who signed for it)."""
    cmd = i.RecordEscalationReceipt(received_by=body.received_by, note=body.note)
    return await _step(request, response, principal, issue_id, cmd, if_match)


@router.post("/{issue_id}/escalation/answer", response_model=Accepted)
async def escalation_answer(
    issue_id: str,
    body: AnswerBody,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Accepted:
    """上报答复 — what the body will do or did; the problem has an owner."""
    cmd = i.RecordEscalationAnswer(answered_by=body.answered_by, answer=body.answer)
    return await _step(request, response, principal, issue_id, cmd, if_match)
