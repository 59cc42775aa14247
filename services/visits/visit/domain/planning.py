"""Step 1, the plan (督前制蓝本): plan a visit, move it, cancel it before it starts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.visits.visit.domain.state import Stage, Visit, require_stage
from services.visits.visit.domain.steps import decides, evolves
from shared.commands import IllegalStep, InvalidField
from shared.contracts.visits import (
    ItemAssignment,
    PlannedItem,
    VisitCancelled,
    VisitKind,
    VisitPlanned,
    VisitRescheduled,
)
from shared.events import EventPayload


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


@decides(PlanVisit)
def plan(state: Visit, cmd: PlanVisit) -> list[EventPayload]:
    if state.stage != Stage.none:
        raise IllegalStep(f"督导 {cmd.visit_id} 已存在 (visit already planned)")
    team = cmd.team
    if not team or len(set(team)) != len(team):
        raise IllegalStep("督导组成员不能为空或重复 (team must be non-empty, no duplicates)")
    if cmd.lead_inspector_id not in team:
        raise InvalidField(
            "body.lead_inspector_id", "带队督学必须是督导组成员 (the lead must be in the team)"
        )
    codes = [code for code, _ in cmd.items]
    if not codes or len(set(codes)) != len(codes):
        raise IllegalStep("督导事项不能为空或重复 (checklist items must be non-empty, unique)")
    for code, inspector in cmd.assignments:
        if code not in codes:
            raise InvalidField(
                f"body.assignments.{code}",
                f"事项 {code} 不在本次督导清单中 (item not on this visit)",
            )
        if inspector not in team:
            raise InvalidField(
                f"body.assignments.{code}",
                f"督学 {inspector} 不是督导组成员 (the assignee is not in the team)",
            )
    if cmd.kind == VisitKind.comprehensive:
        if len(team) < 2:
            raise IllegalStep("综合督导至少需要两名督学 (a comprehensive visit needs a team)")
        assigned = {code for code, _ in cmd.assignments}
        if assigned != set(codes):
            raise IllegalStep("综合督导须为每个事项分工 (assign every item to a team member)")
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


@decides(RescheduleVisit)
def reschedule(state: Visit, cmd: RescheduleVisit) -> list[EventPayload]:
    require_stage(state, Stage.planned, doing="改期")
    if cmd.planned_on == state.planned_on:
        raise IllegalStep("新日期与原日期相同 (same date)")
    return [VisitRescheduled(visit_id=state.visit_id, planned_on=cmd.planned_on, reason=cmd.reason)]


@decides(CancelVisit)
def cancel(state: Visit, cmd: CancelVisit) -> list[EventPayload]:
    require_stage(state, Stage.planned, doing="取消")
    return [VisitCancelled(visit_id=state.visit_id, reason=cmd.reason)]


@evolves(VisitPlanned)
def planned(state: Visit, event: VisitPlanned) -> Visit:
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


@evolves(VisitRescheduled)
def rescheduled(state: Visit, event: VisitRescheduled) -> Visit:
    return replace(state, planned_on=event.planned_on)


@evolves(VisitCancelled)
def cancelled(state: Visit, event: VisitCancelled) -> Visit:
    return replace(state, stage=Stage.cancelled)
