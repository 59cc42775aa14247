"""HTTP routes of a rectification issue's lifecycle (``/issues``).

Every step is one command on the issue's stream (see
:mod:`services.issues.rectification.service` for who may take it); steps accept ``If-Match``
(412 when stale) and answer ``{issue_id, version}`` with the new version as ``ETag``.
Reads (:mod:`services.issues.rectification.queries`) come from the ``issues_issues``
read model, except the timeline, which is the stream itself. ``POST
/admin/overdue-sweep`` runs the overdue sweep now (the ``admin`` role only: it crosses
every county; the service runs it every minute anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.issues.deps import Directory, IssueReads, Issues, Sweep
from services.issues.rectification import domain as i
from services.issues.rectification.queries import (
    EscalationFilter,
    IssueFilter,
    NoticeFilter,
)
from services.issues.rectification.service import CallerCommand, IssueService
from shared.answers import Located
from shared.auth import CurrentPrincipal, Role, ensure_role
from shared.commands import CallerContext
from shared.contracts.issues import IssueSource
from shared.contracts.visits import Severity
from shared.directory.filters import ensure_filter_within
from shared.paging import Page, paged
from shared.params import PathId, PlausibleDate
from shared.routing import Caller, Fresh, IfMatch, Paged, set_etag


class IssueOut(Located):
    """A rectification issue (整改问题) with its plan, progress, verification, escalation
    and notice."""

    issue_id: str
    school_id: str
    county: str
    zone: str
    source: str
    source_ref: str | None
    visit_id: str | None
    finding_id: str | None
    item_code: str
    item_title: str
    description: str
    requirement: str
    severity: str
    major_kind: str | None
    safety: bool
    stage: str
    stage_label: str
    open: bool
    overdue: bool
    deadline: str
    original_deadline: str
    responsible_inspector_id: str
    plan: dict[str, Any] | None
    progress: list[dict[str, Any]]
    verification: dict[str, Any] | None
    escalation: dict[str, Any] | None
    notice: dict[str, Any] | None
    version: int


router = APIRouter(prefix="/issues", tags=["issues"])
admin_router = APIRouter(tags=["admin"])

ID = r"^[0-9A-Za-z_-]{1,80}$"
COUNTY = r"^[0-9]{6}$"
Text = Annotated[str, Field(min_length=2, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class ReasonBody(_Body):
    reason: Text


class ReceiptBody(_Body):
    received_by: Name
    note: str = Field(default="", max_length=2000)


class AnswerBody(_Body):
    answered_by: Name
    answer: Text


class Accepted(BaseModel):
    issue_id: str
    version: int


class Timeline(BaseModel):
    issue_id: str
    cause: dict[str, Any]
    """What caused the issue (visit finding, complaint or self-inspection), with its origin."""
    events: list[dict[str, Any]]


class SweepResult(BaseModel):
    marked: int
    issue_ids: list[str]


@dataclass(frozen=True)
class IssueStep:
    """What every step route needs besides its body: the service, the caller, the
    expected version, and the response that carries the new version as ``ETag``."""

    issues: IssueService
    caller: CallerContext
    response: Response
    expected: int | None

    @property
    def by(self) -> str:
        return self.caller.principal.user_id

    async def take(self, issue_id: str, cmd: CallerCommand) -> Accepted:
        version = await self.issues.handle(issue_id, cmd, self.caller, self.expected)
        set_etag(self.response, version)
        return Accepted(issue_id=issue_id, version=version)


def _issue_step(issues: Issues, caller: Caller, response: Response, expected: IfMatch) -> IssueStep:
    return IssueStep(issues, caller, response, expected)


Step = Annotated[IssueStep, Depends(_issue_step)]


# ---------------------------------------------------------------- reads


@router.get("", response_model=Page[IssueOut])
async def list_issues(
    principal: CurrentPrincipal,
    reads: IssueReads,
    directory: Directory,
    paging: Paged,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    zone: Annotated[str | None, Query(pattern=ID)] = None,
    county: Annotated[str | None, Query(pattern=COUNTY)] = None,
    stage: Annotated[i.Stage | None, Query()] = None,
    open: Annotated[bool | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[Severity | None, Query()] = None,
    overdue: Annotated[bool | None, Query()] = None,
    safety: Annotated[bool | None, Query()] = None,
    source: Annotated[IssueSource | None, Query()] = None,
    inspector: Annotated[str | None, Query(pattern=ID)] = None,
    visit_id: Annotated[str | None, Query(pattern=ID)] = None,
    notice: Annotated[NoticeFilter | None, Query()] = None,
    escalation: Annotated[EscalationFilter | None, Query()] = None,
    due_within_days: Annotated[int | None, Query(ge=0, le=366)] = None,
) -> Page[dict[str, Any]]:
    """整改问题清单 — issues in your jurisdiction, filtered; newest deadline pressure first.

    ``due_within_days=N``: open issues whose deadline is within N days and not yet
    passed (即将到期). ``overdue=true``: open issues whose current deadline was crossed.
    ``notice``: issued / received / receipt_pending / none (整改通知书);
    ``escalation``: open / escalated / received / answered / none (上报).
    """
    wanted = IssueFilter(
        school_id=school_id,
        zone=zone,
        county=county,
        stage=stage,
        open=open,
        category=category,
        severity=severity,
        overdue=overdue,
        safety=safety,
        source=source,
        inspector=inspector,
        visit_id=visit_id,
        notice=notice,
        escalation=escalation,
        due_within_days=due_within_days,
    )
    await ensure_filter_within(
        principal, directory, school_id=school_id, zone_id=zone, inspector_id=inspector
    )
    total, items = await reads.page(principal, wanted, paging)
    return paged(total, items, paging)


@router.get("/{issue_id}", response_model=IssueOut)
async def get_issue(
    issue_id: PathId,
    principal: CurrentPrincipal,
    reads: IssueReads,
    response: Response,
    fresh: Fresh,
) -> Any:
    """一个整改问题 — the issue with its plan, progress, verification, escalation, notice
    (``min_version``: once the read model shows that version)."""
    issue = await reads.one(principal, issue_id, fresh)
    if isinstance(issue, dict) and isinstance(issue.get("version"), int):
        set_etag(response, issue["version"])
    return issue


@router.get("/{issue_id}/timeline", response_model=Timeline)
async def timeline(issue_id: PathId, principal: CurrentPrincipal, reads: IssueReads) -> Any:
    """整改全过程 — every event of the issue, in order, with who, when and why."""
    return await reads.timeline(principal, issue_id)


@admin_router.post("/admin/overdue-sweep", response_model=SweepResult)
async def sweep_now(principal: CurrentPrincipal, sweep: Sweep) -> SweepResult:
    """立即检查逾期 — mark every open issue whose deadline has passed (normally every minute)."""
    ensure_role(principal, Role.admin)
    marked = await sweep.sweep()
    return SweepResult(marked=len(marked), issue_ids=marked)


# ---------------------------------------------------------------- steps


@router.post("/{issue_id}/plan", response_model=Accepted)
async def submit_plan(issue_id: PathId, body: i.PlanFacts, step: Step) -> Accepted:
    """提交整改方案 — the school's plan (steps, owners, dates; a timetable if not at once)."""
    return await step.take(issue_id, i.SubmitPlan(by=step.by, plan=body))


@router.post("/{issue_id}/progress", response_model=Accepted)
async def report_progress(issue_id: PathId, body: i.ProgressFacts, step: Step) -> Accepted:
    """报告整改进展 — progress with evidence (uploaded first to ``/evidence``; each ref must
    match what is stored for the issue's school, else 422 ``body.evidence[i]``)."""
    return await step.take(issue_id, i.ReportProgress(by=step.by, progress=body))


@router.post("/{issue_id}/submission", response_model=Accepted)
async def submit_for_verification(issue_id: PathId, body: NoteBody, step: Step) -> Accepted:
    """申请验收 — the school declares the rectification done."""
    cmd = i.SubmitForVerification(by=step.by, note=body.note)
    return await step.take(issue_id, cmd)


@router.post("/{issue_id}/verification", response_model=Accepted)
async def verify(issue_id: PathId, body: VerifyBody, step: Step) -> Accepted:
    """验收通过、销号 — the inspector verified the rectification; the issue is closed."""
    cmd = i.Verify(by=step.by, note=body.note, on_visit_id=body.visit_id)
    return await step.take(issue_id, cmd)


@router.post("/{issue_id}/rejection", response_model=Accepted)
async def reject(issue_id: PathId, body: RejectBody, step: Step) -> Accepted:
    """验收未通过 — not yet meeting the requirement, with the reason."""
    cmd = i.RejectVerification(by=step.by, reason=body.reason, on_visit_id=body.visit_id)
    return await step.take(issue_id, cmd)


@router.post("/{issue_id}/reopening", response_model=Accepted)
async def reopen(issue_id: PathId, body: ReopenBody, step: Step) -> Accepted:
    """问题反弹、重新打开 — the problem recurred; a new deadline."""
    cmd = i.Reopen(by=step.by, reason=body.reason, deadline=body.deadline)
    return await step.take(issue_id, cmd)


@router.post("/{issue_id}/extension", response_model=Accepted)
async def request_extension(issue_id: PathId, body: i.ExtensionFacts, step: Step) -> Accepted:
    """申请延期 — the school asks for a later deadline."""
    return await step.take(issue_id, i.RequestExtension(by=step.by, extension=body))


@router.post("/{issue_id}/extension/approval", response_model=Accepted)
async def approve_extension(issue_id: PathId, body: NoteBody, step: Step) -> Accepted:
    """批准延期 — the pending extension is approved; its date is the deadline from now on."""
    cmd = i.ApproveExtension(by=step.by, note=body.note)
    return await step.take(issue_id, cmd)


@router.post("/{issue_id}/extension/denial", response_model=Accepted)
async def deny_extension(issue_id: PathId, body: ReasonBody, step: Step) -> Accepted:
    """不予延期 — the deadline stands."""
    cmd = i.DenyExtension(by=step.by, reason=body.reason)
    return await step.take(issue_id, cmd)


@router.post("/{issue_id}/escalation", response_model=Accepted)
async def escalate(issue_id: PathId, body: i.EscalationFacts, step: Step) -> Accepted:
    """上报 — a problem the school cannot fix itself, reported in writing to a body."""
    return await step.take(issue_id, i.Escalate(by=step.by, escalation=body))


@router.post("/{issue_id}/escalation/receipt", response_model=Accepted)
async def escalation_receipt(issue_id: PathId, body: ReceiptBody, step: Step) -> Accepted:
    """上报签收 — the body acknowledged the report (who signed for it)."""
    cmd = i.RecordEscalationReceipt(received_by=body.received_by, note=body.note)
    return await step.take(issue_id, cmd)


@router.post("/{issue_id}/escalation/answer", response_model=Accepted)
async def escalation_answer(issue_id: PathId, body: AnswerBody, step: Step) -> Accepted:
    """上报答复 — what the body will do or did; the problem has an owner."""
    cmd = i.RecordEscalationAnswer(answered_by=body.answered_by, answer=body.answer)
    return await step.take(issue_id, cmd)
