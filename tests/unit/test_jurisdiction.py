import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.jurisdiction import Jurisdiction

codes = st.from_regex(r"[0-9A-Za-z_-]{1,12}", fullmatch=True)


@st.composite
def jurisdictions(draw: st.DrawFn) -> Jurisdiction:
    province = draw(codes)
    city = draw(st.none() | codes)
    county = draw(st.none() | codes) if city else None
    zone = draw(st.none() | codes) if county else None
    school = draw(st.none() | codes) if city else None
    return Jurisdiction(province=province, city=city, county=county, zone=zone, school=school)


@given(jurisdictions())
def test_path_round_trips(j: Jurisdiction) -> None:
    assert Jurisdiction.from_path(j.path) == j


@given(jurisdictions())
def test_every_jurisdiction_contains_itself(j: Jurisdiction) -> None:
    assert j.contains(j)


def test_county_contains_its_schools_but_not_the_neighbours() -> None:
    county = Jurisdiction(province="510000", city="510700", county="510704")
    school = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")
    other = Jurisdiction(province="510000", city="510700", county="510703", school="s2")
    assert county.contains(school)
    assert not county.contains(other)
    assert not school.contains(county)


def test_city_direct_school_sits_under_the_city() -> None:
    city = Jurisdiction(province="510000", city="510700")
    school = Jurisdiction(province="510000", city="510700", school="s9")
    county = Jurisdiction(province="510000", city="510700", county="510704")
    assert city.contains(school)
    assert not county.contains(school)


def test_a_level_without_its_parent_is_rejected() -> None:
    with pytest.raises(ValidationError, match="county is missing"):
        Jurisdiction(province="510000", city="510700", zone="z1")


def test_bad_path_segment_is_rejected() -> None:
    with pytest.raises(ValueError, match="bad jurisdiction path"):
        Jurisdiction.from_path("province:51/planet:earth")
