"""A school that changes zone mid-period (docs/reporting.md, "A school that changes
zone"): its visits count where they were made, the school itself once, in the zone it
was in at the end of the period; the county is the sum of its zones.

Worked by hand: county K, zone Z1 (A, B) and Z2 (D), registered 2026-08-20. Visits: A
09-03 and B 09-10 (in Z1), A 10-05 (in Z1), D 10-12 (Z2); A moves to Z2 on 10-15; A
10-20 (in Z2).

| figure | Z1 Sep | Z2 Sep | Z1 Oct | Z2 Oct | Z1 Sep–Oct | Z2 Sep–Oct | K Sep–Oct |
|---|---|---|---|---|---|---|---|
| schools | 2 (A, B) | 1 (D) | 1 (B) | 2 (A, D) | 1 | 2 | 3 |
| visited / coverage | 2 / 1.0 | 0 / 0.0 | 0 / 0.0 | 2 / 1.0 | 1 / 1.0 | 2 / 1.0 | 3 / 1.0 |
| visits | 2 | 0 | 1 (A 10-05) | 2 | 3 | 2 | 5 |
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.rollups.domain.periods import (
    Period,
    month_period,
    range_period,
    year_period,
)
from services.reporting.rollups.view import RollupView
from shared.contracts.directory import SchoolZoneChanged
from shared.contracts.visits import InspectorSignedIn, VisitKind, VisitPlanned
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.projection import Doc, DocRef, View
from tests.reporting_scenario import Log, Place, at, school
from tests.unit.test_rollup_figures import fold
from tests.unit.test_rollup_known_at import known_figures, plain_figures

K = Place(province="P5", city="C5", county="K5")
SEPT, OCT = month_period("2026-09"), month_period("2026-10")
AUTUMN = range_period("2026-09", "2026-10", 12)


def visit_in(log: Log, where: Jurisdiction, vid: str, day: str) -> None:
    """A routine visit whose events name ``where`` (the school's zone when planned)."""
    assert where.school is not None
    planned = VisitPlanned(
        visit_id=vid,
        kind=VisitKind.routine,
        school_id=where.school,
        planned_on=date.fromisoformat(day),
        announced=True,
        lead_inspector_id="insp-1",
        team=[],
        item_assignments=[],
        checklist_id="routine",
        checklist_version=1,
        items=[],
        campaign_id=None,
        purpose="督导",
    )
    log.add(vid, planned, where, at(day, 7))
    signed = InspectorSignedIn(
        visit_id=vid,
        inspector_id="insp-1",
        signed_in_at=at(day),
        location=None,
        distance_m=None,
        radius_m=500,
        flagged=False,
    )
    log.add(vid, signed, where, at(day))


def move(log: Log, where: Jurisdiction, zone: str, day: str) -> Jurisdiction:
    """``where``'s school moves to ``zone``; answers its new place."""
    assert where.school is not None
    event = SchoolZoneChanged(
        school_id=where.school, zone_id=zone, previous_zone_id=where.zone, reason="调整"
    )
    log.add(f"school-{where.school}", event, where, at(day, 12))
    return where.model_copy(update={"zone": zone})


def hand_worked(place: Place = K) -> list[EventEnvelope]:
    log = Log()
    for s in ("A", "B", "D"):
        log.add(f"school-{place.sid(s)}", school(place, s), place.school(s), at("2026-08-20"))
    a, v = place.school("A"), f"visit-{place.county}-"
    visit_in(log, a, f"{v}1", "2026-09-03")
    visit_in(log, place.school("B"), f"{v}2", "2026-09-10")
    visit_in(log, a, f"{v}3", "2026-10-05")
    visit_in(log, place.school("D"), f"{v}4", "2026-10-12")
    a = move(log, a, place.zone("Z2"), "2026-10-15")
    visit_in(log, a, f"{v}5", "2026-10-20")
    return log.events


EVENTS = hand_worked()
DOCS = fold(EVENTS)


def figures(unit: str, period: Period, docs: dict[DocRef, Doc | None] = DOCS) -> Any:
    return plain_figures(docs, unit, period)


def test_the_month_of_the_change_counts_the_school_in_its_new_zone() -> None:
    z1, z2 = figures("zone:K5-Z1", OCT), figures("zone:K5-Z2", OCT)
    assert (z1["schools"], z1["schools_visited"], z1["coverage"]) == (1, 0, 0.0)
    assert (z2["schools"], z2["schools_visited"], z2["coverage"]) == (2, 2, 1.0)
    assert (z1["visits"], z2["visits"]) == (1, 2)  # A's visit of 10-05 stays in Z1


def test_months_before_the_change_are_unchanged() -> None:
    z1, z2 = figures("zone:K5-Z1", SEPT), figures("zone:K5-Z2", SEPT)
    assert (z1["schools"], z1["schools_visited"], z1["coverage"]) == (2, 2, 1.0)
    assert (z2["schools"], z2["schools_visited"], z2["coverage"]) == (1, 0, 0.0)


def test_a_longer_period_counts_the_school_once_where_it_ended() -> None:
    for period in (AUTUMN, year_period(2026)):
        z1, z2 = figures("zone:K5-Z1", period), figures("zone:K5-Z2", period)
        county = figures("county:K5", period)
        assert (z1["schools"], z1["schools_visited"], z1["coverage"]) == (1, 1, 1.0)
        assert (z2["schools"], z2["schools_visited"], z2["coverage"]) == (2, 2, 1.0)
        assert (county["schools"], county["schools_visited"]) == (3, 3)
        assert z1["visits"] + z2["visits"] == county["visits"] == 5


def test_the_zones_list_the_school_where_it_is_now() -> None:
    z1, z2 = DOCS[DocRef("units", "zone:K5-Z1")], DOCS[DocRef("units", "zone:K5-Z2")]
    assert z1 is not None and z2 is not None
    assert z1["children"] == ["school:K5-B"]
    assert z2["children"] == ["school:K5-A", "school:K5-D"]
    a = DOCS[DocRef("units", "school:K5-A")]
    assert a is not None and a["parent"] == "zone:K5-Z2"


def test_the_rows_behind_stay_where_the_visits_were_made() -> None:
    rows: dict[str, list[str]] = defaultdict(list)  # unit → "day school"
    for ref, doc in DOCS.items():
        if ref.collection == "behind" and doc is not None and doc["figure"] == "visits":
            rows[doc["unit"]].append(f"{doc['day']} {doc['school_id']}")
    assert sorted(rows["zone:K5-Z1"]) == ["2026-09-03 K5-A", "2026-09-10 K5-B", "2026-10-05 K5-A"]
    assert sorted(rows["zone:K5-Z2"]) == ["2026-10-12 K5-D", "2026-10-20 K5-A"]
    assert len(rows["school:K5-A"]) == 3


def test_as_known_before_the_change_the_school_is_in_its_old_zone() -> None:
    day = date(2026, 10, 14)
    z1, z2 = (known_figures(DOCS, f"zone:K5-{z}", OCT, day) for z in ("Z1", "Z2"))
    assert (z1["schools"], z1["schools_visited"]) == (2, 1)  # A (10-05), not B
    assert (z2["schools"], z2["schools_visited"]) == (1, 1)  # D
    then = fold([e for e in EVENTS if local_day(e.recorded_at) <= day])
    assert z1 == plain_figures(then, "zone:K5-Z1", OCT)


# -- on random logs ------------------------------------------------------------------

ZONES = ("Z1", "Z2", "Z3")
step = st.tuples(
    st.sampled_from(["visit", "visit", "move"]),
    st.sampled_from(("A", "B", "D")),
    st.integers(0, 700),  # day offset from 2026-01-01: up to late 2027
    st.sampled_from(ZONES),
)


def random_log(steps: list[tuple[str, str, int, str]]) -> list[EventEnvelope]:
    """Schools registered at the start of 2026; visits name the school's zone of the
    day (as the visits service stamps a visit planned that day)."""
    log = Log()
    where = {s: K.school(s) for s in ("A", "B", "D")}
    for s in where:
        log.add(f"school-{K.sid(s)}", school(K, s), where[s], at("2025-12-01"))
    for n, (kind, s, offset, zone) in enumerate(sorted(steps, key=lambda x: x[2])):
        day = (date(2026, 1, 1) + timedelta(days=offset)).isoformat()
        if kind == "visit":
            visit_in(log, where[s], f"v{n}", day)
        elif K.zone(zone) != where[s].zone:
            where[s] = move(log, where[s], K.zone(zone), day)
    return log.events


def resumed(events: list[EventEnvelope], stop: int) -> dict[DocRef, Doc | None]:
    """The live documents: the log folded up to ``stop``, stored, and folded on from
    there by a restarted runner (the documents it reads are the stored ones)."""
    stored = {ref: (dict(doc) if doc else None) for ref, doc in fold(events[:stop]).items()}
    projection = RollupView()
    for event in events[stop:]:
        if event.event_type not in projection.handles:
            continue
        payload = registry.parse(event)
        for ref in projection.keys(event, payload):
            stored.setdefault(ref, None)
        view = View(stored)
        projection.apply(event, payload, view)
        view._commit()
    return stored


PERIODS = [
    *(month_period(m) for m in range_period("2026-01", "2027-12", 24).months),
    *(range_period(f"{y}-{m:02d}", f"{y}-{m + 5:02d}", 12) for y in (2026, 2027) for m in (1, 7)),
    year_period(2026),
    year_period(2027),
]
COUNTED = ("schools", "schools_visited", "schools_visited_every_month", "visits")


@settings(max_examples=50, deadline=None)
@given(st.lists(step, max_size=30), st.integers(0, 730))
def test_zones_add_up_to_their_county_and_never_cover_more_than_all(
    steps: list[tuple[str, str, int, str]], offset: int
) -> None:
    events = random_log(steps)
    docs = fold(events)
    day = date(2026, 1, 1) + timedelta(days=offset)
    then = fold([e for e in events if local_day(e.recorded_at) <= day])
    live = resumed(events, offset % (len(events) + 1))
    for period in PERIODS:
        zones = [figures(f"zone:K5-{z}", period, docs) for z in ZONES]
        county = figures("county:K5", period, docs)
        for figure in COUNTED:
            assert sum(z[figure] for z in zones) == county[figure], (figure, period)
        for z in zones:
            assert z["coverage"] is None or 0 <= z["coverage"] <= 1, period
            assert z["schools_visited"] <= z["schools"], period
        for unit in ("county:K5", *(f"zone:K5-{z}" for z in ZONES)):
            assert known_figures(docs, unit, period, day) == plain_figures(then, unit, period)
            assert figures(unit, period, live) == figures(unit, period, docs)
    children = [
        child
        for z in ZONES
        if (doc := docs.get(DocRef("units", f"zone:K5-{z}"))) is not None
        for child in doc["children"]
    ]
    assert sorted(children) == sorted(set(children))  # each school under one zone
