"""Roll-up routes: a unit's figures for a period with its children (drill-down), a
school's card and open issues as of a past day (their tables as CSV and XLSX:
:mod:`services.reporting.exports.api`)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from services.reporting.access import authorize, visible_children
from services.reporting.deps import InspectorsDep, PeriodDep, RollupsDep
from services.reporting.inspectors.queries import Inspectors
from services.reporting.rollups.behind_api import router as behind_router
from services.reporting.rollups.domain.periods import Period, PeriodError
from services.reporting.rollups.domain.units import unit_id
from shared.auth import CurrentPrincipal, Principal, Role
from shared.contracts.reporting import Figures
from shared.deadlines import local_day
from shared.params import PlausibleDate

router = APIRouter(tags=["reports"])
router.include_router(behind_router)

UNIT_CODE = r"^[0-9A-Za-z_-]{1,60}$"


class Level(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    zone = "zone"
    school = "school"


class UnitPublic(BaseModel):
    level: str
    code: str
    unit: str
    parent: str | None
    province: str
    city: str | None
    county: str | None
    school_id: str | None


class PeriodPublic(BaseModel):
    label: str
    first: str
    last: str


class ChildRollup(BaseModel):
    unit: UnitPublic
    name: str | None
    """The unit's name as the directory gives it (docs/reporting.md, "Routes")."""
    figures: Figures


class SchoolMonth(BaseModel):
    month: str
    visits_by_kind: dict[str, int]
    last_visit_on: str | None
    issues_opened: int
    issues_closed: int
    issues_became_overdue: int
    complaints_received: int


class UnitRollup(BaseModel):
    unit: UnitPublic
    name: str | None
    period: PeriodPublic
    figures: Figures
    children: list[ChildRollup]
    months: list[SchoolMonth]


class OpenOn(BaseModel):
    unit: UnitPublic
    on: str
    open_issues: int
    overdue_open_issues: int


LevelPath = Annotated[Level, Path(description="层级")]
CodePath = Annotated[str, Path(pattern=UNIT_CODE, description="代码 (县代码、责任区或学校编号)")]


def _period(period: Period) -> dict[str, str]:
    return {"label": period.label, "first": period.first, "last": period.last}


@router.get("/reports/units/{level}/{code}", response_model=UnitRollup)
async def unit_rollup(
    level: LevelPath,
    code: CodePath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    rollups: RollupsDep,
    inspectors: InspectorsDep,
    known_on: Annotated[
        PlausibleDate | None,
        Query(description="截至该日已记录的事件：当时所知的统计（可在期间之内）"),
    ] = None,
) -> dict[str, Any]:
    """一个单位某期间的统计及其下级 — a unit's figures for a period, with its children;
    with ``known_on``, as known at the end of that day (only events recorded by then)."""
    if known_on is not None and known_on > local_day(datetime.now(UTC)):
        raise PeriodError("query.known_on", "所知日期不能晚于今天 (known_on is after today)")
    unit = await rollups.unit(level.value, code)
    authorize(principal, level, unit, listed=await listed_now(principal, level, code, inspectors))
    children = visible_children(principal, await rollups.children(level.value, code))
    ids = [unit["unit"], *(child["unit"] for child in children)]
    found = await rollups.figures(ids, period, known_on)
    names = await rollups.names([unit, *children])
    months = await rollups.school_months(code, period) if level == Level.school else []
    return {
        "unit": unit,
        "name": names[unit["unit"]],
        "period": _period(period),
        "figures": found[unit["unit"]],
        "children": [
            {"unit": ch, "name": names[ch["unit"]], "figures": found[ch["unit"]]} for ch in children
        ],
        "months": months,
    }


async def listed_now(principal: Principal, level: Level, code: str, inspectors: Inspectors) -> bool:
    """An inspector asking for the card of a school they are listed at today."""
    if level != Level.school or not principal.has_any(Role.inspector):
        return False
    return await inspectors.listed_at(principal.user_id, code, local_day(datetime.now(UTC)))


@router.get("/reports/units/{level}/{code}/open-on", response_model=OpenOn)
async def open_on(
    level: LevelPath,
    code: CodePath,
    on: Annotated[PlausibleDate, Query(description="日期：当日结束时的未整改问题")],
    principal: CurrentPrincipal,
    rollups: RollupsDep,
) -> dict[str, Any]:
    """某日未销号的问题数 — open issues (and open overdue ones) at the end of a past day."""
    if on > local_day(datetime.now(UTC)):
        raise PeriodError("query.on", "日期不能晚于今天 (a day after today)")
    unit = await rollups.unit(level.value, code)
    authorize(principal, level, unit)
    counts = await rollups.open_on(unit_id(level.value, code), on)
    return {"unit": unit, "on": on.isoformat(), **counts}
