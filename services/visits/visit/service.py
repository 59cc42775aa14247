"""Application service of the visit lifecycle: who may do what, then decide and append.

Permissions live here (they need the directory); the legality of each step lives in the
pure :mod:`services.visits.visit.domain`. The rules:

- planning: an inspector plans their own visits to schools where they are listed (挂牌) on
  the planned day; a zone leader plans for schools of their zone and may name a team; an
  office plans anything inside its jurisdiction. Team members must be registered inspectors.
- on site (sign in, findings, corrections): only members of the visit's team — the
  listed or assigned inspectors — anything else is 403.
- merging a comprehensive visit: the leader of the school's zone.
- acknowledging or disputing the feedback list: the principal of that school.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import uuid4

from fastapi import HTTPException

from services.visits.visit import domain as v
from services.visits.visit.ports import (
    CampaignLookup,
    ChecklistLookup,
    DirectoryLookup,
    EvidenceLookup,
    FindingLookup,
    PlanLookup,
    SchoolFacts,
)
from shared.auth import Principal, Role, ensure_inside, ensure_role, ensure_within
from shared.commands import CommandContext, InvalidField, NotFound, StreamHandler
from shared.contracts.directory import Location
from shared.contracts.visits import VisitKind
from shared.deadlines import ensure_not_past
from shared.events import registry
from shared.evidence.lookup import check_evidence_refs
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

OFFICES = (Role.county_office, Role.city_office, Role.province_office)
FIELD_STAFF = (Role.inspector, Role.zone_leader)


class UnknownVisit(NotFound):
    def __init__(self, visit_id: str) -> None:
        super().__init__(f"督导 {visit_id} 不存在 (unknown visit)")


def forbidden(message: str) -> HTTPException:
    return HTTPException(403, message)


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


@dataclass(frozen=True)
class LoadedVisit:
    state: v.Visit
    version: int
    jurisdiction: Jurisdiction


class VisitService:
    def __init__(
        self,
        runtime: Runtime,
        directory: DirectoryLookup,
        checklists: ChecklistLookup,
        campaigns: CampaignLookup,
        evidence: EvidenceLookup,
        radius_m: float,
        plans: PlanLookup,
        findings: FindingLookup,
    ) -> None:
        self._directory = directory
        self._findings = findings
        self._plans = plans
        self._checklists = checklists
        self._campaigns = campaigns
        self._evidence = evidence
        self._radius_m = radius_m
        self._visits = StreamHandler[v.Visit](
            runtime.store,
            registry,
            source="/duxue/visits",
            initial=v.Visit(),
            evolve=v.evolve,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )

    # ------------------------------------------------------------ loading

    async def load(self, visit_id: str) -> LoadedVisit:
        loaded = await self._visits.load(v.stream_id(visit_id))
        if loaded.state.stage == v.Stage.none or loaded.jurisdiction is None:
            raise UnknownVisit(visit_id)
        return LoadedVisit(loaded.state, loaded.version, loaded.jurisdiction)

    async def _school(self, school_id: str) -> SchoolFacts:
        school = await self._directory.school(school_id)
        if school is None:
            raise NotFound(f"学校 {school_id} 不存在 (unknown school)")
        return school

    async def _execute(
        self,
        visit_id: str,
        principal: Principal,
        ctx: CommandContext,
        expected: int | None,
        build: v.Command,
    ) -> int:
        current = await self.load(visit_id)
        ensure_within(principal, current.jurisdiction)
        stream = v.stream_id(visit_id)
        StreamHandler.check_expected(stream, expected, current.version)
        events = v.decide(current.state, build)
        return await self._visits.append(stream, current.version, events, ctx, current.jurisdiction)

    # ------------------------------------------------------------ planning

    async def plan(
        self, req: PlanRequest, principal: Principal, ctx: CommandContext
    ) -> tuple[str, int]:
        ensure_role(principal, *FIELD_STAFF, *OFFICES)
        school = await self._school(req.school_id)
        ensure_within(principal, school.jurisdiction)
        team = req.team or (principal.user_id,)
        lead = req.lead_inspector_id or team[0]
        await self._check_planner(principal, school, team, req.planned_on)
        for i, member in enumerate(team):
            inspector = await self._directory.inspector(member)
            if inspector is None:
                raise InvalidField(f"body.team[{i}]", f"督学 {member} 不存在 (unknown inspector)")
            ensure_inside(inspector.jurisdiction, school.jurisdiction, f"督学 {member} ")
        for i, finding_id in enumerate(req.follows_up):
            await self._check_earlier_finding(f"body.follows_up[{i}]", school.school_id, finding_id)
        checklist_id, checklist_version = req.checklist_id, req.checklist_version
        if req.campaign_id is not None:
            campaign = await self._campaigns.campaign(req.campaign_id)
            if campaign is None:
                raise InvalidField("body.campaign_id", f"专项督导 {req.campaign_id} 不存在")
            ensure_inside(
                campaign.jurisdiction, school.jurisdiction, f"专项督导 {req.campaign_id} "
            )
            in_scope = school.school_id in campaign.school_ids or (
                school.zone_id is not None and school.zone_id in campaign.zone_ids
            )
            if not in_scope:
                raise InvalidField("body.school_id", "该校不在此专项督导范围内 (not targeted)")
            if not campaign.starts_on <= req.planned_on <= campaign.ends_on:
                raise InvalidField(
                    "body.planned_on",
                    f"日期须在专项督导时间 {campaign.starts_on}—{campaign.ends_on} 之内",
                )
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
                raise InvalidField(f"body.item_codes[{i}]", f"清单中没有事项 {code}")
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
            stream, loaded.version, events, ctx, school.jurisdiction
        )
        return visit_id, version

    async def _check_earlier_finding(self, field: str, school_id: str, finding_id: str) -> None:
        """A finding a follow-up names was recorded at a visit to this school: an unknown
        id, or one of another school (another county's included), is 422 ``field``."""
        if not await self._findings.recorded_at(school_id, finding_id):
            raise InvalidField(
                field,
                f"{finding_id} 不是该校以往督导的记录 (not a finding of a visit to this school)",
            )

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
        self, principal: Principal, school: SchoolFacts, team: tuple[str, ...], on: date
    ) -> None:
        if principal.has_any(*OFFICES):
            return
        if principal.has_any(Role.zone_leader) and school.zone_id is not None:
            leader = await self._directory.zone_leader(school.zone_id)
            if leader == principal.user_id:
                return
        listed = await self._directory.listed_inspectors(school.school_id, on)
        if team != (principal.user_id,) or principal.user_id not in listed:
            raise forbidden(
                "督学只能为自己挂牌的学校安排督导 (an inspector plans own visits to listed schools)"
            )

    async def reschedule(
        self,
        visit_id: str,
        cmd: v.RescheduleVisit | v.CancelVisit,
        principal: Principal,
        ctx: CommandContext,
        expected: int | None,
    ) -> int:
        current = await self.load(visit_id)
        if not principal.has_any(*OFFICES) and principal.user_id != current.state.lead_inspector_id:
            raise forbidden("只有带队督学或督导室可以改期或取消 (lead or office only)")
        return await self._execute(visit_id, principal, ctx, expected, cmd)

    # ------------------------------------------------------------ on site

    async def _team_member(self, visit_id: str, principal: Principal) -> LoadedVisit:
        ensure_role(principal, *FIELD_STAFF)
        current = await self.load(visit_id)
        ensure_within(principal, current.jurisdiction)
        if principal.user_id not in current.state.team:
            raise forbidden(
                "您未挂牌或未被指派到本次督导 (not listed at or assigned to this visit)"
            )
        return current

    async def sign_in(
        self,
        visit_id: str,
        location: Location | None,
        principal: Principal,
        ctx: CommandContext,
    ) -> int:
        current = await self._team_member(visit_id, principal)
        school = await self._school(current.state.school_id)
        cmd = v.SignIn(principal.user_id, ctx.now, location, school.location, self._radius_m)
        return await self._execute(visit_id, principal, ctx, None, cmd)

    async def record_finding(
        self,
        visit_id: str,
        cmd: v.RecordFinding,
        principal: Principal,
        ctx: CommandContext,
        expected: int | None,
    ) -> int:
        current = await self._team_member(visit_id, principal)
        ensure_not_past("body.proposed_deadline", cmd.proposed_deadline, ctx.now)
        await check_evidence_refs(self._evidence, cmd.evidence, current.state.school_id)
        if cmd.checks_finding_id is not None:
            await self._check_earlier_finding(
                "body.checks_finding_id", current.state.school_id, cmd.checks_finding_id
            )
        cmd = replace(cmd, inspector_id=principal.user_id)
        return await self._execute(visit_id, principal, ctx, expected, cmd)

    async def correct_finding(
        self,
        visit_id: str,
        cmd: v.CorrectFinding,
        principal: Principal,
        ctx: CommandContext,
        expected: int | None,
    ) -> int:
        current = await self._team_member(visit_id, principal)
        ensure_not_past("body.proposed_deadline", cmd.proposed_deadline, ctx.now)
        if cmd.evidence is not None:
            await check_evidence_refs(self._evidence, cmd.evidence, current.state.school_id)
        cmd = replace(cmd, inspector_id=principal.user_id)
        return await self._execute(visit_id, principal, ctx, expected, cmd)

    async def merge(
        self, visit_id: str, summary: str, principal: Principal, ctx: CommandContext
    ) -> int:
        ensure_role(principal, Role.zone_leader)
        current = await self.load(visit_id)
        school = await self._school(current.state.school_id)
        leader = await self._directory.zone_leader(school.zone_id) if school.zone_id else None
        if leader != principal.user_id:
            raise forbidden("只有该校所在责任区组长可以汇总 (only the zone's leader merges)")
        cmd = v.MergeFindings(by=principal.user_id, by_zone_leader=True, summary=summary)
        return await self._execute(visit_id, principal, ctx, None, cmd)

    async def issue_feedback(
        self, visit_id: str, summary: str, principal: Principal, ctx: CommandContext
    ) -> int:
        ensure_role(principal, *FIELD_STAFF)
        current = await self.load(visit_id)
        if principal.user_id not in (*current.state.team, current.state.merged_by):
            raise forbidden("您不是本次督导的督学 (not on this visit)")
        cmd = v.IssueFeedback(by=principal.user_id, summary=summary)
        return await self._execute(visit_id, principal, ctx, None, cmd)

    # ------------------------------------------------------------ the school's answer

    async def _school_principal(self, visit_id: str, principal: Principal) -> LoadedVisit:
        ensure_role(principal, Role.principal)
        current = await self.load(visit_id)
        if principal.jurisdiction.school != current.state.school_id:
            raise forbidden("只有本校校长可以签收或申辩 (only this school's principal)")
        return current

    async def acknowledge(
        self, visit_id: str, signer_name: str, principal: Principal, ctx: CommandContext
    ) -> int:
        await self._school_principal(visit_id, principal)
        cmd = v.Acknowledge(by=principal.user_id, signer_name=signer_name)
        return await self._execute(visit_id, principal, ctx, None, cmd)

    async def dispute(
        self,
        visit_id: str,
        points: tuple[tuple[int, str], ...],
        principal: Principal,
        ctx: CommandContext,
    ) -> int:
        await self._school_principal(visit_id, principal)
        cmd = v.Dispute(by=principal.user_id, points=points)
        return await self._execute(visit_id, principal, ctx, None, cmd)

    # ------------------------------------------------------------ closing

    async def resolve_dispute(
        self,
        visit_id: str,
        resolutions: tuple[v.Resolution, ...],
        principal: Principal,
        ctx: CommandContext,
    ) -> int:
        await self._team_member(visit_id, principal)
        for n, resolution in enumerate(resolutions):
            ensure_not_past(f"body.resolutions[{n}].deadline", resolution.deadline, ctx.now)
        cmd = v.ResolveDispute(by=principal.user_id, resolutions=resolutions)
        return await self._execute(visit_id, principal, ctx, None, cmd)

    async def close(
        self, visit_id: str, summary: str, principal: Principal, ctx: CommandContext
    ) -> int:
        await self._team_member(visit_id, principal)
        cmd = v.CloseVisit(by=principal.user_id, summary=summary)
        return await self._execute(visit_id, principal, ctx, None, cmd)
