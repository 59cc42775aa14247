"""The roster importer against the in-memory event store (no Kafka, no MongoDB): a dry
run lists every error of the file in one answer, the file's own and those only the
reconciliation with the directory finds, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import pytest

from services.visits.directory.domain.listing import ListInspector
from services.visits.directory.roster.importer import RosterImporter, RosterInvalid
from services.visits.directory.service import DirectoryService
from shared.auth import Role
from shared.commands import StreamHandler
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime
from tests.fakes import Ids, MemoryEventStore, caller
from tests.rosters import roster_xlsx, standard_roster
from tests.unit.test_directory_service import register_inspector, register_school

COUNTY = Jurisdiction(province="510000", city="510700", county="510704")
OFFICE = caller("u1", Role.county_office, where=COUNTY)


@dataclass
class _Relay:
    def notify(self) -> None:
        return None


@dataclass
class MemoryRuntime:
    """What the importer uses of a :class:`~shared.runtime.Runtime`: its event store."""

    store: MemoryEventStore = field(default_factory=MemoryEventStore)
    new_id: Ids = field(default_factory=Ids)
    relay: _Relay = field(default_factory=_Relay)
    registry: Any = registry
    service: str = "visits"

    def stream_handler(
        self, source: str, initial: Any, evolve: Callable[[Any, EventPayload], Any]
    ) -> StreamHandler[Any]:
        return StreamHandler[Any](
            self.store,
            self.registry,
            source=source,
            initial=initial,
            evolve=evolve,
            new_id=self.new_id,
            service=self.service,
        )


async def test_a_dry_run_lists_the_files_and_the_reconciliations_errors_at_once() -> None:
    runtime = MemoryRuntime()
    directory = DirectoryService(runtime.store, new_id=runtime.new_id)
    importer = RosterImporter(cast(Runtime, runtime), directory)
    # the directory: c-s1 with c-insp-1 listed from 2026-09-01, which the file leaves out
    await directory.handle("c-insp-1", register_inspector("c-insp-1"), OFFICE)
    await directory.handle("c-s1", register_school("c-s1"), OFFICE)
    await directory.handle("c-s1", ListInspector("c-s1", "c-insp-1", date(2026, 9, 1)), OFFICE)
    before = {sid: len(events) for sid, events in runtime.store.streams.items()}
    base = standard_roster("c")
    school = {**base["schools"][0], "school_id": "c-s1", "zone_id": None}
    data = roster_xlsx(
        "c",
        zones=[],
        inspectors=[],
        schools=[
            {**school, "zone_id": "c-z1", "name": "实验小学"},  # row 2: fine
            {**base["schools"][1], "kind": "城堡", "zone_id": "nowhere"},  # row 3: two errors
            {**base["schools"][2], "zone_id": "nowhere"},  # row 4: unknown zone
        ],
        listings=[],
    )
    with pytest.raises(RosterInvalid) as invalid:
        await importer.run(
            data,
            "r.xlsx",
            COUNTY,
            OFFICE,
            dry_run=True,
            end_missing=True,
            ends_on=date(2026, 8, 1),  # before the listing started: only the diff says so
        )
    got = [(e.sheet, e.row, e.column) for e in invalid.value.errors]
    assert got == [
        ("学校", 2, "学校编号"),  # c-insp-1's listing cannot end before it starts
        ("学校", 2, "责任区编号"),  # c-z1 is nowhere either
        ("学校", 3, "学校类型"),
        ("学校", 3, "责任区编号"),
        ("学校", 4, "责任区编号"),
    ], got
    assert all(e.message for e in invalid.value.errors)
    assert {sid: len(events) for sid, events in runtime.store.streams.items()} == before
