"""Every roll-up figure against the county autumn worked out by hand
(tests/reporting_scenario.py, docs/reporting.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import shared.contracts  # noqa: F401
from services.reporting.rollups.domain.figures import from_documents, open_on_day, quantile
from services.reporting.rollups.domain.periods import (
    Period,
    PeriodError,
    choose,
    month_period,
    range_period,
    term_period,
)
from services.reporting.rollups.view import RollupView
from shared.contracts.visits import VisitKind
from shared.events import registry
from shared.projection import Doc, DocRef, Projection, View
from tests.reporting_scenario import Log, Place, at, autumn, visit

PLACE = Place(province="P1", city="C1", county="K1")


def fold(events: list[Any], projection: Projection | None = None) -> dict[DocRef, Doc | None]:
    """The events through a projection as the kernel folds them (its types only)."""
    projection = projection or RollupView()
    docs: dict[DocRef, Doc | None] = {}
    for event in events:
        if event.event_type not in projection.handles:
            continue
        payload = registry.parse(event)
        for ref in projection.keys(event, payload):
            docs.setdefault(ref, None)
        view = View(docs)
        projection.apply(event, payload, view)
        view._commit()
    return docs


DOCS = fold(autumn(PLACE))


def rollup(unit: str, period: Period) -> dict[str, Any]:
    monthly = [
        (doc["month"], doc["n"])
        for ref, doc in DOCS.items()
        if ref.collection == "months" and doc is not None and doc["unit"] == unit
    ]
    mask = DOCS.get(DocRef("masks", f"{unit}|{period.last[:4]}"))
    return from_documents(period, monthly, mask["n"] if mask else {})


SEPT, OCT = month_period("2026-09"), month_period("2026-10")
AUTUMN = range_period("2026-09", "2026-10", 12)


@pytest.mark.parametrize("unit", ["county:K1", "city:C1", "province:P1"])
def test_coverage_is_schools_visited_over_schools_that_existed(unit: str) -> None:
    assert rollup(unit, SEPT)["schools_visited"] == 2  # A and B
    assert rollup(unit, SEPT)["coverage"] == round(2 / 3, 4)
    assert rollup(unit, OCT)["coverage"] == round(2 / 3, 4)  # A and D
    assert rollup(unit, AUTUMN)["coverage"] == 1.0  # A, B and D, each counted once


def test_frequency_compliance_needs_a_visit_in_every_month() -> None:
    assert rollup("county:K1", SEPT)["frequency_compliance"] == round(2 / 3, 4)
    autumn_figures = rollup("county:K1", AUTUMN)
    assert autumn_figures["schools_visited_every_month"] == 1  # only A
    assert autumn_figures["frequency_compliance"] == round(1 / 3, 4)
    assert rollup("zone:K1-Z1", AUTUMN)["frequency_compliance"] == 0.5
    assert rollup("zone:K1-Z2", AUTUMN)["frequency_compliance"] == 0.0


def test_a_team_visit_counts_once_by_kind() -> None:
    assert rollup("county:K1", SEPT)["visits_by_kind"] == {"routine": 2}
    assert rollup("county:K1", AUTUMN)["visits_by_kind"] == {"routine": 3, "special": 1}


def test_problems_by_item_and_severity_count_in_the_month_opened() -> None:
    assert rollup("county:K1", AUTUMN)["problems"] == {
        "safety": {"major": 1},
        "canteen": {"general": 1},
        "teaching": {"general": 1},
    }


def test_rectification_rate_counts_reopened_issues_as_work_again() -> None:
    sept, octo, both = (rollup("county:K1", p) for p in (SEPT, OCT, AUTUMN))
    assert (sept["issues_opened"], sept["issues_closed"], sept["rectification_rate"]) == (2, 1, 0.5)
    assert octo["issues_open_at_start"] == 1
    assert (octo["issues_opened"], octo["issues_reopened"], octo["issues_closed"]) == (1, 1, 2)
    assert octo["rectification_rate"] == round(2 / 3, 4)
    assert both["rectification_rate"] == 0.75  # 3 closures of 0 + 3 opened + 1 reopened
    assert (both["issues_closed_on_time"], both["issues_closed_late"]) == (2, 1)
    assert both["issues_open_at_end"] == 1  # I3


def test_days_to_close_median_and_p90_from_the_histogram() -> None:
    both = rollup("county:K1", AUTUMN)
    assert (both["median_days_to_close"], both["p90_days_to_close"]) == (30, 45)  # 12, 30, 45
    octo = rollup("county:K1", OCT)
    assert (octo["median_days_to_close"], octo["p90_days_to_close"]) == (30, 45)
    assert quantile({}, 0.5) is None


def test_overdue_counts_once_and_leaves_when_closed() -> None:
    octo = rollup("county:K1", OCT)
    assert octo["issues_became_overdue"] == 1
    assert octo["issues_overdue_at_end"] == 0


def test_substantiation_rate_and_on_time_answers() -> None:
    sept, both = rollup("county:K1", SEPT), rollup("county:K1", AUTUMN)
    assert (sept["complaints_received"], sept["substantiation_rate"]) == (1, 1.0)
    assert both["complaints_received"] == 2
    assert both["substantiation_rate"] == 0.5
    assert (both["complaints_answered"], both["on_time_answer_rate"]) == (2, 0.5)


@pytest.mark.parametrize(
    ("day", "open_issues", "overdue"),
    [
        ("2026-09-02", 0, 0),
        ("2026-09-14", 2, 0),
        ("2026-09-15", 1, 0),
        ("2026-10-01", 1, 1),
        ("2026-10-09", 3, 1),
        ("2026-10-10", 2, 0),
        ("2026-10-31", 1, 0),
        ("2027-03-01", 1, 0),
    ],
)
def test_open_issues_as_of_a_past_day(day: str, open_issues: int, overdue: int) -> None:
    monthly = [
        (doc["month"], doc["n"])
        for ref, doc in DOCS.items()
        if ref.collection == "months" and doc is not None and doc["unit"] == "province:P1"
    ]
    assert open_on_day(monthly, date.fromisoformat(day)) == {
        "open_issues": open_issues,
        "overdue_open_issues": overdue,
    }


def test_a_school_card_has_its_last_visit() -> None:
    doc = DOCS[DocRef("months", "school:K1-A|2026-10")]
    assert doc is not None and doc["last_visit_on"] == "2026-10-05"
    assert rollup("school:K1-A", AUTUMN)["visits"] == 2


def test_periods() -> None:
    assert term_period("2026-autumn").months == [
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
        "2027-01",
    ]
    assert term_period("2026-spring").first_day == date(2026, 2, 1)
    assert term_period("2026-spring").last_day == date(2026, 7, 31)
    assert (
        choose(month=None, term=None, year=2026, first=None, last=None, max_months=12).length == 12
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"first": "2026-01", "last": "2027-02"}, "query.to"),
        ({"first": "2026-05", "last": "2026-04"}, "query.to"),
        ({"first": "2026-05"}, "query.to"),
        ({"last": "2026-05"}, "query.from"),
        ({"month": "2026-05", "year": 2026}, "query.year"),
        ({}, "query.month"),
    ],
)
def test_a_bad_period_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"month": None, "term": None, "year": None, "first": None, "last": None}
    with pytest.raises(PeriodError) as raised:
        choose(**{**args, **kwargs}, max_months=12)
    assert raised.value.field == field


def test_a_sign_in_captured_offline_counts_in_the_month_it_happened() -> None:
    place = Place(province="P2", city="C2", county="K2")
    events = autumn(place)
    log = Log()
    visit(log, place, "late", "B", VisitKind.routine, "2026-09-28", team=1)
    planned, signed = log.events
    synced = signed.model_copy(
        update={"occurred_at": at("2026-10-02"), "recorded_at": at("2026-10-02")}
    )
    docs = fold([*events, planned, synced])
    sept = docs[DocRef("months", "county:K2|2026-09")]
    octo = docs[DocRef("months", "county:K2|2026-10")]
    assert sept is not None and octo is not None
    assert sept["n"]["visits~routine"] == 3  # A, B and the late one at B
    assert octo["n"]["visits~routine"] == 1
    mask = docs[DocRef("masks", "school:K2-B|2026")]
    assert mask is not None and mask["n"] == {f"v~{1 << (12 + 8)}": 1}  # September only
