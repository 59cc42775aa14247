"""The directory's pure aggregates: zones, inspectors, divisions, listings, zone changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.visits.directory.domain import division, inspector, listing, school, zone
from services.visits.directory.domain.division import Division, RegisterDivision
from services.visits.directory.domain.inspector import (
    CorrectInspector,
    Inspector,
    RegisterInspector,
)
from services.visits.directory.domain.listing import (
    CorrectListing,
    EndListing,
    ListInspector,
    SchoolListings,
)
from services.visits.directory.domain.school import ChangeSchoolZone, School
from services.visits.directory.domain.zone import CorrectZone, EstablishZone, Zone
from shared.commands import IllegalStep, InvalidField
from shared.contracts.directory import (
    DivisionLevel,
    Employment,
    InspectorDetailsCorrected,
    SchoolKind,
    SchoolRegistered,
    ZoneDetailsCorrected,
    ZoneLeaderChanged,
    ZoneLevel,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

COUNTY = Jurisdiction(province="510000", city="510700", county="510704")
NEIGHBOUR = Jurisdiction(province="510000", city="510700", county="510703")
CITY = Jurisdiction(province="510000", city="510700")
DAY = date(2026, 9, 1)


def registered_school(school_id: str = "s1", county: str = "510704") -> SchoolRegistered:
    return SchoolRegistered(
        school_id=school_id,
        name="游仙区第一小学",
        kind=SchoolKind.primary,
        province="510000",
        city="510700",
        county=county,
        zone_id="z1",
        address="绵阳市游仙区",
        city_direct=False,
        principal_name=None,
        location=None,
    )


def listings_of(*events: EventPayload) -> SchoolListings:
    state = SchoolListings()
    for e in events:
        state = listing.evolve(state, e)
    return state


def apply(state: SchoolListings, events: list[EventPayload]) -> SchoolListings:
    for e in events:
        state = listing.evolve(state, e)
    return state


# -- zones ------------------------------------------------------------------------------


def establish(**overrides: object) -> EstablishZone:
    values: dict[str, object] = {
        "zone_id": "z1",
        "name": "第一责任区",
        "level": ZoneLevel.county,
        "province": "510000",
        "city": "510700",
        "county": "510704",
        "leader_id": "insp-1",
        "bureau_liaison": "赵局长",
    }
    values.update(overrides)
    return EstablishZone(**values)  # type: ignore[arg-type]


def test_a_zone_leader_must_be_a_registered_inspector_of_the_county_or_city() -> None:
    assert zone.establish(Zone(), establish(), COUNTY)
    assert zone.establish(Zone(), establish(), CITY)  # a city inspector may lead
    with pytest.raises(InvalidField, match="不是已登记的督学") as unknown:
        zone.establish(Zone(), establish(), None)
    assert unknown.value.field == "body.leader_id"  # an unknown id in the body: 422
    with pytest.raises(IllegalStep, match="another county"):
        zone.establish(Zone(), establish(), NEIGHBOUR)
    assert zone.establish(Zone(), establish(leader_id=None), None)


def test_zone_levels_and_duplicates() -> None:
    with pytest.raises(IllegalStep):
        zone.establish(Zone(), establish(level=ZoneLevel.city), COUNTY)
    city_zone = establish(level=ZoneLevel.city, county=None, leader_id=None)
    [event] = zone.establish(Zone(), city_zone, None)
    state = zone.evolve(Zone(), event)
    assert state.jurisdiction == CITY
    with pytest.raises(IllegalStep, match="已设立"):
        zone.establish(state, city_zone, None)


def test_zone_corrections_are_separate_facts() -> None:
    state = zone.evolve(Zone(), zone.establish(Zone(), establish(), COUNTY)[0])
    events = zone.correct(
        state,
        CorrectZone(zone_id="z1", reason="调整", name="一区", change_leader=True, leader_id=None),
        None,
    )
    assert [e.event_type for e in events] == [
        ZoneDetailsCorrected.event_type,
        ZoneLeaderChanged.event_type,
    ]
    for e in events:
        state = zone.evolve(state, e)
    assert state.name == "一区" and state.leader_id is None
    with pytest.raises(IllegalStep, match="nothing to correct"):
        zone.correct(state, CorrectZone(zone_id="z1", reason="无", name="一区"), None)
    with pytest.raises(IllegalStep, match="not established"):
        zone.correct(Zone(), CorrectZone(zone_id="z9", reason="无", name="x"), None)


# -- inspectors and divisions -------------------------------------------------------------


def test_inspectors_register_once_and_corrections_carry_only_changes() -> None:
    cmd = RegisterInspector(
        inspector_id="insp-1",
        name="张督学",
        employment=Employment.full_time,
        phone="0816-2210000",
        province="510000",
        city="510700",
        county="510704",
    )
    state = inspector.evolve(Inspector(), inspector.register(Inspector(), cmd)[0])
    assert state.office == COUNTY
    with pytest.raises(IllegalStep, match="已登记"):
        inspector.register(state, cmd)
    [fix] = inspector.correct(state, CorrectInspector("insp-1", "换号", phone="13800000000"))
    assert isinstance(fix, InspectorDetailsCorrected) and fix.name is None
    with pytest.raises(IllegalStep):
        inspector.correct(state, CorrectInspector("insp-1", "无"))


def test_divisions_follow_the_code_and_need_their_parent() -> None:
    county = RegisterDivision("510704", "游仙区", DivisionLevel.county)
    with pytest.raises(InvalidField, match="上级区划") as orphan:
        division.register(Division(), county, parent_registered=False)
    assert orphan.value.field == "body.code"
    [event] = division.register(Division(), county, parent_registered=True)
    assert event.parent_code == "510700"  # type: ignore[attr-defined]
    with pytest.raises(IllegalStep, match="不符"):
        division.register(
            Division(), RegisterDivision("510700", "绵阳", DivisionLevel.county), True
        )
    assert division.jurisdiction_of("510704", DivisionLevel.county) == COUNTY


# -- a school's zone ---------------------------------------------------------------------------


def test_a_school_moves_only_to_an_existing_zone_of_its_county() -> None:
    state = school.evolve(School(), registered_school())
    move = ChangeSchoolZone("s1", "z2", "学区调整")
    with pytest.raises(InvalidField, match="不存在") as unknown:
        school.change_zone(state, move, None)
    assert unknown.value.field == "body.zone_id"
    with pytest.raises(IllegalStep, match="elsewhere"):
        school.change_zone(state, move, NEIGHBOUR.model_copy(update={"zone": "z2"}))
    [event] = school.change_zone(state, move, COUNTY.model_copy(update={"zone": "z2"}))
    moved = school.evolve(state, event)
    assert moved.zone_id == "z2" and moved.jurisdiction is not None
    assert moved.jurisdiction.zone == "z2"
    with pytest.raises(IllegalStep, match="already"):
        school.change_zone(moved, move, COUNTY.model_copy(update={"zone": "z2"}))


# -- listings ------------------------------------------------------------------------------


def test_a_listing_needs_a_registered_school_and_inspector_of_its_county() -> None:
    cmd = ListInspector("s1", "insp-1", DAY)
    with pytest.raises(IllegalStep, match="学校"):
        listing.list_inspector(SchoolListings(), cmd, COUNTY)
    state = listings_of(registered_school())
    with pytest.raises(InvalidField, match="未登记") as unknown:
        listing.list_inspector(state, cmd, None)
    assert unknown.value.field == "body.inspector_id"
    with pytest.raises(IllegalStep, match="another county"):
        listing.list_inspector(state, cmd, NEIGHBOUR)
    assert listing.list_inspector(state, cmd, CITY)  # a city inspector


def test_listing_history_end_and_relisting() -> None:
    state = listings_of(registered_school())
    state = apply(state, listing.list_inspector(state, ListInspector("s1", "i1", DAY), COUNTY))
    [first] = state.listings.values()
    assert first.listing_id == "s1-L1" and first.version == 1
    with pytest.raises(IllegalStep, match="重叠"):
        listing.list_inspector(state, ListInspector("s1", "i1", DAY + timedelta(days=30)), COUNTY)
    with pytest.raises(IllegalStep, match="早于"):
        listing.end(state, EndListing("s1-L1", DAY - timedelta(days=1), "调离"))
    state = apply(state, listing.correct(state, CorrectListing("s1-L1", "补充", duties="随访")))
    state = apply(state, listing.end(state, EndListing("s1-L1", DAY, "调离")))
    ended = state.listings["s1-L1"]
    assert ended.version == 3 and ended.duties == "随访" and ended.active_on(DAY)
    assert not ended.active_on(DAY + timedelta(days=1))
    with pytest.raises(IllegalStep, match="已结束"):
        listing.end(state, EndListing("s1-L1", DAY, "再次"))
    with pytest.raises(IllegalStep, match="重叠"):
        listing.list_inspector(state, ListInspector("s1", "i1", DAY), COUNTY)
    later = ListInspector("s1", "i1", DAY + timedelta(days=1))
    [again] = listing.list_inspector(state, later, COUNTY)
    assert again.listing_id == "s1-L2"  # type: ignore[attr-defined]
    with pytest.raises(IllegalStep, match="unknown listing"):
        listing.end(state, EndListing("s1-L9", DAY, "无"))


def test_listing_ids_name_their_school() -> None:
    assert listing.school_of(listing.listing_id("yx-a-L1", 12)) == "yx-a-L1"
    assert listing.school_of("nonsense") is None
    assert listing.school_of("-L3") is None


# Commands as (inspector, start offset, action): action None lists, an int ends the
# inspector's open listing that many days after its start, "fix" moves its start.
commands = st.lists(
    st.tuples(
        st.sampled_from(["i1", "i2"]),
        st.integers(0, 60),
        st.one_of(st.none(), st.integers(-5, 30), st.just("fix")),
    ),
    max_size=25,
)


@given(commands)
def test_listings_of_one_inspector_never_overlap(steps: list[tuple[str, int, object]]) -> None:
    state = listings_of(registered_school())
    for inspector_id, offset, action in steps:
        day = DAY + timedelta(days=offset)
        open_ = [
            x for x in state.listings.values() if x.inspector_id == inspector_id and not x.ends_on
        ]
        try:
            if action is None or not open_:
                events = listing.list_inspector(
                    state, ListInspector("s1", inspector_id, day), COUNTY
                )
            elif action == "fix":
                events = listing.correct(
                    state, CorrectListing(open_[0].listing_id, "更正", starts_on=day)
                )
            else:
                assert isinstance(action, int)
                ends = open_[0].starts_on + timedelta(days=action)
                events = listing.end(state, EndListing(open_[0].listing_id, ends, "结束"))
        except IllegalStep:
            continue
        state = apply(state, events)
    items = list(state.listings.values())
    for x in items:
        assert x.ends_on is None or x.ends_on >= x.starts_on
        for y in items:
            if x is not y and x.inspector_id == y.inspector_id:
                assert not x.overlaps(y.starts_on, y.ends_on)
    assert sorted(state.listings) == sorted(f"s1-L{n}" for n in range(1, len(items) + 1))
