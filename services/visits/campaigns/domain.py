"""The special campaign aggregate (专项督导): issued, amended, closed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.visits.checklists.domain import Checklist, FieldProblem, scope_contains
from shared.commands import IllegalStep, UnknownReference
from shared.contracts.checklists import (
    CampaignAmended,
    CampaignClosed,
    CampaignIssued,
    CampaignTheme,
)
from shared.events import EventPayload


@dataclass(frozen=True)
class Campaign:
    issued: bool = False
    closed: bool = False
    office: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    zone_ids: tuple[str, ...] = ()
    school_ids: tuple[str, ...] = ()

    def covers(self, day: date) -> bool:
        """True when ``day`` lies in the campaign's window."""
        assert self.starts_on is not None and self.ends_on is not None
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class IssueCampaign:
    campaign_id: str
    theme: CampaignTheme
    title: str
    checklist_id: str
    checklist_version: int
    starts_on: date
    ends_on: date
    zone_ids: tuple[str, ...]
    school_ids: tuple[str, ...]
    office: str
    purpose: str = ""


@dataclass(frozen=True)
class AmendCampaign:
    campaign_id: str
    reason: str
    starts_on: date | None = None
    ends_on: date | None = None
    zone_ids: tuple[str, ...] | None = None
    school_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CloseCampaign:
    campaign_id: str
    summary: str = ""


def stream_id(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


def _check_window(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise FieldProblem("body.ends_on", "结束日期早于开始日期 (ends_on is before starts_on)")


def _check_targets(zone_ids: tuple[str, ...], school_ids: tuple[str, ...]) -> None:
    if not zone_ids and not school_ids:
        raise FieldProblem(
            "body.school_ids", "至少指定一个责任区或一所学校 (name at least one zone or school)"
        )


def issue(state: Campaign, cmd: IssueCampaign, checklist: Checklist) -> list[EventPayload]:
    """Issue a campaign; ``checklist`` is the current state of the template it names."""
    if state.issued:
        raise IllegalStep(f"专项督导 {cmd.campaign_id} 已下达 (campaign already issued)")
    _check_window(cmd.starts_on, cmd.ends_on)
    _check_targets(cmd.zone_ids, cmd.school_ids)
    if not checklist.exists:
        raise UnknownReference(
            "body.checklist_id", f"督查记载表 {cmd.checklist_id} 不存在 (unknown checklist)"
        )
    if checklist.retired:
        raise FieldProblem(
            "body.checklist_id", f"督查记载表 {cmd.checklist_id} 已停用 (checklist retired)"
        )
    scope = checklist.version_scope(cmd.checklist_version)
    if scope is None:
        raise FieldProblem(
            "body.checklist_version",
            f"督查记载表 {cmd.checklist_id} 没有第 {cmd.checklist_version} 版 (unknown version)",
        )
    if not scope_contains(scope, cmd.office):
        raise FieldProblem(
            "body.checklist_id",
            f"督查记载表 {cmd.checklist_id} 第 {cmd.checklist_version} 版不适用于本辖区 "
            "(that checklist version is not published for your jurisdiction)",
        )
    return [
        CampaignIssued(
            campaign_id=cmd.campaign_id,
            theme=cmd.theme,
            title=cmd.title,
            checklist_id=cmd.checklist_id,
            checklist_version=cmd.checklist_version,
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
            zone_ids=list(cmd.zone_ids),
            school_ids=list(cmd.school_ids),
            office=cmd.office,
            purpose=cmd.purpose,
        )
    ]


def amend(state: Campaign, cmd: AmendCampaign) -> list[EventPayload]:
    _require_open(state, cmd.campaign_id)
    assert state.starts_on is not None and state.ends_on is not None
    starts_on = cmd.starts_on if cmd.starts_on not in (None, state.starts_on) else None
    ends_on = cmd.ends_on if cmd.ends_on not in (None, state.ends_on) else None
    zone_ids = cmd.zone_ids if cmd.zone_ids not in (None, state.zone_ids) else None
    school_ids = cmd.school_ids if cmd.school_ids not in (None, state.school_ids) else None
    if starts_on is None and ends_on is None and zone_ids is None and school_ids is None:
        raise IllegalStep("没有需要调整的内容 (nothing to amend)")
    _check_window(starts_on or state.starts_on, ends_on or state.ends_on)
    _check_targets(
        state.zone_ids if zone_ids is None else zone_ids,
        state.school_ids if school_ids is None else school_ids,
    )
    return [
        CampaignAmended(
            campaign_id=cmd.campaign_id,
            starts_on=starts_on,
            ends_on=ends_on,
            zone_ids=None if zone_ids is None else list(zone_ids),
            school_ids=None if school_ids is None else list(school_ids),
            reason=cmd.reason,
        )
    ]


def close(state: Campaign, cmd: CloseCampaign) -> list[EventPayload]:
    _require_open(state, cmd.campaign_id)
    return [CampaignClosed(campaign_id=cmd.campaign_id, summary=cmd.summary)]


def _require_open(state: Campaign, campaign_id: str) -> None:
    if not state.issued:
        raise IllegalStep(f"专项督导 {campaign_id} 不存在 (unknown campaign)")
    if state.closed:
        raise IllegalStep(f"专项督导 {campaign_id} 已结束 (campaign closed)")


def evolve(state: Campaign, event: EventPayload) -> Campaign:
    if isinstance(event, CampaignIssued):
        return replace(
            state,
            issued=True,
            office=event.office,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            zone_ids=tuple(event.zone_ids),
            school_ids=tuple(event.school_ids),
        )
    if isinstance(event, CampaignAmended):
        return replace(
            state,
            starts_on=event.starts_on or state.starts_on,
            ends_on=event.ends_on or state.ends_on,
            zone_ids=state.zone_ids if event.zone_ids is None else tuple(event.zone_ids),
            school_ids=state.school_ids if event.school_ids is None else tuple(event.school_ids),
        )
    if isinstance(event, CampaignClosed):
        return replace(state, closed=True)
    raise ValueError(f"a campaign stream cannot hold {event.event_type}")


# -- progress: pure, over what the read models hold ------------------------------------


@dataclass(frozen=True)
class CampaignVisit:
    visit_id: str
    school_id: str
    status: str
    """``planned``, ``cancelled`` or ``closed``."""


def progress(
    school_ids: Sequence[str], zone_school_ids: Sequence[str], visits: Sequence[CampaignVisit]
) -> dict[str, Any]:
    """Per target school: planned? visited? — and the totals.

    Targets are the campaign's named schools, the schools of its zones (as the directory
    knows them now), and any school a visit was planned or closed at under the campaign.
    A school counts as planned while a visit under the campaign is planned or closed
    there, and as visited once one is closed.
    """
    sources: dict[str, str] = {}
    for school_id in school_ids:
        sources.setdefault(school_id, "school")
    for school_id in zone_school_ids:
        sources.setdefault(school_id, "zone")
    by_school: dict[str, list[CampaignVisit]] = {}
    for v in visits:
        sources.setdefault(v.school_id, "visit")
        by_school.setdefault(v.school_id, []).append(v)
    schools = []
    for school_id in sorted(sources):
        mine = by_school.get(school_id, [])
        live = [v for v in mine if v.status != "cancelled"]
        schools.append(
            {
                "school_id": school_id,
                "target": sources[school_id],
                "planned": bool(live),
                "visited": any(v.status == "closed" for v in live),
                "visit_ids": sorted(v.visit_id for v in live),
            }
        )
    total = len(schools)
    visited = sum(1 for s in schools if s["visited"])
    return {
        "targets": total,
        "planned": sum(1 for s in schools if s["planned"]),
        "visited": visited,
        "percent_visited": round(100 * visited / total, 1) if total else 0.0,
        "schools": schools,
    }
