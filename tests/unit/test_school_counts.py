"""The reporting projection's pure logic, applied through a View without storage."""

from services.reporting.school_counts import SchoolCounts
from shared.contracts.directory import SchoolDetailsCorrected, SchoolKind, SchoolRegistered
from shared.jurisdiction import Jurisdiction
from shared.projection import DocRef
from tests.factories import envelope
from tests.fakes import fold_projection


def registered(school_id: str, county: str | None, kind: str = "primary") -> SchoolRegistered:
    return SchoolRegistered(
        school_id=school_id,
        name="学校",
        kind=SchoolKind(kind),
        province="510000",
        city="510700",
        county=county,
        zone_id=None,
        address="地址",
        city_direct=county is None,
        principal_name=None,
        location=None,
    )


def run(events: list) -> dict:  # type: ignore[type-arg]
    pairs = ((envelope(p, f"school-{p.school_id}", 1, where), p) for p, where in events)
    return fold_projection(SchoolCounts(), pairs)


def test_counts_schools_per_county_and_kind() -> None:
    here = Jurisdiction(province="510000", city="510700", county="510704")
    docs = run(
        [
            (registered("a", "510704"), here),
            (registered("b", "510704", "junior"), here),
            (registered("c", None), Jurisdiction(province="510000", city="510700", school="c")),
        ]
    )
    unit = docs[DocRef("units", "510704")]
    assert unit["schools"] == 2
    assert unit["by_kind"] == {"primary": 1, "junior": 1}
    assert docs[DocRef("units", "510700-direct")]["city_direct"] is True


def test_a_kind_correction_moves_the_school_between_buckets() -> None:
    here = Jurisdiction(province="510000", city="510700", county="510704", school="a")
    fix = SchoolDetailsCorrected(school_id="a", kind=SchoolKind.nine_year, reason="改制")
    docs = run([(registered("a", "510704"), here), (fix, here)])
    unit = docs[DocRef("units", "510704")]
    assert unit["schools"] == 1
    assert unit["by_kind"] == {"nine_year": 1}
