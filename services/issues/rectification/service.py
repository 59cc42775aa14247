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

Every caller's step goes through :meth:`IssueService.handle` (issue id, command, caller,
expected version): one load of the stream, the rule of :data:`PERMISSIONS` for the
command's type, the checks of :data:`CHECKS` that need I/O, decide, append. Errors are
the domain's (``NotFound``, ``Forbidden``, ``IllegalStep``, ``InvalidField``, a stale
version's ``ConcurrencyConflict``); ``shared.http`` answers them.

Opening is idempotent: an issue's id is derived from what caused it, and a second
``open`` for an existing stream is a no-op that reports ``False``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import NAMESPACE_URL, uuid5

from services.issues.rectification import domain as i
from shared.auth import Principal, Role, ensure_role, ensure_within
from shared.commands import CallerContext, CommandContext, Forbidden, NotFound, StreamHandler
from shared.deadlines import ensure_not_past
from shared.directory.lookup import DirectoryLookup
from shared.envelope import Actor
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

NOT_INSPECTOR = (
    "只有责任督学、挂牌督学、责任区组长或督导办可以验收、重新打开或审批延期 "
    "(only the responsible or listed inspector, the zone leader or an office)"
)
NOT_NOTICE_ISSUER = (
    "只有学校所在县（区）教育督导室（市直学校为市教育督导室）可以下发《督导整改通知书》 "
    "(only the school's county office issues a numbered notice)"
)


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


class VisitLookup(Protocol):
    """Which school a visit is of (the revisit a verification names)."""

    async def ensure_visit_of(self, visit_id: str, school_id: str, field: str) -> None:
        """422 naming ``field`` unless ``visit_id`` is a visit of ``school_id``."""
        ...


def ensure_notice_issuer(principal: Principal, where: Jurisdiction) -> None:
    """403 unless the caller is the office that issues the school's notices.

    That is the county office of the school's county, or the city office for a
    city-direct school. The role must be held as such (an admin's "every role" does not
    count) and the caller's jurisdiction must hold the school (checked by the caller).
    """
    issuer = Role.county_office if where.county else Role.city_office
    if issuer not in principal.roles:
        raise Forbidden(NOT_NOTICE_ISSUER)


def issue_streams(runtime: Runtime) -> StreamHandler[i.Issue]:
    """The issues' streams in the runtime's event store (one source for every issue)."""
    return runtime.stream_handler("/duxue/issues", i.Issue(), i.evolve)


Rule = Callable[["IssueService", LoadedIssue, Principal], Awaitable[None]]
Check = Callable[["IssueService", LoadedIssue, CallerCommand, CommandContext], Awaitable[None]]


async def _the_school(service: IssueService, current: LoadedIssue, who: Principal) -> None:
    ensure_role(who, Role.principal)


async def _school_or_office(service: IssueService, current: LoadedIssue, who: Principal) -> None:
    ensure_role(who, Role.principal, *OFFICES)


async def _an_inspector(service: IssueService, current: LoadedIssue, who: Principal) -> None:
    if not await service.is_inspector_of(current, who):
        raise Forbidden(NOT_INSPECTOR)


async def _notice_issuer(service: IssueService, current: LoadedIssue, who: Principal) -> None:
    ensure_notice_issuer(who, current.jurisdiction)


PERMISSIONS: dict[type[CallerCommand], Rule] = {
    i.SubmitPlan: _the_school,
    i.ReportProgress: _the_school,
    i.SubmitForVerification: _the_school,
    i.RequestExtension: _the_school,
    i.RecordNoticeReceipt: _school_or_office,
    i.Escalate: _school_or_office,
    i.RecordEscalationReceipt: _school_or_office,
    i.RecordEscalationAnswer: _school_or_office,
    i.Verify: _an_inspector,
    i.RejectVerification: _an_inspector,
    i.Reopen: _an_inspector,
    i.ApproveExtension: _an_inspector,
    i.DenyExtension: _an_inspector,
    i.IssueNotice: _notice_issuer,
}
"""Who may take each caller's step (inside the issue's jurisdiction, checked first)."""


async def _deadline_ahead(
    service: IssueService, current: LoadedIssue, cmd: CallerCommand, ctx: CommandContext
) -> None:
    if isinstance(cmd, i.Reopen):
        ensure_not_past("body.deadline", cmd.deadline, ctx.now)
    elif isinstance(cmd, i.RequestExtension):
        ensure_not_past("body.new_deadline", cmd.extension.new_deadline, ctx.now)


async def _revisit_of_the_school(
    service: IssueService, current: LoadedIssue, cmd: CallerCommand, ctx: CommandContext
) -> None:
    if isinstance(cmd, i.Verify | i.RejectVerification) and cmd.on_visit_id:
        await service.visits.ensure_visit_of(
            cmd.on_visit_id, current.state.school_id, "body.visit_id"
        )


async def _evidence_of_the_school(
    service: IssueService, current: LoadedIssue, cmd: CallerCommand, ctx: CommandContext
) -> None:
    if isinstance(cmd, i.ReportProgress) and cmd.progress.evidence:
        # stored for this issue's school, bytes unchanged (else 422 body.evidence[i])
        evidence = cmd.progress.evidence
        await check_evidence_refs(service.evidence, evidence, current.state.school_id)


CHECKS: dict[type[CallerCommand], Check] = {
    i.Reopen: _deadline_ahead,
    i.RequestExtension: _deadline_ahead,
    i.Verify: _revisit_of_the_school,
    i.RejectVerification: _revisit_of_the_school,
    i.ReportProgress: _evidence_of_the_school,
}
"""What a step names that must exist or fit, looked up before deciding (422 naming it)."""


class IssueService:
    def __init__(
        self,
        streams: StreamHandler[i.Issue],
        directory: DirectoryLookup,
        evidence: EvidenceLookup,
        visits: VisitLookup,
        clock: Callable[[], datetime],
    ) -> None:
        self._issues = streams
        self._directory = directory
        self.evidence = evidence
        self.visits = visits
        """Which school a visit is of (the revisit named by a verification)."""
        self._clock = clock

    # ------------------------------------------------------------ loading

    async def load(self, issue_id: str) -> LoadedIssue:
        loaded = await self._issues.load(i.stream_id(issue_id))
        if loaded.state.stage == i.Stage.none or loaded.jurisdiction is None:
            raise UnknownIssue(issue_id)
        return LoadedIssue(loaded.state, loaded.version, loaded.jurisdiction)

    async def school_of(self, issue_id: str) -> str | None:
        """The school an issue is of (what an evidence upload's ``issue_id`` is checked
        against); ``None``: no such issue."""
        loaded = await self._issues.load(i.stream_id(issue_id))
        return None if loaded.state.stage == i.Stage.none else loaded.state.school_id

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

    async def handle(
        self,
        issue_id: str,
        cmd: CallerCommand,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> int:
        """Load the issue once, check the caller may take this step, decide, append;
        returns the new version."""
        return await self.execute(await self.load(issue_id), cmd, caller, expected_version)

    async def execute(
        self,
        current: LoadedIssue,
        cmd: CallerCommand,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> int:
        """:meth:`handle` for an issue the caller loaded already (a notice checks the issue
        and reserves its number between the load and the append)."""
        ensure_within(caller.principal, current.jurisdiction)
        await PERMISSIONS[type(cmd)](self, current, caller.principal)
        check = CHECKS.get(type(cmd))
        if check is not None:
            await check(self, current, cmd, caller.ctx)
        stream = i.stream_id(current.state.issue_id)
        StreamHandler.check_expected(stream, expected_version, current.version)
        events = i.decide(current.state, cmd)
        return await self._issues.append(
            stream, current.version, events, caller.ctx, current.jurisdiction
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
        if who in await self._directory.listed_inspectors(school_id, self.today()):
            return True
        school = await self._directory.school(school_id)
        if school is not None and school.zone_id is not None:
            return who == await self._directory.zone_leader(school.zone_id)
        return False

    def today(self) -> date:
        return i.local_day(self._clock())
