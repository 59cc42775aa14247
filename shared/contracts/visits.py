"""Visit events: the five steps of a visit (五环节), one stream per visit.

A visit's stream is ``visit-<visit_id>``. Its events, in the order the lifecycle allows::

    VisitPlanned → InspectorSignedIn (one per team member) → FindingRecorded / FindingCorrected
    → [FindingsMerged, comprehensive visits] → FeedbackIssued
    → FeedbackAcknowledged | FeedbackDisputed → DisputeResolved → VisitClosed

``VisitCancelled`` ends a visit that never started. The agreed problems of a feedback
list (what the principal signed, or what stands after a dispute) travel on
``FeedbackAcknowledged`` / ``DisputeResolved`` so that the issues service can open one
rectification issue per agreed problem without folding the visit stream.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared import topics
from shared.contracts.directory import Location
from shared.events import EventPayload, registry


class VisitKind(StrEnum):
    routine = "routine"  # 经常性督导 / 随访督导
    special = "special"  # 专项督导 (a campaign)
    comprehensive = "comprehensive"  # 综合督导 (a team; the zone leader merges)
    follow_up = "follow_up"  # 回访


class Method(StrEnum):
    drop_in_lesson = "drop_in_lesson"  # 推门听课
    document_review = "document_review"  # 查阅资料
    campus_walk = "campus_walk"  # 巡视校园
    attending_meeting = "attending_meeting"  # 列席会议
    interview = "interview"  # 座谈访问
    questionnaire = "questionnaire"  # 问卷调查


class Verdict(StrEnum):
    fine = "fine"  # 正常
    highlight = "highlight"  # 亮点 / 典型经验
    problem = "problem"  # 问题


class Severity(StrEnum):
    minor = "minor"  # 轻微
    general = "general"  # 一般
    serious = "serious"  # 较重
    major = "major"  # 重大: a violation, or a hazard to life and safety


class MajorKind(StrEnum):
    violation = "violation"  # 违法违规
    safety_hazard = "safety_hazard"  # 危及师生生命安全隐患


class DisputeOutcome(StrEnum):
    upheld = "upheld"  # 维持
    amended = "amended"  # 修改
    withdrawn = "withdrawn"  # 撤回


class EvidenceRef(EventPayload):
    """A stored piece of evidence: the bytes live in the evidence store, not the event."""

    evidence_id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, le=2**40)
    media_type: str


class PlannedItem(EventPayload):
    """A checklist item a visit covers, with its title as the checklist worded it."""

    code: str
    title: str


class ItemAssignment(EventPayload):
    """Which team member takes which checklist item (comprehensive visits)."""

    item_code: str
    inspector_id: str


class AgreedProblem(EventPayload):
    """A problem as it stands in the feedback list both sides agreed to."""

    point_no: int = Field(ge=1)
    finding_id: str
    item_code: str
    item_title: str
    description: str
    requirement: str
    severity: Severity
    major_kind: MajorKind | None = None
    deadline: date
    inspector_id: str
    """The inspector responsible for following the problem up."""


class Highlight(EventPayload):
    finding_id: str
    item_code: str
    item_title: str
    description: str


class FeedbackPoint(EventPayload):
    """One problem on the feedback list (反馈清单) as the inspector issued it."""

    point_no: int = Field(ge=1)
    finding_id: str
    item_code: str
    item_title: str
    description: str
    requirement: str
    severity: Severity
    major_kind: MajorKind | None = None
    proposed_deadline: date
    inspector_id: str


class DisputedPoint(EventPayload):
    point_no: int = Field(ge=1)
    reason: str


class DisputeResolution(EventPayload):
    point_no: int = Field(ge=1)
    outcome: DisputeOutcome
    note: str
    description: str | None = None
    requirement: str | None = None
    severity: Severity | None = None
    deadline: date | None = None


class _VisitEvent(EventPayload):
    topic: ClassVar[str] = topics.VISITS

    visit_id: str


@registry.register
class VisitPlanned(_VisitEvent):
    """A visit was planned (督前制蓝本): kind, school, team, checklist and purpose."""

    event_type: ClassVar[str] = "cn.duxue.visits.visit_planned"

    kind: VisitKind
    school_id: str
    planned_on: date
    announced: bool
    """False for an unannounced visit (暗访): the school does not see it before sign-in."""
    lead_inspector_id: str
    team: list[str]
    item_assignments: list[ItemAssignment]
    checklist_id: str
    checklist_version: int
    items: list[PlannedItem]
    campaign_id: str | None = None
    plan_id: str | None = None
    follows_up: list[str] = Field(default_factory=list)
    """Findings of earlier visits this follow-up visit checks."""
    purpose: str
    focus: str = ""


@registry.register
class VisitRescheduled(_VisitEvent):
    """The planned day of a visit that has not started changed."""

    event_type: ClassVar[str] = "cn.duxue.visits.visit_rescheduled"

    planned_on: date
    reason: str


@registry.register
class VisitCancelled(_VisitEvent):
    """A visit that never started was cancelled."""

    event_type: ClassVar[str] = "cn.duxue.visits.visit_cancelled"

    reason: str


@registry.register
class InspectorSignedIn(_VisitEvent):
    """An inspector signed in at the school (签到), with time and place."""

    event_type: ClassVar[str] = "cn.duxue.visits.inspector_signed_in"

    inspector_id: str
    signed_in_at: datetime
    location: Location | None
    distance_m: float | None
    """Distance from the school's registered location, when both are known."""
    radius_m: float
    flagged: bool
    """True when the sign-in is farther than ``radius_m`` or has no location (not refused)."""
    flag_reason: str | None = None


@registry.register
class FindingRecorded(_VisitEvent):
    """The status of one checklist item as an inspector found it (督中查问题)."""

    event_type: ClassVar[str] = "cn.duxue.visits.finding_recorded"

    finding_id: str
    item_code: str
    item_title: str
    inspector_id: str
    verdict: Verdict
    notes: str
    methods: list[Method]
    severity: Severity | None = None
    major_kind: MajorKind | None = None
    requirement: str | None = None
    """For a problem: what the school must do (整改要求)."""
    proposed_deadline: date | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)
    checks_finding_id: str | None = None
    """On a follow-up visit: the earlier finding this one checks."""


@registry.register
class FindingCorrected(_VisitEvent):
    """A recorded finding was corrected before the feedback list was issued (a new fact)."""

    event_type: ClassVar[str] = "cn.duxue.visits.finding_corrected"

    finding_id: str
    reason: str
    verdict: Verdict | None = None
    notes: str | None = None
    methods: list[Method] | None = None
    severity: Severity | None = None
    major_kind: MajorKind | None = None
    requirement: str | None = None
    proposed_deadline: date | None = None
    evidence: list[EvidenceRef] | None = None
    withdrawn: bool = False
    """True when the finding no longer stands at all."""


@registry.register
class FindingsMerged(_VisitEvent):
    """The zone leader merged the team's findings into one report for the school."""

    event_type: ClassVar[str] = "cn.duxue.visits.findings_merged"

    merged_by: str
    finding_ids: list[str]
    summary: str


@registry.register
class FeedbackIssued(_VisitEvent):
    """The feedback list (反馈清单) was issued to the school before leaving (督后交清单)."""

    event_type: ClassVar[str] = "cn.duxue.visits.feedback_issued"

    school_id: str
    highlights: list[Highlight]
    problems: list[FeedbackPoint]
    summary: str


@registry.register
class FeedbackAcknowledged(_VisitEvent):
    """The principal signed the feedback list; ``problems`` is what was agreed."""

    event_type: ClassVar[str] = "cn.duxue.visits.feedback_acknowledged"

    school_id: str
    signed_by: str
    signer_name: str
    problems: list[AgreedProblem]


@registry.register
class FeedbackDisputed(_VisitEvent):
    """The school disputed named points of the feedback list, with reasons (申辩)."""

    event_type: ClassVar[str] = "cn.duxue.visits.feedback_disputed"

    school_id: str
    disputed_by: str
    points: list[DisputedPoint]


@registry.register
class DisputeResolved(_VisitEvent):
    """The inspector upheld, amended or withdrew each disputed point; ``problems`` stand."""

    event_type: ClassVar[str] = "cn.duxue.visits.dispute_resolved"

    school_id: str
    resolved_by: str
    resolutions: list[DisputeResolution]
    problems: list[AgreedProblem]


@registry.register
class VisitClosed(_VisitEvent):
    """The visit is closed; its record is archived (《责任督学工作手册》)."""

    event_type: ClassVar[str] = "cn.duxue.visits.visit_closed"

    school_id: str
    kind: VisitKind
    campaign_id: str | None = None
    findings: int
    highlights: int
    problems: int
    summary: str
