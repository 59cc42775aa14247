"""The issue's slim state: what decisions about an issue need to know, its stages and the
guards every step uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.commands import IllegalStep
from shared.contracts.issues import IssueSource
from shared.contracts.visits import MajorKind, Severity


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


def stream_id(issue_id: str) -> str:
    return f"issue-{issue_id}"


def require_stage(state: Issue, *allowed: Stage, doing: str) -> None:
    if state.stage == Stage.none:
        raise IllegalStep(f"整改问题 {state.issue_id or ''} 不存在，无法{doing} (no such issue)")
    if state.stage not in allowed:
        label = STAGE_LABELS.get(state.stage, state.stage.value)
        raise IllegalStep(f"整改问题当前状态为「{label}」，不能{doing} (illegal in {state.stage})")


def require_open(state: Issue, doing: str) -> None:
    require_stage(state, *OPEN_STAGES, doing=doing)


def require_text(value: str, message: str) -> None:
    """409 with ``message`` when a required text is blank."""
    if not value.strip():
        raise IllegalStep(message)
