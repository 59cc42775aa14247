"""Reconciling a roster with what the directory holds, without any infrastructure."""

from __future__ import annotations

from datetime import date

from services.visits.directory.roster.diff import reconcile
from services.visits.directory.roster.format import read_roster
from services.visits.directory.roster.validate import (
    Existing,
    ExistingListing,
    Recorded,
    Roster,
    parse,
)
from shared.contracts.directory import Location
from shared.jurisdiction import Jurisdiction
from tests.rosters import roster_xlsx, standard_roster

COUNTY = Jurisdiction(province="510000", city="510700", county="510704")


def roster_of(data: bytes) -> Roster:
    read = read_roster(data, "r.xlsx")
    roster, errors = parse(read.rows)
    assert read.errors == [] and errors == []
    return roster


def school(**fields: object) -> Recorded:
    base = {
        "name": "测试第1学校",
        "kind": "junior",
        "zone_id": "c-z1",
        "address": "测试路1号",
        "principal_name": "校长",
        "location": None,
    }
    return Recorded(COUNTY, {**base, **fields}, version=3)


def one_school(**row: object) -> Roster:
    entry = {**standard_roster("c")["schools"][0], **row}
    return roster_of(roster_xlsx("c", zones=[], inspectors=[], schools=[entry], listings=[]))


def test_an_empty_cell_clears_nothing_and_coordinates_compare_to_six_decimals() -> None:
    near = Location(longitude=104.7320000001, latitude=31.4676)
    existing = Existing(schools={"c-s1": school(principal_name="王校长", location=near)})
    diff = reconcile(one_school(principal_name=None, longitude=104.732, latitude=31.4676), existing)
    assert diff.writes == 0 and diff.unchanged["schools"] == 1


def test_a_changed_field_records_before_and_after_and_the_version_seen() -> None:
    diff = reconcile(one_school(address="新地址"), Existing(schools={"c-s1": school()}))
    [change] = diff.changed
    assert (change.key, change.fields, change.version) == (
        "c-s1",
        {"address": ("测试路1号", "新地址")},
        3,
    )
    assert diff.as_dict()["changed"][0]["fields"] == {
        "address": {"before": "测试路1号", "after": "新地址"}
    }


def listings_at(*olds: ExistingListing) -> Existing:
    return Existing(schools={"c-s1": school()}, listings={"c-s1": list(olds)})


def one_listing(starts_on: str, school_id: str = "c-s1") -> Roster:
    row = {"inspector_id": "c-insp-1", "school_id": school_id, "starts_on": starts_on}
    return roster_of(roster_xlsx("c", zones=[], inspectors=[], schools=[], listings=[row]))


def test_a_row_for_an_ended_listing_is_history_with_a_warning() -> None:
    ended = ExistingListing("c-insp-1", date(2026, 3, 1), date(2026, 6, 30), "c-s1-L1")
    diff = reconcile(one_listing("2026-03-01"), listings_at(ended))
    assert diff.writes == 0 and diff.unchanged["listings"] == 1
    assert [(w.sheet, w.row, w.column) for w in diff.warnings] == [("挂牌", 2, "挂牌日期")]
    relisted = reconcile(one_listing("2026-09-01"), listings_at(ended))
    assert [x.starts_on for x in relisted.new_listings] == [date(2026, 9, 1)]


def test_absent_listings_are_reported_and_end_only_when_asked() -> None:
    other = ExistingListing("c-insp-9", date(2026, 9, 1), None, "c-s1-L2", version=2)
    roster = one_listing("2026-09-01")
    kept = reconcile(roster, listings_at(other))
    assert [e.listing_id for e in kept.absent] == ["c-s1-L2"] and kept.ended == []
    ended = reconcile(roster, listings_at(other), end_missing=True, ends_on=date(2026, 12, 31))
    assert [(e.listing_id, e.version) for e in ended.ended] == [("c-s1-L2", 2)]
    assert ended.as_dict()["ended"][0]["ends_on"] == "2026-12-31"
    early = reconcile(roster, listings_at(other), end_missing=True, ends_on=date(2026, 8, 1))
    assert [(e.sheet, e.row) for e in early.errors] == [("挂牌", 2)] and early.ended == []
