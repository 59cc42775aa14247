"""Self-inspection filing, campaign progress, unit names, inspectors' days on site and
the rows behind a figure, against the county autumn worked out by hand
(tests/reporting_scenario.py, docs/reporting.md)."""

from __future__ import annotations

from typing import Any

import pytest

from services.reporting.inspectors.domain.rules import days_on_site, month_check
from services.reporting.inspectors.view import InspectorView
from services.reporting.rollups.behind_queries import id_range, spell_on
from services.reporting.rollups.domain.periods import Period, month_period
from shared.projection import DocRef
from tests.reporting_scenario import autumn
from tests.unit.test_rollup_figures import AUTUMN, DOCS, OCT, PLACE, SEPT, fold, rollup


@pytest.mark.parametrize("unit", ["county:K1", "city:C1", "province:P1"])
def test_filing_rate_is_reports_filed_over_school_months(unit: str) -> None:
    sept, octo, both = (rollup(unit, p) for p in (SEPT, OCT, AUTUMN))
    # September: A on time, B late, D none, of 3 schools
    assert (sept["self_inspections_due"], sept["self_inspections_filed"]) == (3, 2)
    assert sept["self_inspection_filing_rate"] == round(2 / 3, 4)
    assert sept["self_inspection_on_time_rate"] == round(1 / 3, 4)
    # October: only A (filed on 11-02, before the 5th): the month of the report decides
    assert (octo["self_inspections_filed"], octo["self_inspections_filed_on_time"]) == (1, 1)
    assert octo["self_inspection_filing_rate"] == round(1 / 3, 4)
    assert (both["self_inspections_due"], both["self_inspections_filed"]) == (6, 3)
    assert both["self_inspection_filing_rate"] == 0.5
    assert both["self_inspection_on_time_rate"] == round(2 / 6, 4)


def test_filing_rate_of_a_zone_and_a_school() -> None:
    z1 = rollup("zone:K1-Z1", AUTUMN)
    assert (z1["self_inspections_due"], z1["self_inspections_filed"]) == (4, 3)
    assert rollup("zone:K1-Z2", AUTUMN)["self_inspection_filing_rate"] == 0.0
    assert rollup("school:K1-B", AUTUMN)["self_inspection_filing_rate"] == 0.5
    assert rollup("school:K1-B", AUTUMN)["self_inspection_on_time_rate"] == 0.0


def test_a_report_filed_after_its_month_is_late_in_transaction_time() -> None:
    late = DOCS[DocRef("late", "county:K1|2026-09|2026-10-08")]
    assert late is not None and late["n"] == {"self_inspections_filed": 1}


def test_campaign_progress_counts_visits_and_schools_visited_by_the_end() -> None:
    campaign = "camp-K1"
    assert rollup("county:K1", SEPT)["campaigns"] == {}
    assert rollup("county:K1", OCT)["campaigns"] == {campaign: {"visits": 1, "schools_visited": 1}}
    assert rollup("zone:K1-Z2", AUTUMN)["campaigns"] == {
        campaign: {"visits": 1, "schools_visited": 1}
    }
    assert rollup("zone:K1-Z1", AUTUMN)["campaigns"] == {}
    # November: no visit under it, D still counts as visited (cumulative)
    november = rollup("county:K1", month_period("2026-11"))
    assert november["campaigns"] == {campaign: {"visits": 0, "schools_visited": 1}}


def test_names_come_from_the_directory() -> None:
    names = {ref.id: doc["name"] for ref, doc in DOCS.items() if ref.collection == "names" and doc}
    assert names["division:K1"] == "测试县"
    assert names["division:C1"] == "测试市"
    assert names["zone:K1-Z1"] == "第一责任区"
    assert names["school:K1-A"] == "学校A"


def test_days_on_site_are_distinct_days_with_a_sign_in() -> None:
    assert days_on_site({"total": 3, "day~03": 2, "day~10": 1}) == 2
    assert month_check("county", {"total": 3, "day~03": 2, "day~10": 1}, [])["days_on_site"] == 2
    docs = fold(autumn(PLACE), InspectorView())
    sept = docs[DocRef("months", "insp-1|2026-09")]
    assert sept is not None and days_on_site(sept["n"]) == 2  # 09-03 and 09-10
    other = docs[DocRef("months", "insp-2|2026-09")]
    assert other is not None and days_on_site(other["n"]) == 1


def behind(unit: str, figure: str, period: Period) -> list[dict[str, Any]]:
    lo, hi = id_range(unit, figure, period)
    return [
        doc
        for ref, doc in sorted(DOCS.items(), key=lambda kv: kv[0].id)
        if ref.collection == "behind" and doc is not None and lo <= ref.id < hi
    ]


def test_the_visits_behind_a_zone_in_day_order() -> None:
    rows = behind("zone:K1-Z1", "visits", AUTUMN)
    assert [(r["day"], r["school_id"], r["kind"], r["label"]) for r in rows] == [
        ("2026-09-03", "K1-A", "routine", "经常性督导"),  # two sign-ins: one row
        ("2026-09-10", "K1-B", "routine", "经常性督导"),
        ("2026-10-05", "K1-A", "routine", "经常性督导"),
    ]
    assert len(behind("zone:K1-Z1", "visits", SEPT)) == rollup("zone:K1-Z1", SEPT)["visits"]
    assert [r["label"] for r in behind("school:K1-D", "visits", OCT)] == ["专项督导"]


def test_the_issues_behind_a_school() -> None:
    opened = behind("school:K1-A", "issues_opened", AUTUMN)
    assert [(r["day"], r["item"], r["label"]) for r in opened] == [
        ("2026-09-03", "issue-K1-I1", "safety（重大）"),
        ("2026-10-05", "issue-K1-I3", "teaching（一般）"),
    ]
    closed = behind("zone:K1-Z1", "issues_closed", AUTUMN)
    assert [(r["day"], r["item"].split("@")[0], r["kind"]) for r in closed] == [
        ("2026-09-15", "issue-K1-I1", "on_time"),
        ("2026-10-10", "issue-K1-I2", "late"),
        ("2026-10-18", "issue-K1-I1", "on_time"),  # closed again after it was reopened
    ]
    assert len(closed) == rollup("zone:K1-Z1", AUTUMN)["issues_closed"]


def test_an_overdue_spell_ends_at_the_closure() -> None:
    (spells,) = behind("zone:K1-Z1", "issues_overdue_at_end", OCT)
    assert spells["item"] == "issue-K1-I2"
    assert spells["spells"] == [{"since": "2026-10-01", "until": "2026-10-10"}]
    assert spell_on(spells, "2026-09-30") is None
    assert spell_on(spells, "2026-10-09") == "2026-10-01"
    assert spell_on(spells, "2026-10-10") is None  # closed that day
    assert spell_on(spells, OCT.last_day.isoformat()) is None  # issues_overdue_at_end: 0


def test_the_complaints_behind_a_county_zone() -> None:
    rows = behind("zone:K1-Z1", "complaints", AUTUMN)
    assert [(r["day"], r["item"], r["label"]) for r in rows] == [
        ("2026-10-02", "complaint-K1-Q2", "教育教学"),
    ]
    assert behind("county:K1", "complaints", AUTUMN) == []  # rows only for zones and schools
