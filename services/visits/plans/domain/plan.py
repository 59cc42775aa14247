"""The monthly plan aggregate (月计划): filed with the office, revised, acknowledged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from services.visits.campaigns.domain import Campaign
from shared.commands import FieldProblem, IllegalStep, UnknownReference
from shared.contracts.plans import (
    MonthlyPlanAcknowledged,
    MonthlyPlanFiled,
    MonthlyPlanRevised,
    PlanEntry,
)
from shared.contracts.visits import VisitKind
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class PlanFacts:
    """What a visit planned under a monthly plan checks of it."""

    plan_id: str
    inspector_id: str
    office: Jurisdiction
    """The office the plan is filed with."""


@dataclass(frozen=True)
class Plan:
    filed: bool = False
    inspector_id: str | None = None
    month: str | None = None
    office: str | None = None
    revision: int = 0
    entries: tuple[PlanEntry, ...] = ()
    acknowledged_revision: int | None = None


@dataclass(frozen=True)
class FilePlan:
    inspector_id: str
    month: str
    office: str
    entries: tuple[PlanEntry, ...]
    note: str = ""

    @property
    def plan_id(self) -> str:
        return plan_id(self.inspector_id, self.month)


@dataclass(frozen=True)
class RevisePlan:
    plan_id: str
    inspector_id: str
    entries: tuple[PlanEntry, ...]
    reason: str


@dataclass(frozen=True)
class AcknowledgePlan:
    plan_id: str
    acknowledged_by: str
    comment: str = ""


def plan_id(inspector_id: str, month: str) -> str:
    return f"{inspector_id}-{month}"


def stream_id(plan_id: str) -> str:
    return f"plan-{plan_id}"


def office_of(inspector: Jurisdiction) -> Jurisdiction:
    """The office an inspector files with: their county's, or their city's (city inspectors)."""
    return Jurisdiction(province=inspector.province, city=inspector.city, county=inspector.county)


def check_entries(
    month: str, entries: Sequence[PlanEntry], campaigns: Mapping[str, Campaign]
) -> None:
    """Entries lie in the month, are not repeated, and name open campaigns in their window.

    ``campaigns`` holds the current state of every campaign the entries name.
    """
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(entries):
        where = f"body.entries.{i}"
        if entry.planned_on.strftime("%Y-%m") != month:
            raise FieldProblem(
                f"{where}.planned_on",
                f"计划日期 {entry.planned_on} 不在 {month} 内 (planned_on outside the month)",
            )
        key = (entry.school_id, entry.planned_on.isoformat())
        if key in seen:
            raise FieldProblem(
                where,
                f"同一学校同一天重复计划：{entry.school_id} {entry.planned_on} (duplicate entry)",
            )
        seen.add(key)
        if (entry.kind is VisitKind.special) != (entry.campaign_id is not None):
            raise FieldProblem(
                f"{where}.campaign_id",
                "专项督导须注明专项督导编号，其他督导不得注明 "
                "(a special visit names its campaign, other kinds name none)",
            )
        if entry.campaign_id is not None:
            _check_campaign(where, entry, campaigns.get(entry.campaign_id, Campaign()))


def _check_campaign(where: str, entry: PlanEntry, campaign: Campaign) -> None:
    if not campaign.issued:
        raise UnknownReference(
            f"{where}.campaign_id", f"专项督导 {entry.campaign_id} 不存在 (unknown campaign)"
        )
    if campaign.closed:
        raise FieldProblem(
            f"{where}.campaign_id", f"专项督导 {entry.campaign_id} 已结束 (campaign closed)"
        )
    if not campaign.covers(entry.planned_on):
        raise FieldProblem(
            f"{where}.planned_on",
            f"计划日期 {entry.planned_on} 不在专项督导时间 {campaign.starts_on}～"
            f"{campaign.ends_on} 内 (outside the campaign's window)",
        )


def file_plan(state: Plan, cmd: FilePlan, campaigns: Mapping[str, Campaign]) -> list[EventPayload]:
    if state.filed:
        raise IllegalStep(
            f"{cmd.month} 月计划已备案，请提交调整 (plan already filed; revise it instead)"
        )
    check_entries(cmd.month, cmd.entries, campaigns)
    return [
        MonthlyPlanFiled(
            plan_id=cmd.plan_id,
            inspector_id=cmd.inspector_id,
            month=cmd.month,
            office=cmd.office,
            entries=list(cmd.entries),
            note=cmd.note,
        )
    ]


def revise(state: Plan, cmd: RevisePlan, campaigns: Mapping[str, Campaign]) -> list[EventPayload]:
    if not state.filed:
        raise IllegalStep(f"月计划 {cmd.plan_id} 未备案 (plan not filed)")
    if cmd.inspector_id != state.inspector_id:
        raise IllegalStep("只能调整本人的月计划 (only the plan's inspector revises it)")
    assert state.month is not None
    check_entries(state.month, cmd.entries, campaigns)
    if tuple(cmd.entries) == state.entries:
        raise IllegalStep("调整后的计划与原计划相同 (nothing changed)")
    return [
        MonthlyPlanRevised(
            plan_id=cmd.plan_id,
            revision=state.revision + 1,
            entries=list(cmd.entries),
            reason=cmd.reason,
        )
    ]


def acknowledge(state: Plan, cmd: AcknowledgePlan) -> list[EventPayload]:
    if not state.filed:
        raise IllegalStep(f"月计划 {cmd.plan_id} 未备案 (plan not filed)")
    if state.acknowledged_revision == state.revision:
        raise IllegalStep(
            f"月计划第 {state.revision} 版已确认备案 (this revision is already acknowledged)"
        )
    return [
        MonthlyPlanAcknowledged(
            plan_id=cmd.plan_id,
            revision=state.revision,
            acknowledged_by=cmd.acknowledged_by,
            comment=cmd.comment,
        )
    ]


def evolve(state: Plan, event: EventPayload) -> Plan:
    if isinstance(event, MonthlyPlanFiled):
        return replace(
            state,
            filed=True,
            inspector_id=event.inspector_id,
            month=event.month,
            office=event.office,
            revision=1,
            entries=tuple(event.entries),
        )
    if isinstance(event, MonthlyPlanRevised):
        return replace(state, revision=event.revision, entries=tuple(event.entries))
    if isinstance(event, MonthlyPlanAcknowledged):
        return replace(state, acknowledged_revision=event.revision)
    raise ValueError(f"a plan stream cannot hold {event.event_type}")
