"""Steps 3 to 5: the feedback list (督后交清单), the school's answer (签收 or 申辩), the
dispute's resolution, and closing the visit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.visits.visit.domain.state import Stage, Visit, require_lead, require_stage
from services.visits.visit.domain.steps import decides, evolves
from shared.commands import IllegalStep, InvalidField
from shared.contracts.visits import (
    AgreedProblem,
    DisputedPoint,
    DisputeOutcome,
    DisputeResolution,
    DisputeResolved,
    FeedbackAcknowledged,
    FeedbackDisputed,
    FeedbackIssued,
    FeedbackPoint,
    Highlight,
    Severity,
    Verdict,
    VisitClosed,
    VisitKind,
)
from shared.events import EventPayload


@dataclass(frozen=True)
class IssueFeedback:
    by: str
    summary: str


@dataclass(frozen=True)
class Acknowledge:
    by: str
    signer_name: str


@dataclass(frozen=True)
class Dispute:
    by: str
    points: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Resolution:
    point_no: int
    outcome: DisputeOutcome
    note: str
    description: str | None = None
    requirement: str | None = None
    severity: Severity | None = None
    deadline: date | None = None


@dataclass(frozen=True)
class ResolveDispute:
    by: str
    resolutions: tuple[Resolution, ...]


@dataclass(frozen=True)
class CloseVisit:
    by: str
    summary: str


@decides(IssueFeedback)
def issue_feedback(state: Visit, cmd: IssueFeedback) -> list[EventPayload]:
    require_stage(state, Stage.on_site, doing="出具反馈清单")
    if state.kind == VisitKind.comprehensive and not state.merged:
        raise IllegalStep("综合督导须先由组长汇总 (merge the team's findings first)")
    if cmd.by not in (state.lead_inspector_id, state.merged_by):
        raise IllegalStep("只有带队督学可以出具反馈清单 (only the lead issues the feedback)")
    standing = state.standing_findings
    if not standing:
        raise IllegalStep("尚无督导记录，不能出具反馈清单 (no findings yet)")
    problems = [f for f in standing if f.facts.verdict == Verdict.problem]
    return [
        FeedbackIssued(
            visit_id=state.visit_id,
            school_id=state.school_id,
            highlights=[
                Highlight(
                    finding_id=f.finding_id,
                    item_code=f.facts.item_code,
                    item_title=f.item_title,
                    description=f.facts.notes,
                )
                for f in standing
                if f.facts.verdict == Verdict.highlight
            ],
            problems=[
                FeedbackPoint(
                    point_no=n,
                    finding_id=f.finding_id,
                    item_code=f.facts.item_code,
                    item_title=f.item_title,
                    description=f.facts.notes,
                    requirement=f.facts.requirement or "",
                    severity=f.facts.severity or Severity.general,
                    major_kind=f.facts.major_kind,
                    proposed_deadline=f.facts.proposed_deadline or date.min,
                    inspector_id=f.inspector_id,
                )
                for n, f in enumerate(problems, start=1)
            ],
            summary=cmd.summary,
        )
    ]


def _agreed(point: FeedbackPoint) -> AgreedProblem:
    return AgreedProblem(
        point_no=point.point_no,
        finding_id=point.finding_id,
        item_code=point.item_code,
        item_title=point.item_title,
        description=point.description,
        requirement=point.requirement,
        severity=point.severity,
        major_kind=point.major_kind,
        deadline=point.proposed_deadline,
        inspector_id=point.inspector_id,
    )


@decides(Acknowledge)
def acknowledge(state: Visit, cmd: Acknowledge) -> list[EventPayload]:
    """The principal signs the list as issued, or as the dispute's resolution left it."""
    require_stage(state, Stage.feedback_issued, Stage.dispute_resolved, doing="签收反馈清单")
    signed = (
        list(state.agreed)
        if state.stage == Stage.dispute_resolved
        else [_agreed(p) for p in state.feedback]
    )
    return [
        FeedbackAcknowledged(
            visit_id=state.visit_id,
            school_id=state.school_id,
            signed_by=cmd.by,
            signer_name=cmd.signer_name,
            problems=signed,
        )
    ]


def _known_points(state: Visit, numbers: list[int], field: str) -> None:
    """Every point number a body names is on the feedback list (422 naming the first
    other one, ``body.<field>.<i>.point_no``)."""
    known = {p.point_no for p in state.feedback}
    for i, n in enumerate(numbers):
        if n not in known:
            raise InvalidField(
                f"body.{field}.{i}.point_no", f"反馈清单中没有第 {n} 项问题 (no such point)"
            )


@decides(Dispute)
def dispute(state: Visit, cmd: Dispute) -> list[EventPayload]:
    require_stage(state, Stage.feedback_issued, doing="申辩")
    numbers = [n for n, _ in cmd.points]
    if not numbers:
        raise IllegalStep("请注明申辩的问题 (name the disputed points)")
    if len(set(numbers)) != len(numbers):
        raise IllegalStep("同一问题只能申辩一次 (a point is disputed once)")
    _known_points(state, numbers, "points")
    return [
        FeedbackDisputed(
            visit_id=state.visit_id,
            school_id=state.school_id,
            disputed_by=cmd.by,
            points=[DisputedPoint(point_no=n, reason=r) for n, r in cmd.points],
        )
    ]


@decides(ResolveDispute)
def resolve_dispute(state: Visit, cmd: ResolveDispute) -> list[EventPayload]:
    require_stage(state, Stage.disputed, doing="处理申辩")
    require_lead(state, cmd.by, "处理申辩")
    numbers = [r.point_no for r in cmd.resolutions]
    _known_points(state, numbers, "resolutions")
    if sorted(numbers) != sorted(state.disputed_points):
        raise IllegalStep(
            "须对每一项申辩逐项答复，且只答复申辩的问题 (resolve exactly the disputed points)"
        )
    by_no = {r.point_no: r for r in cmd.resolutions}
    agreed: list[AgreedProblem] = []
    for point in state.feedback:
        resolution = by_no.get(point.point_no)
        problem = _agreed(point)
        if resolution is None or resolution.outcome == DisputeOutcome.upheld:
            agreed.append(problem)
            continue
        if resolution.outcome == DisputeOutcome.withdrawn:
            continue
        changes: dict[str, object] = {
            k: v
            for k, v in (
                ("description", resolution.description),
                ("requirement", resolution.requirement),
                ("severity", resolution.severity),
                ("deadline", resolution.deadline),
            )
            if v is not None
        }
        if not changes:
            raise IllegalStep(
                f"第 {point.point_no} 项修改后须有变化 (an amendment changes something)"
            )
        if changes.get("severity") not in (None, Severity.major):
            changes["major_kind"] = None
        elif changes.get("severity") == Severity.major and problem.major_kind is None:
            raise IllegalStep("改为重大问题须先撤回后重新记录 (cannot amend into a major problem)")
        agreed.append(problem.model_copy(update=changes))
    return [
        DisputeResolved(
            visit_id=state.visit_id,
            school_id=state.school_id,
            resolved_by=cmd.by,
            resolutions=[
                DisputeResolution(
                    point_no=r.point_no,
                    outcome=r.outcome,
                    note=r.note,
                    description=r.description,
                    requirement=r.requirement,
                    severity=r.severity,
                    deadline=r.deadline,
                )
                for r in cmd.resolutions
            ],
            problems=agreed,
        )
    ]


@decides(CloseVisit)
def close(state: Visit, cmd: CloseVisit) -> list[EventPayload]:
    require_stage(state, Stage.acknowledged, doing="办结")
    require_lead(state, cmd.by, "办结督导")
    standing = state.standing_findings
    return [
        VisitClosed(
            visit_id=state.visit_id,
            school_id=state.school_id,
            kind=state.kind,
            campaign_id=state.campaign_id,
            findings=len(standing),
            highlights=len(state.highlights),
            problems=len(state.agreed),
            summary=cmd.summary,
        )
    ]


@evolves(FeedbackIssued)
def feedback_issued(state: Visit, event: FeedbackIssued) -> Visit:
    return replace(
        state,
        stage=Stage.feedback_issued,
        feedback=tuple(event.problems),
        highlights=tuple(event.highlights),
    )


@evolves(FeedbackAcknowledged)
def acknowledged(state: Visit, event: FeedbackAcknowledged) -> Visit:
    return replace(state, stage=Stage.acknowledged, agreed=tuple(event.problems))


@evolves(FeedbackDisputed)
def disputed(state: Visit, event: FeedbackDisputed) -> Visit:
    return replace(
        state, stage=Stage.disputed, disputed_points=tuple(p.point_no for p in event.points)
    )


@evolves(DisputeResolved)
def dispute_resolved(state: Visit, event: DisputeResolved) -> Visit:
    return replace(state, stage=Stage.dispute_resolved, agreed=tuple(event.problems))


@evolves(VisitClosed)
def closed(state: Visit, event: VisitClosed) -> Visit:
    return replace(state, stage=Stage.closed)
