"""Publishing and reading monthly reports at the service layer (in-memory event store,
a fake roll-up): versions, re-issues with their changes, and nothing appended when a
publication is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.reporting.reports.domain.report import Report, evolve
from services.reporting.reports.service import ReportService
from services.reporting.rollups.domain.periods import Period
from shared.auth import Principal, Role
from shared.commands import (
    CallerContext,
    CommandContext,
    Forbidden,
    IllegalStep,
    NotFound,
    StreamHandler,
)
from shared.contracts.reporting import Figures
from shared.envelope import Actor
from shared.events import registry
from shared.eventstore import StalePrecondition
from shared.jurisdiction import Jurisdiction
from tests.fakes import Ids, MemoryEventStore

COUNTY = {
    "level": "county",
    "code": "510704",
    "unit": "county:510704",
    "parent": "city:5107",
    "province": "51",
    "city": "5107",
    "county": "510704",
    "school_id": None,
}
STREAM = "report-county-510704-2026-09"
NOV = datetime(2026, 11, 2, 9, tzinfo=UTC)


class FakeRollups:
    def __init__(self) -> None:
        self.now: dict[str, Any] = dict.fromkeys(Figures.model_fields, 0) | {
            "visits_by_kind": {"routine": 2},
            "problems": {},
            "campaigns": {},
            "rectification_by_item": {},
            "coverage": 0.6667,
        }
        self.periods: list[Period] = []

    async def unit(self, level: str, code: str) -> dict[str, Any]:
        if (level, code) != ("county", "510704"):
            raise NotFound("unknown")
        return COUNTY

    async def figures(
        self, units: list[str], period: Period, known_on: date | None = None
    ) -> dict[str, dict[str, Any]]:
        self.periods.append(period)
        return {u: dict(self.now) for u in units}


def office(role: Role, **where: str) -> CallerContext:
    principal = Principal(
        user_id="u1", name="科员", roles=frozenset({role}), jurisdiction=Jurisdiction(**where)
    )
    ctx = CommandContext(actor=Actor(user_id="u1", role=role.value), now=NOV, correlation_id="c")
    return CallerContext(principal=principal, ctx=ctx)


CALLER = office(Role.county_office, province="51", city="5107", county="510704")


@pytest.fixture
def setup() -> tuple[ReportService, MemoryEventStore, FakeRollups]:
    store, rollups = MemoryEventStore(), FakeRollups()
    streams = StreamHandler[Report](store, registry, "/test", Report(), evolve, Ids())
    return ReportService(streams, rollups), store, rollups


async def test_a_reissue_is_the_next_version_with_its_changes(setup: Any) -> None:
    service, store, rollups = setup
    first = await service.publish(CALLER, "county", "510704", "2026-09", None, None)
    assert (first["version"], first["changes"]) == (1, [])
    assert [p.label for p in rollups.periods] == ["2026-09"]
    rollups.now |= {"visits": 3, "visits_by_kind": {"routine": 2, "special": 1}}
    second = await service.publish(CALLER, "county", "510704", "2026-09", "补录", 1)
    assert (second["version"], second["previous_version"], second["note"]) == (2, 1, "补录")
    assert second["changes"] == [
        {"figure": "visits", "before": 0, "after": 3},
        {"figure": "visits_by_kind.special", "before": 0, "after": 1},
    ]
    one = await service.version(CALLER.principal, "county", "510704", "2026-09", 1)
    assert one["figures"].visits == 0
    listed = await service.versions(CALLER.principal, "county", "510704", "2026-09")
    assert [v["version"] for v in listed["versions"]] == [1, 2]
    assert len(store.streams[STREAM]) == 2


async def test_known_at_is_the_last_version_published_by_then(setup: Any) -> None:
    service, _, _ = setup
    await service.publish(CALLER, "county", "510704", "2026-09", None, None)
    p = CALLER.principal
    assert (await service.known_at(p, "county", "510704", "2026-09", NOV))["version"] == 1
    with pytest.raises(NotFound):
        await service.known_at(p, "county", "510704", "2026-09", NOV - timedelta(seconds=1))
    with pytest.raises(NotFound):
        await service.version(p, "county", "510704", "2026-09", 2)


@pytest.mark.parametrize(
    ("caller", "month", "expected", "error"),
    [
        (CALLER, "2026-11", None, IllegalStep),  # the month in progress
        (CALLER, "2026-09", 3, StalePrecondition),  # a stale If-Match
        (
            office(Role.county_office, province="51", city="5107", county="1"),
            "2026-09",
            None,
            Forbidden,
        ),
        (
            office(Role.zone_leader, province="51", city="5107", county="510704"),
            "2026-09",
            None,
            Forbidden,
        ),
    ],
)
async def test_a_refused_publication_appends_nothing(
    setup: Any, caller: CallerContext, month: str, expected: int | None, error: type[Exception]
) -> None:
    service, store, _ = setup
    with pytest.raises(error):
        await service.publish(caller, "county", "510704", month, None, expected)
    assert store.streams == {}
    with pytest.raises(NotFound):
        await service.publish(CALLER, "county", "000001", "2026-09", None, None)
