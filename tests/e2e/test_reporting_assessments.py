"""Assessments through Kafka and HTTP: the county autumn (tests/reporting_scenario.py)
ranked under a province's school formula; a new version reads beside the active one,
activation switches the rankings; a stale If-Match is 412, a county office may not
change the province's formula; the formula's events leave through the outbox relay;
then the county office keeps a formula of its own, which ranks inside the county while
the city still ranks under the province's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import uuid4

from services.reporting.assessments.domain.indicators import CATALOGUE
from services.reporting.bootstrap import create_app
from services.reporting.settings import ReportingSettings
from shared.auth import Role
from tests.conftest import Infra, Mint, eventually, serve
from tests.e2e.test_reporting_reports import reporting_events
from tests.e2e.test_reporting_rollups import new_place, publish
from tests.reporting_scenario import autumn

AUTUMN = {"from": "2026-09", "to": "2026-10"}
V1 = {
    "indicators": [
        {"indicator": "coverage", "weight": 0.4},
        {"indicator": "rectification_rate", "weight": 0.6},
    ]
}
V2 = {
    "indicators": [
        {"indicator": "frequency_compliance", "weight": 0.5},
        {"indicator": "on_time_answer_rate", "weight": 0.3},
        {"indicator": "rectification_rate", "weight": 0.2},
    ],
    "note": "加入投诉按期答复",
}
FORMULA = "/reports/assessments/formulas"
INSPECTOR = {
    "months_meeting_rule": 0,  # 2 visits in September, 2 in October: the rule asks 4
    "rule_compliance": 0.0,
    "visits": 4,
    "problems_found": 3,
    "issues_verified": 3,
    "listed_school_coverage": 1.0,
}


def by_hand(a: str, b: str, d: str) -> dict[str, dict[str, float | None]]:
    """Sep–Oct indicator values of A, B and D (docs/reporting.md, "Assessments")."""
    names = tuple(CATALOGUE["school"])
    values = {
        a: (1.0, 1.0, 0.6667, None, None),
        b: (1.0, 0.0, 1.0, 0.0, 0.0),
        d: (1.0, 0.0, None, 1.0, 1.0),
    }
    return {code: dict(zip(names, v, strict=True)) for code, v in values.items()}


def table(answer: dict[str, Any]) -> list[tuple[str, float | None, int | None]]:
    return [(r["code"], r["score"], r["rank"]) for r in answer["rows"]]


async def test_a_new_formula_ranks_beside_the_active_one_until_activated(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    # its own topics: the scenario's inspector (insp-1) is in every place
    infra = replace(infra, topic_prefix=f"{infra.topic_prefix}asm{uuid4().hex[:8]}.")
    place = new_place()
    a, b, d = (place.sid(s) for s in "ABD")
    province = auth_header(Role.province_office, province=place.province)
    city = auth_header(Role.city_office, province=place.province, city=place.city)
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    other = auth_header(Role.county_office, province=place.province, city=place.city, county="1")
    schools = "/reports/assessments/school/rankings"

    settings = settings_for(ReportingSettings, kafka_topic_prefix=infra.topic_prefix)
    async with serve(create_app(settings)) as api:
        await publish(infra, autumn(place))

        # the first version, active at once; a county office may not change it
        r = await api.put(f"{FORMULA}/school", json=V1, headers={**province, "If-Match": '"0"'})
        assert r.status_code == 200, r.text
        assert (r.json()["latest_version"], r.json()["active_version"]) == (1, 1)
        assert r.json()["office"] == {"level": "province", "code": place.province}
        assert r.headers["ETag"] == '"1"'
        the_province = {"office": f"province:{place.province}"}
        r = await api.put(f"{FORMULA}/school", json=V2, headers=county, params=the_province)
        assert r.status_code == 403, r.text
        bad = {"indicators": [{"indicator": "speed", "weight": 1.0}]}
        r = await api.put(f"{FORMULA}/school", json=bad, headers=province)
        assert r.status_code == 422 and "body.indicators.0.indicator" in r.text

        async def ranked(params: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
            r = await api.get(schools, params={**AUTUMN, **params}, headers=who)
            assert r.status_code == 200, r.text
            return dict(r.json())

        async def every_school_ranked() -> dict[str, Any] | None:
            """The rankings once the schools hold every event of the autumn (every topic:
            each indicator as worked out by hand)."""
            r = await api.get(schools, params=AUTUMN, headers=county)
            if r.status_code == 404:  # the county's first roll-up documents are not in yet
                return None
            assert r.status_code == 200, r.text
            answer = dict(r.json())
            found = {row["code"]: row["indicators"] for row in answer["rows"]}
            return answer if found == by_hand(a, b, d) else None

        first = await eventually(every_school_ranked, within=60)
        assert (first["version"], first["active_version"]) == (1, 1)
        assert table(first) == [(b, 1.0, 1), (d, 1.0, 1), (a, 0.8, 3)]
        assert [row["missing"] for row in first["rows"]] == [[], ["rectification_rate"], []]

        # a second version: a new generation, read beside the active one
        r = await api.put(f"{FORMULA}/school", json=V2, headers={**province, "If-Match": '"1"'})
        assert r.status_code == 200, r.text
        assert (r.json()["latest_version"], r.json()["active_version"]) == (2, 1)
        r = await api.put(f"{FORMULA}/school", json=V2, headers={**province, "If-Match": '"1"'})
        assert r.status_code == 412, r.text

        assert table(await ranked({}, county)) == table(first)
        beside = await ranked({"version": 2}, county)
        assert (beside["version"], beside["active_version"]) == (2, 1)
        assert table(beside) == [(a, 0.9048, 1), (d, 0.375, 2), (b, 0.2, 3)]
        assert [(x["active_score"], x["active_rank"]) for x in beside["rows"]] == [
            (0.8, 3),
            (1.0, 1),
            (1.0, 1),
        ]

        # activation switches the rankings; the old generation stays readable
        r = await api.post(
            f"{FORMULA}/school/activate",
            json={"version": 2},
            headers={**province, "If-Match": '"2"'},
        )
        assert r.status_code == 200, r.text
        assert r.json()["active_version"] == 2
        now = await ranked({}, city)
        assert (now["version"], table(now)) == (2, table(beside))
        assert table(await ranked({"version": 1}, county)) == table(first)
        within = {"within": f"county:{place.county}"}
        assert table(await ranked(within, province)) == table(beside)

        # outside, unknown, a bad period
        r = await api.get(schools, params={**AUTUMN, **within}, headers=other)
        assert r.status_code == 403
        r = await api.get(schools, params={**AUTUMN, "within": "county:000001"}, headers=county)
        assert r.status_code == 404
        r = await api.get(schools, params={"from": "2026-10", "to": "2026-09"}, headers=county)
        assert r.status_code == 422 and "query.to" in r.text

        # inspectors under their own formula
        inspector = {
            "indicators": [
                {"indicator": "listed_school_coverage", "weight": 0.5},
                {"indicator": "problems_found", "weight": 0.5},
            ]
        }
        r = await api.put(f"{FORMULA}/inspector", json=inspector, headers=province)
        assert r.status_code == 200, r.text

        async def inspector_ranked() -> list[dict[str, Any]] | None:
            """The inspector rankings once insp-1 holds every visit and issue."""
            r = await api.get(
                "/reports/assessments/inspector/rankings", params=AUTUMN, headers=county
            )
            rows: list[dict[str, Any]] = r.json()["rows"] if r.status_code == 200 else []
            return rows if [row["indicators"] for row in rows] == [INSPECTOR] else None

        rows = await eventually(inspector_ranked, within=60)
        assert [(x["code"], x["score"], x["rank"]) for x in rows] == [("insp-1", 2.0, 1)]

        # the school formula's four events leave through the outbox relay, in order
        stream = f"assessment-formula-{place.province}-school"

        async def relayed() -> list[dict[str, Any]] | None:
            found = await reporting_events(infra, stream)
            return found if len(found) == 4 else None

        events = await eventually(relayed, within=30)
        assert [(e["type"].rsplit(".", 1)[1], e["data"]["version"]) for e in events] == [
            ("assessment_formula_changed", 1),
            ("assessment_formula_activated", 1),
            ("assessment_formula_changed", 2),
            ("assessment_formula_activated", 2),
        ]

        # the county office keeps its own school formula (V1 while the province's is V2):
        # it ranks inside the county; the city still ranks under the province's
        r = await api.put(f"{FORMULA}/school", json=V1, headers={**county, "If-Match": '"0"'})
        assert r.status_code == 200, r.text
        assert r.json()["office"] == {"level": "county", "code": place.county}
        assert (r.json()["latest_version"], r.json()["active_version"]) == (1, 1)
        mine = await ranked({}, county)
        assert mine["office"] == {"level": "county", "code": place.county}
        assert table(mine) == table(first)
        above = await ranked({"within": f"city:{place.city}"}, city)
        assert above["office"] == {"level": "province", "code": place.province}
        assert table(above) == table(beside)
        r = await api.get(f"{FORMULA}/school", params=the_province, headers=county)
        assert (r.status_code, r.json()["active_version"]) == (200, 2)  # the one above it
        theirs = {"office": f"county:{place.county}"}
        r = await api.put(f"{FORMULA}/school", json=V2, headers=other, params=theirs)
        assert r.status_code == 403, r.text
        r = await api.post(f"{FORMULA}/school/activate", json={}, headers=city, params=theirs)
        assert r.status_code == 403, r.text

        own = f"assessment-formula-{place.province}-school-county-{place.county}"

        async def relayed_own() -> list[dict[str, Any]] | None:
            found = await reporting_events(infra, own)
            return found if len(found) == 2 else None

        events = await eventually(relayed_own, within=30)
        assert [(e["data"]["county"], e["data"]["city"]) for e in events] == [
            (place.county, place.city),
        ] * 2
