"""Application service of monthly self-inspection reports and weekly zone consolidation.

Who may do what (the directory copy ``issues_directory`` answers where things are):

- file or revise a report: the principal of *that* school;
- see a zone's week: the zone's leader, an inspector listed at one of its schools today,
  or an office whose jurisdiction holds the zone;
- record (or amend) a week's consolidation: the zone's leader, or the office the zone
  belongs to (its county office; the city office for a city-level zone).

Commands read the reports from the **event store** (never the lagging read model); the
weekly view (a query) reads the read model. Both go through the same pure
:func:`~services.issues.self_inspection.domain.summarize`.

Tracked problems open rectification issues through :class:`IssueService` (idempotent:
the issue id derives from report and problem number). The consolidation's own request
opens them at once; :class:`SelfInspectionTracker`, a reactor on the issues topic, opens
them again from the consolidation event, so a crash between the two writes loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.rectification import domain as i
from services.issues.rectification.service import OFFICES, IssueService, issue_id_for
from services.issues.self_inspection import domain as si
from services.issues.self_inspection.view import VIEW, report_from_doc
from shared import topics
from shared.auth import Principal, Role, ensure_role, ensure_sees, without_zone
from shared.commands import (
    CallerContext,
    CommandContext,
    Forbidden,
    InvalidField,
    NotFound,
    StreamHandler,
)
from shared.contracts.issues import IssueSource
from shared.contracts.self_inspection import (
    ITEM_TITLES,
    SelfInspectionConsolidated,
    SelfInspectionConsolidationAmended,
    TrackedProblem,
)
from shared.contracts.visits import MajorKind, Severity
from shared.directory.lookup import ReadModelDirectory, SchoolFacts
from shared.envelope import EventEnvelope
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.runtime import Runtime

SOURCE = "self_inspection"
ConsolidationEvent = SelfInspectionConsolidated | SelfInspectionConsolidationAmended


class UnknownReport(NotFound):
    def __init__(self, report_id: str) -> None:
        super().__init__(f"自查报告 {report_id} 不存在 (unknown self-inspection report)")


class UnknownZone(NotFound):
    def __init__(self, zone_id: str) -> None:
        super().__init__(f"责任区 {zone_id} 不存在 (unknown zone)")


@dataclass(frozen=True)
class ZoneFacts:
    zone_id: str
    name: str
    office: Jurisdiction
    """The office the zone belongs to: its county's (or its city's, for a city zone)."""
    leader_id: str | None

    @property
    def jurisdiction(self) -> Jurisdiction:
        if self.office.county is None:
            return self.office
        return self.office.model_copy(update={"zone": self.zone_id})


@dataclass(frozen=True)
class Consolidated:
    version: int
    event: ConsolidationEvent
    already_tracked: tuple[str, ...]
    """Issue ids asked for that existed already (nothing new written for them)."""


def tracked_issue_id(report_id: str, problem_no: int) -> str:
    return issue_id_for(SOURCE, report_id, str(problem_no))


def open_command(t: TrackedProblem) -> i.OpenIssue:
    """The issue for a tracked problem: a safety hazard is a major problem (hazard register)."""
    return i.OpenIssue(
        issue_id=t.issue_id,
        source=IssueSource.self_inspection,
        school_id=t.school_id,
        item_code=t.item_code.value,
        item_title=ITEM_TITLES[t.item_code.value],
        description=t.description,
        requirement=f"按学校自查报告所列措施整改：{t.measures}",
        severity=Severity.major if t.safety_hazard else Severity.general,
        major_kind=MajorKind.safety_hazard if t.safety_hazard else None,
        deadline=t.planned_completion_on,
        responsible_inspector_id=t.responsible_inspector_id,
        source_ref=t.report_id,
    )


NOT_OWN_SCHOOL_FILE = "只能报送本校的自查报告 (only your own school's report)"
NOT_OWN_SCHOOL_REVISE = "只能修订本校的自查报告 (only your own school's report)"
NOT_ZONE_READER = (
    "只有责任区组长、该责任区的挂牌督学或所属督导室可以查看 "
    "(only the zone's leader, its listed inspectors or its office)"
)
NOT_CONSOLIDATOR = "只有该责任区组长或所属督导室可以汇总 (only the zone's leader or its office)"


def parse_week(text: str, field: str) -> si.Week:
    """The ISO week ``text`` names (``2026-W48``); 422 naming ``field`` for no such week."""
    try:
        return si.parse_week(text)
    except ValueError:
        raise InvalidField(field, f"{text} 不是有效的 ISO 周 (no such ISO week)") from None


class SelfInspectionService:
    def __init__(
        self,
        runtime: Runtime,
        directory: ReadModelDirectory,
        issues: IssueService,
        due_day: int,
        directory_view: str = DIRECTORY_VIEW,
    ) -> None:
        self._runtime = runtime
        self._directory = directory
        self._issues = issues
        self.due_day = due_day
        self._directory_models = ReadModels(runtime.db, directory_view)
        self.read_models = ReadModels(runtime.db, VIEW)

        def handler(initial: Any, evolve: Any) -> StreamHandler[Any]:
            return StreamHandler(
                runtime.store,
                registry,
                source="/duxue/issues",
                initial=initial,
                evolve=evolve,
                new_id=runtime.new_id,
                on_append=runtime.relay.notify,
                service=runtime.service,
            )

        self._reports: StreamHandler[si.Report] = handler(si.Report(), si.evolve)
        self._consolidations: StreamHandler[si.Consolidation] = handler(
            si.Consolidation(), si.evolve_consolidation
        )

    def today(self) -> date:
        return i.local_day(self._runtime.clock())

    def deadline(self, month: str) -> date:
        return si.filing_deadline(month, self.due_day)

    # ------------------------------------------------------------ reports

    async def load(self, report_id: str) -> tuple[si.Report, int, Jurisdiction]:
        loaded = await self._reports.load(si.stream_id(report_id))
        if not loaded.state.filed or loaded.jurisdiction is None:
            raise UnknownReport(report_id)
        return loaded.state, loaded.version, loaded.jurisdiction

    async def file(
        self,
        school_id: str,
        month: str,
        problems: Sequence[si.ProblemFacts],
        no_problems: bool,
        note: str,
        caller: CallerContext,
    ) -> tuple[int, si.Report]:
        """The school's principal files the month's report (once)."""
        principal, ctx = caller.principal, caller.ctx
        ensure_role(principal, Role.principal)
        if principal.jurisdiction.school != school_id:
            raise Forbidden(NOT_OWN_SCHOOL_FILE)
        school = await self._directory.school(school_id)
        if school is None:
            raise InvalidField("body.school_id", f"学校 {school_id} 不存在 (unknown school)")
        ensure_sees(principal, school.jurisdiction)
        return await self._file(school, month, problems, no_problems, note, ctx)

    async def _file(
        self,
        school: SchoolFacts,
        month: str,
        problems: Sequence[si.ProblemFacts],
        no_problems: bool,
        note: str,
        ctx: CommandContext,
    ) -> tuple[int, si.Report]:
        stream = si.stream_id(si.report_id(school.school_id, month))
        loaded = await self._reports.load(stream)
        cmd = si.FileReport(
            school_id=school.school_id,
            zone_id=school.zone_id,
            month=month,
            filed_by=ctx.actor.user_id,
            problems=tuple(problems),
            no_problems=no_problems,
            now=ctx.now,
            deadline=self.deadline(month),
            note=note,
        )
        events = si.file_report(loaded.state, cmd)
        version = await self._reports.append(stream, 0, events, ctx, school.jurisdiction)
        return version, si.replay(events)

    async def tracked_numbers(self, report: si.Report) -> frozenset[int]:
        """Numbers of the report's problems for which a rectification issue exists."""
        store = self._runtime.store
        return frozenset(
            [
                p.problem_no
                for p in report.problems
                if await store.version(
                    i.stream_id(tracked_issue_id(report.report_id, p.problem_no))
                )
                > 0
            ]
        )

    async def revise(
        self,
        report_id: str,
        problems: Sequence[si.ProblemIn],
        no_problems: bool,
        reason: str,
        expected: int | None,
        caller: CallerContext,
    ) -> tuple[int, si.Report]:
        """The school's principal replaces the report's problem list, with a reason."""
        principal, ctx = caller.principal, caller.ctx
        ensure_role(principal, Role.principal)
        state, version, where = await self.load(report_id)
        if principal.jurisdiction.school != state.school_id:
            raise Forbidden(NOT_OWN_SCHOOL_REVISE)
        stream = si.stream_id(report_id)
        StreamHandler.check_expected(stream, expected, version)
        cmd = si.ReviseReport(
            report_id=report_id,
            revised_by=ctx.actor.user_id,
            problems=tuple(problems),
            no_problems=no_problems,
            reason=reason,
            tracked=await self.tracked_numbers(state),
        )
        events = si.revise_report(state, cmd)
        new_version = await self._reports.append(stream, version, events, ctx, where)
        for e in events:
            state = si.evolve(state, e)
        return new_version, state

    # ------------------------------------------------------------ zones

    async def zone(self, zone_id: str) -> ZoneFacts:
        zones = await self._directory_models.collection("zones")
        doc = await zones.find_one({"_id": zone_id})
        if doc is None:
            raise UnknownZone(zone_id)
        return ZoneFacts(
            zone_id=zone_id,
            name=doc["name"],
            office=Jurisdiction(province=doc["province"], city=doc["city"], county=doc["county"]),
            leader_id=doc.get("leader_id"),
        )

    async def zone_schools(self, zone_id: str) -> dict[str, str]:
        """The zone's schools today: id → name."""
        schools = await self._directory_models.collection("schools")
        cursor = schools.find({"zone_id": zone_id}, projection=["_id", "name"]).sort("_id")
        return {str(doc["_id"]): str(doc.get("name", "")) async for doc in cursor}

    async def may_read_zone(self, principal: Principal, zone: ZoneFacts) -> bool:
        """An office over the zone, the zone's leader, or an inspector listed in it today."""
        if principal.has_any(*OFFICES) and without_zone(principal.jurisdiction).contains(
            zone.office
        ):
            return True
        if self.may_lead(principal, zone):
            return True
        if not principal.has_any(Role.inspector, Role.zone_leader):
            return False
        today = self.today()
        for school in await self.zone_schools(zone.zone_id):
            if principal.user_id in await self._directory.listed_inspectors(school, today):
                return True
        return False

    async def readable_zone(self, principal: Principal, zone_id: str) -> ZoneFacts:
        """The zone, for a caller who may read its week (403 otherwise)."""
        ensure_role(principal, *OFFICES, Role.inspector, Role.zone_leader)
        zone = await self.zone(zone_id)
        if not await self.may_read_zone(principal, zone):
            raise Forbidden(NOT_ZONE_READER)
        return zone

    @staticmethod
    def may_lead(principal: Principal, zone: ZoneFacts) -> bool:
        return (
            principal.has_any(Role.inspector, Role.zone_leader)
            and zone.leader_id is not None
            and principal.user_id == zone.leader_id
        )

    def may_consolidate(self, principal: Principal, zone: ZoneFacts) -> bool:
        """The zone's leader, or the zone's own office (county; city for a city zone)."""
        if Role.admin in principal.roles or self.may_lead(principal, zone):
            return True
        own_office = without_zone(principal.jurisdiction) == zone.office
        return principal.has_any(Role.county_office, Role.city_office) and own_office

    async def week_view(
        self, zone: ZoneFacts, week: si.Week
    ) -> tuple[si.ZoneWeek, dict[str, dict[str, Any]], dict[str, str]]:
        """The zone's week from the read model (for queries): the summary, the report
        documents by id, and the schools' names."""
        schools = await self.zone_schools(zone.zone_id)
        coll = await self.read_models.collection("reports")
        query = {"school_id": {"$in": list(schools)}, "month": {"$in": list(week.months)}}
        docs = {str(d["_id"]): d async for d in coll.find(query)}
        reports = {rid: report_from_doc(d) for rid, d in docs.items()}
        summary = si.summarize(week, list(schools), reports, self.today(), self.due_day)
        return summary, docs, schools

    async def _week_from_store(self, zone: ZoneFacts, week: si.Week, today: date) -> si.ZoneWeek:
        schools = await self.zone_schools(zone.zone_id)
        reports: dict[str, si.Report] = {}
        for school in schools:
            for month in week.months:
                rid = si.report_id(school, month)
                loaded = await self._reports.load(si.stream_id(rid))
                if loaded.state.filed:
                    reports[rid] = loaded.state
        return si.summarize(week, list(schools), reports, today, self.due_day)

    async def consolidation(self, zone_id: str, week: si.Week) -> dict[str, Any] | None:
        coll = await self.read_models.collection("consolidations")
        doc: dict[str, Any] | None = await coll.find_one(
            {"_id": si.consolidation_id(zone_id, week)}
        )
        return doc

    async def responsible_inspector(self, school_id: str, zone: ZoneFacts) -> str | None:
        listed = await self._directory.listed_inspectors(school_id, self.today())
        return listed[0] if listed else zone.leader_id

    async def consolidate(
        self,
        zone_id: str,
        week_label: str,
        tracks: Sequence[tuple[str, int]],
        note: str,
        amendment: bool,
        reason: str,
        expected: int | None,
        caller: CallerContext,
    ) -> Consolidated:
        """The zone leader (or the zone's office) records the week's consolidation."""
        principal, ctx = caller.principal, caller.ctx
        ensure_role(
            principal, Role.inspector, Role.zone_leader, Role.county_office, Role.city_office
        )
        zone = await self.zone(zone_id)
        if not self.may_consolidate(principal, zone):
            raise Forbidden(NOT_CONSOLIDATOR)
        week = parse_week(week_label, "body.week")
        stream = si.consolidation_stream_id(zone.zone_id, week)
        loaded = await self._consolidations.load(stream)
        StreamHandler.check_expected(stream, expected, loaded.version)
        today = i.local_day(ctx.now)
        summary = await self._week_from_store(zone, week, today)
        requests = tuple(si.TrackRequest(r, n, tracked_issue_id(r, n)) for r, n in tracks)
        store = self._runtime.store
        existing = frozenset(
            [
                (t.report_id, t.problem_no)
                for t in requests
                if await store.version(i.stream_id(t.issue_id)) > 0
            ]
        )
        covered = {r.report_id: r.school_id for r in summary.reports}
        inspectors: dict[str, str] = {}
        for school in sorted({covered[t.report_id] for t in requests if t.report_id in covered}):
            inspector = await self.responsible_inspector(school, zone)
            if inspector is not None:
                inspectors[school] = inspector
        cmd = si.Consolidate(
            zone_id=zone.zone_id,
            summary=summary,
            by=ctx.actor.user_id,
            today=today,
            tracks=requests,
            inspectors=inspectors,
            already_tracked=existing,
            note=note,
            amendment=amendment,
            reason=reason,
        )
        [event] = si.consolidate(loaded.state, cmd)
        assert isinstance(event, ConsolidationEvent)
        version = await self._consolidations.append(
            stream, loaded.version, [event], ctx, zone.jurisdiction
        )
        await self.open_tracked(event, ctx, zone.jurisdiction)
        already = tuple(t.issue_id for t in requests if (t.report_id, t.problem_no) in existing)
        return Consolidated(version, event, already)

    async def open_tracked(
        self, event: ConsolidationEvent, ctx: CommandContext, zone_where: Jurisdiction
    ) -> list[str]:
        """Open the issues of the event's tracked problems (idempotent); the ids opened now."""
        opened: list[str] = []
        for t in event.tracked:
            school = await self._directory.school(t.school_id)
            where = (
                school.jurisdiction
                if school is not None
                else zone_where.model_copy(update={"school": t.school_id})
            )
            if await self._issues.open(open_command(t), ctx, where):
                opened.append(t.issue_id)
        return opened


class SelfInspectionTracker:
    """Reactor: opens the issues a consolidation event tracks (the crash-safe path)."""

    name = "issues_self_inspection_tracker"
    topics: tuple[str, ...] = (topics.ISSUES,)
    handles = frozenset(
        c.event_type for c in (SelfInspectionConsolidated, SelfInspectionConsolidationAmended)
    )

    def __init__(self, service: SelfInspectionService) -> None:
        self._service = service

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None:
        if not isinstance(payload, ConsolidationEvent):
            return
        ctx = CommandContext(
            actor=event.actor,
            now=event.occurred_at,
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )
        await self._service.open_tracked(payload, ctx, event.jurisdiction)
