"""The issue aggregate: a problem's rectification (整改) as a checked state machine.

Pure: ``decide`` functions take the current :class:`Issue` and a command and return the
events to append (or raise :class:`~shared.commands.IllegalStep`, HTTP 409, with a zh-CN
reason); :func:`evolve` folds one event into the state. No I/O, no clock: the time
enters through commands (:class:`MarkOverdue` carries ``now``).

Stages::

    open ─plan─▶ plan_submitted ─progress─▶ in_progress ─submit─▶ awaiting_verification
    awaiting_verification ─verify─▶ closed (销号) ─reopen─▶ reopened ─plan─▶ plan_submitted
    awaiting_verification ─reject─▶ in_progress

Beside the stage, while the issue is not closed:

* a deadline extension may be pending; approval moves the deadline;
* an escalation (上报) is pending until the body answers it; the issue cannot be closed
  before that, so every problem keeps a visible owner;
* :func:`mark_overdue` emits :class:`IssueOverdue` once per deadline crossed;
* a major problem gets at most one formal notice (《督导整改通知书》), whose deadline
  becomes the issue's deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from shared.commands import IllegalStep
from shared.contracts.issues import (
    DeadlineExtensionApproved,
    DeadlineExtensionDenied,
    DeadlineExtensionRequested,
    EscalationAnswered,
    EscalationReceived,
    IssueEscalated,
    IssueOpened,
    IssueOverdue,
    IssueReopened,
    IssueSource,
    IssueVerified,
    NoticeReceiptRecorded,
    PlanStep,
    ProgressReported,
    RectificationNoticeIssued,
    RectificationPlanSubmitted,
    SubmittedForVerification,
    VerificationRejected,
)
from shared.contracts.visits import AgreedProblem, EvidenceRef, MajorKind, Severity
from shared.deadlines import CHINA as CHINA  # deadlines are days in China
from shared.deadlines import local_day as local_day
from shared.events import EventPayload


class Stage(StrEnum):
    none = "none"
    open = "open"
    plan_submitted = "plan_submitted"
    in_progress = "in_progress"
    awaiting_verification = "awaiting_verification"
    closed = "closed"
    reopened = "reopened"


STAGE_LABELS = {
    Stage.open: "待整改",
    Stage.plan_submitted: "已提交整改方案",
    Stage.in_progress: "整改中",
    Stage.awaiting_verification: "待验收",
    Stage.closed: "已销号",
    Stage.reopened: "已重新打开",
}

OPEN_STAGES = frozenset(
    {
        Stage.open,
        Stage.plan_submitted,
        Stage.in_progress,
        Stage.awaiting_verification,
        Stage.reopened,
    }
)


class Escalation(StrEnum):
    none = "none"
    escalated = "escalated"  # 已上报
    received = "received"  # 对方已签收
    answered = "answered"  # 已答复


@dataclass(frozen=True)
class Issue:
    """What decisions about an issue need to know (and nothing a projection adds)."""

    stage: Stage = Stage.none
    issue_id: str = ""
    source: IssueSource = IssueSource.visit_finding
    school_id: str = ""
    severity: Severity = Severity.general
    major_kind: MajorKind | None = None
    deadline: date | None = None
    responsible_inspector_id: str = ""
    plan_revision: int = 0
    progress_reports: int = 0
    """Progress reports since the current plan (or since the last rejected verification)."""
    pending_extension: date | None = None
    escalation: Escalation = Escalation.none
    escalated_to: str | None = None
    notice_no: str | None = None
    notice_received: bool = False
    overdue_for: tuple[date, ...] = ()
    """Deadlines already reported as crossed (one IssueOverdue each)."""

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def escalation_pending(self) -> bool:
        return self.escalation in (Escalation.escalated, Escalation.received)

    @property
    def overdue(self) -> bool:
        """True while the current deadline has been reported as crossed."""
        return self.is_open and self.deadline in self.overdue_for

    @property
    def major(self) -> bool:
        return self.severity == Severity.major


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class OpenIssue:
    issue_id: str
    source: IssueSource
    school_id: str
    item_code: str
    item_title: str
    description: str
    requirement: str
    severity: Severity
    deadline: date
    responsible_inspector_id: str
    major_kind: MajorKind | None = None
    visit_id: str | None = None
    finding_id: str | None = None
    source_ref: str | None = None


@dataclass(frozen=True)
class SubmitPlan:
    by: str
    steps: tuple[tuple[str, str, date], ...]
    """(description, owner, due_on) of each step."""
    timetable: bool = False


@dataclass(frozen=True)
class ReportProgress:
    by: str
    note: str
    evidence: tuple[EvidenceRef, ...] = ()


@dataclass(frozen=True)
class SubmitForVerification:
    by: str
    note: str


@dataclass(frozen=True)
class Verify:
    by: str
    note: str
    on_visit_id: str | None = None


@dataclass(frozen=True)
class RejectVerification:
    by: str
    reason: str
    on_visit_id: str | None = None


@dataclass(frozen=True)
class Reopen:
    by: str
    reason: str
    deadline: date


@dataclass(frozen=True)
class RequestExtension:
    by: str
    new_deadline: date
    reason: str


@dataclass(frozen=True)
class ApproveExtension:
    by: str
    note: str


@dataclass(frozen=True)
class DenyExtension:
    by: str
    reason: str


@dataclass(frozen=True)
class Escalate:
    by: str
    to_body: str
    report: str


@dataclass(frozen=True)
class RecordEscalationReceipt:
    received_by: str
    note: str = ""


@dataclass(frozen=True)
class RecordEscalationAnswer:
    answered_by: str
    answer: str


@dataclass(frozen=True)
class MarkOverdue:
    now: datetime


@dataclass(frozen=True)
class IssueNotice:
    by: str
    notice_no: str
    issued_on: date
    deadline: date
    note: str = ""


@dataclass(frozen=True)
class RecordNoticeReceipt:
    by: str
    received_by: str
    received_on: date


Command = (
    OpenIssue
    | SubmitPlan
    | ReportProgress
    | SubmitForVerification
    | Verify
    | RejectVerification
    | Reopen
    | RequestExtension
    | ApproveExtension
    | DenyExtension
    | Escalate
    | RecordEscalationReceipt
    | RecordEscalationAnswer
    | MarkOverdue
    | IssueNotice
    | RecordNoticeReceipt
)


def stream_id(issue_id: str) -> str:
    return f"issue-{issue_id}"


def open_from_agreed(
    issue_id: str, visit_id: str, school_id: str, problem: AgreedProblem
) -> OpenIssue:
    """The command that opens the issue for one agreed problem of a visit's feedback list."""
    return OpenIssue(
        issue_id=issue_id,
        source=IssueSource.visit_finding,
        school_id=school_id,
        item_code=problem.item_code,
        item_title=problem.item_title,
        description=problem.description,
        requirement=problem.requirement,
        severity=problem.severity,
        major_kind=problem.major_kind,
        deadline=problem.deadline,
        responsible_inspector_id=problem.inspector_id,
        visit_id=visit_id,
        finding_id=problem.finding_id,
    )


# ---------------------------------------------------------------- decisions


def _label(state: Issue) -> str:
    return STAGE_LABELS.get(state.stage, state.stage.value)


def _require_stage(state: Issue, *allowed: Stage, doing: str) -> None:
    if state.stage == Stage.none:
        raise IllegalStep(f"整改问题 {state.issue_id or ''} 不存在，无法{doing} (no such issue)")
    if state.stage not in allowed:
        raise IllegalStep(
            f"整改问题当前状态为「{_label(state)}」，不能{doing} (illegal in {state.stage})"
        )


def _require_open(state: Issue, doing: str) -> None:
    _require_stage(state, *OPEN_STAGES, doing=doing)


def open_issue(state: Issue, cmd: OpenIssue) -> list[EventPayload]:
    if state.stage != Stage.none:
        raise IllegalStep(f"整改问题 {cmd.issue_id} 已存在 (issue already exists)")
    if not cmd.description.strip() or not cmd.requirement.strip():
        raise IllegalStep("须写明问题和整改要求 (description and requirement are required)")
    if (cmd.severity == Severity.major) != (cmd.major_kind is not None):
        raise IllegalStep(
            "重大问题须注明类别（违法违规或安全隐患），其他问题不注明 "
            "(major_kind is required for, and only for, a major problem)"
        )
    if cmd.source == IssueSource.visit_finding:
        if not cmd.visit_id or not cmd.finding_id:
            raise IllegalStep("督导发现的问题须注明督导和记录 (visit_id and finding_id required)")
    elif not cmd.source_ref:
        raise IllegalStep("须注明问题来源（投诉或自查报告） (source_ref required)")
    return [
        IssueOpened(
            issue_id=cmd.issue_id,
            source=cmd.source,
            visit_id=cmd.visit_id,
            finding_id=cmd.finding_id,
            source_ref=cmd.source_ref,
            school_id=cmd.school_id,
            item_code=cmd.item_code,
            item_title=cmd.item_title,
            description=cmd.description,
            requirement=cmd.requirement,
            severity=cmd.severity,
            major_kind=cmd.major_kind,
            deadline=cmd.deadline,
            responsible_inspector_id=cmd.responsible_inspector_id,
        )
    ]


def submit_plan(state: Issue, cmd: SubmitPlan) -> list[EventPayload]:
    _require_stage(
        state,
        Stage.open,
        Stage.reopened,
        Stage.plan_submitted,
        Stage.in_progress,
        doing="提交整改方案",
    )
    if not cmd.steps:
        raise IllegalStep("整改方案至少包含一个步骤 (a plan needs at least one step)")
    for n, (description, owner, _) in enumerate(cmd.steps, start=1):
        if not description.strip() or not owner.strip():
            raise IllegalStep(f"第 {n} 步须写明内容和责任人 (step {n} needs what and who)")
    dues = [due for _, _, due in cmd.steps]
    if dues != sorted(dues):
        raise IllegalStep("整改步骤须按完成时间先后排列 (steps in order of their due dates)")
    if cmd.timetable and len(cmd.steps) < 2:
        raise IllegalStep("整改时间表至少包含两个节点 (a timetable needs at least two milestones)")
    if not cmd.timetable and state.deadline is not None and dues[-1] > state.deadline:
        raise IllegalStep(
            f"限时整改的步骤须在 {state.deadline.isoformat()} 前完成；"
            "不能立即整改的请提交时间表或申请延期 "
            "(steps must end by the deadline unless the plan is a timetable)"
        )
    return [
        RectificationPlanSubmitted(
            issue_id=state.issue_id,
            submitted_by=cmd.by,
            steps=[PlanStep(description=d, owner=o, due_on=due) for d, o, due in cmd.steps],
            timetable=cmd.timetable,
            revision=state.plan_revision + 1,
        )
    ]


def report_progress(state: Issue, cmd: ReportProgress) -> list[EventPayload]:
    _require_stage(state, Stage.plan_submitted, Stage.in_progress, doing="报告整改进展")
    if not cmd.note.strip() and not cmd.evidence:
        raise IllegalStep("整改进展须有说明或佐证材料 (a note or evidence is required)")
    ids = [e.evidence_id for e in cmd.evidence]
    if len(set(ids)) != len(ids):
        raise IllegalStep("佐证材料重复 (the same evidence twice)")
    return [
        ProgressReported(
            issue_id=state.issue_id,
            reported_by=cmd.by,
            note=cmd.note,
            evidence=list(cmd.evidence),
        )
    ]


def submit_for_verification(state: Issue, cmd: SubmitForVerification) -> list[EventPayload]:
    _require_stage(state, Stage.in_progress, doing="申请验收")
    if state.progress_reports == 0:
        raise IllegalStep("请先报告整改进展再申请验收 (report progress before asking to verify)")
    return [SubmittedForVerification(issue_id=state.issue_id, submitted_by=cmd.by, note=cmd.note)]


def verify(state: Issue, cmd: Verify) -> list[EventPayload]:
    _require_stage(state, Stage.awaiting_verification, doing="验收销号")
    if state.escalation_pending:
        raise IllegalStep(
            "已上报的问题尚未答复，不能销号 (an unanswered escalation keeps the issue open)"
        )
    return [
        IssueVerified(
            issue_id=state.issue_id,
            verified_by=cmd.by,
            verified_on_visit_id=cmd.on_visit_id,
            note=cmd.note,
        )
    ]


def reject_verification(state: Issue, cmd: RejectVerification) -> list[EventPayload]:
    _require_stage(state, Stage.awaiting_verification, doing="退回整改")
    if not cmd.reason.strip():
        raise IllegalStep("退回整改须说明理由 (a reason is required)")
    return [
        VerificationRejected(
            issue_id=state.issue_id,
            rejected_by=cmd.by,
            verified_on_visit_id=cmd.on_visit_id,
            reason=cmd.reason,
        )
    ]


def reopen(state: Issue, cmd: Reopen) -> list[EventPayload]:
    _require_stage(state, Stage.closed, doing="重新打开")
    if not cmd.reason.strip():
        raise IllegalStep("重新打开须说明问题反弹的情况 (a reason is required)")
    return [
        IssueReopened(
            issue_id=state.issue_id, reopened_by=cmd.by, reason=cmd.reason, deadline=cmd.deadline
        )
    ]


def request_extension(state: Issue, cmd: RequestExtension) -> list[EventPayload]:
    _require_open(state, "申请延期")
    if state.pending_extension is not None:
        raise IllegalStep("已有延期申请待审批 (an extension request is already pending)")
    if state.deadline is not None and cmd.new_deadline <= state.deadline:
        raise IllegalStep(
            f"延期后的期限须晚于 {state.deadline.isoformat()} (the new deadline must be later)"
        )
    if not cmd.reason.strip():
        raise IllegalStep("申请延期须说明理由 (a reason is required)")
    return [
        DeadlineExtensionRequested(
            issue_id=state.issue_id,
            requested_by=cmd.by,
            new_deadline=cmd.new_deadline,
            reason=cmd.reason,
        )
    ]


def approve_extension(state: Issue, cmd: ApproveExtension) -> list[EventPayload]:
    _require_open(state, "批准延期")
    if state.pending_extension is None:
        raise IllegalStep("没有待审批的延期申请 (no pending extension request)")
    if state.deadline is not None and state.pending_extension <= state.deadline:
        raise IllegalStep(
            f"申请的期限不晚于现行期限 {state.deadline.isoformat()}，无需延期 "
            "(the requested deadline is no longer later than the current one)"
        )
    return [
        DeadlineExtensionApproved(
            issue_id=state.issue_id,
            approved_by=cmd.by,
            deadline=state.pending_extension,
            note=cmd.note,
        )
    ]


def deny_extension(state: Issue, cmd: DenyExtension) -> list[EventPayload]:
    _require_open(state, "驳回延期")
    if state.pending_extension is None:
        raise IllegalStep("没有待审批的延期申请 (no pending extension request)")
    if not cmd.reason.strip():
        raise IllegalStep("驳回延期须说明理由 (a reason is required)")
    return [DeadlineExtensionDenied(issue_id=state.issue_id, denied_by=cmd.by, reason=cmd.reason)]


def escalate(state: Issue, cmd: Escalate) -> list[EventPayload]:
    _require_open(state, "上报")
    if state.escalation_pending:
        raise IllegalStep(
            f"已上报{state.escalated_to or ''}，尚未答复 (an escalation is already pending)"
        )
    if not cmd.to_body.strip() or not cmd.report.strip():
        raise IllegalStep("上报须写明报送单位和书面报告 (to_body and report are required)")
    return [
        IssueEscalated(
            issue_id=state.issue_id,
            escalated_by=cmd.by,
            to_body=cmd.to_body,
            report=cmd.report,
        )
    ]


def record_escalation_receipt(state: Issue, cmd: RecordEscalationReceipt) -> list[EventPayload]:
    _require_open(state, "登记签收")
    if state.escalation != Escalation.escalated:
        raise IllegalStep("没有待签收的上报 (no escalation awaiting receipt)")
    return [EscalationReceived(issue_id=state.issue_id, received_by=cmd.received_by, note=cmd.note)]


def record_escalation_answer(state: Issue, cmd: RecordEscalationAnswer) -> list[EventPayload]:
    _require_open(state, "登记答复")
    if not state.escalation_pending:
        raise IllegalStep("没有待答复的上报 (no escalation awaiting an answer)")
    if not cmd.answer.strip():
        raise IllegalStep("答复内容不能为空 (the answer is required)")
    return [
        EscalationAnswered(issue_id=state.issue_id, answered_by=cmd.answered_by, answer=cmd.answer)
    ]


def mark_overdue(state: Issue, cmd: MarkOverdue) -> list[EventPayload]:
    """IssueOverdue when ``now`` is past the current deadline of an open issue, once per deadline.

    Returns no events (not an error) when there is nothing to report, so that a sweep can
    call it for every open issue at any time.
    """
    if state.stage == Stage.none:
        raise IllegalStep(f"整改问题 {state.issue_id} 不存在 (no such issue)")
    deadline = state.deadline
    if (
        not state.is_open
        or deadline is None
        or local_day(cmd.now) <= deadline
        or deadline in state.overdue_for
    ):
        return []
    return [IssueOverdue(issue_id=state.issue_id, deadline=deadline, detected_at=cmd.now)]


def issue_notice(state: Issue, cmd: IssueNotice) -> list[EventPayload]:
    _require_open(state, "下发整改通知书")
    if not state.major:
        raise IllegalStep(
            "只有重大问题才下发《督导整改通知书》 (notices are for major problems only)"
        )
    if state.notice_no is not None:
        raise IllegalStep(f"已下发整改通知书 {state.notice_no} (a notice was already issued)")
    if not cmd.notice_no.strip():
        raise IllegalStep("须填写通知书编号 (notice_no is required)")
    if cmd.deadline < cmd.issued_on:
        raise IllegalStep("整改期限不能早于下发日期 (deadline before the issue date)")
    return [
        RectificationNoticeIssued(
            issue_id=state.issue_id,
            notice_no=cmd.notice_no,
            issued_by=cmd.by,
            issued_on=cmd.issued_on,
            deadline=cmd.deadline,
            note=cmd.note,
        )
    ]


def record_notice_receipt(state: Issue, cmd: RecordNoticeReceipt) -> list[EventPayload]:
    _require_open(state, "登记通知书回执")
    if state.notice_no is None:
        raise IllegalStep("尚未下发整改通知书 (no notice was issued)")
    if state.notice_received:
        raise IllegalStep("通知书回执已登记 (the receipt is already recorded)")
    return [
        NoticeReceiptRecorded(
            issue_id=state.issue_id,
            received_by=cmd.received_by,
            received_on=cmd.received_on,
            recorded_by=cmd.by,
        )
    ]


def decide(state: Issue, cmd: Command) -> list[EventPayload]:
    """One entry point for every command (used by the service and the property tests)."""
    match cmd:
        case OpenIssue():
            return open_issue(state, cmd)
        case SubmitPlan():
            return submit_plan(state, cmd)
        case ReportProgress():
            return report_progress(state, cmd)
        case SubmitForVerification():
            return submit_for_verification(state, cmd)
        case Verify():
            return verify(state, cmd)
        case RejectVerification():
            return reject_verification(state, cmd)
        case Reopen():
            return reopen(state, cmd)
        case RequestExtension():
            return request_extension(state, cmd)
        case ApproveExtension():
            return approve_extension(state, cmd)
        case DenyExtension():
            return deny_extension(state, cmd)
        case Escalate():
            return escalate(state, cmd)
        case RecordEscalationReceipt():
            return record_escalation_receipt(state, cmd)
        case RecordEscalationAnswer():
            return record_escalation_answer(state, cmd)
        case MarkOverdue():
            return mark_overdue(state, cmd)
        case IssueNotice():
            return issue_notice(state, cmd)
        case RecordNoticeReceipt():
            return record_notice_receipt(state, cmd)
    raise TypeError(f"unknown command {cmd!r}")


# ---------------------------------------------------------------- evolution


def evolve(state: Issue, event: EventPayload) -> Issue:
    match event:
        case IssueOpened():
            return Issue(
                stage=Stage.open,
                issue_id=event.issue_id,
                source=event.source,
                school_id=event.school_id,
                severity=event.severity,
                major_kind=event.major_kind,
                deadline=event.deadline,
                responsible_inspector_id=event.responsible_inspector_id,
            )
        case RectificationPlanSubmitted():
            stage = Stage.in_progress if state.stage == Stage.in_progress else Stage.plan_submitted
            return replace(
                state,
                stage=stage,
                plan_revision=event.revision,
                progress_reports=state.progress_reports if stage == Stage.in_progress else 0,
            )
        case ProgressReported():
            return replace(
                state, stage=Stage.in_progress, progress_reports=state.progress_reports + 1
            )
        case SubmittedForVerification():
            return replace(state, stage=Stage.awaiting_verification)
        case IssueVerified():
            return replace(state, stage=Stage.closed, pending_extension=None)
        case VerificationRejected():
            return replace(state, stage=Stage.in_progress, progress_reports=0)
        case IssueReopened():
            return replace(state, stage=Stage.reopened, deadline=event.deadline, progress_reports=0)
        case DeadlineExtensionRequested():
            return replace(state, pending_extension=event.new_deadline)
        case DeadlineExtensionApproved():
            return replace(state, deadline=event.deadline, pending_extension=None)
        case DeadlineExtensionDenied():
            return replace(state, pending_extension=None)
        case IssueEscalated():
            return replace(state, escalation=Escalation.escalated, escalated_to=event.to_body)
        case EscalationReceived():
            return replace(state, escalation=Escalation.received)
        case EscalationAnswered():
            return replace(state, escalation=Escalation.answered)
        case IssueOverdue():
            return replace(state, overdue_for=(*state.overdue_for, event.deadline))
        case RectificationNoticeIssued():
            return replace(state, notice_no=event.notice_no, deadline=event.deadline)
        case NoticeReceiptRecorded():
            return replace(state, notice_received=True)
    raise ValueError(f"an issue stream cannot hold {event.event_type}")


def replay(events: Sequence[EventPayload]) -> Issue:
    state = Issue()
    for event in events:
        state = evolve(state, event)
    return state
