"""The figures of a document, read from the precomputed roll-up documents.

Each read goes through :class:`~services.reporting.rollups.queries.Rollups` (monthly
documents summed, one visit-mask document; nothing folded from events) and is scoped
like every reporting read: 404 for an unknown unit, 403 outside the reader's
jurisdiction, schools' figures for offices only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.reporting.access import authorize, visible_children
from services.reporting.documents.model import CountyBulletin, MonthFigures, UnitRow, ZoneMonthly
from services.reporting.rollups.domain.periods import Period, month_period
from services.reporting.rollups.domain.units import unit_id
from services.reporting.rollups.queries import Rollups
from shared.auth import Principal

TREND_MONTHS = 6


def trend_months(month: str, count: int = TREND_MONTHS) -> list[Period]:
    """The ``count`` months ending with ``month``, oldest first."""
    year, number = int(month[:4]), int(month[5:7])
    index = year * 12 + number - 1
    return [
        month_period(f"{i // 12:04d}-{i % 12 + 1:02d}") for i in range(index - count + 1, index + 1)
    ]


async def _trend(rollups: Rollups, unit: str, month: str) -> list[MonthFigures]:
    return [
        MonthFigures(period.first, (await rollups.figures([unit], period))[unit])
        for period in trend_months(month)
    ]


async def zone_monthly(
    rollups: Rollups, principal: Principal, code: str, month: str, today: date
) -> ZoneMonthly:
    """A zone's monthly report, as the principal may read it."""
    unit = await rollups.unit("zone", code)
    authorize(principal, "zone", unit)
    every_school = await rollups.children("zone", code)
    schools = visible_children(principal, every_school)
    period = month_period(month)
    found = await rollups.figures([unit["unit"], *(s["unit"] for s in schools)], period)
    county = unit["county"] or ""
    names = await rollups.names([unit, *schools, *_county(unit)])
    return ZoneMonthly(
        zone=code,
        county=county,
        month=month,
        figures=found[unit["unit"]],
        schools=[_row(s, found, names, unit) for s in schools],
        trend=await _trend(rollups, unit["unit"], month),
        made_on=today,
        zone_name=names[unit["unit"]],
        county_name=names.get(unit_id("county", county)),
        schools_hidden=len(schools) < len(every_school),
    )


def _county(zone: dict[str, Any]) -> list[dict[str, Any]]:
    """The zone's county as a unit to name (none for a city-level zone)."""
    if not zone["county"]:
        return []
    county = zone["county"]
    return [{"unit": unit_id("county", county), "level": "county", "code": county}]


def _row(
    unit: dict[str, Any],
    found: dict[str, dict[str, Any]],
    names: dict[str, str | None],
    zone: dict[str, Any] | None = None,
) -> UnitRow:
    """A zone's or a school's row, named (a school with its zone's code and name)."""
    return UnitRow(
        unit["code"],
        found[unit["unit"]],
        zone=zone["code"] if zone else None,
        name=names.get(unit["unit"]),
        zone_name=names.get(zone["unit"]) if zone else None,
    )


async def county_bulletin(
    rollups: Rollups, principal: Principal, code: str, month: str, today: date
) -> CountyBulletin:
    """A county's bulletin, as the principal may read it: the county, its zones and
    (for offices) every school of every zone."""
    unit = await rollups.unit("county", code)
    authorize(principal, "county", unit)
    zones = await rollups.children("county", code)
    every_school = [
        (zone, school) for zone in zones for school in await rollups.children("zone", zone["code"])
    ]
    shown = {s["unit"] for s in visible_children(principal, [s for _, s in every_school])}
    schools = [(zone, school) for zone, school in every_school if school["unit"] in shown]
    period = month_period(month)
    ids = [unit["unit"], *(z["unit"] for z in zones), *(s["unit"] for _, s in schools)]
    found = await rollups.figures(ids, period)
    names = await rollups.names([unit, *zones, *(s for _, s in schools)])
    return CountyBulletin(
        county=code,
        month=month,
        figures=found[unit["unit"]],
        zones=[_row(z, found, names) for z in zones],
        schools=[_row(s, found, names, zone=z) for z, s in schools],
        trend=await _trend(rollups, unit["unit"], month),
        made_on=today,
        county_name=names[unit["unit"]],
        schools_hidden=len(schools) < len(every_school),
    )
