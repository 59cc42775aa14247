"""Frequency rules (督导频次): what a month of visits must reach, as data."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.visits.plans.domain import frequency
from services.visits.plans.domain.frequency import (
    FrequencyRules,
    InspectorLevel,
    SchoolPlace,
    VisitDay,
    evaluate,
    evaluate_year,
)
from services.visits.plans.rules import default_rules
from shared.commands import IllegalStep
from shared.contracts.plans import FrequencyRulesSet

RULES = default_rules()
SCHOOLS = ["s1", "s2", "s3", "s4", "s5"]

visit_days = st.lists(
    st.builds(
        VisitDay,
        school_id=st.sampled_from(SCHOOLS),
        on=st.integers(1, 30).map(lambda d: date(2026, 9, 1) + timedelta(days=d - 1)),
    ),
    max_size=12,
)
rules = st.builds(
    FrequencyRules,
    listed_school_days_per_month=st.integers(0, 3),
    county_inspector_visits_per_month=st.integers(0, 8),
    school_visits_per_year=st.integers(0, 3),
    city_inspector_visits_per_county_per_month=st.integers(0, 3),
    city_inspector_city_direct_visits_per_month=st.integers(0, 3),
)


def test_the_defaults_are_those_of_the_domain() -> None:
    assert FrequencyRules(1, 4, 1, 1, 2) == RULES


def test_a_short_plan_is_reported_in_chinese() -> None:
    visits = [VisitDay("s1", date(2026, 9, d)) for d in (3, 10, 17)]
    [finding] = evaluate(RULES, InspectorLevel.county, visits, planned=True)
    assert finding.message == "本月计划督导 3 次，少于规定的 4 次"
    assert (finding.rule, finding.expected, finding.actual) == ("monthly_visits", 4, 3)
    [done] = evaluate(RULES, InspectorLevel.county, visits[:1], planned=False)
    assert done.message == "本月已督导 1 次，少于规定的 4 次"


def test_each_listed_school_needs_a_visit_day() -> None:
    visits = [VisitDay("s1", date(2026, 9, d)) for d in (1, 8, 15, 22)]
    findings = evaluate(
        RULES, InspectorLevel.county, visits, planned=True, listed_schools=["s1", "s2"]
    )
    assert [f.message for f in findings] == ["挂牌学校 s2 本月计划督导 0 天，少于规定的 1 天"]


def test_a_city_inspector_covers_each_county_and_the_city_direct_schools() -> None:
    places = {"a": SchoolPlace("510704"), "b": SchoolPlace(None), "c": SchoolPlace("510703")}
    visits = [VisitDay("a", date(2026, 9, 2)), VisitDay("b", date(2026, 9, 9))]
    findings = evaluate(
        RULES,
        InspectorLevel.city,
        visits,
        planned=True,
        places=places,
        covered_counties=["510704", "510703"],
    )
    assert [f.message for f in findings] == [
        "所负责的县(区) 510703 本月计划督导 0 次，少于规定的 1 次",
        "市直学校本月计划督导 1 次，少于规定的 2 次",
    ]
    # unknown places skip the city rules; the county count never applies to a city inspector
    assert evaluate(RULES, InspectorLevel.city, visits, planned=True) == []


def test_every_school_once_a_year() -> None:
    findings = evaluate_year(RULES, ["s1", "s2"], [VisitDay("s1", date(2026, 3, 1))])
    assert [f.school_id for f in findings] == ["s2"]
    assert findings[0].message == "学校 s2 本年已督导 0 次，少于规定的 1 次"


@given(rules, visit_days, st.sets(st.sampled_from(SCHOOLS)))
def test_findings_are_exactly_the_unmet_rules(
    rules: FrequencyRules, visits: list[VisitDay], listed: set[str]
) -> None:
    findings = evaluate(rules, InspectorLevel.county, visits, planned=True, listed_schools=listed)
    count = [f for f in findings if f.rule == frequency.MONTHLY_VISITS]
    assert bool(count) == (len(visits) < rules.county_inspector_visits_per_month)
    short = {f.school_id for f in findings if f.rule == frequency.LISTED_SCHOOL_DAYS}
    days = {s: {v.on for v in visits if v.school_id == s} for s in listed}
    assert short == {s for s in listed if len(days[s]) < rules.listed_school_days_per_month}
    assert all(f.actual < f.expected for f in findings)


@given(rules, visit_days, visit_days, st.sets(st.sampled_from(SCHOOLS)))
def test_more_visits_never_add_findings(
    rules: FrequencyRules, visits: list[VisitDay], more: list[VisitDay], listed: set[str]
) -> None:
    def keys(vs: list[VisitDay]) -> set[tuple[str, str | None]]:
        found = evaluate(rules, InspectorLevel.county, vs, planned=True, listed_schools=listed)
        return {(f.rule, f.school_id) for f in found}

    assert keys(visits + more) <= keys(visits)


def test_an_office_sets_its_rules_whole_and_not_twice_the_same() -> None:
    office = "province:510000/city:510700/county:510704"
    stricter = FrequencyRules(2, 6, 1, 1, 2)
    [event] = frequency.set_rules(None, office, stricter, "加密督导")
    assert isinstance(event, FrequencyRulesSet) and event.county_inspector_visits_per_month == 6
    current = frequency.evolve_rules(None, event)
    assert current == stricter
    with pytest.raises(IllegalStep):
        frequency.set_rules(current, office, stricter, "again")
