"""Frequency compliance over the months a school existed in the period
(docs/reporting.md, "Frequency compliance"), worked by hand.

County K, zone Z1 (A, B), Z2 (D). A registered 2025-12-01 and visited on the 20th of
every month of 2026 but June; B and D registered 2026-03-10 and visited on the 20th of
every month from March on, D not in December.

| 2026 | schools | visited in every month it existed | compliance |
|---|---|---|---|
| A | 1 | 0 (June) | 0.0 |
| B | 1 | 1 (March–December) | 1.0 |
| Z1 | 2 | 1 (B) | 0.5 |
| Z2 | 1 | 0 (D: December) | 0.0 |
| K | 3 | 1 | 0.3333 |

Spring term (February–July): A misses June, B and D were visited in each of March–July
→ K 2/3. Before, the denominator was the schools registered by the end of the first
month: Z2 owed nothing for 2026 (D registered in March), so its compliance was undefined.
"""

from __future__ import annotations

from typing import Any

from services.reporting.rollups.domain.periods import Period, term_period, year_period
from shared.envelope import EventEnvelope
from tests.reporting_scenario import Log, Place, at, school
from tests.unit.test_rollup_figures import fold
from tests.unit.test_rollup_known_at import plain_figures
from tests.unit.test_rollup_zone_change import visit_in

K = Place(province="P6", city="C6", county="K6")
YEAR, SPRING = year_period(2026), term_period("2026-spring")


def log() -> list[EventEnvelope]:
    out = Log()
    for s, on in (("A", "2025-12-01"), ("B", "2026-03-10"), ("D", "2026-03-10")):
        out.add(f"school-{K.sid(s)}", school(K, s), K.school(s), at(on))
    for month in range(1, 13):
        day = f"2026-{month:02d}-20"
        if month != 6:
            visit_in(out, K.school("A"), f"a{month}", day)
        if month >= 3:
            visit_in(out, K.school("B"), f"b{month}", day)
        if 3 <= month <= 11:
            visit_in(out, K.school("D"), f"d{month}", day)
    return out.events


DOCS = fold(log())


def figures(unit: str, period: Period) -> Any:
    return plain_figures(DOCS, unit, period)


def test_a_school_registered_after_january_owes_the_months_it_existed() -> None:
    b = figures("school:K6-B", YEAR)
    assert (b["schools"], b["schools_visited_every_month"], b["frequency_compliance"]) == (
        1,
        1,
        1.0,
    )
    assert figures("school:K6-D", YEAR)["frequency_compliance"] == 0.0  # December missed
    assert figures("school:K6-A", YEAR)["frequency_compliance"] == 0.0  # June missed


def test_zone_and_county_compliance_for_the_year() -> None:
    assert figures("zone:K6-Z1", YEAR)["frequency_compliance"] == 0.5
    assert figures("zone:K6-Z2", YEAR)["frequency_compliance"] == 0.0
    county = figures("county:K6", YEAR)
    assert (county["schools"], county["schools_visited_every_month"]) == (3, 1)
    assert county["frequency_compliance"] == round(1 / 3, 4)


def test_a_term_counts_the_months_of_the_term_the_school_existed() -> None:
    county = figures("county:K6", SPRING)
    assert county["schools_visited_every_month"] == 2  # B and D from March
    assert county["frequency_compliance"] == round(2 / 3, 4)


def test_a_month_before_the_registration_owes_nothing() -> None:
    feb = figures("county:K6", Period("2026-02", "2026-02", "2026-02"))
    assert (feb["schools"], feb["schools_visited_every_month"]) == (1, 1)  # A only


def test_a_registration_read_after_the_first_visits_gives_the_same_masks() -> None:
    """The directory and the visits are two topics: a school's first visits may be read
    before its registration; the masks end the same."""
    events = log()
    registration = next(e for e in events if e.stream_id == f"school-{K.sid('B')}")
    late = [e for e in events if e is not registration]
    first_b = next(
        i for i, e in enumerate(late) if e.stream_id == "b3" and "signed" in e.event_type
    )
    late.insert(first_b + 1, registration)

    def masks(docs: dict[Any, Any]) -> dict[Any, Any]:
        return {ref: doc for ref, doc in docs.items() if ref.collection == "masks"}

    assert masks(fold(late)) == masks(DOCS)
