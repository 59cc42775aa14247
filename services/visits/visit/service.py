"""Application service of the visit lifecycle: who may do what, then decide and append.

Permissions live here (they need the directory); the legality of each step lives in the
pure :mod:`services.visits.visit.domain`. The rules:

- planning: see :mod:`services.visits.visit.planning`.
- on site (sign in, findings, corrections): only members of the visit's team — the
  listed or assigned inspectors — anything else is 403.
- rescheduling or cancelling: the lead inspector or an office.
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
from uuid import UUID, uuid4

from services.visits.names import FIELD_STAFF, OFFICES
from services.visits.streams import SOURCE
from services.visits.visit import domain as v
from services.visits.visit.planning import (
    PlanRequest,
    VisitPlanner,
    check_earlier_finding,
    forbidden,
)
from services.visits.visit.ports import (
    CampaignLookup,
    ChecklistLookup,
    CommandDirectory,
    EvidenceLookup,
    FindingLookup,
    PlanLookup,
    SchoolFacts,
)
from shared.auth import Principal, Role, ensure_role, ensure_within
from shared.commands import (
    CallerContext,
    NotFound,
    StreamHandler,
)
from shared.deadlines import ensure_not_past
from shared.events import registry
from shared.eventstore import EventStore
from shared.evidence.lookup import check_evidence_refs
from shared.jurisdiction import Jurisdiction


class UnknownVisit(NotFound):
    def __init__(self, visit_id: str) -> None:
        super().__init__(f"督导 {visit_id} 不存在 (unknown visit)")


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
        self._evidence = evidence
        self._radius_m = radius_m
        self._visits = StreamHandler[v.Visit](
            store,
            registry,
            source=SOURCE,
            initial=v.Visit(),
            evolve=v.evolve,
            new_id=new_id,
            on_append=on_append,
            service=service,
        )
        self._planner = VisitPlanner(
            directory, checklists, campaigns, plans, findings, self._visits
        )

    # ------------------------------------------------------------ loading

    async def load(self, visit_id: str) -> LoadedVisit:
        loaded = await self._visits.load(v.stream_id(visit_id))
        if loaded.state.stage == v.Stage.none or loaded.jurisdiction is None:
            raise UnknownVisit(visit_id)
        return LoadedVisit(loaded.state, loaded.version, loaded.jurisdiction)

    async def school_of(self, visit_id: str) -> str | None:
        """The school a visit is of (what an evidence upload's ``visit_id`` is checked
        against); ``None``: no such visit."""
        loaded = await self._visits.load(v.stream_id(visit_id))
        return None if loaded.state.stage == v.Stage.none else loaded.state.school_id

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
                    await check_earlier_finding(
                        self._findings, "body.checks_finding_id", school_id, facts.checks_finding_id
                    )
                return replace(command, inspector_id=me)
            case v.CorrectFinding():
                ensure_not_past("body.proposed_deadline", command.proposed_deadline, now)
                if command.evidence is not None:
                    await check_evidence_refs(self._evidence, command.evidence, school_id)
                return replace(command, inspector_id=me)
            case v.ResolveDispute():
                for n, resolution in enumerate(command.resolutions):
                    ensure_not_past(f"body.resolutions.{n}.deadline", resolution.deadline, now)
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
        """Plan a visit (the one command that starts a stream): :mod:`.planning`."""
        return await self._planner.plan(req, caller)


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
