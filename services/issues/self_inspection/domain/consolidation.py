"""A zone's week consolidated (每周汇总): recorded once, amended explicitly with a reason;
the problems it takes up for tracking each open a rectification issue (a problem tracked
twice is a no-op)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from services.issues.self_inspection.domain.calendar import Week
from services.issues.self_inspection.domain.week import ZoneWeek
from shared.commands import IllegalStep, InvalidField
from shared.contracts.self_inspection import (
    SelfInspectionConsolidated,
    SelfInspectionConsolidationAmended,
    TrackedProblem,
)
from shared.events import EventPayload
from shared.steps import Steps


def consolidation_id(zone_id: str, week: Week) -> str:
    return f"{zone_id}-{week.label}"


def consolidation_stream_id(zone_id: str, week: Week) -> str:
    return f"self-inspection-zone-{consolidation_id(zone_id, week)}"


@dataclass(frozen=True)
class Consolidation:
    recorded: bool = False
    zone_id: str = ""
    week: str = ""
    amendments: int = 0
    tracked: frozenset[tuple[str, int]] = frozenset()
    """``(report_id, problem_no)`` of every problem this consolidation took up."""


CONSOLIDATIONS: Steps[Consolidation] = Steps(Consolidation, "a consolidation")


@dataclass(frozen=True)
class TrackRequest:
    report_id: str
    problem_no: int
    issue_id: str
    """The id the issue gets (derived from the report and problem, by the caller)."""


@dataclass(frozen=True)
class Consolidate:
    zone_id: str
    summary: ZoneWeek
    by: str
    today: date
    tracks: tuple[TrackRequest, ...] = ()
    inspectors: Mapping[str, str] = field(default_factory=dict)
    """The responsible inspector of each school with a tracked problem."""
    already_tracked: frozenset[tuple[str, int]] = frozenset()
    """Problems an issue tracks already (from an earlier week, or a crash's retry)."""
    note: str = ""
    amendment: bool = False
    reason: str = ""


def _tracked(cmd: Consolidate, state: Consolidation) -> list[TrackedProblem]:
    by_id = {r.report_id: r for r in cmd.summary.reports}
    seen: set[tuple[str, int]] = set()
    tracked: list[TrackedProblem] = []
    for n, t in enumerate(cmd.tracks):
        where = f"body.track.{n}"
        report = by_id.get(t.report_id)
        if report is None:
            raise InvalidField(
                f"{where}.report_id",
                f"自查报告 {t.report_id} 不在本周汇总范围内 (report not covered by this week)",
            )
        problem = report.problem(t.problem_no)
        if problem is None:
            raise InvalidField(
                f"{where}.problem_no",
                f"报告 {t.report_id} 中没有序号为 {t.problem_no} 的问题 (no such problem)",
            )
        key = (t.report_id, t.problem_no)
        if key in seen:
            raise InvalidField(where, f"问题 {t.report_id}#{t.problem_no} 重复 (repeated)")
        seen.add(key)
        if key in state.tracked or key in cmd.already_tracked:
            continue
        inspector = cmd.inspectors.get(report.school_id)
        if not inspector:
            raise IllegalStep(
                f"学校 {report.school_id} 没有挂牌督学，责任区也没有组长，无人负责跟踪 "
                "(no listed inspector and no zone leader to track it)"
            )
        tracked.append(
            TrackedProblem(
                issue_id=t.issue_id,
                report_id=t.report_id,
                school_id=report.school_id,
                responsible_inspector_id=inspector,
                **problem.model_dump(),
            )
        )
    return tracked


@CONSOLIDATIONS.decides(Consolidate)
def consolidate(state: Consolidation, cmd: Consolidate) -> list[EventPayload]:
    week = cmd.summary.week
    if cmd.amendment and not state.recorded:
        raise IllegalStep(
            f"责任区 {cmd.zone_id} {week.label} 尚未汇总，不能补充汇总 "
            "(nothing to amend: the week is not consolidated)"
        )
    if not cmd.amendment and state.recorded:
        raise IllegalStep(
            f"责任区 {cmd.zone_id} {week.label} 已汇总；如需更正请提交补充汇总 "
            "(already consolidated; send an amendment)"
        )
    if cmd.amendment and not cmd.reason.strip():
        raise InvalidField("body.reason", "补充汇总须说明原因 (an amendment needs a reason)")
    if week.starts_on > cmd.today:
        raise InvalidField("body.week", f"{week.label} 尚未开始，不能汇总 (the week has not begun)")
    summary = cmd.summary
    facts = {
        "consolidation_id": consolidation_id(cmd.zone_id, week),
        "zone_id": cmd.zone_id,
        "week": week.label,
        "week_starts_on": week.starts_on,
        "week_ends_on": week.ends_on,
        "months": list(week.months),
        "consolidated_by": cmd.by,
        "note": cmd.note.strip(),
        "reports": summary.covered(),
        "unfiled": summary.unfiled(),
        "problems": summary.problems,
        "safety_hazards": summary.safety_hazards,
        "problems_by_item": summary.problems_by_item(),
        "tracked": _tracked(cmd, state),
    }
    if cmd.amendment:
        return [
            SelfInspectionConsolidationAmended(
                **facts, amendment=state.amendments + 1, reason=cmd.reason.strip()
            )
        ]
    return [SelfInspectionConsolidated(**facts)]


def _recorded(
    state: Consolidation, event: SelfInspectionConsolidated | SelfInspectionConsolidationAmended
) -> Consolidation:
    return Consolidation(
        recorded=True,
        zone_id=event.zone_id,
        week=event.week,
        amendments=getattr(event, "amendment", 0),
        tracked=state.tracked | {(t.report_id, t.problem_no) for t in event.tracked},
    )


@CONSOLIDATIONS.evolves(SelfInspectionConsolidated)
def consolidated(state: Consolidation, event: SelfInspectionConsolidated) -> Consolidation:
    return _recorded(state, event)


@CONSOLIDATIONS.evolves(SelfInspectionConsolidationAmended)
def amended(state: Consolidation, event: SelfInspectionConsolidationAmended) -> Consolidation:
    return _recorded(state, event)
