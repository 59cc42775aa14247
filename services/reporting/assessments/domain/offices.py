"""The office whose formula it is: the province's, a city's or a county's (pure).

Each office keeps its own versioned formula per target for its jurisdiction; a ranking
within a unit uses the nearest office that has one — the unit's county, else its city,
else its province (docs/reporting.md, "Assessments").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.jurisdiction import Jurisdiction

LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class Office:
    """An education supervision office: its level and where it lies."""

    province: str
    city: str | None = None
    county: str | None = None

    @property
    def level(self) -> str:
        return "county" if self.county else "city" if self.city else "province"

    @property
    def code(self) -> str:
        return self.county or self.city or self.province

    @property
    def place(self) -> Jurisdiction:
        return Jurisdiction(province=self.province, city=self.city, county=self.county)

    def stream_id(self, target: str) -> str:
        """The formula's stream (the province's keeps the name it had before offices)."""
        base = f"assessment-formula-{self.province}-{target}"
        return base if self.level == "province" else f"{base}-{self.level}-{self.code}"

    def fields(self) -> dict[str, str | None]:
        """The office as the formula events name it."""
        return {"province": self.province, "city": self.city, "county": self.county}

    def public(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code}


def of_unit(level: str, unit: Mapping[str, Any]) -> Office:
    """The office of a roll-up unit of ``level`` (province, city or county)."""
    if level == "province":
        return Office(unit["province"])
    if level == "city":
        return Office(unit["province"], unit["city"])
    return Office(unit["province"], unit.get("city"), unit["county"])


def nearest_first(unit: Mapping[str, Any]) -> list[Office]:
    """The offices above (or of) a unit, nearest first: county, city, province."""
    offices = [Office(unit["province"])]
    if unit.get("city"):
        offices.insert(0, Office(unit["province"], unit["city"]))
        if unit.get("county"):
            offices.insert(0, Office(unit["province"], unit["city"], unit["county"]))
    return offices
