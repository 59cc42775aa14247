"""Issue events: a problem's rectification lifecycle (整改), one stream per issue.

An issue's stream is ``issue-<issue_id>``. Its events, in the order the lifecycle allows::

    IssueOpened → RectificationPlanSubmitted → ProgressReported …
    → SubmittedForVerification → IssueVerified (销号) | VerificationRejected → …
    IssueVerified → IssueReopened (the problem recurred) → RectificationPlanSubmitted → …

Alongside, while the issue is not closed: DeadlineExtensionRequested →
DeadlineExtensionApproved | DeadlineExtensionDenied; IssueEscalated (上报) →
EscalationReceived → EscalationAnswered; IssueOverdue (once per deadline crossed); and for
a major problem, once, RectificationNoticeIssued (《督导整改通知书》) → NoticeReceiptRecorded.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared import topics
from shared.contracts.visits import EvidenceRef, MajorKind, Severity
from shared.events import EventPayload, registry


class IssueSource(StrEnum):
    visit_finding = "visit_finding"  # 督导发现
    complaint = "complaint"  # 举报投诉
    self_inspection = "self_inspection"  # 学校月自查


class PlanStep(EventPayload):
    """One step (milestone) of a rectification plan: what, who, by when."""

    description: str
    owner: str
    """Who at the school carries the step out (e.g. 整改领导小组 member)."""
    due_on: date


class _IssueEvent(EventPayload):
    topic: ClassVar[str] = topics.ISSUES

    issue_id: str


@registry.register
class IssueOpened(_IssueEvent):
    """A rectification issue was opened for a problem (问题立项): what, where, by when, who."""

    event_type: ClassVar[str] = "cn.duxue.issues.issue_opened"

    source: IssueSource
    visit_id: str | None = None
    """The visit whose feedback list agreed the problem (source ``visit_finding``)."""
    finding_id: str | None = None
    source_ref: str | None = None
    """The complaint or self-inspection report the issue came from, for other sources."""
    school_id: str
    item_code: str
    item_title: str
    description: str
    requirement: str
    """What the school must do (整改要求)."""
    severity: Severity
    major_kind: MajorKind | None = None
    deadline: date
    """The rectification deadline (整改期限), the last day the school has."""
    responsible_inspector_id: str


@registry.register
class RectificationPlanSubmitted(_IssueEvent):
    """The school submitted its plan (整改方案): a timetable if it cannot be fixed at once."""

    event_type: ClassVar[str] = "cn.duxue.issues.rectification_plan_submitted"

    submitted_by: str
    steps: list[PlanStep] = Field(min_length=1)
    timetable: bool
    """True when the problem cannot be fixed at once and the steps are milestones (时间表)."""
    revision: int = Field(ge=1)
    """1 for the first plan; a later plan replaces the earlier one."""


@registry.register
class ProgressReported(_IssueEvent):
    """The school reported rectification progress (整改进展), with evidence (documents, photos)."""

    event_type: ClassVar[str] = "cn.duxue.issues.progress_reported"

    reported_by: str
    note: str
    evidence: list[EvidenceRef] = Field(default_factory=list)


@registry.register
class SubmittedForVerification(_IssueEvent):
    """The school declared the rectification done and asked the inspector to verify (申请验收)."""

    event_type: ClassVar[str] = "cn.duxue.issues.submitted_for_verification"

    submitted_by: str
    note: str


@registry.register
class IssueVerified(_IssueEvent):
    """The inspector verified the rectification and closed the issue (销号)."""

    event_type: ClassVar[str] = "cn.duxue.issues.issue_verified"

    verified_by: str
    verified_on_visit_id: str | None = None
    """The revisit (回访) on which it was verified, when it was."""
    note: str


@registry.register
class VerificationRejected(_IssueEvent):
    """The inspector found the rectification not yet meeting the requirement (验收未通过)."""

    event_type: ClassVar[str] = "cn.duxue.issues.verification_rejected"

    rejected_by: str
    verified_on_visit_id: str | None = None
    reason: str


@registry.register
class IssueReopened(_IssueEvent):
    """A closed issue was reopened because the problem recurred (问题反弹), with a new deadline."""

    event_type: ClassVar[str] = "cn.duxue.issues.issue_reopened"

    reopened_by: str
    reason: str
    deadline: date


@registry.register
class DeadlineExtensionRequested(_IssueEvent):
    """The school asked for a later deadline (申请延期), with its reason."""

    event_type: ClassVar[str] = "cn.duxue.issues.deadline_extension_requested"

    requested_by: str
    new_deadline: date
    reason: str


@registry.register
class DeadlineExtensionApproved(_IssueEvent):
    """The extension was approved; ``deadline`` is the issue's deadline from now on (延期获批)."""

    event_type: ClassVar[str] = "cn.duxue.issues.deadline_extension_approved"

    approved_by: str
    deadline: date
    note: str


@registry.register
class DeadlineExtensionDenied(_IssueEvent):
    """The extension was denied; the deadline stands (延期未获批)."""

    event_type: ClassVar[str] = "cn.duxue.issues.deadline_extension_denied"

    denied_by: str
    reason: str


@registry.register
class IssueEscalated(_IssueEvent):
    """A problem the school cannot fix itself was reported in writing to a body (上报)."""

    event_type: ClassVar[str] = "cn.duxue.issues.issue_escalated"

    escalated_by: str
    to_body: str
    """The local government or the department's name (e.g. 县住建局)."""
    report: str


@registry.register
class EscalationReceived(_IssueEvent):
    """The body the issue was escalated to acknowledged receipt of the report (签收)."""

    event_type: ClassVar[str] = "cn.duxue.issues.escalation_received"

    received_by: str
    note: str = ""


@registry.register
class EscalationAnswered(_IssueEvent):
    """The body answered the escalation (答复): what it will do or did; the problem has an owner."""

    event_type: ClassVar[str] = "cn.duxue.issues.escalation_answered"

    answered_by: str
    answer: str


@registry.register
class IssueOverdue(_IssueEvent):
    """The issue's deadline passed before it was closed (逾期); once per deadline crossed."""

    event_type: ClassVar[str] = "cn.duxue.issues.issue_overdue"

    deadline: date
    """The deadline that was crossed."""
    detected_at: datetime


@registry.register
class RectificationNoticeIssued(_IssueEvent):
    """For a major problem the county office issued a notice (《督导整改通知书》, 限期整改)."""

    event_type: ClassVar[str] = "cn.duxue.issues.rectification_notice_issued"

    notice_no: str
    """The notice's number as the office numbers it, e.g. 游教督整〔2026〕3号."""
    issued_by: str
    issued_on: date
    deadline: date
    """The notice's deadline, the issue's deadline from now on."""
    note: str = ""
    """Further requirements the office wrote on the notice (其他要求), if any."""


@registry.register
class NoticeReceiptRecorded(_IssueEvent):
    """The school's receipt of the rectification notice was recorded (回执)."""

    event_type: ClassVar[str] = "cn.duxue.issues.notice_receipt_recorded"

    received_by: str
    received_on: date
    recorded_by: str
