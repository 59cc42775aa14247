"""Drill-down below a figure: the visits, issues and complaints behind a zone's or a
school's figure for a period (docs/reporting.md, "Behind a figure")."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from services.reporting.access import authorize_items
from services.reporting.deps import PeriodDep, RollupsDep
from services.reporting.rollups.behind_queries import Behind
from services.reporting.rollups.domain.units import unit_id
from shared.auth import CurrentPrincipal
from shared.params import Skip
from shared.routing import Page
from shared.runtime import Runtime

router = APIRouter(tags=["reports"])

UNIT_CODE = r"^[0-9A-Za-z_-]{1,60}$"
MAX_PAGE = 200


class BehindLevel(StrEnum):
    zone = "zone"
    school = "school"


class BehindFigure(StrEnum):
    visits = "visits"
    issues_opened = "issues_opened"
    issues_closed = "issues_closed"
    issues_overdue_at_end = "issues_overdue_at_end"
    complaints = "complaints"


class BehindItem(BaseModel):
    id: str
    """The visit, issue or complaint id."""
    school_id: str | None
    school_name: str | None
    day: str
    """The day that decides the period (a visit's first sign-in, an issue's opening or
    closure, a complaint's receipt; for overdue issues the day it became overdue)."""
    kind: str | None
    """Visit kind; ``<item>~<severity>`` of an issue opened; ``on_time``/``late`` of a
    closure; a complaint's category."""
    label: str | None
    status: str | None
    """An issue's or complaint's state now (``open``/``overdue``/``closed``; ``received``,
    the verification outcome, ``answered``)."""
    status_label: str | None


def get_behind(request: Request) -> Behind:
    runtime: Runtime = request.app.state.runtime
    return Behind(runtime.db)


BehindDep = Annotated[Behind, Depends(get_behind)]
BehindLevelPath = Annotated[BehindLevel, Path(description="层级：责任区或学校")]
BehindCodePath = Annotated[str, Path(pattern=UNIT_CODE, description="责任区或学校编号")]
BehindFigurePath = Annotated[BehindFigure, Path(description="统计项")]


@router.get("/reports/units/{level}/{code}/behind/{figure}", response_model=Page[BehindItem])
async def behind_figure(
    level: BehindLevelPath,
    code: BehindCodePath,
    figure: BehindFigurePath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    rollups: RollupsDep,
    behind: BehindDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="每页条数")] = 50,
    offset: Skip = 0,
) -> Page[BehindItem]:
    """统计明细 — the visits, issues or complaints behind a zone's or school's figure for
    a period, day by day (offices; a principal for their own school)."""
    unit = await rollups.unit(level.value, code)
    authorize_items(principal, level.value, unit)
    total, rows = await behind.page(unit_id(level.value, code), figure.value, period, offset, limit)
    items = [BehindItem.model_validate(row) for row in rows]
    return Page[BehindItem](total=total, offset=offset, limit=limit, items=items)
