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

Every command on an existing visit goes through :meth:`VisitService.handle`: one load of
the stream, the rule of :data:`PERMISSIONS` for the command's type, the facts the
command needs (:meth:`VisitService._prepare`), ``decide``, one append. Errors are the
domain's (``NotFound``, ``Forbidden``, ``InvalidField``, ``IllegalStep``); the routes'
shared mapping (:data:`shared.http.DOMAIN_ERRORS`) turns them into HTTP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID, uuid4

from services.visits.visit import domain as v
from services.visits.visit.ports import (
    CampaignFacts,
    CampaignLookup,
    ChecklistLookup,
    CommandDirectory,
    EvidenceLookup,
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
    NotFound,
    StreamHandler,
)
from shared.contracts.visits import VisitKind
from shared.deadlines import ensure_not_past
from shared.events import registry
from shared.eventstore import EventStore
from shared.evidence.lookup import check_evidence_refs
from shared.jurisdiction import Jurisdiction

OFFICES = (Role.county_office, Role.city_office, Role.province_office)
FIELD_STAFF = (Role.inspector, Role.zone_leader)


class UnknownVisit(NotFound):
    def __init__(self, visit_id: str) -> None:
        super().__init__(f"督导 {visit_id} 不存在 (unknown visit)")


def forbidden(message: str) -> Forbidden:
    return Forbidden(message)


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


Check = Callable[["VisitService", LoadedVisit, Principal], Awaitable[None]]


@dataclass(frozen=True)
class Permission:
    """Who may send a command to an existing visit: the roles asked before the stream
    is loaded, then the check against the loaded visit (both 403)."""

    roles: tuple[Role, ...]
    check: Check


class VisitService:
    def __init__(
        self,
        store: EventStore,
        directory: CommandDirectory,
        checklists: ChecklistLookup,
        campaigns: CampaignLookup,
        evidence: EvidenceLookup,
        plans: PlanLookup,
        findings: FindingLookup,
        radius_m: float,
        new_id: Callable[[], UUID] = uuid4,
        on_append: Callable[[], None] = lambda: None,
        service: str = "visits",
    ) -> None:
        self._directory = directory
        self._findings = findings
        self._plans = plans
        self._checklists = checklists
        self._campaigns = campaigns
        self._evidence = evidence
        self._radius_m = radius_m
        self._visits = StreamHandler[v.Visit](
            store,
            registry,
            source="/duxue/visits",
            initial=v.Visit(),
            evolve=v.evolve,
            new_id=new_id,
            on_append=on_append,
            service=service,
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

    # ------------------------------------------------------------ commands on a visit

    async def handle(
        self, visit_id: str, command: v.Command, caller: CallerContext, expected: int | None
    ) -> int:
        """One command on an existing visit: load once, authorize, decide, append."""
        principal = caller.principal
        permission = PERMISSIONS[type(command)]
        if permission.roles:
            ensure_role(principal, *permission.roles)
        current = await self.load(visit_id)
        await permission.check(self, current, principal)
        ensure_within(principal, current.jurisdiction)
        command = await self._prepare(command, current, caller)
        stream = v.stream_id(visit_id)
        StreamHandler.check_expected(stream, expected, current.version)
        events = v.decide(current.state, command)
        return await self._visits.append(
            stream, current.version, events, caller.ctx, current.jurisdiction
        )

    async def _prepare(
        self, command: v.Command, current: LoadedVisit, caller: CallerContext
    ) -> v.Command:
        """The facts a command needs beyond the visit: the caller as its author, the
        school's place for a sign-in, the evidence and earlier findings it names."""
        me, now, school_id = caller.principal.user_id, caller.ctx.now, current.state.school_id
        match command:
            case v.SignIn():
                school = await self._school(school_id)
                return replace(
                    command,
                    inspector_id=me,
                    at=now,
                    school_location=school.location,
                    radius_m=self._radius_m,
                )
            case v.RecordFinding(facts=facts):
                ensure_not_past("body.proposed_deadline", facts.proposed_deadline, now)
                await check_evidence_refs(self._evidence, facts.evidence, school_id)
                if facts.checks_finding_id is not None:
                    await self._check_earlier_finding(
                        "body.checks_finding_id", school_id, facts.checks_finding_id
                    )
                return replace(command, inspector_id=me)
            case v.CorrectFinding():
                ensure_not_past("body.proposed_deadline", command.proposed_deadline, now)
                if command.evidence is not None:
                    await check_evidence_refs(self._evidence, command.evidence, school_id)
                return replace(command, inspector_id=me)
            case v.ResolveDispute():
                for n, resolution in enumerate(command.resolutions):
                    ensure_not_past(f"body.resolutions[{n}].deadline", resolution.deadline, now)
                return replace(command, by=me)
            case v.MergeFindings():
                return replace(command, by=me, by_zone_leader=True)
            case v.IssueFeedback() | v.Acknowledge() | v.Dispute() | v.CloseVisit():
                return replace(command, by=me)
        return command

    # ------------------------------------------------------------ the permission checks

    async def _lead_or_office(self, current: LoadedVisit, principal: Principal) -> None:
        if not principal.has_any(*OFFICES) and principal.user_id != current.state.lead_inspector_id:
            raise forbidden("只有带队督学或督导室可以改期或取消 (lead or office only)")

    async def _team_member(self, current: LoadedVisit, principal: Principal) -> None:
        ensure_within(principal, current.jurisdiction)
        if principal.user_id not in current.state.team:
            raise forbidden(
                "您未挂牌或未被指派到本次督导 (not listed at or assigned to this visit)"
            )

    async def _zone_leader(self, current: LoadedVisit, principal: Principal) -> None:
        school = await self._school(current.state.school_id)
        leader = await self._directory.zone_leader(school.zone_id) if school.zone_id else None
        if leader != principal.user_id:
            raise forbidden("只有该校所在责任区组长可以汇总 (only the zone's leader merges)")

    async def _on_visit(self, current: LoadedVisit, principal: Principal) -> None:
        if principal.user_id not in (*current.state.team, current.state.merged_by):
            raise forbidden("您不是本次督导的督学 (not on this visit)")

    async def _school_principal(self, current: LoadedVisit, principal: Principal) -> None:
        if principal.jurisdiction.school != current.state.school_id:
            raise forbidden("只有本校校长可以签收或申辩 (only this school's principal)")

    # ------------------------------------------------------------ planning

    async def plan(self, req: PlanRequest, caller: CallerContext) -> tuple[str, int]:
        principal = caller.principal
        ensure_role(principal, *FIELD_STAFF, *OFFICES)
        found = await self._directory.school_on(req.school_id, req.planned_on)
        if found is None:
            raise NotFound(f"学校 {req.school_id} 不存在 (unknown school)")
        school = found.school
        ensure_within(principal, school.jurisdiction)
        team = req.team or (principal.user_id,)
        lead = req.lead_inspector_id or team[0]
        await self._check_planner(principal, school, found.listed, team)
        for i, member in enumerate(team):
            inspector = await self._directory.inspector(member)
            if inspector is None:
                raise InvalidField(f"body.team[{i}]", f"督学 {member} 不存在 (unknown inspector)")
            ensure_inside(inspector.jurisdiction, school.jurisdiction, f"督学 {member} ")
        for i, finding_id in enumerate(req.follows_up):
            await self._check_earlier_finding(f"body.follows_up[{i}]", school.school_id, finding_id)
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
            stream, loaded.version, events, caller.ctx, school.jurisdiction
        )
        return visit_id, version

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


PERMISSIONS: dict[type, Permission] = {
    v.RescheduleVisit: Permission((), VisitService._lead_or_office),
    v.CancelVisit: Permission((), VisitService._lead_or_office),
    v.SignIn: Permission(FIELD_STAFF, VisitService._team_member),
    v.RecordFinding: Permission(FIELD_STAFF, VisitService._team_member),
    v.CorrectFinding: Permission(FIELD_STAFF, VisitService._team_member),
    v.MergeFindings: Permission((Role.zone_leader,), VisitService._zone_leader),
    v.IssueFeedback: Permission(FIELD_STAFF, VisitService._on_visit),
    v.Acknowledge: Permission((Role.principal,), VisitService._school_principal),
    v.Dispute: Permission((Role.principal,), VisitService._school_principal),
    v.ResolveDispute: Permission(FIELD_STAFF, VisitService._team_member),
    v.CloseVisit: Permission(FIELD_STAFF, VisitService._team_member),
}
"""Who may send each command to an existing visit (planning: :meth:`VisitService.plan`)."""
