"""An inspector's visits against the frequency rules of shared/domain.md (defaults; the
offices' own rules are a later step):

* a **county inspector** (registered with a county): at least 4 visits a month, and
  every listed school at least once a year;
* a **city inspector** (registered with a city only): at least 1 visit a month to each
  county where they are listed at a school, and 2 a month to city-direct schools when
  they are listed at one.

A visit is the inspector's first sign-in on it; the month is the sign-in's (China time).
Workload: the **days on site** of a month are the distinct days (China time) with at
least one such sign-in, whatever the number of schools visited that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

COUNTY_VISITS_A_MONTH = 4
CITY_VISITS_A_COUNTY = 1
CITY_DIRECT_VISITS = 2
DIRECT = "direct"
DAY = "day"


@dataclass(frozen=True)
class Listing:
    school_id: str
    county: str | None
    """The school's county; ``None`` for a city-direct school."""
    starts_on: date
    ends_on: date | None

    def active_in(self, first: date, last: date) -> bool:
        return self.starts_on <= last and (self.ends_on is None or self.ends_on >= first)


def month_check(
    level: str, visits: Mapping[str, int], listings: Iterable[Listing]
) -> dict[str, Any]:
    """One month: the visits and whether they meet the rule for the inspector's level.

    ``visits`` holds ``total``, ``county~<code>`` and ``direct`` counts; ``listings`` are
    those active in the month.
    """
    total = visits.get("total", 0)
    days = days_on_site(visits)
    if level == "county":
        meets = total >= COUNTY_VISITS_A_MONTH
        return {
            "visits": total,
            "days_on_site": days,
            "required": COUNTY_VISITS_A_MONTH,
            "meets": meets,
        }
    counties = sorted({x.county for x in listings if x.county is not None})
    short = [c for c in counties if visits.get(f"county~{c}", 0) < CITY_VISITS_A_COUNTY]
    direct = any(x.county is None for x in listings)
    direct_short = direct and visits.get(DIRECT, 0) < CITY_DIRECT_VISITS
    return {
        "visits": total,
        "days_on_site": days,
        "counties_without_visit": short,
        "city_direct_visits": visits.get(DIRECT, 0),
        "meets": not short and not direct_short,
    }


def days_on_site(visits: Mapping[str, int]) -> int:
    """Distinct days of the month with a sign-in (``day~<dd>`` counts)."""
    head = DAY + "~"
    return sum(1 for k, v in visits.items() if k.startswith(head) and v > 0)


def listed_schools_visited(
    listings: Iterable[Listing], visited: set[str], first: date, last: date
) -> tuple[list[str], list[str]]:
    """(schools listed during the period, those of them not visited in it)."""
    listed = sorted({x.school_id for x in listings if x.active_in(first, last)})
    return listed, [s for s in listed if s not in visited]
