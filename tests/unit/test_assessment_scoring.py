"""Assessment scores, rankings and formula versions (pure), against the county autumn
worked out by hand (tests/reporting_scenario.py; docs/reporting.md, "Assessments").

Sep–Oct indicator values: A coverage 1, frequency compliance 1, rectification 2/3
(0.6667), no complaints; B 1, 0 (September only), 1 (I2 closed), Q2 answered late (0)
and unsubstantiated (0); D 1, 0 (October only), no issues, Q1 on time (1) and
substantiated (1).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from services.reporting.assessments.domain import formula as f
from services.reporting.assessments.domain.indicators import inspector_values, unit_values
from services.reporting.assessments.domain.offices import Office, nearest_first
from services.reporting.assessments.domain.scoring import Candidate, ranking, ranks, score
from services.reporting.assessments.queries import unit_scope
from services.reporting.inspectors.view import InspectorView
from shared.commands import FieldProblem, IllegalStep, NotFound
from shared.contracts.assessments import (
    AssessmentFormulaActivated,
    AssessmentFormulaChanged,
    IndicatorWeight,
)
from shared.eventstore import StalePrecondition
from tests.reporting_scenario import autumn
from tests.unit.test_rollup_figures import AUTUMN, PLACE, fold, rollup

BILINGUAL = re.compile(r"^[\u4e00-\u9fff].* \([a-z][a-z_ ]+[a-z0-9]\)$")
"""A user-facing message: zh-CN first, its English half in parentheses at the end."""

P = Office("P")


def weights(**named: float) -> tuple[IndicatorWeight, ...]:
    return tuple(IndicatorWeight(indicator=k, weight=w) for k, w in named.items())


V1 = weights(coverage=0.4, rectification_rate=0.6)
V2 = weights(frequency_compliance=0.5, on_time_answer_rate=0.3, rectification_rate=0.2)


def schools() -> list[Candidate]:
    return [Candidate(s, {}, unit_values(rollup(f"school:{PLACE.sid(s)}", AUTUMN))) for s in "ABD"]


def test_the_indicator_values_are_the_roll_up_figures() -> None:
    values = {c.code: c.values for c in schools()}
    assert values["A"] == {
        "coverage": 1.0,
        "frequency_compliance": 1.0,
        "rectification_rate": 0.6667,
        "on_time_answer_rate": None,
        "substantiation_rate": None,
    }
    assert values["B"]["frequency_compliance"] == 0.0
    assert values["B"]["on_time_answer_rate"] == 0.0
    assert values["D"]["rectification_rate"] is None
    assert values["D"]["substantiation_rate"] == 1.0
    zone = unit_values(rollup(f"zone:{PLACE.zone('Z1')}", AUTUMN))
    assert (zone["frequency_compliance"], zone["rectification_rate"]) == (0.5, 0.75)


def test_the_score_is_the_weighted_sum_of_the_indicators() -> None:
    values = {c.code: c.values for c in schools()}
    # A: 0.4 × 1 + 0.6 × 0.6667 = 0.80002; B: 0.4 + 0.6 = 1
    assert score("school", V1, values["A"]) == (0.8, [])
    assert score("school", V1, values["B"]) == (1.0, [])
    # B: 0.5 × 0 + 0.3 × 0 + 0.2 × 1
    assert score("school", V2, values["B"]) == (0.2, [])


def test_an_undefined_indicator_is_left_out_and_the_others_scaled_up() -> None:
    values = {c.code: c.values for c in schools()}
    # D has no issues: 0.4 × 1 / 0.4
    assert score("school", V1, values["D"]) == (1.0, ["rectification_rate"])
    # A has no complaints: (0.5 × 1 + 0.2 × 0.6667) / 0.7 = 0.63334 / 0.7
    assert score("school", V2, values["A"]) == (0.9048, ["on_time_answer_rate"])
    # D: (0.3 × 1) / 0.8
    assert score("school", V2, values["D"]) == (0.375, ["rectification_rate"])
    nothing = weights(on_time_answer_rate=1.0)
    assert score("school", nothing, values["A"]) == (None, ["on_time_answer_rate"])


def test_a_substantiated_complaint_counts_against_a_school() -> None:
    values = {c.code: c.values for c in schools()}
    mixed = weights(substantiation_rate=0.5, coverage=0.5)
    assert score("school", mixed, values["B"])[0] == 1.0  # 0.5 × (1 − 0) + 0.5 × 1
    assert score("school", mixed, values["D"])[0] == 0.5  # 0.5 × (1 − 1) + 0.5 × 1


def test_equal_scores_share_a_rank_and_the_next_one_skips() -> None:
    assert ranks({"B": 1.0, "A": 0.8, "D": 1.0, "E": None}) == {
        "A": 3,
        "B": 1,
        "D": 1,
        "E": None,
    }
    rows = ranking("school", V1, schools())
    assert [(r["code"], r["score"], r["rank"]) for r in rows] == [
        ("B", 1.0, 1),
        ("D", 1.0, 1),
        ("A", 0.8, 3),
    ]


def test_another_version_ranks_beside_the_active_one() -> None:
    rows = ranking("school", V2, schools(), active=V1)
    assert [(r["code"], r["score"], r["rank"]) for r in rows] == [
        ("A", 0.9048, 1),
        ("D", 0.375, 2),
        ("B", 0.2, 3),
    ]
    assert [(r["active_score"], r["active_rank"]) for r in rows] == [(0.8, 3), (1.0, 1), (1.0, 1)]
    assert rows[0]["missing"] == ["on_time_answer_rate"]
    assert ranking("school", V1, schools())[0]["active_score"] is None


def test_an_inspectors_values_against_the_frequency_rule() -> None:
    docs = fold(autumn(PLACE), InspectorView())
    inspector: Any = next(
        d for r, d in docs.items() if r.collection == "inspectors" and d is not None
    )
    months = {
        d["month"]: d["n"]
        for r, d in docs.items()
        if r.collection == "months" and d is not None and d["inspector_id"] == "insp-1"
    }
    values = inspector_values(inspector, months, AUTUMN)
    # two visits in September (A, B), two in October (A, D): neither month meets 4
    assert values == {
        "months_meeting_rule": 0,
        "rule_compliance": 0.0,
        "visits": 4,
        "problems_found": 3,
        "issues_verified": 3,
        "listed_school_coverage": 1.0,
    }
    formula = weights(listed_school_coverage=0.5, problems_found=0.5)
    assert score("inspector", formula, values) == (2.0, [])  # 0.5 × 1 + 0.5 × 3


@pytest.mark.parametrize(
    ("target", "indicators", "field"),
    [
        ("school", weights(coverage=0.5, visits=0.5), "body.indicators.1.indicator"),
        ("inspector", weights(coverage=1.0), "body.indicators.0.indicator"),
        ("zone", weights(coverage=0.5, rectification_rate=0.4), "body.indicators"),
        (
            "school",
            (IndicatorWeight(indicator="coverage", weight=0.5),) * 2,
            "body.indicators.1.indicator",
        ),
    ],
)
def test_a_bad_formula_names_the_field(
    target: str, indicators: tuple[IndicatorWeight, ...], field: str
) -> None:
    command = f.ChangeFormula(P, target, indicators, None, None)
    with pytest.raises(FieldProblem) as raised:
        f.decide_change(f.Formulas(), command)
    assert raised.value.field == field
    assert BILINGUAL.match(str(raised.value)), str(raised.value)  # zh-CN, then English


@pytest.mark.parametrize("weight", [0, -0.1, 1.5])
def test_a_weight_lies_in_zero_to_one(weight: float) -> None:
    with pytest.raises(ValidationError):
        IndicatorWeight(indicator="coverage", weight=weight)


def fold_formulas(*events: Any) -> f.Formulas:
    state = f.Formulas()
    for event in events:
        state = f.evolve(state, event)
    return state


def test_the_first_version_is_active_at_once_a_later_one_waits() -> None:
    first = f.decide_change(f.Formulas(), f.ChangeFormula(P, "school", V1, None, 0))
    assert [type(e) for e in first] == [AssessmentFormulaChanged, AssessmentFormulaActivated]
    state = fold_formulas(*first)
    assert (state.latest, state.active) == (1, 1)
    second = f.decide_change(state, f.ChangeFormula(P, "school", V2, "新方案", 1))
    assert [type(e) for e in second] == [AssessmentFormulaChanged]
    assert isinstance(second[0], AssessmentFormulaChanged) and second[0].version == 2
    state = fold_formulas(*first, *second)
    assert (state.latest, state.active, state.formula(2)) == (2, 1, V2)
    activated = f.decide_activate(state, f.ActivateFormula(P, "school", None, 2))
    assert fold_formulas(*first, *second, *activated).active == 2


def test_a_stale_if_match_an_unknown_or_active_version_is_refused() -> None:
    state = fold_formulas(*f.decide_change(f.Formulas(), f.ChangeFormula(P, "zone", V1, None, 0)))
    with pytest.raises(StalePrecondition):
        f.decide_change(state, f.ChangeFormula(P, "zone", V2, None, 0))
    with pytest.raises(StalePrecondition):
        f.decide_activate(state, f.ActivateFormula(P, "zone", 1, 2))
    with pytest.raises(NotFound):
        f.decide_activate(state, f.ActivateFormula(P, "zone", 2, None))
    with pytest.raises(IllegalStep):
        f.decide_activate(state, f.ActivateFormula(P, "zone", 1, 1))
    with pytest.raises(NotFound):
        f.Formulas().formula(1)


def unit(level: str, code: str, county: str | None = "K") -> dict[str, Any]:
    return {"level": level, "unit": f"{level}:{code}", "province": "P", "city": "C"} | {
        "county": county
    }


@pytest.mark.parametrize(
    ("level", "within", "scope"),
    [
        ("school", unit("zone", "Z1"), {"level": "school", "parent": "zone:Z1"}),
        ("zone", unit("county", "K"), {"level": "zone", "parent": "county:K"}),
        (
            "school",
            unit("county", "K"),
            {"level": "school", "province": "P", "city": "C", "county": "K"},
        ),
        (
            "school",
            unit("county", "C-direct", county=None),
            {"level": "school", "province": "P", "city": "C", "county": None},
        ),
        ("zone", unit("city", "C", county=None), {"level": "zone", "province": "P", "city": "C"}),
        ("school", unit("province", "P", county=None), {"level": "school", "province": "P"}),
    ],
)
def test_the_candidates_are_read_by_equality_on_the_documents_place(
    level: str, within: dict[str, Any], scope: dict[str, Any]
) -> None:
    assert unit_scope(level, within) == scope


def test_an_office_of_a_city_or_county_keeps_its_own_stream_and_names_itself() -> None:
    county = Office("P", "C", "K")
    assert [o.stream_id("school") for o in (P, Office("P", "C"), county)] == [
        "assessment-formula-P-school",  # the province's, as before offices had their own
        "assessment-formula-P-school-city-C",
        "assessment-formula-P-school-county-K",
    ]
    changed, activated = f.decide_change(f.Formulas(), f.ChangeFormula(county, "zone", V1, None, 0))
    assert isinstance(changed, AssessmentFormulaChanged)
    assert (changed.province, changed.city, changed.county) == ("P", "C", "K")
    assert isinstance(activated, AssessmentFormulaActivated) and activated.county == "K"
    (province_change, _) = f.decide_change(f.Formulas(), f.ChangeFormula(P, "zone", V1, None, 0))
    assert isinstance(province_change, AssessmentFormulaChanged)
    assert (province_change.city, province_change.county) == (None, None)


def test_the_nearest_office_comes_first() -> None:
    zone = {"level": "zone", "province": "P", "city": "C", "county": "K"}
    assert [o.level for o in nearest_first(zone)] == ["county", "city", "province"]
    city = {"level": "city", "province": "P", "city": "C", "county": None}
    assert nearest_first(city) == [Office("P", "C"), P]
    assert nearest_first({"province": "P"}) == [P]
