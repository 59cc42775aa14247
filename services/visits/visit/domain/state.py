"""The visit's slim state: what decisions need, and the guards every step shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.visits.visit.domain.facts import FindingFacts
from shared.commands import IllegalStep
from shared.contracts.visits import AgreedProblem, FeedbackPoint, Highlight, VisitKind


class Stage(StrEnum):
    none = "none"
    planned = "planned"
    cancelled = "cancelled"
    on_site = "on_site"
    feedback_issued = "feedback_issued"
    acknowledged = "acknowledged"
    disputed = "disputed"
    dispute_resolved = "dispute_resolved"
    closed = "closed"


STAGE_LABELS = {
    Stage.planned: "已计划",
    Stage.cancelled: "已取消",
    Stage.on_site: "现场督导中",
    Stage.feedback_issued: "已反馈",
    Stage.acknowledged: "学校已签收",
    Stage.disputed: "学校申辩中",
    Stage.dispute_resolved: "申辩已处理",
    Stage.closed: "已办结",
}


@dataclass(frozen=True)
class Finding:
    finding_id: str
    item_title: str
    inspector_id: str
    facts: FindingFacts
    withdrawn: bool = False


@dataclass(frozen=True)
class Visit:
    """What decisions about a visit need to know (and nothing a projection adds)."""

    stage: Stage = Stage.none
    visit_id: str = ""
    kind: VisitKind = VisitKind.routine
    school_id: str = ""
    campaign_id: str | None = None
    planned_on: date | None = None
    lead_inspector_id: str = ""
    team: tuple[str, ...] = ()
    assignments: tuple[tuple[str, str], ...] = ()
    """(item_code, inspector_id) pairs: who takes which item (comprehensive visits)."""
    items: tuple[tuple[str, str], ...] = ()
    """(code, title) of the checklist items the visit covers."""
    signed_in: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    merged: bool = False
    merged_by: str | None = None
    feedback: tuple[FeedbackPoint, ...] = ()
    highlights: tuple[Highlight, ...] = ()
    disputed_points: tuple[int, ...] = ()
    agreed: tuple[AgreedProblem, ...] = ()

    def item_title(self, code: str) -> str | None:
        return dict(self.items).get(code)

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.finding_id == finding_id), None)

    @property
    def standing_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.withdrawn)


def stream_id(visit_id: str) -> str:
    return f"visit-{visit_id}"


def require_stage(state: Visit, *allowed: Stage, doing: str) -> None:
    if state.stage == Stage.none:
        raise IllegalStep(f"督导 {state.visit_id or ''} 不存在，无法{doing} (no such visit)")
    if state.stage not in allowed:
        label = STAGE_LABELS.get(state.stage, state.stage.value)
        raise IllegalStep(f"督导当前状态为「{label}」，不能{doing} (illegal in {state.stage})")


def require_lead(state: Visit, who: str, doing: str) -> None:
    if who != state.lead_inspector_id:
        raise IllegalStep(f"只有带队督学可以{doing} (only the lead inspector may do this)")
