"""An inspector's visits against the frequency rules of shared/domain.md, by hand."""

from __future__ import annotations

from datetime import date

from services.reporting.inspectors.domain.rules import (
    Listing,
    listed_schools_visited,
    month_check,
)
from services.reporting.inspectors.view import InspectorView
from shared.contracts.directory import Employment, InspectorListed, InspectorRegistered
from shared.contracts.issues import IssueVerified
from shared.contracts.visits import Severity, VisitKind
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.projection import DocRef
from tests.fakes import fold_projection
from tests.reporting_scenario import Log, Place, at, issue, visit

SEPT = (date(2026, 9, 1), date(2026, 9, 30))


def test_a_county_inspector_needs_four_visits_a_month() -> None:
    assert month_check("county", {"total": 4}, [])["meets"] is True
    assert month_check("county", {"total": 3}, [])["meets"] is False


def test_a_city_inspector_needs_each_county_once_and_city_direct_twice() -> None:
    listings = [
        Listing("s1", "510703", date(2026, 1, 1), None),
        Listing("s2", "510704", date(2026, 1, 1), None),
        Listing("s3", None, date(2026, 1, 1), None),
    ]
    visits = {"total": 3, "county~510703": 1, "direct": 2}
    check = month_check("city", visits, listings)
    assert check["counties_without_visit"] == ["510704"]
    assert check["meets"] is False
    visits = {"total": 4, "county~510703": 1, "county~510704": 1, "direct": 2}
    assert month_check("city", visits, listings)["meets"] is True
    visits["direct"] = 1
    assert month_check("city", visits, listings)["meets"] is False


def test_every_listed_school_at_least_once_in_the_period() -> None:
    listings = [
        Listing("s1", "k", date(2026, 1, 1), None),
        Listing("s2", "k", date(2026, 1, 1), date(2026, 8, 31)),  # ended before September
        Listing("s3", "k", date(2026, 9, 20), None),
    ]
    assert listed_schools_visited(listings, {"s1"}, *SEPT) == (["s1", "s3"], ["s3"])


def test_the_view_counts_each_inspector_once_per_visit() -> None:
    place = Place("P1", "C1", "K1")
    log = Log()
    county = Jurisdiction(province="P1", city="C1", county="K1")
    registered = InspectorRegistered(
        inspector_id="insp-1",
        name="督学",
        employment=Employment(next(iter(Employment)).value),
        phone="13800000000",
        email=None,
        title=None,
        duties=None,
        province="P1",
        city="C1",
        county="K1",
    )
    log.add("inspector-insp-1", registered, county, at("2026-08-01"))
    listed = InspectorListed(
        listing_id="l1",
        school_id=place.sid("A"),
        inspector_id="insp-1",
        starts_on=date(2026, 8, 1),
        duties=None,
    )
    log.add("listing-l1", listed, place.school("A"), at("2026-08-01"))
    visit(log, place, "v1", "A", VisitKind.routine, "2026-09-03", team=2)
    visit(log, place, "v2", "B", VisitKind.routine, "2026-09-04", team=1)
    opened = issue(place, "i1", "B", "safety", Severity.general, "2026-09-30")
    log.add(opened.issue_id, opened, place.school("B"), at("2026-09-04", 15))
    closed = IssueVerified(issue_id=opened.issue_id, verified_by="insp-2", note="")
    log.add(opened.issue_id, closed, place.school("B"), at("2026-10-09"))
    docs = fold_projection(InspectorView(), ((e, registry.parse(e)) for e in log.events))
    month = docs[DocRef("months", "insp-1|2026-09")]
    assert month is not None
    assert month["n"] == {
        "total": 2,
        "county~K1": 2,
        "school~K1-A": 1,
        "school~K1-B": 1,
        "day~03": 1,
        "day~04": 1,
        "problems_found": 1,
    }
    assert docs[DocRef("months", "insp-2|2026-10")]["n"] == {"issues_verified": 1}  # type: ignore[index]
    assert docs[DocRef("months", "insp-2|2026-09")]["n"] == {  # type: ignore[index]
        "total": 1,
        "county~K1": 1,
        "school~K1-A": 1,
        "day~03": 1,
    }
    inspector = docs[DocRef("inspectors", "insp-1")]
    assert inspector is not None and inspector["level"] == "county"
    assert inspector["listings"]["l1"]["county"] == "K1"
