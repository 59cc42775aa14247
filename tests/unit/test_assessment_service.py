"""Assessment formulas and rankings at the service layer (in-memory event store, a fake
candidate source with the county autumn's Sep–Oct values): only the province office
changes its formula, a new version ranks beside the active one until activated, a
county or city office keeps its own that ranks inside it (county, city, province: the
nearest one), and a refused command appends nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from services.reporting.assessments.domain.formula import Formulas, evolve
from services.reporting.assessments.domain.indicators import CATALOGUE
from services.reporting.assessments.domain.offices import Office
from services.reporting.assessments.domain.scoring import Candidate
from services.reporting.assessments.service import AssessmentService, own_office
from services.reporting.rollups.domain.periods import Period, range_period
from shared.auth import Principal, Role
from shared.commands import (
    CallerContext,
    CommandContext,
    FieldProblem,
    Forbidden,
    NotFound,
    StreamHandler,
)
from shared.envelope import Actor
from shared.events import registry
from shared.eventstore import StalePrecondition
from shared.jurisdiction import Jurisdiction
from tests.fakes import Ids, MemoryEventStore
from tests.unit.test_assessment_scoring import V1, V2

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
CITY = {**COUNTY, "level": "city", "code": "5107", "unit": "city:5107", "county": None}
VALUES = {
    "A": (1.0, 1.0, 0.6667, None, None),
    "B": (1.0, 0.0, 1.0, 0.0, 0.0),
    "D": (1.0, 0.0, None, 1.0, 1.0),
}
NAMES = tuple(CATALOGUE["school"])
AUTUMN = range_period("2026-09", "2026-10", 12)
STREAM = "assessment-formula-51-school"


class FakeCandidates:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    async def unit(self, level: str, code: str) -> dict[str, Any]:
        known = {("county", "510704"): COUNTY, ("city", "5107"): CITY}
        if (level, code) not in known:
            raise NotFound("unknown")
        return known[level, code]

    async def candidates(
        self, target: str, within: Mapping[str, Any], period: Period
    ) -> list[Candidate]:
        self.asked.append((target, within["unit"], period.label))
        meta = {"level": "school", "parent": "zone:z", "province": "51", "city": "5107"}
        return [Candidate(s, meta, dict(zip(NAMES, v, strict=True))) for s, v in VALUES.items()]


def caller(role: Role, **where: str) -> CallerContext:
    principal = Principal(
        user_id="u1", name="科员", roles=frozenset({role}), jurisdiction=Jurisdiction(**where)
    )
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    ctx = CommandContext(actor=Actor(user_id="u1", role=role.value), now=now, correlation_id="c")
    return CallerContext(principal=principal, ctx=ctx)


P51, K = Office("51"), Office("51", "5107", "510704")
PROVINCE = caller(Role.province_office, province="51")
COUNTY_OFFICE = caller(Role.county_office, province="51", city="5107", county="510704")


@pytest.fixture
def setup() -> tuple[AssessmentService, MemoryEventStore, FakeCandidates]:
    store, source = MemoryEventStore(), FakeCandidates()
    streams = StreamHandler[Formulas](store, registry, "/test", Formulas(), evolve, Ids())
    return AssessmentService(streams, source), store, source


def order(answer: dict[str, Any]) -> list[tuple[str, float | None, int | None]]:
    return [(r["code"], r["score"], r["rank"]) for r in answer["rows"]]


async def test_a_new_version_ranks_beside_the_active_one_until_activated(setup: Any) -> None:
    service, store, source = setup
    first = await service.change(PROVINCE, "school", P51, V1, None, 0)
    assert (first["latest_version"], first["active_version"]) == (1, 1)
    second = await service.change(PROVINCE, "school", P51, V2, "加入按期答复", 1)
    assert (second["latest_version"], second["active_version"]) == (2, 1)
    assert second["versions"][1]["note"] == "加入按期答复"
    assert store.types(STREAM) == [
        "assessment_formula_changed",
        "assessment_formula_activated",
        "assessment_formula_changed",
    ]

    reader = COUNTY_OFFICE.principal
    active = await service.rankings(reader, "school", AUTUMN, None, None)
    assert (active["version"], active["active_version"]) == (1, 1)
    assert order(active) == [("B", 1.0, 1), ("D", 1.0, 1), ("A", 0.8, 3)]
    assert source.asked[-1] == ("school", "county:510704", AUTUMN.label)

    new = await service.rankings(reader, "school", AUTUMN, ("county", "510704"), 2)
    assert order(new) == [("A", 0.9048, 1), ("D", 0.375, 2), ("B", 0.2, 3)]
    assert [(r["active_score"], r["active_rank"]) for r in new["rows"]] == [
        (0.8, 3),
        (1.0, 1),
        (1.0, 1),
    ]

    switched = await service.activate(PROVINCE, "school", P51, 2, 2)
    assert switched["active_version"] == 2
    now = await service.rankings(reader, "school", AUTUMN, None, None)
    assert (now["version"], order(now)) == (2, order(new))
    assert now["rows"][0]["active_score"] is None
    old = await service.rankings(reader, "school", AUTUMN, None, 1)
    assert order(old) == order(active)


@pytest.mark.parametrize(
    ("who", "expected", "error"),
    [
        (COUNTY_OFFICE, None, Forbidden),
        (caller(Role.province_office, province="52"), None, Forbidden),
        (PROVINCE, 1, StalePrecondition),
    ],
)
async def test_a_refused_change_appends_nothing(
    setup: Any, who: CallerContext, expected: int | None, error: type[Exception]
) -> None:
    service, store, _ = setup
    with pytest.raises(error):
        await service.change(who, "school", P51, V1, None, expected)
    assert store.streams == {}


async def test_rankings_need_a_formula_a_reader_inside_and_a_level_that_fits(setup: Any) -> None:
    service, _, _ = setup
    reader = COUNTY_OFFICE.principal
    with pytest.raises(NotFound):  # no formula yet
        await service.rankings(reader, "school", AUTUMN, None, None)
    await service.change(PROVINCE, "school", P51, V1, None, None)
    with pytest.raises(NotFound):  # no such version
        await service.rankings(reader, "school", AUTUMN, None, 2)
    with pytest.raises(NotFound):  # no such unit
        await service.rankings(reader, "school", AUTUMN, ("county", "000001"), None)
    other = caller(Role.county_office, province="51", city="5107", county="510705")
    with pytest.raises(Forbidden):
        await service.rankings(other.principal, "school", AUTUMN, ("county", "510704"), None)
    integrator = caller(Role.integrator, province="51").principal
    with pytest.raises(Forbidden):  # a school's figures are for offices
        await service.rankings(integrator, "school", AUTUMN, ("county", "510704"), None)
    with pytest.raises(FieldProblem) as raised:
        await service.rankings(reader, "zone", AUTUMN, ("zone", "z"), None)
    assert raised.value.field == "query.within"
    assert str(raised.value).endswith("(within must be one of these levels)")  # zh-CN first


async def test_a_county_office_keeps_its_own_formula_that_ranks_inside_the_county(
    setup: Any,
) -> None:
    service, store, _ = setup
    await service.change(PROVINCE, "school", P51, V1, None, 0)
    assert own_office(COUNTY_OFFICE.principal) == K
    mine = await service.change(COUNTY_OFFICE, "school", K, V2, "本县方案", 0)
    assert (mine["office"], mine["latest_version"], mine["active_version"]) == (
        {"level": "county", "code": "510704"},
        1,
        1,
    )
    assert store.types("assessment-formula-51-school-county-510704") == [
        "assessment_formula_changed",
        "assessment_formula_activated",
    ]
    assert len(store.types(STREAM)) == 2  # the province's formula is unchanged

    reader = COUNTY_OFFICE.principal
    inside = await service.rankings(reader, "school", AUTUMN, None, None)
    assert inside["office"] == {"level": "county", "code": "510704"}
    assert order(inside) == [("A", 0.9048, 1), ("D", 0.375, 2), ("B", 0.2, 3)]  # V2's
    city = caller(Role.city_office, province="51", city="5107").principal
    above = await service.rankings(city, "school", AUTUMN, ("city", "5107"), None)
    assert above["office"] == {"level": "province", "code": "51"}  # no city formula: V1's
    assert order(above) == [("B", 1.0, 1), ("D", 1.0, 1), ("A", 0.8, 3)]

    # a county reads its own formula and the province's that ranks above it
    province_formula = await service.formulas(reader, "school", P51)
    assert province_formula["latest_version"] == 1


@pytest.mark.parametrize(
    ("who", "office"),
    [
        (COUNTY_OFFICE, Office("51", "5107", "510705")),  # another county
        (COUNTY_OFFICE, Office("51", "5107")),  # its city's
        (COUNTY_OFFICE, P51),  # the province's
        (PROVINCE, K),  # a county's own formula is the county's to keep
        (caller(Role.city_office, province="51", city="5108"), Office("51", "5107")),
    ],
)
async def test_an_office_changes_only_its_own_formula(
    setup: Any, who: CallerContext, office: Office
) -> None:
    service, store, _ = setup
    with pytest.raises(Forbidden):
        await service.change(who, "school", office, V1, None, None)
    with pytest.raises(Forbidden):
        await service.activate(who, "school", office, 1, None)
    assert store.streams == {}


async def test_an_office_reads_the_formulas_above_it_and_inside_it_only(setup: Any) -> None:
    service, _, _ = setup
    other = caller(Role.county_office, province="51", city="5107", county="510705").principal
    with pytest.raises(Forbidden):
        await service.formulas(other, "school", K)
    city = caller(Role.city_office, province="51", city="5107").principal
    assert (await service.formulas(city, "school", K))["versions"] == []
    assert await service.office("city", "5107") == Office("51", "5107")
    with pytest.raises(NotFound):
        await service.office("county", "000001")
