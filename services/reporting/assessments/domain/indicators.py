"""The indicators a formula may weigh, per target, and their values for one period.

Schools and zones are scored on shares of their roll-up figures (docs/reporting.md
defines each one), inspectors on their figures against the frequency rules. Every value
counts upward in a score except those marked ``lower_is_better`` (a substantiated
complaint counts against a school): those enter the score as ``1 - value``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting.inspectors.domain.rules import Listing, listed_schools_visited, month_check
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.figures import ratio
from services.reporting.rollups.domain.periods import Period, month_period

Value = float | int | None
"""An indicator's value; ``None`` when it is undefined (nothing to divide by)."""

TARGETS: tuple[str, ...] = ("school", "zone", "inspector")


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    lower_is_better: bool = False


_UNIT = (
    Indicator("coverage", "督导覆盖率"),
    Indicator("frequency_compliance", "每月督导达标率"),
    Indicator("rectification_rate", "问题整改率"),
    Indicator("on_time_answer_rate", "投诉按期答复率"),
    Indicator("substantiation_rate", "投诉属实率（越低越好）", lower_is_better=True),
)
_INSPECTOR = (
    Indicator("months_meeting_rule", "达标月数"),
    Indicator("rule_compliance", "月度达标率"),
    Indicator("visits", "督导次数"),
    Indicator("problems_found", "发现问题数"),
    Indicator("issues_verified", "验收销号数"),
    Indicator("listed_school_coverage", "挂牌学校到校率"),
)

CATALOGUE: dict[str, dict[str, Indicator]] = {
    "school": {i.name: i for i in _UNIT},
    "zone": {i.name: i for i in _UNIT},
    "inspector": {i.name: i for i in _INSPECTOR},
}


def unit_values(figures: Mapping[str, Any]) -> dict[str, Value]:
    """A school's or a zone's indicator values: its figures of those names."""
    return {name: figures[name] for name in CATALOGUE["school"]}


def _listings(doc: Mapping[str, Any]) -> list[Listing]:
    return [
        Listing(
            x["school_id"],
            x["county"],
            date.fromisoformat(x["starts_on"]),
            date.fromisoformat(x["ends_on"]) if x["ends_on"] else None,
        )
        for x in doc.get("listings", {}).values()
    ]


def inspector_values(
    doc: Mapping[str, Any], months: Mapping[str, Mapping[str, int]], period: Period
) -> dict[str, Value]:
    """An inspector's indicator values for the period, from the inspector document (level
    and listings) and its monthly counts (``month`` → ``n``) of the period's months."""
    listings = _listings(doc)
    meeting = 0
    for month in period.months:
        one = month_period(month)
        active = [x for x in listings if x.active_in(one.first_day, one.last_day)]
        meeting += bool(month_check(doc["level"], months.get(month, {}), active)["meets"])
    summed = c.total(months.get(m, {}) for m in period.months)
    visited = set(c.sub(summed, "school"))
    listed, unvisited = listed_schools_visited(listings, visited, period.first_day, period.last_day)
    return {
        "months_meeting_rule": meeting,
        "rule_compliance": ratio(meeting, period.length),
        "visits": summed.get("total", 0),
        "problems_found": summed.get("problems_found", 0),
        "issues_verified": summed.get("issues_verified", 0),
        "listed_school_coverage": ratio(len(listed) - len(unvisited), len(listed)),
    }
