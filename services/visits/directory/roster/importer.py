"""Importing a roster file into the directory: validate and reconcile everything, then write.

1. The import id is derived from the county, the file's SHA-256 (and ``end_missing``);
   its stream ``roster-import-<id>`` says whether this file was imported already
   (answered at once), or started and interrupted (resumed), or is new.
2. The file is read and validated in full (:mod:`~services.visits.directory.roster.validate`),
   then reconciled (:mod:`~services.visits.directory.roster.diff`) against the directory as the
   event store holds it: new rows, unchanged rows, changed rows (field by field) and
   listings the file no longer names. Any error: nothing is written, every error is
   returned. A dry run returns the diff here.
3. Nothing to write: nothing is written (not even the import's stream). Otherwise
   ``RosterImportStarted`` is appended (a second concurrent post of the same file
   collides on it: 409), then inspectors, zones, schools and listings are registered or
   corrected through the ordinary commands (each correction expecting the version the
   diff saw: a concurrent change makes it 409), then ``RosterImportCompleted``.

A crash during step 3 leaves the import started but not completed. Posting the same file
again resumes it: the diff is taken again, and what the first attempt wrote is now
unchanged, so only the rest is written.

Longer than most modules (~350 lines) on purpose: the crash points of steps 1-3 are
named here in order, and the steps are read together.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from dataclasses import fields as fields_of
from datetime import date
from typing import Any, TypeVar

from services.visits.directory.domain import inspector as inspector_domain
from services.visits.directory.domain import school as school_domain
from services.visits.directory.domain.facts import SchoolFile, evolve_school_file
from services.visits.directory.domain.inspector import (
    CorrectInspector,
    Inspector,
    RegisterInspector,
)
from services.visits.directory.domain.inspector import stream_id as inspector_stream
from services.visits.directory.domain.listing import CorrectListing, EndListing, ListInspector
from services.visits.directory.domain.school import (
    ChangeSchoolZone,
    CorrectSchoolDetails,
    RegisterSchool,
)
from services.visits.directory.domain.zone import CorrectZone, EstablishZone
from services.visits.directory.roster.diff import Change, Diff, reconcile
from services.visits.directory.roster.format import (
    INSPECTOR,
    KINDS,
    LISTING,
    SCHOOL,
    ZONE,
    RowError,
    TooLarge,
    read_roster,
)
from services.visits.directory.roster.records import existing_listings
from services.visits.directory.roster.validate import Existing, Recorded, Roster, check, parse
from services.visits.directory.service import DirectoryService
from services.visits.streams import stream_handler
from shared.commands import CallerContext, StreamHandler
from shared.contracts.directory import RosterImportCompleted, RosterImportStarted, ZoneLevel
from shared.deadlines import local_day
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

T = TypeVar("T")
LOOKUP_CONCURRENCY = 8


class TooManyRows(TooLarge):
    """The roster has more data rows than ``ROSTER_MAX_ROWS`` (HTTP 413, nothing read further)."""

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(
            f"花名册有 {rows} 行数据，超过上限 {limit} 行，请分批导入 "
            f"(the roster has {rows} data rows, more than {limit})"
        )


class RosterInvalid(Exception):
    """The file has errors; nothing was imported (HTTP 422)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        order = {k: i for i, k in enumerate(KINDS)}
        self.errors = sorted(errors, key=lambda e: (order.get(e.sheet, -1), e.row, e.column))


@dataclass(frozen=True)
class ImportOutcome:
    import_id: str
    status: str
    """``imported``, ``resumed``, ``unchanged`` (nothing to write), ``already_imported``
    or ``validated`` (dry run)."""
    counts: dict[str, int]
    written: int = 0
    skipped: int = 0
    diff: dict[str, Any] | None = None


def import_id_of(county: Jurisdiction, data: bytes, end_missing: bool = False) -> str:
    file_sha = hashlib.sha256(data).hexdigest()
    option = "|end_missing" if end_missing else ""
    return hashlib.sha256(f"{county.path}|{file_sha}{option}".encode()).hexdigest()[:32]


def _import_state(state: list[EventPayload], event: EventPayload) -> list[EventPayload]:
    return [*state, event]


def _stated(entry: Any, county: Jurisdiction | None = None) -> dict[str, Any]:
    """A roster entry's fields for the directory command of the same names (not its row
    number); a new entry of ``county`` is placed in it."""
    stated = {f.name: getattr(entry, f.name) for f in fields_of(entry) if f.name != "row"}
    if county is not None:
        stated.update(province=county.province, city=county.city or "", county=county.county)
    return stated


def _skipped(diff: Diff) -> int:
    return sum(diff.unchanged.values())


class RosterImporter:
    def __init__(self, runtime: Runtime, directory: DirectoryService, max_rows: int = 3000) -> None:
        self._runtime = runtime
        self._max_rows = max_rows
        self._directory = directory

        self._imports: StreamHandler[Any] = stream_handler(runtime, [], _import_state)
        self._inspectors = stream_handler(runtime, Inspector(), inspector_domain.evolve)
        self._schools = stream_handler(runtime, SchoolFile(), evolve_school_file)

    async def run(
        self,
        data: bytes,
        file_name: str,
        county: Jurisdiction,
        caller: CallerContext,
        dry_run: bool = False,
        end_missing: bool = False,
        ends_on: date | None = None,
    ) -> ImportOutcome:
        """``end_missing``: end the open listings at the file's schools that the file does
        not name, on ``ends_on`` (default: the day of the import, China time). The
        importing office (``caller``) sends the directory's commands; the route checked
        it holds ``county``, the validation that every row is in it."""
        ctx = caller.ctx
        import_id = import_id_of(county, data, end_missing)
        stream = f"roster-import-{import_id}"
        loaded = await self._imports.load(stream)
        started = next((e for e in loaded.state if isinstance(e, RosterImportStarted)), None)
        done = next((e for e in loaded.state if isinstance(e, RosterImportCompleted)), None)
        if started is not None and done is not None:
            return ImportOutcome(
                import_id, "already_imported", _counts(started), done.written, done.skipped
            )
        read = read_roster(data, file_name)
        if len(read.rows) > self._max_rows:  # before a single look-up
            raise TooManyRows(len(read.rows), self._max_rows)
        roster, errors = parse(read.rows)
        errors = read.errors + errors
        if not errors and not read.rows:
            errors.append(RowError("", 1, "", "文件中没有任何数据行 (no data rows)"))
        existing = await self._existing(roster)
        errors += check(roster, existing, county)
        day = ends_on or local_day(ctx.now)
        diff = reconcile(roster, existing, end_missing, day)  # its errors too, in this pass
        errors += diff.errors
        if errors:
            raise RosterInvalid(errors)
        shown = diff.as_dict()
        if dry_run:
            return ImportOutcome(import_id, "validated", roster.counts(), 0, _skipped(diff), shown)
        if diff.writes == 0 and started is None:
            return ImportOutcome(import_id, "unchanged", roster.counts(), 0, _skipped(diff), shown)
        ctx = replace(ctx, correlation_id=f"import-{import_id}", causation_id=None)
        if started is None:
            payload = RosterImportStarted(
                import_id=import_id,
                province=county.province,
                city=county.city or "",
                county=county.county or "",
                file_name=file_name[:200] or "roster",
                file_sha256=hashlib.sha256(data).hexdigest(),
                **roster.counts(),
            )
            await self._imports.append(stream, 0, [payload], ctx, county)
        await self._write(
            diff,
            county,
            replace(caller, ctx=ctx),
            f"花名册导入 {file_name[:100]} (roster import {import_id})",
        )
        completed = RosterImportCompleted(
            import_id=import_id, written=diff.writes, skipped=_skipped(diff)
        )
        version = 1 if started is None else loaded.version
        await self._imports.append(stream, version, [completed], ctx, county)
        status = "imported" if started is None else "resumed"
        return ImportOutcome(import_id, status, roster.counts(), diff.writes, _skipped(diff), shown)

    # -- what the directory holds (the event store, never behind) ----------------------
    async def _existing(self, roster: Roster) -> Existing:
        zones, inspectors, schools = roster.referenced()
        existing = Existing()
        gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

        async def limited(fn: Callable[[], Awaitable[T]]) -> T:
            async with gate:
                return await fn()

        async def zone(zone_id: str) -> None:
            state, version = await limited(lambda: self._directory.zone_state(zone_id))
            if state.jurisdiction is not None:
                fields = {
                    "name": state.name,
                    "leader_id": state.leader_id,
                    "bureau_liaison": state.bureau_liaison,
                }
                existing.zones[zone_id] = Recorded(state.jurisdiction, fields, version)

        async def inspector(inspector_id: str) -> None:
            loaded = await limited(lambda: self._inspectors.load(inspector_stream(inspector_id)))
            record: Inspector = loaded.state
            if record.office is not None:
                existing.inspectors[inspector_id] = Recorded(
                    record.office, dict(record.details), loaded.version
                )

        async def school(school_id: str) -> None:
            stream = school_domain.stream_id(school_id)
            loaded = await limited(lambda: self._schools.load(stream))
            record: SchoolFile = loaded.state
            if record.school.jurisdiction is not None:
                existing.schools[school_id] = Recorded(
                    record.school.jurisdiction, dict(record.school.details), loaded.version
                )
                existing.listings[school_id] = existing_listings(record)

        await asyncio.gather(
            *(zone(z) for z in zones),
            *(inspector(i) for i in inspectors),
            *(school(s) for s in schools),
        )
        return existing

    # -- writing ---------------------------------------------------------------------
    async def _write(
        self, diff: Diff, county: Jurisdiction, caller: CallerContext, reason: str
    ) -> None:
        """Inspectors first (zones name leaders), zones (schools name zones), schools,
        then listings: ended ones, corrected ones, new ones."""
        d = self._directory
        for i in diff.new_inspectors:
            await d.handle(i.inspector_id, RegisterInspector(**_stated(i, county)), caller)
        for c in diff.changes(INSPECTOR):
            icmd = CorrectInspector(c.key, reason, **_after(c))
            await d.handle(c.key, icmd, caller, c.version)
        for z in diff.new_zones:
            zcmd = EstablishZone(**_stated(z, county), level=ZoneLevel.county)
            await d.handle(z.zone_id, zcmd, caller)
        for c in diff.changes(ZONE):
            after = _after(c)
            leader = "leader_id" in after
            zfix = CorrectZone(
                c.key,
                reason,
                name=after.get("name"),
                bureau_liaison=after.get("bureau_liaison"),
                change_leader=leader,
                leader_id=after.get("leader_id"),
            )
            await d.handle(c.key, zfix, caller, c.version)
        for s in diff.new_schools:
            scmd = RegisterSchool(**_stated(s, county), city_direct=False)
            await d.handle(s.school_id, scmd, caller)
        for c in diff.changes(SCHOOL):
            after, version = _after(c), c.version
            zone_id = after.pop("zone_id", None)
            if after:
                sfix = CorrectSchoolDetails(c.key, reason, **after)
                version = (await d.handle(c.key, sfix, caller, version)).version
            if zone_id is not None:
                move = ChangeSchoolZone(c.key, str(zone_id), reason)
                await d.handle(c.key, move, caller, version)
        for e in diff.ended:
            assert diff.ends_on is not None
            end = EndListing(e.listing_id, diff.ends_on, reason)
            await d.handle(e.listing_id, end, caller, e.version)
        for c in diff.changes(LISTING):
            lfix = CorrectListing(c.key, reason, **_after(c))
            await d.handle(c.key, lfix, caller, c.version)
        for x in diff.new_listings:
            await d.handle(x.school_id, ListInspector(**_stated(x)), caller)


def _after(change: Change) -> dict[str, Any]:
    return {k: after for k, (_, after) in change.fields.items()}


def _counts(started: RosterImportStarted) -> dict[str, int]:
    return {
        "zones": started.zones,
        "inspectors": started.inspectors,
        "schools": started.schools,
        "listings": started.listings,
    }
