"""The issue's deadline: extensions (申请延期, approved or denied) and the overdue mark,
once per deadline crossed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from services.issues.rectification.domain.facts import ExtensionFacts
from services.issues.rectification.domain.state import (
    Issue,
    Stage,
    require_open,
    require_text,
)
from services.issues.rectification.domain.steps import decides, evolves
from shared.commands import IllegalStep
from shared.contracts.issues import (
    DeadlineExtensionApproved,
    DeadlineExtensionDenied,
    DeadlineExtensionRequested,
    IssueOverdue,
)
from shared.deadlines import local_day
from shared.events import EventPayload


@dataclass(frozen=True)
class RequestExtension:
    by: str
    extension: ExtensionFacts


@dataclass(frozen=True)
class ApproveExtension:
    by: str
    note: str


@dataclass(frozen=True)
class DenyExtension:
    by: str
    reason: str


@dataclass(frozen=True)
class MarkOverdue:
    now: datetime


def _require_pending(state: Issue) -> date:
    if state.pending_extension is None:
        raise IllegalStep("没有待审批的延期申请 (no pending extension request)")
    return state.pending_extension


@decides(RequestExtension)
def request_extension(state: Issue, cmd: RequestExtension) -> list[EventPayload]:
    require_open(state, "申请延期")
    extension = cmd.extension
    if state.pending_extension is not None:
        raise IllegalStep("已有延期申请待审批 (an extension request is already pending)")
    if state.deadline is not None and extension.new_deadline <= state.deadline:
        raise IllegalStep(
            f"延期后的期限须晚于 {state.deadline.isoformat()} (the new deadline must be later)"
        )
    require_text(extension.reason, "申请延期须说明理由 (a reason is required)")
    return [
        DeadlineExtensionRequested(
            issue_id=state.issue_id, requested_by=cmd.by, **extension.event_fields()
        )
    ]


@decides(ApproveExtension)
def approve_extension(state: Issue, cmd: ApproveExtension) -> list[EventPayload]:
    require_open(state, "批准延期")
    pending = _require_pending(state)
    if state.deadline is not None and pending <= state.deadline:
        raise IllegalStep(
            f"申请的期限不晚于现行期限 {state.deadline.isoformat()}，无需延期 "
            "(the requested deadline is no longer later than the current one)"
        )
    return [
        DeadlineExtensionApproved(
            issue_id=state.issue_id, approved_by=cmd.by, deadline=pending, note=cmd.note
        )
    ]


@decides(DenyExtension)
def deny_extension(state: Issue, cmd: DenyExtension) -> list[EventPayload]:
    require_open(state, "驳回延期")
    _require_pending(state)
    require_text(cmd.reason, "驳回延期须说明理由 (a reason is required)")
    return [DeadlineExtensionDenied(issue_id=state.issue_id, denied_by=cmd.by, reason=cmd.reason)]


@decides(MarkOverdue)
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


@evolves(DeadlineExtensionRequested)
def extension_requested(state: Issue, event: DeadlineExtensionRequested) -> Issue:
    return replace(state, pending_extension=event.new_deadline)


@evolves(DeadlineExtensionApproved)
def extension_approved(state: Issue, event: DeadlineExtensionApproved) -> Issue:
    return replace(state, deadline=event.deadline, pending_extension=None)


@evolves(DeadlineExtensionDenied)
def extension_denied(state: Issue, event: DeadlineExtensionDenied) -> Issue:
    return replace(state, pending_extension=None)


@evolves(IssueOverdue)
def overdue(state: Issue, event: IssueOverdue) -> Issue:
    return replace(state, overdue_for=(*state.overdue_for, event.deadline))
