"""Application service of monthly self-inspection reports and weekly zone consolidation.

(About 380 lines: the three steps with the look-ups they need and the weekly read, which
shares those look-ups; the commands and the permission table are :mod:`.commands`.)

Who may do what is :data:`~.commands.PERMISSIONS`, keyed by the caller's command (the directory
copy ``issues_directory`` answers where things are):

- file or revise a report (:class:`FileReport`, :class:`ReviseReport`): the principal
  of *that* school;
- record (or amend) a week's consolidation (:class:`ConsolidateWeek`): the zone's
  leader, or the office the zone belongs to (:mod:`.zones`).

Every caller's step goes through :meth:`SelfInspectionService.handle` (the report or
zone id, the command, the caller, the expected version): the roles of the command's
permission, one load of what the command writes to, the permission's rule, decide,
append. Commands read the reports from the **event store** (never the lagging read
model); the weekly view (a query) reads the read model. Both go through the same pure
:func:`~services.issues.self_inspection.domain.summarize`.

Tracked problems open rectification issues through :class:`IssueService` (idempotent:
the issue id derives from report and problem number). The consolidation's own request
opens them at once; :class:`~.tracker.SelfInspectionTracker`, a reactor on the issues
topic, opens them again from the consolidation event, so a crash between the two writes
loses nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, overload

from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.rectification import domain as i
from services.issues.rectification.service import OFFICES, IssueService
from services.issues.self_inspection import domain as si
from services.issues.self_inspection.commands import (
    NOT_ZONE_READER,
    PERMISSIONS,
    CallerCommand,
    Consolidated,
    ConsolidateWeek,
    ConsolidationEvent,
    FileReport,
    Permission,
    ReviseReport,
    UnknownReport,
    Written,
    open_command,
    parse_week,
    tracked_issue_id,
)
from services.issues.self_inspection.view import VIEW, report_from_doc
from services.issues.self_inspection.zones import UnknownZone, ZoneFacts, may_lead, offices_over
from shared.auth import Principal, Role, ensure_role, ensure_sees
from shared.commands import (
    CallerContext,
    CommandContext,
    Forbidden,
    InvalidField,
    StreamHandler,
)
from shared.directory.lookup import ReadModelDirectory
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.runtime import Runtime

Step = Callable[[str, Any, CallerContext, int | None, Permission], Awaitable[Any]]


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
            return runtime.stream_handler("/duxue/issues", initial, evolve)

        self._reports: StreamHandler[si.Report] = handler(si.Report(), si.evolve)
        self._consolidations: StreamHandler[si.Consolidation] = handler(
            si.Consolidation(), si.evolve_consolidation
        )
        self._steps: dict[type[CallerCommand], Step] = {
            FileReport: self._file,
            ReviseReport: self._revise,
            ConsolidateWeek: self._consolidate,
        }

    def today(self) -> date:
        return i.local_day(self._runtime.clock())

    def deadline(self, month: str) -> date:
        return si.filing_deadline(month, self.due_day)

    # ------------------------------------------------------------ the callers' steps

    @overload
    async def handle(
        self,
        target_id: str,
        cmd: FileReport | ReviseReport,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> Written: ...

    @overload
    async def handle(
        self,
        target_id: str,
        cmd: ConsolidateWeek,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> Consolidated: ...

    async def handle(
        self,
        target_id: str,
        cmd: CallerCommand,
        caller: CallerContext,
        expected_version: int | None = None,
    ) -> Written | Consolidated:
        """Check the command's roles, load what it writes to once (the school for a
        filing, the report for a revision, the zone for a consolidation), apply the
        permission's rule, decide, append."""
        permission = PERMISSIONS[type(cmd)]
        ensure_role(caller.principal, *permission.roles)
        step = self._steps[type(cmd)]
        result: Written | Consolidated = await step(
            target_id, cmd, caller, expected_version, permission
        )
        return result

    async def _file(
        self,
        school_id: str,
        cmd: FileReport,
        caller: CallerContext,
        expected: int | None,
        permission: Permission,
    ) -> Written:
        """The school's principal files the month's report (once)."""
        principal, ctx = caller.principal, caller.ctx
        permission.rule(principal, school_id)
        school = await self._directory.school(school_id)
        if school is None:
            raise InvalidField("body.school_id", f"学校 {school_id} 不存在 (unknown school)")
        ensure_sees(principal, school.jurisdiction)
        stream = si.stream_id(si.report_id(school_id, cmd.month))
        loaded = await self._reports.load(stream)
        filing = si.FileReport(
            school_id=school_id,
            zone_id=school.zone_id,
            month=cmd.month,
            filed_by=ctx.actor.user_id,
            problems=cmd.problems,
            no_problems=cmd.no_problems,
            now=ctx.now,
            deadline=self.deadline(cmd.month),
            note=cmd.note,
        )
        events = si.file_report(loaded.state, filing)
        version = await self._reports.append(stream, 0, events, ctx, school.jurisdiction)
        return Written(version, si.replay(events))

    async def _revise(
        self,
        report_id: str,
        cmd: ReviseReport,
        caller: CallerContext,
        expected: int | None,
        permission: Permission,
    ) -> Written:
        """The school's principal replaces the report's problem list, with a reason."""
        stream = si.stream_id(report_id)
        loaded = await self._reports.load(stream)
        state, version, where = loaded.state, loaded.version, loaded.jurisdiction
        if not state.filed or where is None:
            raise UnknownReport(report_id)
        permission.rule(caller.principal, state.school_id)
        StreamHandler.check_expected(stream, expected, version)
        revision = si.ReviseReport(
            report_id=report_id,
            revised_by=caller.ctx.actor.user_id,
            problems=cmd.problems,
            no_problems=cmd.no_problems,
            reason=cmd.reason,
            tracked=await self.tracked_numbers(state),
        )
        events = si.revise_report(state, revision)
        new_version = await self._reports.append(stream, version, events, caller.ctx, where)
        for e in events:
            state = si.evolve(state, e)
        return Written(new_version, state)

    async def _consolidate(
        self,
        zone_id: str,
        cmd: ConsolidateWeek,
        caller: CallerContext,
        expected: int | None,
        permission: Permission,
    ) -> Consolidated:
        """The zone leader (or the zone's office) records the week's consolidation."""
        ctx = caller.ctx
        zone = await self.zone(zone_id)
        permission.rule(caller.principal, zone)
        week = parse_week(cmd.week, "body.week")
        stream = si.consolidation_stream_id(zone.zone_id, week)
        loaded = await self._consolidations.load(stream)
        StreamHandler.check_expected(stream, expected, loaded.version)
        today = i.local_day(ctx.now)
        summary = await self._week_from_store(zone, week, today)
        requests = tuple(si.TrackRequest(r, n, tracked_issue_id(r, n)) for r, n in cmd.tracks)
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
        consolidation = si.Consolidate(
            zone_id=zone.zone_id,
            summary=summary,
            by=ctx.actor.user_id,
            today=today,
            tracks=requests,
            inspectors=inspectors,
            already_tracked=existing,
            note=cmd.note,
            amendment=cmd.amendment,
            reason=cmd.reason,
        )
        [event] = si.consolidate(loaded.state, consolidation)
        assert isinstance(event, ConsolidationEvent)
        version = await self._consolidations.append(
            stream, loaded.version, [event], ctx, zone.jurisdiction
        )
        await self.open_tracked(event, ctx, zone.jurisdiction)
        already = tuple(t.issue_id for t in requests if (t.report_id, t.problem_no) in existing)
        return Consolidated(version, event, already)

    # ------------------------------------------------------------ what the steps look up

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

    async def responsible_inspector(self, school_id: str, zone: ZoneFacts) -> str | None:
        listed = await self._directory.listed_inspectors(school_id, self.today())
        return listed[0] if listed else zone.leader_id

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

    # ------------------------------------------------------------ reads (the read model)

    async def readable_zone(self, principal: Principal, zone_id: str) -> ZoneFacts:
        """The zone, for a caller who may read its week (403 otherwise)."""
        ensure_role(principal, *OFFICES, Role.inspector, Role.zone_leader)
        zone = await self.zone(zone_id)
        if not await self.may_read_zone(principal, zone):
            raise Forbidden(NOT_ZONE_READER)
        return zone

    async def may_read_zone(self, principal: Principal, zone: ZoneFacts) -> bool:
        """An office over the zone, the zone's leader, or an inspector listed in it today."""
        if offices_over(principal, zone) or may_lead(principal, zone):
            return True
        if not principal.has_any(Role.inspector, Role.zone_leader):
            return False
        today = self.today()
        for school in await self.zone_schools(zone.zone_id):
            if principal.user_id in await self._directory.listed_inspectors(school, today):
                return True
        return False

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

    async def consolidation(self, zone_id: str, week: si.Week) -> dict[str, Any] | None:
        coll = await self.read_models.collection("consolidations")
        doc: dict[str, Any] | None = await coll.find_one(
            {"_id": si.consolidation_id(zone_id, week)}
        )
        return doc
