"""Visit-frequency rules (督导频次) and their evaluation, pure.

The rules are data (defaults in ``services/visits/data/frequency_rules.json``, each
office may set its own); :func:`evaluate` checks one inspector's month of visits —
planned (a monthly plan's entries) or done (visits signed in) — and returns findings
with zh-CN messages. What the evaluation cannot know is passed in: the inspector's
listed schools, where each school is, the counties a city inspector covers. A fact
passed as ``None`` is unknown and its rule is skipped (never guessed).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum

from shared.commands import IllegalStep
from shared.contracts.plans import FrequencyRulesSet
from shared.events import EventPayload


class InspectorLevel(StrEnum):
    county = "county"  # 县级责任督学
    city = "city"  # 市级责任督学


@dataclass(frozen=True)
class FrequencyRules:
    listed_school_days_per_month: int
    county_inspector_visits_per_month: int
    school_visits_per_year: int
    city_inspector_visits_per_county_per_month: int
    city_inspector_city_direct_visits_per_month: int


@dataclass(frozen=True)
class VisitDay:
    """One visit (planned or done) at a school on a day."""

    school_id: str
    on: date


@dataclass(frozen=True)
class SchoolPlace:
    """Where a school is: its county, or none for a city-direct school (市直学校)."""

    county: str | None

    @property
    def city_direct(self) -> bool:
        return self.county is None


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    expected: int
    actual: int
    school_id: str | None = None
    county: str | None = None


MONTHLY_VISITS = "monthly_visits"
LISTED_SCHOOL_DAYS = "listed_school_days"
COUNTY_COVERAGE = "county_coverage"
CITY_DIRECT_VISITS = "city_direct_visits"
YEARLY_SCHOOL_VISITS = "yearly_school_visits"


def evaluate(
    rules: FrequencyRules,
    level: InspectorLevel,
    visits: Sequence[VisitDay],
    *,
    planned: bool,
    listed_schools: Collection[str] | None = None,
    places: Mapping[str, SchoolPlace] | None = None,
    covered_counties: Collection[str] | None = None,
) -> list[Finding]:
    """Findings for one inspector's month; an empty list means every known rule is met."""
    verb = "计划督导" if planned else "已督导"
    findings: list[Finding] = []
    if level is InspectorLevel.county:
        findings += _at_least(
            MONTHLY_VISITS,
            f"本月{verb}",
            len(visits),
            rules.county_inspector_visits_per_month,
            "次",
        )
    if listed_schools is not None:
        days = _days_by_school(visits)
        for school_id in sorted(set(listed_schools)):
            findings += _at_least(
                LISTED_SCHOOL_DAYS,
                f"挂牌学校 {school_id} 本月{verb}",
                len(days.get(school_id, ())),
                rules.listed_school_days_per_month,
                "天",
                school_id=school_id,
            )
    if level is InspectorLevel.city and places is not None:
        findings += _city_rules(rules, visits, verb, places, covered_counties)
    return findings


def _city_rules(
    rules: FrequencyRules,
    visits: Sequence[VisitDay],
    verb: str,
    places: Mapping[str, SchoolPlace],
    covered_counties: Collection[str] | None,
) -> list[Finding]:
    findings: list[Finding] = []
    known = [(v, places[v.school_id]) for v in visits if v.school_id in places]
    if covered_counties is not None:
        for county in sorted(set(covered_counties)):
            count = sum(1 for _, place in known if place.county == county)
            findings += _at_least(
                COUNTY_COVERAGE,
                f"所负责的县(区) {county} 本月{verb}",
                count,
                rules.city_inspector_visits_per_county_per_month,
                "次",
                county=county,
            )
    city_direct = sum(1 for _, place in known if place.city_direct)
    findings += _at_least(
        CITY_DIRECT_VISITS,
        f"市直学校本月{verb}",
        city_direct,
        rules.city_inspector_city_direct_visits_per_month,
        "次",
    )
    return findings


def evaluate_year(
    rules: FrequencyRules, schools: Collection[str], visits: Sequence[VisitDay]
) -> list[Finding]:
    """Schools of a zone visited fewer times this year than the rule asks (每年至少督导1次)."""
    counts: dict[str, int] = {}
    for v in visits:
        counts[v.school_id] = counts.get(v.school_id, 0) + 1
    findings: list[Finding] = []
    for school_id in sorted(set(schools)):
        findings += _at_least(
            YEARLY_SCHOOL_VISITS,
            f"学校 {school_id} 本年已督导",
            counts.get(school_id, 0),
            rules.school_visits_per_year,
            "次",
            school_id=school_id,
        )
    return findings


def _days_by_school(visits: Sequence[VisitDay]) -> dict[str, set[date]]:
    days: dict[str, set[date]] = {}
    for v in visits:
        days.setdefault(v.school_id, set()).add(v.on)
    return days


def _at_least(
    rule: str,
    subject: str,
    actual: int,
    expected: int,
    unit: str,
    school_id: str | None = None,
    county: str | None = None,
) -> list[Finding]:
    if actual >= expected:
        return []
    return [
        Finding(
            rule=rule,
            message=f"{subject} {actual} {unit}，少于规定的 {expected} {unit}",
            expected=expected,
            actual=actual,
            school_id=school_id,
            county=county,
        )
    ]


# -- an office's own rules: one stream per office --------------------------------------


def rules_stream_id(office: str) -> str:
    return f"frequency-rules-{office}"


def set_rules(
    current: FrequencyRules | None, office: str, rules: FrequencyRules, reason: str
) -> list[EventPayload]:
    """Set an office's rules whole; setting what is already set is refused."""
    if current == rules:
        raise IllegalStep("督导频次要求没有变化 (the rules are already set so)")
    return [FrequencyRulesSet(office=office, reason=reason, **asdict(rules))]


def evolve_rules(current: FrequencyRules | None, event: EventPayload) -> FrequencyRules | None:
    if isinstance(event, FrequencyRulesSet):
        return FrequencyRules(
            **event.model_dump(exclude={"office", "reason"}),
        )
    raise ValueError(f"a frequency rules stream cannot hold {event.event_type}")
