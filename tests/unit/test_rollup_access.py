"""Who reads which roll-up: offices inside their jurisdiction, integrators the aggregates,
a principal their own school's card, an inspector nothing but their own figures; and who
publishes a monthly report: the county, city and province offices inside theirs."""

from __future__ import annotations

from typing import Any

import pytest

from services.reporting.access import authorize, authorize_publish
from services.reporting.rollups.api import Level
from services.reporting.rollups.domain.units import chain
from shared.auth import Principal, Role
from shared.commands import Forbidden
from shared.jurisdiction import Jurisdiction

SCHOOL = Jurisdiction(province="51", city="5107", county="510704", zone="z1", school="s1")
UNITS = {u.level: u.meta() for u in chain(SCHOOL)}
DIRECT = chain(Jurisdiction(province="51", city="5107", school="d1"))[2].meta()


def caller(role: Role, **where: str) -> Principal:
    return Principal(
        user_id="u", name="测试", roles=frozenset({role}), jurisdiction=Jurisdiction(**where)
    )


def allowed(who: Principal, level: str, unit: dict[str, Any]) -> bool:
    try:
        authorize(who, Level(level), unit)
    except Forbidden:  # answered 403 by the shared error mapping
        return False
    return True


COUNTY = caller(Role.county_office, province="51", city="5107", county="510704")
OTHER_COUNTY = caller(Role.county_office, province="51", city="5107", county="510703")
CITY = caller(Role.city_office, province="51", city="5107")
OTHER_CITY = caller(Role.city_office, province="51", city="5108")
PROVINCE = caller(Role.province_office, province="51")
INTEGRATOR = caller(Role.integrator, province="51")
PRINCIPAL = caller(Role.principal, **SCHOOL.model_dump(exclude_none=True))
INSPECTOR = caller(Role.inspector, province="51", city="5107", county="510704")


@pytest.mark.parametrize(
    ("who", "level", "expected"),
    [
        (COUNTY, "county", True),
        (COUNTY, "zone", True),
        (COUNTY, "school", True),
        (COUNTY, "city", False),
        (OTHER_COUNTY, "county", False),
        (CITY, "county", True),
        (CITY, "city", True),
        (CITY, "province", False),
        (OTHER_CITY, "county", False),
        (PROVINCE, "province", True),
        (PROVINCE, "school", True),
        (INTEGRATOR, "city", True),
        (INTEGRATOR, "school", False),
        (PRINCIPAL, "school", True),
        (PRINCIPAL, "zone", False),
        (INSPECTOR, "county", False),
        (INSPECTOR, "school", False),
    ],
)
def test_who_reads_which_unit(who: Principal, level: str, expected: bool) -> None:
    assert allowed(who, level, UNITS[level]) is expected


def test_city_direct_schools_belong_to_the_city_not_a_county() -> None:
    assert DIRECT["code"] == "5107-direct"
    assert allowed(CITY, "county", DIRECT)
    assert not allowed(COUNTY, "county", DIRECT)


def test_a_principal_reads_no_other_school() -> None:
    other = chain(SCHOOL.model_copy(update={"school": "s2"}))[-1].meta()
    assert not allowed(PRINCIPAL, "school", other)


ZONE_LEADER = caller(Role.zone_leader, province="51", city="5107", county="510704", zone="z1")


@pytest.mark.parametrize(
    ("who", "level", "expected"),
    [
        (COUNTY, "county", True),
        (COUNTY, "zone", True),
        (COUNTY, "city", False),
        (OTHER_COUNTY, "county", False),
        (CITY, "city", True),
        (CITY, "county", True),
        (CITY, "province", False),
        (CITY, "zone", False),
        (PROVINCE, "province", True),
        (PROVINCE, "city", False),
        (PROVINCE, "zone", False),
        (ZONE_LEADER, "zone", False),
        (INTEGRATOR, "city", False),
        (INSPECTOR, "county", False),
    ],
)
def test_who_publishes_a_units_monthly_report(who: Principal, level: str, expected: bool) -> None:
    try:
        authorize_publish(who, UNITS[level])
    except Forbidden:
        assert not expected
    else:
        assert expected


def test_an_integrator_sees_no_school_among_a_zones_children() -> None:
    from services.reporting.access import visible_children

    children = [UNITS["school"], {**UNITS["zone"], "level": "zone"}]
    assert visible_children(INTEGRATOR, children) == [children[1]]
    assert visible_children(COUNTY, children) == children


def test_an_inspector_reads_the_card_of_a_school_they_are_listed_at() -> None:
    def reads(who: Principal, level: str, *, listed: bool) -> bool:
        try:
            authorize(who, Level(level), UNITS[level], listed=listed)
        except Forbidden:
            return False
        return True

    assert reads(INSPECTOR, "school", listed=True)
    assert not reads(INSPECTOR, "school", listed=False)  # not listed there (any more)
    assert not reads(INSPECTOR, "zone", listed=True)  # a card, not the zone's figures
    assert not reads(INTEGRATOR, "school", listed=True)  # listings are inspectors'
