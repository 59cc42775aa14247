"""Importing a roster file into the directory: validate everything, then write.

1. The import id is derived from the county and the file's SHA-256; its stream
   ``roster-import-<id>`` says whether this file was imported already (answered at once),
   or started and interrupted (resumed), or is new.
2. A new file is read and validated in full (:mod:`~services.visits.roster_validate`)
   against the directory as the event store holds it. Any error: nothing is written and
   every error is returned.
3. ``RosterImportStarted`` is appended (a second concurrent post of the same file
   collides on it: 409), then inspectors, zones, schools and listings are written through
   the ordinary commands, then ``RosterImportCompleted``.

A crash during step 3 leaves the import started but not completed. Posting the same file
again resumes it: entries whose stream exists are skipped (a zone, inspector or school
stream that exists was written by the first attempt: validation had found none), and
listings already present (same inspector, school and start day) are skipped too.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from services.visits.directory import DirectoryService
from services.visits.domain.inspector import RegisterInspector
from services.visits.domain.listing import ListInspector
from services.visits.domain.school import RegisterSchool
from services.visits.domain.zone import EstablishZone
from services.visits.roster_format import KINDS, RowError, read_roster
from services.visits.roster_validate import Existing, ExistingListing, Roster, check, parse
from shared.commands import CommandContext, StreamHandler
from shared.contracts.directory import RosterImportCompleted, RosterImportStarted, ZoneLevel
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

T = TypeVar("T")
LOOKUP_CONCURRENCY = 8


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
    """``imported``, ``resumed``, ``already_imported`` or ``validated`` (dry run)."""
    counts: dict[str, int]
    written: int = 0
    skipped: int = 0


@dataclass
class _Progress:
    written: int = 0
    skipped: int = 0


def import_id_of(county: Jurisdiction, data: bytes) -> str:
    file_sha = hashlib.sha256(data).hexdigest()
    return hashlib.sha256(f"{county.path}|{file_sha}".encode()).hexdigest()[:32]


def _import_state(state: list[EventPayload], event: EventPayload) -> list[EventPayload]:
    return [*state, event]


class RosterImporter:
    def __init__(self, runtime: Runtime, directory: DirectoryService) -> None:
        self._runtime = runtime
        self._directory = directory
        self._imports = StreamHandler[list[EventPayload]](
            runtime.store,
            registry,
            source="/duxue/visits",
            initial=[],
            evolve=_import_state,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )

    async def run(
        self,
        data: bytes,
        file_name: str,
        county: Jurisdiction,
        ctx: CommandContext,
        dry_run: bool = False,
    ) -> ImportOutcome:
        import_id = import_id_of(county, data)
        stream = f"roster-import-{import_id}"
        loaded = await self._imports.load(stream)
        started = next((e for e in loaded.state if isinstance(e, RosterImportStarted)), None)
        done = next((e for e in loaded.state if isinstance(e, RosterImportCompleted)), None)
        if started is not None and done is not None:
            return ImportOutcome(
                import_id, "already_imported", _counts(started), done.written, done.skipped
            )
        read = read_roster(data, file_name)
        roster, errors = parse(read.rows)
        errors = read.errors + errors
        if not errors and not read.rows:
            errors.append(RowError("", 1, "", "文件中没有任何数据行 (no data rows)"))
        if started is None:
            errors += check(roster, await self._existing(roster), county)
        if errors:
            raise RosterInvalid(errors)
        if dry_run:
            return ImportOutcome(import_id, "validated", roster.counts())
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
        progress = await self._write(roster, county, ctx)
        completed = RosterImportCompleted(
            import_id=import_id, written=progress.written, skipped=progress.skipped
        )
        version = 1 if started is None else loaded.version
        await self._imports.append(stream, version, [completed], ctx, county)
        status = "imported" if started is None else "resumed"
        return ImportOutcome(import_id, status, roster.counts(), progress.written, progress.skipped)

    # -- what the directory holds ----------------------------------------------------
    async def _existing(self, roster: Roster) -> Existing:
        zones, inspectors, schools = roster.referenced()
        d = self._directory
        existing = Existing()
        gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

        async def limited(fn: Callable[[], Awaitable[T]]) -> T:
            async with gate:
                return await fn()

        async def zone(zone_id: str) -> None:
            state, _ = await limited(lambda: d.zone_state(zone_id))
            if state.jurisdiction is not None:
                existing.zones[zone_id] = state.jurisdiction

        async def inspector(inspector_id: str) -> None:
            state, _ = await limited(lambda: d.inspector_state(inspector_id))
            if state.office is not None:
                existing.inspectors[inspector_id] = state.office

        async def school(school_id: str) -> None:
            state, _ = await limited(lambda: d.listings_state(school_id))
            if state.jurisdiction is not None:
                existing.schools[school_id] = state.jurisdiction
                existing.listings[school_id] = [
                    ExistingListing(x.inspector_id, x.starts_on, x.ends_on)
                    for x in state.listings.values()
                ]

        await asyncio.gather(
            *(zone(z) for z in zones),
            *(inspector(i) for i in inspectors),
            *(school(s) for s in schools),
        )
        return existing

    # -- writing ---------------------------------------------------------------------
    async def _write(self, roster: Roster, county: Jurisdiction, ctx: CommandContext) -> _Progress:
        d, p = self._directory, _Progress()
        for i in roster.inspectors:
            if (await d.inspector_state(i.inspector_id))[1] > 0:
                p.skipped += 1
                continue
            cmd = RegisterInspector(
                inspector_id=i.inspector_id,
                name=i.name,
                employment=i.employment,
                phone=i.phone,
                province=county.province,
                city=county.city or "",
                county=county.county,
                email=i.email,
                title=i.title,
                duties=i.duties,
            )
            await d.register_inspector(cmd, ctx)
            p.written += 1
        for z in roster.zones:
            if (await d.zone_state(z.zone_id))[1] > 0:
                p.skipped += 1
                continue
            zcmd = EstablishZone(
                zone_id=z.zone_id,
                name=z.name,
                level=ZoneLevel.county,
                province=county.province,
                city=county.city or "",
                county=county.county,
                leader_id=z.leader_id,
                bureau_liaison=z.bureau_liaison,
            )
            await d.establish_zone(zcmd, ctx)
            p.written += 1
        for s in roster.schools:
            if (await d.school_state(s.school_id))[1] > 0:
                p.skipped += 1
                continue
            scmd = RegisterSchool(
                school_id=s.school_id,
                name=s.name,
                kind=s.kind,
                province=county.province,
                city=county.city or "",
                county=county.county,
                zone_id=s.zone_id,
                address=s.address,
                city_direct=False,
                principal_name=s.principal_name,
                location=None,
            )
            await d.register_school(scmd, ctx)
            p.written += 1
        for x in roster.listings:
            state, _ = await d.listings_state(x.school_id)
            if any(
                (old.inspector_id, old.starts_on) == (x.inspector_id, x.starts_on)
                for old in state.listings.values()
            ):
                p.skipped += 1
                continue
            lcmd = ListInspector(
                school_id=x.school_id,
                inspector_id=x.inspector_id,
                starts_on=x.starts_on,
                duties=x.duties,
            )
            await d.list_inspector(lcmd, ctx, authorize=lambda where: None)
            p.written += 1
        return p


def _counts(started: RosterImportStarted) -> dict[str, int]:
    return {
        "zones": started.zones,
        "inspectors": started.inspectors,
        "schools": started.schools,
        "listings": started.listings,
    }
