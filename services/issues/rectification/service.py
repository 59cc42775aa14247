"""Application service of rectification issues: who may do what, then decide and append.

The legality of each step lives in the pure :mod:`services.issues.rectification.domain`; the
permissions live here, because they need the directory:

- the school's side (plan, progress, submit for verification, ask for an extension,
  escalate, the notice receipt): the principal of *that* school;
- the inspector's side (verify or reject, reopen, decide an extension): the responsible
  inspector, an inspector listed at the school today, the school's zone leader, or an
  office whose jurisdiction holds the school;
- escalation receipts and answers: the school's principal or an office;
- notices (《督导整改通知书》, each burning a number of the office's year): the county
  office of the school's county only — for a city-direct school (no county), the city
  office. Not a city or province office above a county (they escalate to it), not an
  admin, not by delegation (:func:`ensure_notice_issuer`);
- opening and marking overdue: the service itself (the opener and the overdue sweep),
  never a caller.

Opening is idempotent: an issue's id is derived from what caused it, and a second
``open`` for an existing stream is a no-op that reports ``False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, uuid5

from fastapi import HTTPException

from services.issues.rectification import domain as i
from services.issues.rectification.visit_origins import VisitSchools
from shared.auth import Principal, Role, ensure_role, ensure_within
from shared.commands import CommandContext, NotFound, StreamHandler
from shared.deadlines import ensure_not_past
from shared.directory.lookup import DirectoryLookup
from shared.envelope import Actor
from shared.events import registry
from shared.eventstore import ConcurrencyConflict
from shared.evidence.lookup import EvidenceLookup, check_evidence_refs
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

OFFICES = (Role.county_office, Role.city_office, Role.province_office)
SYSTEM = Actor(user_id="svc-issues", role="system")
"""The actor of what the service does on its own (opening from feedback, overdue)."""

_ISSUE_IDS = uuid5(NAMESPACE_URL, "https://duxue.example/issues")

SchoolSide = (
    i.SubmitPlan
    | i.ReportProgress
    | i.SubmitForVerification
    | i.RequestExtension
    | i.RecordNoticeReceipt
)
InspectorSide = i.Verify | i.RejectVerification | i.Reopen | i.ApproveExtension | i.DenyExtension
EscalationSteps = i.Escalate | i.RecordEscalationReceipt | i.RecordEscalationAnswer
CallerCommand = SchoolSide | InspectorSide | EscalationSteps | i.IssueNotice


def issue_id_for(source: str, *parts: str) -> str:
    """The deterministic id of the issue opened for ``source`` and its ids (idempotence)."""
    return str(uuid5(_ISSUE_IDS, "/".join((source, *parts))))


class UnknownIssue(NotFound):
    def __init__(self, issue_id: str) -> None:
        super().__init__(f"整改问题 {issue_id} 不存在 (unknown issue)")


@dataclass(frozen=True)
class LoadedIssue:
    state: i.Issue
    version: int
    jurisdiction: Jurisdiction


def forbidden(message: str) -> HTTPException:
    return HTTPException(403, message)


def ensure_notice_issuer(principal: Principal, where: Jurisdiction) -> None:
    """403 unless the caller is the office that issues the school's notices.

    That is the county office of the school's county, or the city office for a
    city-direct school. The role must be held as such (an admin's "every role" does not
    count) and the caller's jurisdiction must hold the school (checked by the caller).
    """
    issuer = Role.county_office if where.county else Role.city_office
    if issuer not in principal.roles:
        raise forbidden(
            "只有学校所在县（区）教育督导室（市直学校为市教育督导室）可以下发《督导整改通知书》 "
            "(only the school's county office issues a numbered notice)"
        )


class IssueService:
    def __init__(
        self,
        runtime: Runtime,
        directory: DirectoryLookup,
        evidence: EvidenceLookup,
        visits: VisitSchools,
    ) -> None:
        self._directory = directory
        self._evidence = evidence
        self.visits = visits
        """Which school a visit is of (the revisit named by a verification)."""
        self._runtime = runtime
        self._issues = StreamHandler[i.Issue](
            runtime.store,
            registry,
            source="/duxue/issues",
            initial=i.Issue(),
            evolve=i.evolve,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )

    # ------------------------------------------------------------ loading

    async def load(self, issue_id: str) -> LoadedIssue:
        loaded = await self._issues.load(i.stream_id(issue_id))
        if loaded.state.stage == i.Stage.none or loaded.jurisdiction is None:
            raise UnknownIssue(issue_id)
        return LoadedIssue(loaded.state, loaded.version, loaded.jurisdiction)

    # ------------------------------------------------------------ by the service itself

    async def open(self, cmd: i.OpenIssue, ctx: CommandContext, jurisdiction: Jurisdiction) -> bool:
        """Open the issue unless its stream exists already; ``True`` when this call opened it.

        ``jurisdiction`` is the school's (province/city/county/zone/school).
        """
        stream = i.stream_id(cmd.issue_id)
        loaded = await self._issues.load(stream)
        if loaded.state.stage != i.Stage.none:
            return False
        events = i.decide(loaded.state, cmd)
        try:
            await self._issues.append(stream, 0, events, ctx, jurisdiction)
        except ConcurrencyConflict:
            return False  # opened a moment ago by a concurrent delivery
        return True

    async def mark_overdue(self, issue_id: str, now: datetime, ctx: CommandContext) -> bool:
        """Record the crossing of the current deadline, once; ``True`` when it was new."""
        current = await self.load(issue_id)
        events = i.decide(current.state, i.MarkOverdue(now=now))
        if not events:
            return False
        try:
            await self._issues.append(
                i.stream_id(issue_id), current.version, events, ctx, current.jurisdiction
            )
        except ConcurrencyConflict:
            return False  # the issue moved meanwhile; the next sweep looks again
        return True

    # ------------------------------------------------------------ by callers

    async def act(
        self,
        issue_id: str,
        cmd: CallerCommand,
        principal: Principal,
        ctx: CommandContext,
        expected: int | None = None,
    ) -> int:
        """Check the caller may take this step, decide, append; returns the new version."""
        current = await self.load(issue_id)
        ensure_within(principal, current.jurisdiction)
        await self._authorize(cmd, current, principal)
        if isinstance(cmd, i.Reopen):
            ensure_not_past("body.deadline", cmd.deadline, ctx.now)
        if isinstance(cmd, i.RequestExtension):
            ensure_not_past("body.new_deadline", cmd.new_deadline, ctx.now)
        if isinstance(cmd, i.Verify | i.RejectVerification) and cmd.on_visit_id:
            await self.visits.ensure_visit_of(
                cmd.on_visit_id, current.state.school_id, "body.visit_id"
            )
        if isinstance(cmd, i.ReportProgress) and cmd.evidence:
            # stored for this issue's school, bytes unchanged (else 422 body.evidence[i])
            await check_evidence_refs(self._evidence, cmd.evidence, current.state.school_id)
        stream = i.stream_id(issue_id)
        StreamHandler.check_expected(stream, expected, current.version)
        events = i.decide(current.state, cmd)
        return await self._issues.append(stream, current.version, events, ctx, current.jurisdiction)

    async def _authorize(
        self, cmd: CallerCommand, current: LoadedIssue, principal: Principal
    ) -> None:
        if isinstance(cmd, i.IssueNotice):
            ensure_notice_issuer(principal, current.jurisdiction)
        elif isinstance(cmd, EscalationSteps | i.RecordNoticeReceipt):
            ensure_role(principal, Role.principal, *OFFICES)
        elif isinstance(cmd, SchoolSide):
            ensure_role(principal, Role.principal)
        elif not await self.is_inspector_of(current, principal):
            raise forbidden(
                "只有责任督学、挂牌督学、责任区组长或督导办可以验收、重新打开或审批延期 "
                "(only the responsible or listed inspector, the zone leader or an office)"
            )

    async def is_inspector_of(self, current: LoadedIssue, principal: Principal) -> bool:
        """The responsible inspector, an inspector listed there today, the zone leader,
        or an office (whose jurisdiction was checked already)."""
        if principal.has_any(*OFFICES):
            return True
        if not principal.has_any(Role.inspector, Role.zone_leader):
            return False
        who = principal.user_id
        if who == current.state.responsible_inspector_id:
            return True
        school_id = current.state.school_id
        today = i.local_day(self._runtime.clock())
        if who in await self._directory.listed_inspectors(school_id, today):
            return True
        school = await self._directory.school(school_id)
        if school is not None and school.zone_id is not None:
            return who == await self._directory.zone_leader(school.zone_id)
        return False
