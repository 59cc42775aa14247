"""The visit aggregate: the five steps of a visit (五环节) as a checked state machine.

Pure: ``decide`` functions take the current :class:`Visit` and a command and return the
events to append (or raise :class:`~shared.commands.IllegalStep`, HTTP 409, with a zh-CN
reason); :func:`evolve` folds one event into the state. No I/O, no clock: facts the
decisions need (the school's location, the sign-in radius, who is the zone leader)
arrive inside the commands.

Stages::

    planned ─sign in─▶ on_site ─[merge]─ feedback ─▶ feedback_issued
    planned ─cancel─▶ cancelled
    feedback_issued ─acknowledge─▶ acknowledged ─close─▶ closed
    feedback_issued ─dispute─▶ disputed ─resolve─▶ dispute_resolved ─acknowledge─▶ acknowledged

Comprehensive visits are merged by the zone leader before feedback. Every list ends
signed by the principal (签收): directly, or after the disputed points were resolved, in
which case the signature is over the resolved list (the record that both sides agreed).
Only a signed list can be closed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from shared.commands import IllegalStep
from shared.contracts.directory import Location
from shared.contracts.visits import (
    AgreedProblem,
    DisputedPoint,
    DisputeOutcome,
    DisputeResolution,
    DisputeResolved,
    EvidenceRef,
    FeedbackAcknowledged,
    FeedbackDisputed,
    FeedbackIssued,
    FeedbackPoint,
    FindingCorrected,
    FindingRecorded,
    FindingsMerged,
    Highlight,
    InspectorSignedIn,
    ItemAssignment,
    MajorKind,
    Method,
    PlannedItem,
    Severity,
    Verdict,
    VisitCancelled,
    VisitClosed,
    VisitKind,
    VisitPlanned,
    VisitRescheduled,
)
from shared.events import EventPayload


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
    item_code: str
    item_title: str
    inspector_id: str
    verdict: Verdict
    notes: str
    methods: tuple[Method, ...]
    severity: Severity | None
    major_kind: MajorKind | None
    requirement: str | None
    proposed_deadline: date | None
    evidence: tuple[EvidenceRef, ...]
    checks_finding_id: str | None
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


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class PlanVisit:
    visit_id: str
    kind: VisitKind
    school_id: str
    planned_on: date
    announced: bool
    lead_inspector_id: str
    team: tuple[str, ...]
    items: tuple[tuple[str, str], ...]
    checklist_id: str
    checklist_version: int
    purpose: str
    focus: str = ""
    assignments: tuple[tuple[str, str], ...] = ()
    campaign_id: str | None = None
    plan_id: str | None = None
    follows_up: tuple[str, ...] = ()


@dataclass(frozen=True)
class RescheduleVisit:
    planned_on: date
    reason: str


@dataclass(frozen=True)
class CancelVisit:
    reason: str


@dataclass(frozen=True)
class SignIn:
    inspector_id: str
    at: datetime
    location: Location | None
    school_location: Location | None
    radius_m: float


@dataclass(frozen=True)
class RecordFinding:
    finding_id: str
    item_code: str
    inspector_id: str
    verdict: Verdict
    notes: str
    methods: tuple[Method, ...]
    severity: Severity | None = None
    major_kind: MajorKind | None = None
    requirement: str | None = None
    proposed_deadline: date | None = None
    evidence: tuple[EvidenceRef, ...] = ()
    checks_finding_id: str | None = None


@dataclass(frozen=True)
class CorrectFinding:
    finding_id: str
    inspector_id: str
    reason: str
    verdict: Verdict | None = None
    notes: str | None = None
    methods: tuple[Method, ...] | None = None
    severity: Severity | None = None
    major_kind: MajorKind | None = None
    requirement: str | None = None
    proposed_deadline: date | None = None
    evidence: tuple[EvidenceRef, ...] | None = None
    withdrawn: bool = False


@dataclass(frozen=True)
class MergeFindings:
    by: str
    by_zone_leader: bool
    summary: str


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


Command = (
    PlanVisit
    | RescheduleVisit
    | CancelVisit
    | SignIn
    | RecordFinding
    | CorrectFinding
    | MergeFindings
    | IssueFeedback
    | Acknowledge
    | Dispute
    | ResolveDispute
    | CloseVisit
)


def stream_id(visit_id: str) -> str:
    return f"visit-{visit_id}"


# ---------------------------------------------------------------- decisions


def _require_stage(state: Visit, *allowed: Stage, doing: str) -> None:
    if state.stage == Stage.none:
        raise IllegalStep(f"督导 {state.visit_id or ''} 不存在，无法{doing} (no such visit)")
    if state.stage not in allowed:
        label = STAGE_LABELS.get(state.stage, state.stage.value)
        raise IllegalStep(f"督导当前状态为「{label}」，不能{doing} (illegal in {state.stage})")


def _require_lead(state: Visit, who: str, doing: str) -> None:
    if who != state.lead_inspector_id:
        raise IllegalStep(f"只有带队督学可以{doing} (only the lead inspector may do this)")


def plan(state: Visit, cmd: PlanVisit) -> list[EventPayload]:
    if state.stage != Stage.none:
        raise IllegalStep(f"督导 {cmd.visit_id} 已存在 (visit already planned)")
    team = cmd.team
    if not team or len(set(team)) != len(team):
        raise IllegalStep("督导组成员不能为空或重复 (team must be non-empty, no duplicates)")
    if cmd.lead_inspector_id not in team:
        raise IllegalStep("带队督学必须是督导组成员 (the lead must be in the team)")
    codes = [code for code, _ in cmd.items]
    if not codes or len(set(codes)) != len(codes):
        raise IllegalStep("督导事项不能为空或重复 (checklist items must be non-empty, unique)")
    if cmd.kind == VisitKind.comprehensive:
        if len(team) < 2:
            raise IllegalStep("综合督导至少需要两名督学 (a comprehensive visit needs a team)")
        assigned = {code for code, _ in cmd.assignments}
        if assigned != set(codes):
            raise IllegalStep("综合督导须为每个事项分工 (assign every item to a team member)")
    for code, inspector in cmd.assignments:
        if code not in codes or inspector not in team:
            raise IllegalStep(f"分工 {code}→{inspector} 无效 (assignment outside items or team)")
    if len({code for code, _ in cmd.assignments}) != len(cmd.assignments):
        raise IllegalStep("每个事项只能分给一名督学 (one inspector per item)")
    if cmd.kind == VisitKind.special and not cmd.campaign_id:
        raise IllegalStep("专项督导须属于一个专项 (a special visit needs a campaign)")
    if cmd.kind == VisitKind.follow_up and not cmd.follows_up:
        raise IllegalStep("回访须注明回访的问题 (a follow-up names the findings it checks)")
    return [
        VisitPlanned(
            visit_id=cmd.visit_id,
            kind=cmd.kind,
            school_id=cmd.school_id,
            planned_on=cmd.planned_on,
            announced=cmd.announced,
            lead_inspector_id=cmd.lead_inspector_id,
            team=list(team),
            item_assignments=[
                ItemAssignment(item_code=c, inspector_id=i) for c, i in cmd.assignments
            ],
            checklist_id=cmd.checklist_id,
            checklist_version=cmd.checklist_version,
            items=[PlannedItem(code=c, title=t) for c, t in cmd.items],
            campaign_id=cmd.campaign_id,
            plan_id=cmd.plan_id,
            follows_up=list(cmd.follows_up),
            purpose=cmd.purpose,
            focus=cmd.focus,
        )
    ]


def reschedule(state: Visit, cmd: RescheduleVisit) -> list[EventPayload]:
    _require_stage(state, Stage.planned, doing="改期")
    if cmd.planned_on == state.planned_on:
        raise IllegalStep("新日期与原日期相同 (same date)")
    return [VisitRescheduled(visit_id=state.visit_id, planned_on=cmd.planned_on, reason=cmd.reason)]


def cancel(state: Visit, cmd: CancelVisit) -> list[EventPayload]:
    _require_stage(state, Stage.planned, doing="取消")
    return [VisitCancelled(visit_id=state.visit_id, reason=cmd.reason)]


def distance_m(a: Location, b: Location) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def sign_in(state: Visit, cmd: SignIn) -> list[EventPayload]:
    _require_stage(state, Stage.planned, Stage.on_site, doing="签到")
    if cmd.inspector_id not in state.team:
        raise IllegalStep("您不是本次督导的督学，不能签到 (not a member of this visit's team)")
    if cmd.inspector_id in state.signed_in:
        raise IllegalStep("您已签到 (already signed in)")
    distance: float | None = None
    reason: str | None = None
    if cmd.location is None:
        reason = "签到未提供位置 (no location given)"
    elif cmd.school_location is None:
        reason = "学校未登记位置，无法核对签到地点 (the school has no location on record)"
    else:
        distance = round(distance_m(cmd.location, cmd.school_location), 1)
        if distance > cmd.radius_m:
            reason = (
                f"签到地点距学校 {distance:.0f} 米，超出 {cmd.radius_m:.0f} 米范围 "
                "(sign-in farther than the allowed radius)"
            )
    return [
        InspectorSignedIn(
            visit_id=state.visit_id,
            inspector_id=cmd.inspector_id,
            signed_in_at=cmd.at,
            location=cmd.location,
            distance_m=distance,
            radius_m=cmd.radius_m,
            flagged=reason is not None,
            flag_reason=reason,
        )
    ]


def _check_finding_fields(
    verdict: Verdict,
    severity: Severity | None,
    major_kind: MajorKind | None,
    requirement: str | None,
    proposed_deadline: date | None,
    methods: Sequence[Method],
) -> None:
    if not methods:
        raise IllegalStep("须注明督导方式 (name at least one method)")
    if verdict == Verdict.problem:
        if severity is None or not requirement or proposed_deadline is None:
            raise IllegalStep(
                "问题须注明严重程度、整改要求和整改期限 "
                "(a problem needs severity, requirement and deadline)"
            )
        if (severity == Severity.major) != (major_kind is not None):
            raise IllegalStep(
                "重大问题须注明类别（违法违规或安全隐患），其他问题不注明 "
                "(major_kind is required for, and only for, a major problem)"
            )
    elif severity is not None or major_kind is not None or requirement or proposed_deadline:
        raise IllegalStep(
            "只有问题才有严重程度、整改要求和期限 (only a problem has severity and requirement)"
        )


def record_finding(state: Visit, cmd: RecordFinding) -> list[EventPayload]:
    _require_stage(state, Stage.on_site, doing="记录督导情况")
    if cmd.inspector_id not in state.signed_in:
        raise IllegalStep("请先签到再记录 (sign in before recording)")
    title = state.item_title(cmd.item_code)
    if title is None:
        raise IllegalStep(f"事项 {cmd.item_code} 不在本次督导清单中 (item not on this visit)")
    assigned = dict(state.assignments).get(cmd.item_code)
    if assigned is not None and assigned != cmd.inspector_id:
        raise IllegalStep(f"事项 {cmd.item_code} 已分工给其他督学 (item assigned to another)")
    if state.finding(cmd.finding_id) is not None:
        raise IllegalStep(f"记录 {cmd.finding_id} 已存在 (finding id already used)")
    if state.merged:
        raise IllegalStep("督导报告已汇总，不能再记录 (findings already merged)")
    _check_finding_fields(
        cmd.verdict,
        cmd.severity,
        cmd.major_kind,
        cmd.requirement,
        cmd.proposed_deadline,
        cmd.methods,
    )
    return [
        FindingRecorded(
            visit_id=state.visit_id,
            finding_id=cmd.finding_id,
            item_code=cmd.item_code,
            item_title=title,
            inspector_id=cmd.inspector_id,
            verdict=cmd.verdict,
            notes=cmd.notes,
            methods=list(cmd.methods),
            severity=cmd.severity,
            major_kind=cmd.major_kind,
            requirement=cmd.requirement,
            proposed_deadline=cmd.proposed_deadline,
            evidence=list(cmd.evidence),
            checks_finding_id=cmd.checks_finding_id,
        )
    ]


def correct_finding(state: Visit, cmd: CorrectFinding) -> list[EventPayload]:
    _require_stage(state, Stage.on_site, doing="更正记录")
    current = state.finding(cmd.finding_id)
    if current is None or current.withdrawn:
        raise IllegalStep(f"记录 {cmd.finding_id} 不存在 (no such finding)")
    if current.inspector_id != cmd.inspector_id:
        raise IllegalStep("只能更正自己的记录 (only the recording inspector may correct it)")
    if state.merged:
        raise IllegalStep("督导报告已汇总，不能再更正 (findings already merged)")
    # What the finding would become: the same fold that replays use.
    requested = FindingCorrected(
        visit_id=state.visit_id,
        finding_id=cmd.finding_id,
        reason=cmd.reason,
        verdict=cmd.verdict,
        notes=cmd.notes,
        methods=list(cmd.methods) if cmd.methods is not None else None,
        severity=cmd.severity,
        major_kind=cmd.major_kind,
        requirement=cmd.requirement,
        proposed_deadline=cmd.proposed_deadline,
    )
    after = _corrected(current, requested)
    if not cmd.withdrawn:
        _check_finding_fields(
            after.verdict,
            after.severity,
            after.major_kind,
            after.requirement,
            after.proposed_deadline,
            after.methods,
        )
        if after == current and cmd.evidence is None:
            raise IllegalStep("没有需要更正的内容 (nothing to correct)")
    return [
        FindingCorrected(
            visit_id=state.visit_id,
            finding_id=cmd.finding_id,
            reason=cmd.reason,
            verdict=cmd.verdict,
            notes=cmd.notes,
            methods=list(cmd.methods) if cmd.methods is not None else None,
            severity=after.severity if after.severity != current.severity else None,
            major_kind=after.major_kind if after.major_kind != current.major_kind else None,
            requirement=after.requirement if after.requirement != current.requirement else None,
            proposed_deadline=after.proposed_deadline
            if after.proposed_deadline != current.proposed_deadline
            else None,
            evidence=list(cmd.evidence) if cmd.evidence is not None else None,
            withdrawn=cmd.withdrawn,
        )
    ]


def merge(state: Visit, cmd: MergeFindings) -> list[EventPayload]:
    _require_stage(state, Stage.on_site, doing="汇总督导报告")
    if state.kind != VisitKind.comprehensive:
        raise IllegalStep("只有综合督导需要汇总 (only comprehensive visits are merged)")
    if not cmd.by_zone_leader:
        raise IllegalStep("由责任区组长汇总督导报告 (the zone leader merges the report)")
    if state.merged:
        raise IllegalStep("督导报告已汇总 (already merged)")
    standing = state.standing_findings
    missing = sorted(
        code for code, _ in state.assignments if all(f.item_code != code for f in standing)
    )
    if missing:
        raise IllegalStep(f"以下事项尚无记录：{'、'.join(missing)} (items without findings)")
    return [
        FindingsMerged(
            visit_id=state.visit_id,
            merged_by=cmd.by,
            finding_ids=[f.finding_id for f in standing],
            summary=cmd.summary,
        )
    ]


def issue_feedback(state: Visit, cmd: IssueFeedback) -> list[EventPayload]:
    _require_stage(state, Stage.on_site, doing="出具反馈清单")
    if state.kind == VisitKind.comprehensive and not state.merged:
        raise IllegalStep("综合督导须先由组长汇总 (merge the team's findings first)")
    if cmd.by not in (state.lead_inspector_id, state.merged_by):
        raise IllegalStep("只有带队督学可以出具反馈清单 (only the lead issues the feedback)")
    standing = state.standing_findings
    if not standing:
        raise IllegalStep("尚无督导记录，不能出具反馈清单 (no findings yet)")
    problems = [f for f in standing if f.verdict == Verdict.problem]
    return [
        FeedbackIssued(
            visit_id=state.visit_id,
            school_id=state.school_id,
            highlights=[
                Highlight(
                    finding_id=f.finding_id,
                    item_code=f.item_code,
                    item_title=f.item_title,
                    description=f.notes,
                )
                for f in standing
                if f.verdict == Verdict.highlight
            ],
            problems=[
                FeedbackPoint(
                    point_no=n,
                    finding_id=f.finding_id,
                    item_code=f.item_code,
                    item_title=f.item_title,
                    description=f.notes,
                    requirement=f.requirement or "",
                    severity=f.severity or Severity.general,
                    major_kind=f.major_kind,
                    proposed_deadline=f.proposed_deadline or date.min,
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


def acknowledge(state: Visit, cmd: Acknowledge) -> list[EventPayload]:
    """The principal signs the list as issued, or as the dispute's resolution left it."""
    _require_stage(state, Stage.feedback_issued, Stage.dispute_resolved, doing="签收反馈清单")
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


def dispute(state: Visit, cmd: Dispute) -> list[EventPayload]:
    _require_stage(state, Stage.feedback_issued, doing="申辩")
    numbers = [n for n, _ in cmd.points]
    if not numbers:
        raise IllegalStep("请注明申辩的问题 (name the disputed points)")
    if len(set(numbers)) != len(numbers):
        raise IllegalStep("同一问题只能申辩一次 (a point is disputed once)")
    known = {p.point_no for p in state.feedback}
    unknown = sorted(set(numbers) - known)
    if unknown:
        raise IllegalStep(f"反馈清单中没有第 {unknown[0]} 项问题 (no such point)")
    return [
        FeedbackDisputed(
            visit_id=state.visit_id,
            school_id=state.school_id,
            disputed_by=cmd.by,
            points=[DisputedPoint(point_no=n, reason=r) for n, r in cmd.points],
        )
    ]


def resolve_dispute(state: Visit, cmd: ResolveDispute) -> list[EventPayload]:
    _require_stage(state, Stage.disputed, doing="处理申辩")
    _require_lead(state, cmd.by, "处理申辩")
    numbers = [r.point_no for r in cmd.resolutions]
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


def close(state: Visit, cmd: CloseVisit) -> list[EventPayload]:
    _require_stage(state, Stage.acknowledged, doing="办结")
    _require_lead(state, cmd.by, "办结督导")
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


def decide(state: Visit, cmd: Command) -> list[EventPayload]:
    """One entry point for every command (used by the service and the property tests)."""
    match cmd:
        case PlanVisit():
            return plan(state, cmd)
        case RescheduleVisit():
            return reschedule(state, cmd)
        case CancelVisit():
            return cancel(state, cmd)
        case SignIn():
            return sign_in(state, cmd)
        case RecordFinding():
            return record_finding(state, cmd)
        case CorrectFinding():
            return correct_finding(state, cmd)
        case MergeFindings():
            return merge(state, cmd)
        case IssueFeedback():
            return issue_feedback(state, cmd)
        case Acknowledge():
            return acknowledge(state, cmd)
        case Dispute():
            return dispute(state, cmd)
        case ResolveDispute():
            return resolve_dispute(state, cmd)
        case CloseVisit():
            return close(state, cmd)
    raise TypeError(f"unknown command {cmd!r}")


# ---------------------------------------------------------------- evolution


def _corrected(current: Finding, e: FindingCorrected) -> Finding:
    problem = (e.verdict or current.verdict) == Verdict.problem
    updated = replace(
        current,
        verdict=e.verdict or current.verdict,
        notes=e.notes if e.notes is not None else current.notes,
        methods=tuple(e.methods) if e.methods is not None else current.methods,
        severity=(e.severity or current.severity) if problem else None,
        major_kind=(e.major_kind or current.major_kind) if problem else None,
        requirement=(e.requirement or current.requirement) if problem else None,
        proposed_deadline=(e.proposed_deadline or current.proposed_deadline) if problem else None,
        evidence=tuple(e.evidence) if e.evidence is not None else current.evidence,
        withdrawn=e.withdrawn,
    )
    if updated.severity != Severity.major:
        updated = replace(updated, major_kind=None)
    return updated


def evolve(state: Visit, event: EventPayload) -> Visit:
    match event:
        case VisitPlanned():
            return Visit(
                stage=Stage.planned,
                visit_id=event.visit_id,
                kind=event.kind,
                school_id=event.school_id,
                campaign_id=event.campaign_id,
                planned_on=event.planned_on,
                lead_inspector_id=event.lead_inspector_id,
                team=tuple(event.team),
                assignments=tuple((a.item_code, a.inspector_id) for a in event.item_assignments),
                items=tuple((i.code, i.title) for i in event.items),
            )
        case VisitRescheduled():
            return replace(state, planned_on=event.planned_on)
        case VisitCancelled():
            return replace(state, stage=Stage.cancelled)
        case InspectorSignedIn():
            return replace(
                state, stage=Stage.on_site, signed_in=(*state.signed_in, event.inspector_id)
            )
        case FindingRecorded():
            finding = Finding(
                finding_id=event.finding_id,
                item_code=event.item_code,
                item_title=event.item_title,
                inspector_id=event.inspector_id,
                verdict=event.verdict,
                notes=event.notes,
                methods=tuple(event.methods),
                severity=event.severity,
                major_kind=event.major_kind,
                requirement=event.requirement,
                proposed_deadline=event.proposed_deadline,
                evidence=tuple(event.evidence),
                checks_finding_id=event.checks_finding_id,
            )
            return replace(state, findings=(*state.findings, finding))
        case FindingCorrected():
            return replace(
                state,
                findings=tuple(
                    _corrected(f, event) if f.finding_id == event.finding_id else f
                    for f in state.findings
                ),
            )
        case FindingsMerged():
            return replace(state, merged=True, merged_by=event.merged_by)
        case FeedbackIssued():
            return replace(
                state,
                stage=Stage.feedback_issued,
                feedback=tuple(event.problems),
                highlights=tuple(event.highlights),
            )
        case FeedbackAcknowledged():
            return replace(state, stage=Stage.acknowledged, agreed=tuple(event.problems))
        case FeedbackDisputed():
            return replace(
                state,
                stage=Stage.disputed,
                disputed_points=tuple(p.point_no for p in event.points),
            )
        case DisputeResolved():
            return replace(state, stage=Stage.dispute_resolved, agreed=tuple(event.problems))
        case VisitClosed():
            return replace(state, stage=Stage.closed)
    raise ValueError(f"a visit stream cannot hold {event.event_type}")


def replay(events: Sequence[EventPayload]) -> Visit:
    state = Visit()
    for event in events:
        state = evolve(state, event)
    return state
