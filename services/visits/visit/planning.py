"""Planning a visit (督前制蓝本): the one visit command that starts a stream.

Who may plan: an inspector their own visits to schools where they are listed (挂牌) on
the planned day; a zone leader for schools of their zone, maybe naming a team; an office
anything inside its jurisdiction. Team members are registered inspectors of the school's
place; a campaign, a monthly plan and the earlier findings a follow-up names are checked
against the event store (campaigns, the school) or the read models (findings, plans).
The school's stream is loaded once for the school and who is listed there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import uuid4

from services.visits.names import FIELD_STAFF, OFFICES
from services.visits.visit import domain as v
from services.visits.visit.ports import (
    CampaignFacts,
    CampaignLookup,
    ChecklistLookup,
    CommandDirectory,
    FindingLookup,
    PlanLookup,
    SchoolFacts,
)
from shared.auth import Principal, Role, ensure_inside, ensure_role, ensure_within
from shared.commands import (
    CallerContext,
    Forbidden,
    IllegalStep,
    InvalidField,
    StreamHandler,
)
from shared.contracts.visits import VisitKind


def forbidden(message: str) -> Forbidden:
    return Forbidden(message)


LEAD_NOT_IN_TEAM = "带队督学必须是督导组成员 (the lead must be in the team)"
TEAM_REQUIRED = (
    "督导室安排督导须指明督导组成员或带队督学 (a team is required when an office plans a visit)"
)


def default_team(principal: Principal, lead: str | None) -> tuple[str, ...]:
    """The team of a plan that names none: an inspector (or zone leader) is their own
    team; an office, not being an inspector, is given the lead it names, else 422."""
    if principal.has_any(*FIELD_STAFF) or not principal.has_any(*OFFICES):
        return (principal.user_id,)
    if lead is None:
        raise InvalidField("body.team", TEAM_REQUIRED)
    return (lead,)


@dataclass(frozen=True)
class PlanRequest:
    kind: VisitKind
    school_id: str
    planned_on: date
    announced: bool
    purpose: str
    focus: str
    team: tuple[str, ...]
    lead_inspector_id: str | None
    checklist_id: str | None
    checklist_version: int | None
    item_codes: tuple[str, ...] | None
    assignments: tuple[tuple[str, str], ...]
    campaign_id: str | None
    plan_id: str | None
    follows_up: tuple[str, ...]
    visit_id: str | None = None


async def check_earlier_finding(
    findings: FindingLookup, field: str, school_id: str, finding_id: str
) -> None:
    """A finding a follow-up names was recorded at a visit to this school: an unknown
    id, or one of another school (another county's included), is 422 ``field``."""
    if not await findings.recorded_at(school_id, finding_id):
        raise InvalidField(
            field,
            f"{finding_id} 不是该校以往督导的记录 (not a finding of a visit to this school)",
        )


class VisitPlanner:
    def __init__(
        self,
        directory: CommandDirectory,
        checklists: ChecklistLookup,
        campaigns: CampaignLookup,
        plans: PlanLookup,
        findings: FindingLookup,
        visits: StreamHandler[v.Visit],
    ) -> None:
        self._directory = directory
        self._checklists = checklists
        self._campaigns = campaigns
        self._plans = plans
        self._findings = findings
        self._visits = visits

    async def plan(self, req: PlanRequest, caller: CallerContext) -> tuple[str, int]:
        principal = caller.principal
        ensure_role(principal, *FIELD_STAFF, *OFFICES)
        found = await self._directory.school_on(req.school_id, req.planned_on)
        if found is None:
            raise InvalidField("body.school_id", f"学校 {req.school_id} 不存在 (unknown school)")
        school = found.school
        ensure_within(principal, school.jurisdiction)
        team = req.team or default_team(principal, req.lead_inspector_id)
        lead = req.lead_inspector_id or team[0]
        await self._check_planner(principal, school, found.listed, team)
        if req.lead_inspector_id is not None:
            await self._check_lead(req.lead_inspector_id, school, team)
        for i, member in enumerate(team):
            inspector = await self._directory.inspector(member)
            if inspector is None:
                raise InvalidField(f"body.team.{i}", f"督学 {member} 不存在 (unknown inspector)")
            ensure_inside(inspector.jurisdiction, school.jurisdiction, f"督学 {member} ")
        for i, finding_id in enumerate(req.follows_up):
            await check_earlier_finding(
                self._findings, f"body.follows_up.{i}", school.school_id, finding_id
            )
        checklist_id, checklist_version = req.checklist_id, req.checklist_version
        if req.campaign_id is not None:
            campaign = await self._checked_campaign(req.campaign_id, school, req.planned_on)
            checklist_id = checklist_id or campaign.checklist_id
            checklist_version = checklist_version or campaign.checklist_version
        if req.plan_id is not None:
            await self._check_plan(req.plan_id, principal, team)
        checklist = await self._checklists.checklist(checklist_id or "routine", checklist_version)
        if checklist is None:
            raise InvalidField("body.checklist_id", "督查清单不存在 (unknown checklist)")
        titles = {item.code: item.title for item in checklist.items}
        codes = req.item_codes or tuple(titles)
        for i, code in enumerate(codes):
            if code not in titles:
                raise InvalidField(f"body.item_codes.{i}", f"清单中没有事项 {code}")
        visit_id = req.visit_id or uuid4().hex[:16]
        cmd = v.PlanVisit(
            visit_id=visit_id,
            kind=req.kind,
            school_id=school.school_id,
            planned_on=req.planned_on,
            announced=req.announced,
            lead_inspector_id=lead,
            team=team,
            items=tuple((code, titles[code]) for code in codes),
            checklist_id=checklist.checklist_id,
            checklist_version=checklist.version,
            purpose=req.purpose,
            focus=req.focus,
            assignments=req.assignments,
            campaign_id=req.campaign_id,
            plan_id=req.plan_id,
            follows_up=req.follows_up,
        )
        stream = v.stream_id(visit_id)
        loaded = await self._visits.load(stream)
        if loaded.jurisdiction is not None:  # a chosen id already taken: whose is it?
            ensure_within(principal, loaded.jurisdiction)
        events = v.decide(loaded.state, cmd)
        version = await self._visits.append(
            stream, loaded.version, events, caller.ctx, school.jurisdiction
        )
        return visit_id, version

    async def _check_lead(self, lead: str, school: SchoolFacts, team: tuple[str, ...]) -> None:
        """The lead a body names: a registered inspector (422), of the school's place
        (403), one of the team (422) — all about ``body.lead_inspector_id``."""
        field = "body.lead_inspector_id"
        inspector = await self._directory.inspector(lead)
        if inspector is None:
            raise InvalidField(field, f"督学 {lead} 不存在 (unknown inspector)")
        ensure_inside(inspector.jurisdiction, school.jurisdiction, f"督学 {lead} ")
        if lead not in team:
            raise InvalidField(field, LEAD_NOT_IN_TEAM)

    async def _checked_campaign(
        self, campaign_id: str, school: SchoolFacts, on: date
    ) -> CampaignFacts:
        """The campaign a visit is planned under: issued (422), over this school's place
        (403), still open (409), targeting the school (422), its window holding ``on``."""
        campaign = await self._campaigns.campaign(campaign_id)
        if campaign is None:
            raise InvalidField("body.campaign_id", f"专项督导 {campaign_id} 不存在")
        ensure_inside(campaign.jurisdiction, school.jurisdiction, f"专项督导 {campaign_id} ")
        if campaign.closed:
            raise IllegalStep(f"专项督导 {campaign_id} 已结束 (campaign closed)")
        in_scope = school.school_id in campaign.school_ids or (
            school.zone_id is not None and school.zone_id in campaign.zone_ids
        )
        if not in_scope:
            raise InvalidField("body.school_id", "该校不在此专项督导范围内 (not targeted)")
        if not campaign.starts_on <= on <= campaign.ends_on:
            raise InvalidField(
                "body.planned_on",
                f"日期须在专项督导时间 {campaign.starts_on}—{campaign.ends_on} 之内",
            )
        return campaign

    async def _check_plan(self, plan_id: str, principal: Principal, team: tuple[str, ...]) -> None:
        """The monthly plan a visit names is filed, in the caller's jurisdiction, and one
        of the team's."""
        found = await self._plans.plan(plan_id)
        if found is None:
            raise InvalidField("body.plan_id", f"月度计划 {plan_id} 不存在 (unknown plan)")
        ensure_within(principal, found.office)
        if found.inspector_id not in team:
            raise InvalidField("body.plan_id", "该月度计划不属于督导组成员 (not the team's plan)")

    async def _check_planner(
        self,
        principal: Principal,
        school: SchoolFacts,
        listed: tuple[str, ...],
        team: tuple[str, ...],
    ) -> None:
        if principal.has_any(*OFFICES):
            return
        if principal.has_any(Role.zone_leader) and school.zone_id is not None:
            leader = await self._directory.zone_leader(school.zone_id)
            if leader == principal.user_id:
                return
        if team != (principal.user_id,) or principal.user_id not in listed:
            raise forbidden(
                "督学只能为自己挂牌的学校安排督导 (an inspector plans own visits to listed schools)"
            )
