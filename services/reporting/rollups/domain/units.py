"""The units figures are kept for, leaf to root: school → zone → county → city → province.

A county code stands for its county; ``<city>-direct`` for a city's city-direct schools
(市直学校), so that a city is always the sum of its "counties". A school without a zone
sits in ``<county>-none``; so do city-direct schools (``<city>-direct-none``): their
events name no county, and a jurisdiction names a zone only below a county. Every count
an event changes is added to the same key of every unit of its chain, so a parent is the
sum of its children by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from shared.jurisdiction import Jurisdiction

LEVELS: tuple[str, ...] = ("province", "city", "county", "zone", "school")
CHILD = {"province": "city", "city": "county", "county": "zone", "zone": "school"}


@dataclass(frozen=True, slots=True)
class Unit:
    level: str
    code: str
    parent: str | None
    """The parent unit's id (``None`` for a province)."""
    where: Jurisdiction
    """What a caller must see to read this unit (zones ignored by the scoping rules)."""
    id: str = ""
    """``<level>:<code>`` (filled in on construction: read per event)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", unit_id(self.level, self.code))

    def meta(self) -> dict[str, str | None]:
        """The fields every document of this unit carries (for scoping and drill-down)."""
        return {
            "level": self.level,
            "code": self.code,
            "unit": self.id,
            "parent": self.parent,
            "province": self.where.province,
            "city": self.where.city,
            "county": self.where.county,
            "school_id": self.where.school,
        }


def unit_id(level: str, code: str) -> str:
    return f"{level}:{code}"


@lru_cache(maxsize=1 << 16)
def chain(where: Jurisdiction, school_id: str | None = None) -> tuple[Unit, ...]:
    """The units an event at ``where`` counts in, province first (cached: one chain per
    school serves all its events).

    Raises ``ValueError`` for a place above a school's county (no city): such an event
    could not be counted in every level alike.
    """
    if where.city is None:
        raise ValueError(f"no city in {where.path}: cannot be rolled up")
    province = Jurisdiction(province=where.province)
    city = Jurisdiction(province=where.province, city=where.city)
    county_code = where.county or f"{where.city}-direct"
    county = city if where.county is None else city.model_copy(update={"county": where.county})
    zone_code = where.zone if where.zone and where.county else f"{county_code}-none"
    units = [
        Unit("province", where.province, None, province),
        Unit("city", where.city, unit_id("province", where.province), city),
        Unit("county", county_code, unit_id("city", where.city), county),
        Unit("zone", zone_code, unit_id("county", county_code), county),
    ]
    school = where.school or school_id
    if school is not None:
        school_where = county.model_copy(update={"school": school})
        units.append(Unit("school", school, unit_id("zone", zone_code), school_where))
    return tuple(units)
