"""The school rectifies (整改): plan, progress, submission; the inspector verifies and
closes (销号) or rejects; a closed issue whose problem recurred is reopened."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.issues.rectification.domain.facts import PlanFacts, ProgressFacts
from services.issues.rectification.domain.state import (
    Issue,
    Stage,
    require_stage,
    require_text,
)
from services.issues.rectification.domain.steps import decides, evolves
from shared.commands import IllegalStep
from shared.contracts.issues import (
    IssueReopened,
    IssueVerified,
    ProgressReported,
    RectificationPlanSubmitted,
    SubmittedForVerification,
    VerificationRejected,
)
from shared.events import EventPayload


@dataclass(frozen=True)
class SubmitPlan:
    by: str
    plan: PlanFacts


@dataclass(frozen=True)
class ReportProgress:
    by: str
    progress: ProgressFacts


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


@decides(SubmitPlan)
def submit_plan(state: Issue, cmd: SubmitPlan) -> list[EventPayload]:
    require_stage(
        state,
        Stage.open,
        Stage.reopened,
        Stage.plan_submitted,
        Stage.in_progress,
        doing="提交整改方案",
    )
    plan = cmd.plan
    if not plan.steps:
        raise IllegalStep("整改方案至少包含一个步骤 (a plan needs at least one step)")
    for n, step in enumerate(plan.steps, start=1):
        if not step.description.strip() or not step.owner.strip():
            raise IllegalStep(f"第 {n} 步须写明内容和责任人 (step {n} needs what and who)")
    dues = [step.due_on for step in plan.steps]
    if dues != sorted(dues):
        raise IllegalStep("整改步骤须按完成时间先后排列 (steps in order of their due dates)")
    if plan.timetable and len(plan.steps) < 2:
        raise IllegalStep("整改时间表至少包含两个节点 (a timetable needs at least two milestones)")
    if not plan.timetable and state.deadline is not None and dues[-1] > state.deadline:
        raise IllegalStep(
            f"限时整改的步骤须在 {state.deadline.isoformat()} 前完成；"
            "不能立即整改的请提交时间表或申请延期 "
            "(steps must end by the deadline unless the plan is a timetable)"
        )
    return [
        RectificationPlanSubmitted(
            issue_id=state.issue_id,
            submitted_by=cmd.by,
            revision=state.plan_revision + 1,
            **plan.event_fields(),
        )
    ]


@decides(ReportProgress)
def report_progress(state: Issue, cmd: ReportProgress) -> list[EventPayload]:
    require_stage(state, Stage.plan_submitted, Stage.in_progress, doing="报告整改进展")
    progress = cmd.progress
    if not progress.note.strip() and not progress.evidence:
        raise IllegalStep("整改进展须有说明或佐证材料 (a note or evidence is required)")
    ids = [e.evidence_id for e in progress.evidence]
    if len(set(ids)) != len(ids):
        raise IllegalStep("佐证材料重复 (the same evidence twice)")
    return [
        ProgressReported(issue_id=state.issue_id, reported_by=cmd.by, **progress.event_fields())
    ]


@decides(SubmitForVerification)
def submit_for_verification(state: Issue, cmd: SubmitForVerification) -> list[EventPayload]:
    require_stage(state, Stage.in_progress, doing="申请验收")
    if state.progress_reports == 0:
        raise IllegalStep("请先报告整改进展再申请验收 (report progress before asking to verify)")
    return [SubmittedForVerification(issue_id=state.issue_id, submitted_by=cmd.by, note=cmd.note)]


@decides(Verify)
def verify(state: Issue, cmd: Verify) -> list[EventPayload]:
    require_stage(state, Stage.awaiting_verification, doing="验收销号")
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


@decides(RejectVerification)
def reject_verification(state: Issue, cmd: RejectVerification) -> list[EventPayload]:
    require_stage(state, Stage.awaiting_verification, doing="退回整改")
    require_text(cmd.reason, "退回整改须说明理由 (a reason is required)")
    return [
        VerificationRejected(
            issue_id=state.issue_id,
            rejected_by=cmd.by,
            verified_on_visit_id=cmd.on_visit_id,
            reason=cmd.reason,
        )
    ]


@decides(Reopen)
def reopen(state: Issue, cmd: Reopen) -> list[EventPayload]:
    require_stage(state, Stage.closed, doing="重新打开")
    require_text(cmd.reason, "重新打开须说明问题反弹的情况 (a reason is required)")
    return [
        IssueReopened(
            issue_id=state.issue_id, reopened_by=cmd.by, reason=cmd.reason, deadline=cmd.deadline
        )
    ]


@evolves(RectificationPlanSubmitted)
def plan_submitted(state: Issue, event: RectificationPlanSubmitted) -> Issue:
    stage = Stage.in_progress if state.stage == Stage.in_progress else Stage.plan_submitted
    return replace(
        state,
        stage=stage,
        plan_revision=event.revision,
        progress_reports=state.progress_reports if stage == Stage.in_progress else 0,
    )


@evolves(ProgressReported)
def progress_reported(state: Issue, event: ProgressReported) -> Issue:
    return replace(state, stage=Stage.in_progress, progress_reports=state.progress_reports + 1)


@evolves(SubmittedForVerification)
def submitted(state: Issue, event: SubmittedForVerification) -> Issue:
    return replace(state, stage=Stage.awaiting_verification)


@evolves(IssueVerified)
def verified(state: Issue, event: IssueVerified) -> Issue:
    return replace(state, stage=Stage.closed, pending_extension=None)


@evolves(VerificationRejected)
def rejected(state: Issue, event: VerificationRejected) -> Issue:
    return replace(state, stage=Stage.in_progress, progress_reports=0)


@evolves(IssueReopened)
def reopened(state: Issue, event: IssueReopened) -> Issue:
    return replace(state, stage=Stage.reopened, deadline=event.deadline, progress_reports=0)
